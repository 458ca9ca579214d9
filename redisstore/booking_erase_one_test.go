package redisstore_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// cadreBook books for a resident without Telegram, as cadre.
func cadreBook(t *testing.T, e *env, cadre kbbot.ChatID, ref, key, name, phone, fac, sess string, m booking.Method, answer string) booking.Booking {
	t.Helper()
	r := booking.Request{EventID: testEvent, FacilityID: fac, SessionID: sess, Method: m, BookedBy: cadre, ResidentRef: ref,
		Name: name, Phone: phone, ConsentAt: testStart, IdempotencyKey: key}
	if answer != "" {
		r.Screening = map[string]string{"hamil_mungkin": answer}
	}
	b, err := e.store.Book(context.Background(), r)
	if err != nil {
		t.Fatalf("book for %s: %v", name, err)
	}
	return b
}

// TestEraseBooking: a cadre erases a resident without Telegram by one of
// their codes. Both of that resident's bookings lose every personal field
// and their codes, the active one is cancelled and its place goes to the
// waitlist, the cadre's list no longer shows them, and the counts stay.
func TestEraseBooking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const cadre = kbbot.ChatID(555000111)
	// The resident was booked, cancelled and booked again under one ref.
	first := cadreBook(t, e, cadre, "sumi-1", "c1", "Ibu Sumi Lestari", "085700000002", "pkm-a", "0800", booking.IUD, "menyusui-eksklusif-4-bulan")
	if _, err := e.store.Cancel(ctx, first.Code, cadre); err != nil {
		t.Fatal(err)
	}
	second := cadreBook(t, e, cadre, "sumi-1", "c2", "Ibu Sumi Lestari", "085700000002", "pmb-b", "0900", booking.IUD, "menyusui-eksklusif-4-bulan")
	neighbour := cadreBook(t, e, cadre, "", "c3", "Ibu Narti Wahyuni", "", "pkm-a", "1000", booking.Implan, "")
	book(t, e, 1, "pmb-b", "0900", booking.IUD)
	book(t, e, 2, "pmb-b", "0900", booking.IUD) // pmb-b is full
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 42}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ExpireOffers(ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	tallyBefore := tallyOf(t, e)
	e.clock.Advance(time.Minute)
	now := e.clock.Now()

	// Found by the first (cancelled) code, typed in lower case without the dash.
	typed := strings.ToLower(strings.ReplaceAll(first.Code, "-", ""))
	got, err := e.store.EraseBooking(ctx, typed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != first.Code || got.Status != booking.Cancelled || !got.ErasedAt.Equal(now) || got.Name != "" || got.Phone != "" ||
		got.Screening != nil || got.ResidentRef != "" || got.BookedBy != 0 || got.Resident != 0 || got.FacilityID != "pkm-a" || got.Method != booking.IUD {
		t.Fatalf("erased booking: %+v", got)
	}
	for _, c := range []string{first.Code, second.Code} {
		if b, err := e.store.Get(ctx, c); !errors.Is(err, booking.ErrNotFound) {
			t.Fatalf("the resident's booking %s after the erasure: %+v %v", c, b, err)
		}
	}
	// The freed place at pmb-b went to the first in line.
	offers, err := e.store.ExpireOffers(ctx, e.clock.Now())
	if err != nil || len(offers) != 1 || offers[0].Resident != 42 || offers[0].FacilityID != "pmb-b" {
		t.Fatalf("offers after the erasure: %+v %v", offers, err)
	}
	// Counts: every booking still on record, one moved from active to cancelled.
	wantTally := strings.Replace(tallyBefore, "booking active pmb-b 0900 iud 3", "booking active pmb-b 0900 iud 2", 1)
	wantTally = strings.Replace(wantTally, "booking cancelled pkm-a 0800 iud 1", "booking cancelled pkm-a 0800 iud 1\nbooking cancelled pmb-b 0900 iud 1", 1)
	wantTally = strings.Replace(wantTally, "waiting pmb-b iud line 1", "waiting pmb-b iud offered 1", 1)
	if got := tallyOf(t, e); got != wantTally {
		t.Errorf("tally after the erasure:\n%s\nwant\n%s", got, wantTally)
	}
	checkServedInvariants(t, e)

	var gone personal
	gone.add("Sumi", "085700000002", "menyusui-eksklusif-4-bulan", "sumi-1", first.Code, second.Code)
	gone.absent(t, e)
	list, err := e.store.Bookings(ctx, cadre)
	if err != nil || len(list) != 1 || list[0].Code != neighbour.Code || list[0].Name != "Ibu Narti Wahyuni" {
		t.Fatalf("cadre's bookings: %+v %v", list, err)
	}

	// Again: the code is unknown now, and nothing changes.
	snap := snapshot(t, e.rdb, e.keys.Prefix())
	if again, err := e.store.EraseBooking(ctx, second.Code); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("erase again: %+v %v, want ErrNotFound", again, err)
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !reflect.DeepEqual(after, snap) {
		t.Error("a second erasure changed something")
	}
}

// TestEraseBookingCheckedIn: erasing a client who was served keeps the
// booking attended and the rekap exactly as it was, but not its code.
func TestEraseBookingCheckedIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b := cadreBook(t, e, 31, "", "k", "Ibu Sumi Lestari", "085700000002", "pkm-a", "0800", booking.IUD, "")
	if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: b.Code, By: 900, At: checkInAt, Method: booking.Implan, Category: booking.Switching,
		Register: booking.Register{From: booking.IUD, Removed: booking.IUD, Consent: true, JKN: booking.JKNPBI}}); err != nil {
		t.Fatal(err)
	}
	now := checkInAt.Add(time.Hour)
	e.clock.Set(now)
	before, tally := rekapOf(t, e, now), tallyOf(t, e)
	got, err := e.store.EraseBooking(ctx, b.Code)
	if err != nil || got.Status != booking.Attended || got.Name != "" {
		t.Fatalf("erase a served client: %+v %v", got, err)
	}
	if after := rekapOf(t, e, now); !reflect.DeepEqual(after, before) {
		t.Errorf("rekap changed: %+v, was %+v", after.Rows, before.Rows)
	}
	if after := tallyOf(t, e); after != tally {
		t.Errorf("tally changed: %s, was %s", after, tally)
	}
	if _, ci, ok, err := e.store.CheckInOf(ctx, b.Code); !errors.Is(err, booking.ErrNotFound) || ok {
		t.Errorf("check-in by code after the erasure: %+v %v %v", ci, ok, err)
	}
	var gone personal
	gone.add("Sumi", "085700000002", b.ResidentRef, b.Code)
	gone.absent(t, e)
}

func TestEraseBookingRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	mine := book(t, e, 7, "pkm-a", "0800", booking.IUD)
	for _, code := range []string{"KB-3333AA", "not a code", ""} {
		if _, err := e.store.EraseBooking(ctx, code); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("EraseBooking(%q): %v, want ErrNotFound", code, err)
		}
	}
	snap := snapshot(t, e.rdb, e.keys.Prefix())
	// A resident with Telegram erases their own data with /hapusdata.
	if _, err := e.store.EraseBooking(ctx, mine.Code); !errors.Is(err, booking.ErrNotYours) {
		t.Fatalf("erase a Telegram resident's booking: %v, want ErrNotYours", err)
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !reflect.DeepEqual(after, snap) {
		t.Error("a refused erasure changed something")
	}
	if b, _ := e.store.Get(ctx, mine.Code); b.Name == "" || b.Status != booking.Active {
		t.Errorf("booking after a refused erasure: %+v", b)
	}
	// And a booking whose event was purged is already anonymous.
	cb := cadreBook(t, e, 31, "", "k", "Ibu Sumi Lestari", "", "pkm-a", "1000", booking.IUD, "")
	if n, err := e.store.PurgePersonal(ctx, testEventEnd.Add(100*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if got, err := e.store.EraseBooking(ctx, cb.Code); err != nil || got.Status != booking.Active || got.Name != "" {
		t.Fatalf("erase a purged booking: %+v %v", got, err)
	}
	if got, err := e.store.EraseBooking(ctx, mine.Code); err != nil || got.Name != "" {
		t.Fatalf("a purged Telegram resident's booking names nobody any more: %+v %v", got, err)
	}
}
