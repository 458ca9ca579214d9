package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

func TestWaitlistOfferAcceptExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	// pmb-b: 3 IUD places, all taken.
	var codes []string
	for i := range 3 {
		b, err := e.store.Book(ctx, req(kbbotChat(100+i), "k", "pmb-b", "0900", booking.IUD))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	join := func(chat kbbot.ChatID) booking.Waiting {
		t.Helper()
		w, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: chat})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := join(1); w.Position != 1 || w.Offer != nil {
		t.Fatalf("first in line: %+v", w)
	}
	if w := join(2); w.Position != 2 {
		t.Fatalf("second in line: %+v", w)
	}
	if w := join(3); w.Position != 3 {
		t.Fatalf("third in line: %+v", w)
	}
	// Joining again keeps the place in line.
	if w := join(1); w.Position != 1 {
		t.Fatalf("joining again: %+v", w)
	}
	// A cancel offers the place to the first in line, held for them.
	if _, err := e.store.Cancel(ctx, codes[0], 100); err != nil {
		t.Fatal(err)
	}
	a, _ := e.store.Availability(ctx, testEvent, "pmb-b")
	if p, _ := a.Method(booking.IUD); p.Left() != 0 {
		t.Fatalf("the freed place is not held: %+v", p)
	}
	offers, err := e.store.ExpireOffers(ctx, e.clock.Now())
	if err != nil || len(offers) != 1 || offers[0].Resident != 1 || !offers[0].Deadline.Equal(testStart.Add(time.Hour)) || offers[0].SessionID != "0900" {
		t.Fatalf("offers %+v %v", offers, err)
	}
	// Until acknowledged, the offer is handed out again (a caller that
	// failed to tell the resident loses nothing); once acknowledged, it is
	// not announced again.
	if again, _ := e.store.ExpireOffers(ctx, e.clock.Now()); len(again) != 1 || again[0] != offers[0] {
		t.Fatalf("unacknowledged offer not handed out again: %+v", again)
	}
	if err := e.store.AckOffers(ctx, offers); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.store.ExpireOffers(ctx, e.clock.Now()); len(again) != 0 {
		t.Fatalf("offers announced twice: %+v", again)
	}
	// Someone not offered cannot book it.
	if _, err := e.store.Book(ctx, req(9, "k", "pmb-b", "0900", booking.IUD)); !errors.Is(err, booking.ErrFull) {
		t.Fatalf("a stranger booked the held place: %v", err)
	}
	ws, _ := e.store.Waiting(ctx, 1)
	if len(ws) != 1 || ws[0].Offer == nil || ws[0].Offer.Expired {
		t.Fatalf("waiting of 1: %+v", ws)
	}
	// Accepting turns the offer into a booking.
	acc := req(1, "accept-1", "", "", "")
	b, err := e.store.AcceptOffer(ctx, acc)
	if err != nil || b.FacilityID != "pmb-b" || b.SessionID != "0900" || b.Method != booking.IUD || b.Status != booking.Active {
		t.Fatalf("accept: %+v %v", b, err)
	}
	if again, err := e.store.AcceptOffer(ctx, acc); err != nil || again.Code != b.Code {
		t.Fatalf("accept retried: %+v %v", again, err)
	}
	checkInvariants(t, e, testEvent)
	// Next cancel: resident 2 is offered; their deadline passes, resident 3
	// gets it.
	if _, err := e.store.Cancel(ctx, codes[1], 101); err != nil {
		t.Fatal(err)
	}
	offers, _ = e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || offers[0].Resident != 2 {
		t.Fatalf("offers %+v", offers)
	}
	e.clock.Advance(time.Hour) // exactly the deadline
	offers, _ = e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || offers[0].Resident != 3 || !offers[0].Deadline.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("after the deadline: %+v", offers)
	}
	if _, err := e.store.AcceptOffer(ctx, req(2, "late", "", "", "")); !errors.Is(err, booking.ErrOfferExpired) {
		t.Fatalf("late accept: %v", err)
	}
	ws, _ = e.store.Waiting(ctx, 2)
	if len(ws) != 1 || ws[0].Offer == nil || !ws[0].Offer.Expired {
		t.Fatalf("waiting of 2: %+v", ws)
	}
	if _, err := e.store.AcceptOffer(ctx, req(4, "none", "", "", "")); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("accept without offer: %v", err)
	}
	// Declining passes the place on; nobody is left in line, so it is free.
	if err := e.store.LeaveWaitlist(ctx, testEvent, 3); err != nil {
		t.Fatal(err)
	}
	a, _ = e.store.Availability(ctx, testEvent, "pmb-b")
	if p, _ := a.Method(booking.IUD); p.Left() != 1 {
		t.Fatalf("declined place not free: %+v", p)
	}
	checkInvariants(t, e, testEvent)
}

func TestJoinWhenFreeOffersAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	w, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pkm-a", Method: booking.IUD, SessionID: "1000", Resident: 5})
	if err != nil || w.Offer == nil || w.Offer.SessionID != "1000" {
		t.Fatalf("join with places free: %+v %v", w, err)
	}
	// The caller shows it; ExpireOffers does not announce it again.
	if offers, _ := e.store.ExpireOffers(ctx, e.clock.Now()); len(offers) != 0 {
		t.Fatalf("announced: %+v", offers)
	}
	// Booking another place releases the hold (once the booking succeeds).
	b, err := e.store.Book(ctx, req(5, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	if ws, _ := e.store.Waiting(ctx, 5); len(ws) != 0 {
		t.Fatalf("still waiting after booking: %+v", ws)
	}
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pkm-a", Method: booking.IUD, Resident: 5}); !errors.Is(err, booking.ErrAlreadyBooked) {
		t.Fatalf("join with a booking: %v", err)
	}
	if n := checkInvariants(t, e, testEvent); n != 1 {
		t.Fatalf("%d active", n)
	}
	_ = b
	// Session preference: a waiter for session 0800 is not offered 1000.
	for i := range 4 {
		if _, err := e.store.Book(ctx, req(kbbotChat(10+i), "k", "pkm-a", "0800", booking.Implan)); err != nil {
			t.Fatal(err)
		}
	}
	w, err = e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pkm-a", Method: booking.Implan, SessionID: "0800", Resident: 6})
	if err != nil || w.Offer != nil || w.Position != 1 {
		t.Fatalf("join for a full session: %+v %v", w, err)
	}
	list, _ := e.store.Bookings(ctx, 10)
	if _, err := e.store.Change(ctx, list[0].Code, 10, booking.Place{SessionID: "1000"}); err != nil {
		t.Fatal(err)
	}
	offers, _ := e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || offers[0].Resident != 6 || offers[0].SessionID != "0800" {
		t.Fatalf("offers after a change freed 0800: %+v", offers)
	}
	checkInvariants(t, e, testEvent)
}

func TestNoOffersAfterCutoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	var code string
	for i := range 3 {
		b, err := e.store.Book(ctx, req(kbbotChat(100+i), "k", "pmb-b", "0900", booking.IUD))
		if err != nil {
			t.Fatal(err)
		}
		code = b.Code
	}
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 1}); err != nil {
		t.Fatal(err)
	}
	cut := time.Date(2030, 1, 9, 13, 0, 0, 0, time.UTC)
	// An offer made 30 minutes before the cut-off is held until the cut-off only.
	e.clock.Set(cut.Add(-30 * time.Minute))
	if _, err := e.store.Cancel(ctx, code, 102); err != nil {
		t.Fatal(err)
	}
	offers, _ := e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || !offers[0].Deadline.Equal(cut) {
		t.Fatalf("offers %+v", offers)
	}
	e.clock.Set(cut)
	if _, err := e.store.AcceptOffer(ctx, req(1, "a", "", "", "")); !errors.Is(err, booking.ErrOfferExpired) {
		t.Fatalf("accept at the cut-off: %v", err)
	}
	if offers, _ := e.store.ExpireOffers(ctx, cut); len(offers) != 0 {
		t.Fatalf("offers after the cut-off: %+v", offers)
	}
	checkInvariants(t, e, testEvent)
}
