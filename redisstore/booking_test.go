package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

func TestBookGetCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b, err := e.store.Book(ctx, req(11, "u1", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	if !booking.ValidCode(b.Code) || b.Status != booking.Active || b.Resident != 11 || b.Name != "Warga 11" || !b.CreatedAt.Equal(testStart) {
		t.Fatalf("booking %+v", b)
	}
	got, err := e.store.Get(ctx, b.Code)
	if err != nil || got.Code != b.Code || got.SessionID != "0800" || got.Method != booking.IUD {
		t.Fatalf("get: %+v %v", got, err)
	}
	a, err := e.store.Availability(ctx, testEvent, "pkm-a")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Method(booking.IUD); p != (booking.Places{Limit: 6, Taken: 1}) {
		t.Errorf("iud places %+v", p)
	}
	if p, _ := a.Session("0800"); p.Left() != 4 {
		t.Errorf("0800 places %+v", p)
	}
	if n := a.Bookable(booking.IUD); n != 5 {
		t.Errorf("bookable iud %d, want 5", n)
	}
	if _, err := e.store.Cancel(ctx, b.Code, 12); !errors.Is(err, booking.ErrNotYours) {
		t.Fatalf("cancel by someone else: %v", err)
	}
	c, err := e.store.Cancel(ctx, b.Code, 11)
	if err != nil || c.Status != booking.Cancelled {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	// Cancelling again is harmless.
	if c, err := e.store.Cancel(ctx, b.Code, 11); err != nil || c.Status != booking.Cancelled {
		t.Fatalf("cancel again: %+v %v", c, err)
	}
	// The place is free at once.
	a, _ = e.store.Availability(ctx, testEvent, "pkm-a")
	if p, _ := a.Method(booking.IUD); p.Taken != 0 {
		t.Errorf("after cancel: %+v", p)
	}
	// A new booking with a new key works; the old key still answers with
	// the cancelled booking.
	b2, err := e.store.Book(ctx, req(11, "u2", "pkm-a", "1000", booking.Implan))
	if err != nil || b2.Code == b.Code {
		t.Fatalf("rebook: %+v %v", b2, err)
	}
	old, err := e.store.Book(ctx, req(11, "u1", "pkm-a", "0800", booking.IUD))
	if err != nil || old.Code != b.Code || old.Status != booking.Cancelled {
		t.Fatalf("redelivered first request: %+v %v", old, err)
	}
	list, err := e.store.Bookings(ctx, 11)
	if err != nil || len(list) != 2 {
		t.Fatalf("bookings: %v %v", list, err)
	}
	checkInvariants(t, e, testEvent)
}

func TestBookErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	cases := []struct {
		r    booking.Request
		want error
	}{
		{req(1, "k", "pkm-x", "0800", booking.IUD), booking.ErrUnknownSite},
		{req(1, "k", "pkm-a", "0900", booking.IUD), booking.ErrUnknownSession},
		{req(1, "k", "pmb-b", "0900", booking.Implan), booking.ErrUnknownMethod},
		{req(1, "k", "pkm-a", "0800", "spiral"), booking.ErrInvalid},
	}
	for _, tc := range cases {
		if _, err := e.store.Book(ctx, tc.r); !errors.Is(err, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.r, err, tc.want)
		}
	}
	r := req(1, "k", "pkm-a", "0800", booking.IUD)
	r.EventID = "kbs-none"
	if _, err := e.store.Book(ctx, r); !errors.Is(err, booking.ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := e.store.Get(ctx, "KB-333333"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	// Nothing was reserved or booked by the failures.
	if n := checkInvariants(t, e, testEvent); n != 0 {
		t.Errorf("%d active bookings", n)
	}
	// Codes reserved but unused (on a cluster, where codes are reserved in
	// batches; one server takes a code only with its booking) point at the
	// event and name no booking.
	var codes []string
	for _, k := range redistest.Keys(ctx, e.rdb, e.keys.Prefix()+"codes:*") {
		for code, ev := range e.rdb.HGetAll(ctx, k).Val() {
			if ev != testEvent || e.keys.BookingCodes(code) != k {
				t.Errorf("code %s in bucket %s names %q", code, k, ev)
			}
			codes = append(codes, code)
		}
	}
	if len(codes) > redisstore.CodeBatch {
		t.Errorf("%d codes reserved, want at most %d", len(codes), redisstore.CodeBatch)
	}
	for _, code := range codes {
		if _, err := e.store.Get(ctx, code); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("unused code %s: %v", code, err)
		}
	}
}

func TestFullMethodAndSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	// pmb-b: one session of 3, iud 3.
	for i := range 3 {
		if _, err := e.store.Book(ctx, req(kbbotChat(100+i), "k", "pmb-b", "0900", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	var fe *booking.FullError
	_, err := e.store.Book(ctx, req(200, "k", "pmb-b", "0900", booking.IUD))
	if !errors.As(err, &fe) || fe.What != booking.FullMethod {
		t.Fatalf("4th iud at pmb-b: %v", err)
	}
	// pkm-a session 0800 holds 5; implan has 10.
	for i := range 5 {
		if _, err := e.store.Book(ctx, req(kbbotChat(300+i), "k", "pkm-a", "0800", booking.Implan)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.store.Book(ctx, req(400, "k", "pkm-a", "0800", booking.Implan))
	if !errors.As(err, &fe) || fe.What != booking.FullSession || fe.SessionID != "0800" || !errors.Is(err, booking.ErrFull) {
		t.Fatalf("6th in session 0800: %v", err)
	}
	checkInvariants(t, e, testEvent)
}

func TestCutoffIsExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	cut := time.Date(2030, 1, 9, 13, 0, 0, 0, time.UTC) // 20:00 WIB the day before
	e.clock.Set(cut.Add(-time.Millisecond))
	if _, err := e.store.Book(ctx, req(1, "k", "pkm-a", "0800", booking.IUD)); err != nil {
		t.Fatalf("1 ms before the cut-off: %v", err)
	}
	e.clock.Set(cut)
	if _, err := e.store.Book(ctx, req(2, "k", "pkm-a", "0800", booking.IUD)); !errors.Is(err, booking.ErrClosed) {
		t.Fatalf("at the cut-off: %v", err)
	}
	a, _ := e.store.Availability(ctx, testEvent, "pkm-a")
	if !a.Closes.Equal(cut) {
		t.Errorf("availability closes %v", a.Closes)
	}
}

func TestBookingStoreUnavailable(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := redisstore.NewBookingStore(rdb, redisstore.NewKeys("x:"), fakes.NewClock(testStart), redisstore.BookingOptions{})
	if _, err := s.Book(context.Background(), req(1, "k", "pkm-a", "0800", booking.IUD)); !errors.Is(err, kbbot.ErrUnavailable) {
		t.Errorf("book: got %v, want ErrUnavailable", err)
	}
	if _, err := s.Bookings(context.Background(), 1); !errors.Is(err, kbbot.ErrUnavailable) {
		t.Errorf("bookings: got %v, want ErrUnavailable", err)
	}
}

// TestBookingLegacyIndexesRead: a booking whose code and resident index an
// earlier version kept as a STRING key per code and a SET per resident is
// still found by its code and in the resident's list, and /hapusdata
// deletes those keys too.
func TestBookingLegacyIndexesRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b, err := e.store.Book(ctx, req(41, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	// Turn the new index entries into the legacy ones.
	pipe := e.rdb.Pipeline()
	pipe.HDel(ctx, e.keys.BookingCodes(b.Code), b.Code)
	pipe.Set(ctx, e.keys.LegacyBookingCode(b.Code), testEvent, 0)
	pipe.HDel(ctx, e.keys.ResidentEvents(41), "41|"+testEvent)
	pipe.SAdd(ctx, e.keys.LegacyResidentEvents(41), testEvent)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := e.store.Get(ctx, b.Code); err != nil || got.Resident != 41 {
		t.Fatalf("get by a legacy code key: %+v %v", got, err)
	}
	if list, err := e.store.Bookings(ctx, 41); err != nil || len(list) != 1 || list[0].Code != b.Code {
		t.Fatalf("bookings from a legacy resident index: %+v %v", list, err)
	}
	if err := e.store.EraseResident(ctx, 41); err != nil {
		t.Fatal(err)
	}
	if n := e.rdb.Exists(ctx, e.keys.LegacyBookingCode(b.Code)).Val() + e.rdb.Exists(ctx, e.keys.LegacyResidentEvents(41)).Val(); n != 0 {
		t.Fatalf("%d legacy index keys left after the erase", n)
	}
}

// TestOwnBookingIdempotency checks the idempotency of a resident's own
// bookings, which keep their key in the record instead of a field of the
// event's residents: a retry answers with the booking, active or not; a
// cadre's booking with the same key is not the resident's request; and a
// field written by an earlier version is still honoured.
func TestOwnBookingIdempotency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b, err := e.store.Book(ctx, req(21, "k1", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	if n := e.rdb.HExists(ctx, e.keys.EventResidents(testEvent), "i|21|k1").Val(); n {
		t.Error("a resident's own booking wrote an idempotency field")
	}
	// Retried while active: the same booking, not "already booked".
	if again, err := e.store.Book(ctx, req(21, "k1", "pkm-a", "0800", booking.IUD)); err != nil || again.Code != b.Code {
		t.Fatalf("retry: %+v %v", again, err)
	}
	var already *booking.AlreadyBookedError
	if _, err := e.store.Book(ctx, req(21, "k2", "pkm-a", "0800", booking.IUD)); !errors.As(err, &already) || already.Existing.Code != b.Code {
		t.Fatalf("new key while booked: %v", err)
	}
	// A cadre booking for resident 22 with key k3 is not resident 22's
	// own request k3.
	cr := req(22, "k3", "pkm-a", "0800", booking.IUD)
	cr.BookedBy = 99
	cb, err := e.store.Book(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Book(ctx, req(22, "k3", "pkm-a", "0800", booking.IUD)); !errors.As(err, &already) || already.Existing.Code != cb.Code {
		t.Fatalf("own request with the cadre's key: %v", err)
	}
	// Cancelled, then booked anew: the first request still finds its own.
	if _, err := e.store.Cancel(ctx, b.Code, 21); err != nil {
		t.Fatal(err)
	}
	b2, err := e.store.Book(ctx, req(21, "k4", "pkm-a", "1000", booking.IUD))
	if err != nil || b2.Code == b.Code {
		t.Fatalf("rebook: %+v %v", b2, err)
	}
	for key, want := range map[string]string{"k1": b.Code, "k4": b2.Code} {
		if again, err := e.store.Book(ctx, req(21, key, "pkm-a", "0800", booking.IUD)); err != nil || again.Code != want {
			t.Errorf("retry %s: %+v %v, want %s", key, again, err, want)
		}
	}
	// A field an earlier version wrote for an own booking.
	e.rdb.HSet(ctx, e.keys.EventResidents(testEvent), "i|21|old", b.Code)
	if again, err := e.store.Book(ctx, req(21, "old", "pkm-a", "0800", booking.IUD)); err != nil || again.Code != b.Code {
		t.Fatalf("legacy field: %+v %v", again, err)
	}
	checkInvariants(t, e, testEvent)
}
