package redisstore_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// serviceDay is 09:00 WIB on the day of testEvent, after its cut-off.
var serviceDay = time.Date(2030, 1, 10, 2, 0, 0, 0, time.UTC)

func mustGet(t *testing.T, e *env, code string) booking.Booking {
	t.Helper()
	b, err := e.store.Get(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestQueueNumbers: every booking gets the next number of its method's
// queue in its session; numbers never change and are never given twice (a
// cancellation leaves a gap); a change to another session is a new number
// there; a repeated request keeps its number.
func TestQueueNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	book := func(chat kbbot.ChatID, sess string, m booking.Method) booking.Booking {
		t.Helper()
		b, err := e.store.Book(ctx, req(chat, "k", "pkm-a", sess, m))
		if err != nil {
			t.Fatalf("book %d: %v", chat, err)
		}
		return b
	}
	a, b, c := book(1, "0800", booking.IUD), book(2, "0800", booking.IUD), book(3, "0800", booking.IUD)
	imp, later := book(4, "0800", booking.Implan), book(5, "1000", booking.IUD)
	for _, x := range []struct {
		b    booking.Booking
		want int
	}{{a, 1}, {b, 2}, {c, 3}, {imp, 1}, {later, 1}} {
		if x.b.Queue != x.want {
			t.Errorf("%s (%s %s): queue %d, want %d", x.b.Code, x.b.SessionID, x.b.Method, x.b.Queue, x.want)
		}
	}
	if _, err := e.store.Cancel(ctx, b.Code, 2); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.store.Book(ctx, req(1, "k", "pkm-a", "0800", booking.IUD)); again.Queue != 1 {
		t.Errorf("a repeated request has number %d, want 1", again.Queue)
	}
	if d := book(6, "0800", booking.IUD); d.Queue != 4 {
		t.Errorf("after a cancellation the next number is %d, want 4 (no number twice)", d.Queue)
	}
	if got := mustGet(t, e, c.Code).Queue; got != 3 {
		t.Errorf("number 3 became %d after a cancellation before it", got)
	}
	moved, err := e.store.Change(ctx, c.Code, 3, booking.Place{SessionID: "1000"})
	if err != nil || moved.Queue != 2 {
		t.Fatalf("moved to 10.00: number %d (%v), want 2 in that queue", moved.Queue, err)
	}
	if got := mustGet(t, e, a.Code).Queue; got != 1 {
		t.Errorf("number 1 became %d", got)
	}
	checkInvariants(t, e, testEvent)
}

// TestQueueNumbersConcurrent: residents booking at once get distinct
// numbers 1..n.
func TestQueueNumbersConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const n = 10 // implan: quota 10, two sessions of 5
	var mu sync.Mutex
	got := map[string][]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := []string{"0800", "1000"}[i%2]
			b, err := e.store.Book(ctx, req(kbbot.ChatID(100+i), "k", "pkm-a", sess, booking.Implan))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[sess] = append(got[sess], b.Queue)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for sess, qs := range got {
		sort.Ints(qs)
		for i, q := range qs {
			if q != i+1 {
				t.Fatalf("session %s: numbers %v, want 1..%d", sess, qs, len(qs))
			}
		}
	}
}

// TestWalkIn: on the service day, after the cut-off, staff register a
// client who came without booking: the place comes from the quota (never
// beyond it), the number follows the queue, the request is idempotent, and
// the staff member's own erasure leaves it but no longer names them.
func TestWalkIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const bidan = kbbot.ChatID(7700)
	for i := range 2 {
		if _, err := e.store.Book(ctx, req(kbbot.ChatID(200+i), "k", "pmb-b", "0900", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(serviceDay)
	if _, err := e.store.Book(ctx, req(299, "late", "pmb-b", "0900", booking.IUD)); !errors.Is(err, booking.ErrClosed) {
		t.Fatalf("a booking after the cut-off: %v", err)
	}
	walk := func(key, name string) (booking.Booking, error) {
		return e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD,
			BookedBy: bidan, Name: name, Phone: "081234000111", ConsentAt: serviceDay, IdempotencyKey: key})
	}
	w, err := walk("w1", "Ibu Datang Langsung")
	if err != nil {
		t.Fatal(err)
	}
	if !w.WalkIn || w.Queue != 3 || w.Status != booking.Active || w.Resident != 0 || w.BookedBy != bidan || w.ResidentRef == "" || !w.ConsentAt.Equal(serviceDay) {
		t.Fatalf("walk-in: %+v", w)
	}
	if again, err := walk("w1", "Ibu Datang Langsung"); err != nil || again.Code != w.Code {
		t.Fatalf("a repeated walk-in: %+v %v", again, err)
	}
	var full *booking.FullError
	if _, err := walk("w2", "Ibu Kedua"); !errors.As(err, &full) || full.What != booking.FullMethod {
		t.Fatalf("a walk-in beyond the quota: %v", err)
	}
	if _, err := e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD,
		Resident: 5, Name: "x", ConsentAt: serviceDay, IdempotencyKey: "w3"}); !errors.Is(err, booking.ErrInvalid) {
		t.Fatalf("a walk-in without a staff member: %v", err)
	}
	checkInvariants(t, e, testEvent)
	day, err := e.store.DayList(ctx, testEvent, "pmb-b")
	if err != nil || len(day) != 3 {
		t.Fatalf("day list: %d bookings, %v", len(day), err)
	}
	mine, err := e.store.Bookings(ctx, bidan)
	if err != nil || len(mine) != 1 || mine[0].Code != w.Code {
		t.Fatalf("the bidan's bookings: %+v %v", mine, err)
	}
	// The bidan erases her own data: the walk-in stays, no longer hers.
	if err := e.store.EraseResident(ctx, bidan); err != nil {
		t.Fatal(err)
	}
	if b := mustGet(t, e, w.Code); b.BookedBy != 0 || b.Name != "Ibu Datang Langsung" || !b.WalkIn {
		t.Fatalf("walk-in after the bidan's erasure: %+v", b)
	}
	// A walk-in is erased like a resident booked by a cadre.
	if _, err := e.store.EraseBooking(ctx, w.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Get(ctx, w.Code); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("erased walk-in: %v", err)
	}
}

// TestNotServed: a client marked "tidak jadi dilayani" gives the place
// back, so a walk-in can take it; the mark keeps who, when and why, can be
// replaced, and can be taken back while the place is free; a checked-in
// or cancelled booking cannot be marked.
func TestNotServed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	var codes []string
	for i := range 3 {
		b, err := e.store.Book(ctx, req(kbbot.ChatID(300+i), "k", "pmb-b", "0900", booking.IUD))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	e.clock.Set(serviceDay)
	const bidan = kbbot.ChatID(7701)
	mark := func(code string, r booking.NotServedReason) (booking.Booking, error) {
		return e.store.MarkNotServed(ctx, booking.NotServedMark{Code: code, By: bidan, At: serviceDay, Reason: r})
	}
	b, err := mark(codes[0], booking.ReasonAbsent)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != booking.NotServed || b.NotServed == nil || b.NotServed.Reason != booking.ReasonAbsent || b.NotServed.By != bidan || !b.NotServed.At.Equal(serviceDay) || b.Queue != 1 {
		t.Fatalf("marked: %+v %+v", b, b.NotServed)
	}
	if av, _ := e.store.Availability(ctx, testEvent, "pmb-b"); av.Bookable(booking.IUD) != 1 {
		t.Fatalf("after the mark %d places, want the one given back", av.Bookable(booking.IUD))
	}
	checkInvariants(t, e, testEvent)
	// The same mark again, or another reason: one mark, one place back.
	if _, err := mark(codes[0], booking.ReasonAbsent); err != nil {
		t.Fatal(err)
	}
	if b, err = mark(codes[0], booking.ReasonChanged); err != nil || b.NotServed.Reason != booking.ReasonChanged {
		t.Fatalf("a new reason: %+v %v", b.NotServed, err)
	}
	checkInvariants(t, e, testEvent)
	// A walk-in takes the place; taking the mark back then finds no room.
	if _, err := e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD,
		BookedBy: bidan, Name: "Ibu Baru", ConsentAt: serviceDay, IdempotencyKey: "w"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UndoNotServed(ctx, codes[0], bidan); !errors.Is(err, booking.ErrFull) {
		t.Fatalf("undo with the place taken: %v", err)
	}
	// Marked, then back: active again with its place and number.
	if _, err := mark(codes[1], booking.ReasonExam); err != nil {
		t.Fatal(err)
	}
	b, err = e.store.UndoNotServed(ctx, codes[1], bidan)
	if err != nil || b.Status != booking.Active || b.NotServed != nil || b.Queue != 2 {
		t.Fatalf("undone: %+v %v", b, err)
	}
	if _, err := e.store.UndoNotServed(ctx, codes[1], bidan); !errors.Is(err, booking.ErrNotMarked) {
		t.Fatalf("undo without a mark: %v", err)
	}
	checkInvariants(t, e, testEvent)
	// A booking checked in cannot be marked, nor a cancelled one; a
	// marked booking cannot be checked in before the mark is taken back.
	if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: codes[2], By: bidan, At: serviceDay, Method: booking.IUD, Category: booking.NewAcceptor, Register: booking.Register{Consent: true, JKN: booking.JKNPBI}}); err != nil {
		t.Fatal(err)
	}
	if _, err := mark(codes[2], booking.ReasonPregnant); !errors.Is(err, booking.ErrServed) {
		t.Fatalf("mark after check-in: %v", err)
	}
	if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: codes[0], By: bidan, At: serviceDay, Method: booking.IUD, Category: booking.NewAcceptor, Register: booking.Register{Consent: true, JKN: booking.JKNPBI}}); !errors.Is(err, booking.ErrCancelled) {
		t.Fatalf("check-in of a marked booking: %v", err)
	}
	if _, err := mark("KB-333333", booking.ReasonPregnant); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := mark(codes[0], "lupa"); !errors.Is(err, booking.ErrInvalid) {
		t.Fatalf("unknown reason: %v", err)
	}
	// The resident's /hapusdata deletes the marked booking with the rest.
	if err := e.store.EraseResident(ctx, 300); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Get(ctx, codes[0]); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("marked booking after /hapusdata: %v", err)
	}
}

// TestDayListAfterPurge: the day list reads a site's bookings with their
// numbers, walk-in flags and marks; once the retention purge has stripped
// the personal data, the number, the walk-in flag and the mark's reason
// stay for the reports.
func TestDayListAfterPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	a, err := e.store.Book(ctx, req(401, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Book(ctx, req(402, "k", "pmb-b", "0900", booking.IUD)); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(serviceDay)
	w, err := e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD,
		BookedBy: 7702, Name: "Ibu Jalan Kaki", ConsentAt: serviceDay, IdempotencyKey: "w"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.MarkNotServed(ctx, booking.NotServedMark{Code: a.Code, By: 7702, At: serviceDay, Reason: booking.ReasonPregnant}); err != nil {
		t.Fatal(err)
	}
	day, err := e.store.DayList(ctx, testEvent, "pkm-a")
	if err != nil || len(day) != 2 {
		t.Fatalf("day list of pkm-a: %+v %v", day, err)
	}
	by := map[string]booking.Booking{}
	for _, b := range day {
		by[b.Code] = b
	}
	if b := by[a.Code]; b.Status != booking.NotServed || b.NotServed == nil || b.Queue != 1 || b.Name != "Warga 401" {
		t.Errorf("booked client: %+v", b)
	}
	if b := by[w.Code]; !b.WalkIn || b.Queue != 2 || b.Name != "Ibu Jalan Kaki" {
		t.Errorf("walk-in: %+v", b)
	}
	if _, err := e.store.DayList(ctx, "nope", "pkm-a"); !errors.Is(err, booking.ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
	e.clock.Set(serviceDay.Add(100 * 24 * time.Hour))
	if n, err := e.store.PurgePersonal(ctx, e.clock.Now()); err != nil || n == 0 {
		t.Fatalf("purge: %d %v", n, err)
	}
	day, _ = e.store.DayList(ctx, testEvent, "pkm-a")
	for _, b := range day {
		if b.Name != "" || b.ErasedAt.IsZero() {
			t.Errorf("%s keeps personal data: %+v", b.Code, b)
		}
		switch b.Code {
		case a.Code:
			if b.Status != booking.NotServed || b.NotServed == nil || b.NotServed.Reason != booking.ReasonPregnant || b.Queue != 1 {
				t.Errorf("purged mark: %+v %+v", b, b.NotServed)
			}
		case w.Code:
			if !b.WalkIn || b.Queue != 2 {
				t.Errorf("purged walk-in: %+v", b)
			}
		}
	}
}
