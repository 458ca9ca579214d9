package redisstore_test

import (
	"context"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/redisstore"
)

// codeSource is a BookingOptions.Rand that draws the given codes, in
// order, then random-looking ones.
type codeSource struct {
	mu    sync.Mutex
	codes []string
	rnd   *rand.Rand
}

func (s *codeSource) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.rnd.Read(p)
	if len(s.codes) > 0 {
		for i, c := range strings.TrimPrefix(s.codes[0], booking.CodePrefix) {
			p[i] = byte(strings.IndexRune(booking.CodeAlphabet, c))
		}
		s.codes = s.codes[1:]
	}
	return len(p), nil
}

// TestMigrateCodes: codes an earlier version kept as a key each are moved
// to their buckets, and a booking found by such a code still is. Before
// and after the move, a new booking never takes a code given out before:
// before, the legacy key refuses it; after, the bucket does. A second
// migration reads only the layout.
func TestMigrateCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	old, err := e.store.Book(ctx, req(51, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	// Turn old's code into a legacy key, and give out a second legacy code
	// that names no booking here (another event's).
	const taken = "KB-777777"
	pipe := e.rdb.Pipeline()
	pipe.HDel(ctx, e.keys.BookingCodes(old.Code), old.Code)
	pipe.Set(ctx, e.keys.LegacyBookingCode(old.Code), testEvent, 0)
	pipe.Set(ctx, e.keys.LegacyBookingCode(taken), "kbs-other", 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	bookWith := func(chat int, code string) booking.Booking {
		t.Helper()
		src := &codeSource{codes: []string{code, code}, rnd: rand.New(rand.NewSource(int64(chat)))}
		s := redisstore.NewBookingStore(e.rdb, e.keys, e.clock, redisstore.BookingOptions{Rand: src})
		b, err := s.Book(ctx, req(kbbotChat(chat), "k", "pkm-a", "1000", booking.Implan))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := bookWith(52, taken); b.Code == taken {
		t.Fatalf("before the migration, a booking took the legacy code %s", taken)
	}

	m, err := e.store.MigrateCodes(ctx)
	if err != nil || m.Done || m.Moved != 2 {
		t.Fatalf("migrate: %+v %v, want 2 moved", m, err)
	}
	for code, ev := range map[string]string{old.Code: testEvent, taken: "kbs-other"} {
		if got := e.rdb.HGet(ctx, e.keys.BookingCodes(code), code).Val(); got != ev {
			t.Errorf("bucket of %s names %q, want %q", code, got, ev)
		}
		if e.rdb.Exists(ctx, e.keys.LegacyBookingCode(code)).Val() != 0 {
			t.Errorf("legacy key of %s left", code)
		}
	}
	if got, err := e.store.Get(ctx, old.Code); err != nil || got.Resident != 51 {
		t.Errorf("get %s after the migration: %+v %v", old.Code, got, err)
	}
	if b := bookWith(53, taken); b.Code == taken {
		t.Fatalf("after the migration, a booking took the moved code %s", taken)
	}
	if b := bookWith(54, old.Code); b.Code == old.Code {
		t.Fatalf("after the migration, a booking took the moved code %s", old.Code)
	}
	if m, err := e.store.MigrateCodes(ctx); err != nil || !m.Done || m.Moved != 0 {
		t.Errorf("second migration: %+v %v", m, err)
	}
	if n := checkInvariants(t, e, testEvent); n != 4 {
		t.Errorf("%d active bookings, want 4", n)
	}
}
