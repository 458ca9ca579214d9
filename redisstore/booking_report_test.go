package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// checkInAt is the morning of the test event, 09:00 WIB.
var checkInAt = time.Date(2030, 1, 10, 2, 0, 0, 0, time.UTC)

func book(t *testing.T, e *env, chat int, fac, sess string, m booking.Method) booking.Booking {
	t.Helper()
	b, err := e.store.Book(context.Background(), req(kbbotChat(chat), "k"+strconv.Itoa(chat), fac, sess, m))
	if err != nil {
		t.Fatalf("book %d: %v", chat, err)
	}
	return b
}

func TestCheckIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	b := book(t, e, 1, "pkm-a", "0800", booking.IUD)
	other := book(t, e, 2, "pkm-a", "0800", booking.IUD)
	usedBefore := usedOf(t, e, testEvent)

	ci := booking.CheckIn{Code: b.Code, By: 900, At: checkInAt, Method: booking.Implan, Category: booking.Switching,
		Register: booking.Register{From: booking.IUD, Removed: booking.IUD, Complication: true, Consent: true, JKN: booking.JKNPBI}}
	got, err := e.store.CheckIn(ctx, ci)
	if err != nil {
		t.Fatal(err)
	}
	if got.Already || got.Booking.Status != booking.Attended || got.Booking.Code != b.Code || got.Booking.Method != booking.IUD {
		t.Fatalf("first check-in: %+v", got)
	}
	if got.CheckIn != ci {
		t.Fatalf("check-in record %+v, want %+v", got.CheckIn, ci)
	}
	if g, err := e.store.Get(ctx, b.Code); err != nil || g.Status != booking.Attended || g.Name != b.Name {
		t.Fatalf("Get after check-in: %+v, %v", g, err)
	}

	// A second check-in, by someone else with other answers, changes nothing.
	again, err := e.store.CheckIn(ctx, booking.CheckIn{Code: b.Code, By: 901, At: checkInAt.Add(time.Hour), Method: booking.Pil, Category: booking.NewAcceptor,
		Register: booking.Register{JKN: booking.JKNNone}})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Already || again.CheckIn != ci {
		t.Fatalf("second check-in must report the first: %+v", again)
	}
	_, rec, ok, err := e.store.CheckInOf(ctx, strings.ToLower(b.Code))
	if err != nil || !ok || rec != ci {
		t.Fatalf("CheckInOf = %+v, %v, %v; want %+v", rec, ok, err, ci)
	}
	if _, _, ok, err := e.store.CheckInOf(ctx, other.Code); err != nil || ok {
		t.Fatalf("CheckInOf of a booking not checked in: ok=%v err=%v", ok, err)
	}

	// The place stays taken: it was used. Cancel and change leave it alone.
	if used := usedOf(t, e, testEvent); fmt.Sprint(used) != fmt.Sprint(usedBefore) {
		t.Fatalf("check-in changed the places taken: %v, was %v", used, usedBefore)
	}
	if c, err := e.store.Cancel(ctx, b.Code, 1); err != nil || c.Status != booking.Attended {
		t.Fatalf("cancel of an attended booking: %+v, %v", c, err)
	}
	if _, err := e.store.Change(ctx, b.Code, 1, booking.Place{SessionID: "1000"}); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("change of an attended booking: %v", err)
	}
	if _, err := e.store.Book(ctx, req(1, "again", "pkm-a", "1000", booking.Implan)); !errors.Is(err, booking.ErrAlreadyBooked) {
		t.Fatalf("a client served at the event books again: %v", err)
	}

	// Cancelled, unknown and malformed.
	if _, err := e.store.Cancel(ctx, other.Code, 2); err != nil {
		t.Fatal(err)
	}
	newIUD := booking.Register{Consent: true, JKN: booking.JKNNonPBI}
	if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: other.Code, By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: newIUD}); !errors.Is(err, booking.ErrCancelled) {
		t.Fatalf("check-in of a cancelled booking: %v", err)
	}
	if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: "KB-333333", By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: newIUD}); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("check-in of an unknown code: %v", err)
	}
	for _, bad := range []booking.CheckIn{
		{Code: b.Code, By: 900, At: checkInAt, Method: "spiral", Category: booking.NewAcceptor, Register: newIUD},
		{Code: b.Code, By: 900, At: checkInAt, Method: booking.IUD, Category: "lama", Register: newIUD},
		{Code: b.Code, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: newIUD},
		{Code: "kb", By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: newIUD},
		// No JKN answer; no informed consent for a new IUD.
		{Code: b.Code, By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: booking.Register{Consent: true}},
		{Code: b.Code, By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor, Register: booking.Register{JKN: booking.JKNPBI}},
	} {
		if _, err := e.store.CheckIn(ctx, bad); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("check-in %+v: %v, want ErrInvalid", bad, err)
		}
	}
	checkServedInvariants(t, e)
}

// TestTally seeds bookings, a waitlist with an offer, check-ins and an
// erasure, and checks every count.
func TestTally(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	// pkm-a: three IUD at 08:00, two implan at 10:00, one IUD cancelled.
	a1 := book(t, e, 1, "pkm-a", "0800", booking.IUD)
	a2 := book(t, e, 2, "pkm-a", "0800", booking.IUD)
	a3 := book(t, e, 3, "pkm-a", "0800", booking.IUD)
	a4 := book(t, e, 4, "pkm-a", "1000", booking.Implan)
	book(t, e, 5, "pkm-a", "1000", booking.Implan)
	a6 := book(t, e, 6, "pkm-a", "1000", booking.IUD)
	// pmb-b: full with three IUD; two wait; one cancels, the first in line
	// gets an offer.
	b1 := book(t, e, 11, "pmb-b", "0900", booking.IUD)
	book(t, e, 12, "pmb-b", "0900", booking.IUD)
	book(t, e, 13, "pmb-b", "0900", booking.IUD)
	for _, c := range []kbbot.ChatID{14, 15, 16} {
		if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: c}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.Cancel(ctx, a6.Code, 6); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Cancel(ctx, b1.Code, 11); err != nil {
		t.Fatal(err)
	}
	// Check-ins: a1 new IUD after a delivery; a2 switched from pills to
	// implan; a4 continuing implan, the old one removed.
	for _, ci := range []booking.CheckIn{
		{Code: a1.Code, Method: booking.IUD, Category: booking.NewAcceptor,
			Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}},
		{Code: a2.Code, Method: booking.Implan, Category: booking.Switching,
			Register: booking.Register{From: booking.Pil, Consent: true, JKN: booking.JKNNonPBI}},
		{Code: a4.Code, Method: booking.Implan, Category: booking.Continuing,
			Register: booking.Register{Removed: booking.Implan, Complication: true, JKN: booking.JKNNone}},
	} {
		ci.By, ci.At = 900, checkInAt
		if _, err := e.store.CheckIn(ctx, ci); err != nil {
			t.Fatal(err)
		}
	}
	// On the day: a3 is not served (changed her mind); two walk-ins come,
	// one of whom is erased at the bidan's request: still counted.
	if _, err := e.store.MarkNotServed(ctx, booking.NotServedMark{Code: a3.Code, By: 900, At: checkInAt, Reason: booking.ReasonChanged}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Ibu Datang", "Ibu Pergi"} {
		w, err := e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan,
			BookedBy: 900, Name: name, ConsentAt: checkInAt, IdempotencyKey: "w" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if _, err := e.store.EraseBooking(ctx, w.Code); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The client of a2 erases their data: the booking goes, the count stays.
	if err := e.store.EraseResident(ctx, 2); err != nil {
		t.Fatal(err)
	}

	tally, err := e.store.EventTally(ctx, testEvent)
	if err != nil {
		t.Fatal(err)
	}
	got := tallyLines(tally)
	want := []string{
		"booking attended pkm-a 0800 iud 1",
		"booking not_served pkm-a 0800 iud 1",
		"noserve pkm-a 0800 iud berubah 1",
		"booking active pkm-a 1000 implan 2",
		"booking cancelled pkm-a 1000 implan 1",
		"walkin pkm-a 1000 implan 2",
		"booking attended pkm-a 1000 implan 1",
		"booking cancelled pkm-a 1000 iud 1",
		"booking active pmb-b 0900 iud 2",
		"booking cancelled pmb-b 0900 iud 1",
		"served pkm-a 0800 iud->iud baru {persalinan   false true pbi} 1",
		"served pkm-a 0800 iud->implan ganti {   false true nonpbi} 1",
		"served pkm-a 1000 implan->implan lanjutan {  implan true false tidak} 1",
		"waiting pmb-b iud line 2",
		"waiting pmb-b iud offered 1",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tally:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkServedInvariants(t, e)

	if _, err := e.store.EventTally(ctx, "no-such-event"); !errors.Is(err, booking.ErrUnknownEvent) {
		t.Fatalf("tally of an unknown event: %v", err)
	}
}

func tallyLines(t booking.Tally) []string {
	var out []string
	for _, b := range t.Bookings {
		out = append(out, fmt.Sprintf("booking %s %s %s %s %d", b.Status, b.FacilityID, b.SessionID, b.Method, b.N))
	}
	for _, s := range t.Served {
		out = append(out, fmt.Sprintf("served %s %s %s->%s %s %v %d", s.FacilityID, s.SessionID, s.Booked, s.Given, s.Category, s.Register, s.N))
	}
	for _, w := range t.Waiting {
		kind := "line"
		if w.Offered {
			kind = "offered"
		}
		out = append(out, fmt.Sprintf("waiting %s %s %s %d", w.FacilityID, w.Method, kind, w.N))
	}
	for _, w := range t.WalkIns {
		out = append(out, fmt.Sprintf("walkin %s %s %s %d", w.FacilityID, w.SessionID, w.Method, w.N))
	}
	for _, n := range t.NotServed {
		out = append(out, fmt.Sprintf("noserve %s %s %s %s %d", n.FacilityID, n.SessionID, n.Method, n.Reason, n.N))
	}
	sort.Strings(out)
	return out
}

// checkServedInvariants asserts the invariant of the places taken once
// clients are checked in: every counter equals the active bookings, the
// check-ins (erased clients included) and the held offers on it.
func checkServedInvariants(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	used := usedOf(t, e, testEvent)
	tally, err := e.store.EventTally(ctx, testEvent)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	add := func(fac, sess string, m booking.Method, n int) {
		want["q|"+fac+"|"+string(m)] += n
		want["s|"+fac+"|"+sess] += n
	}
	for _, b := range tally.Bookings {
		if b.Status == booking.Active {
			add(b.FacilityID, b.SessionID, b.Method, b.N)
		}
	}
	for _, s := range tally.Served {
		add(s.FacilityID, s.SessionID, s.Booked, s.N)
	}
	offers, _ := residentState(ctx, e, testEvent)
	for _, o := range offers {
		if f := strings.Split(o, "|"); f[0] == "offered" {
			add(f[1], f[2], booking.Method(f[3]), 1)
		}
	}
	for f, v := range used {
		if n, _ := strconv.Atoi(v); n != want[f] {
			t.Errorf("%s: used %d, want active + served + offered = %d", f, n, want[f])
		}
		delete(want, f)
	}
	for f, n := range want {
		if n != 0 {
			t.Errorf("%s: not counted as used, want %d", f, n)
		}
	}
}
