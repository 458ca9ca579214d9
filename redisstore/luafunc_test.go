package redisstore_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// planItems returns the reminders a booking of chat's gets.
func planItems(chat kbbot.ChatID, code string) []reminders.Item {
	st := time.Date(2030, 1, 10, 1, 0, 0, 0, time.UTC)
	jkt, _ := booking.LoadZone("Asia/Jakarta")
	return reminders.PlanBooking(chat, code, st, st.Add(time.Hour), jkt, testStart)
}

// bookAndPlan books for chat and schedules its reminders, and checks
// that a retry of both changes nothing.
func bookAndPlan(t *testing.T, e *env, rems *redisstore.ReminderStore, chat kbbot.ChatID) booking.Booking {
	t.Helper()
	ctx := context.Background()
	b, err := e.store.Book(ctx, req(chat, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	if again, err := e.store.Book(ctx, req(chat, "k", "pkm-a", "0800", booking.IUD)); err != nil || again.Code != b.Code {
		t.Fatalf("retried booking: %+v %v, want %s", again, err, b.Code)
	}
	items := planItems(chat, b.Code)
	if n, err := rems.Schedule(ctx, items...); err != nil || n != len(items) {
		t.Fatalf("schedule: %d %v, want %d", n, err, len(items))
	}
	if n, err := rems.Schedule(ctx, items...); err != nil || n != 0 {
		t.Fatalf("schedule again: %d %v, want 0", n, err)
	}
	got, err := rems.Pending(ctx, chat)
	if err != nil || len(got) != len(items) {
		t.Fatalf("pending: %d %v, want %d", len(got), err, len(items))
	}
	for i, it := range items {
		g := got[i]
		if g.ID != it.ID || g.Chat != chat || g.Kind != it.Kind || g.Ref != it.Ref || g.Zone != it.Zone ||
			!g.Due.Equal(it.Due) || !g.NotAfter.Equal(it.NotAfter) {
			t.Fatalf("pending item %d reads %+v, scheduled %+v", i, g, it)
		}
	}
	return b
}

// miniEnv is an env and a reminder store on a miniredis of its own: a
// server without Redis Functions, as `kbbot chat` embeds.
func miniEnv(t *testing.T) (*env, *redisstore.ReminderStore) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	keys := redisstore.NewKeys("kb:")
	return newEnvOn(t, rdb, keys, ""), redisstore.NewReminderStore(rdb, keys)
}

// TestBookWithoutFunctions: on a server without Redis Functions (the
// miniredis `kbbot chat` embeds), booking and scheduling reminders work
// as scripts, retries included.
func TestBookWithoutFunctions(t *testing.T) {
	t.Parallel()
	e, rems := miniEnv(t)
	b := bookAndPlan(t, e, rems, 5)
	if got, err := e.store.Get(context.Background(), b.Code); err != nil || got.Resident != 5 || got.Queue != 1 {
		t.Fatalf("get: %+v %v", got, err)
	}
	checkInvariants(t, e, testEvent)
}

// TestBookPlannedWithoutFunctions: on a server without Functions (the
// miniredis of `kbbot chat`), a booking and its reminders are still
// stored in one script call, and the sweeper's store reads them.
func TestBookPlannedWithoutFunctions(t *testing.T) {
	t.Parallel()
	e, rems := miniEnv(t)
	const chat = kbbot.ChatID(8)
	b := bookPlanned(t, e, rems, req(chat, "k", "pkm-a", "0800", booking.IUD), planFor(chat))
	if refs := pendingRefs(t, rems, chat); len(refs) != 3 || refs[0] != b.Code {
		t.Fatalf("reminders %v, want the 3 of %s", refs, b.Code)
	}
	if due, _, _, err := rems.RemCounts(context.Background()); err != nil || due != 3 {
		t.Errorf("RemCounts due = %d, %v; want 3", due, err)
	}
	checkInvariants(t, e, testEvent)
}

// TestFunctionsLoadedAgain: when the server loses the hot paths'
// function libraries (a restart without persistence, a new node),
// booking and scheduling load them again and go on.
func TestFunctionsLoadedAgain(t *testing.T) {
	if redistest.IsCluster() {
		t.Skip("deletes the libraries of one server")
	}
	e := newEnv(t, "")
	rems := redisstore.NewReminderStore(e.rdb, e.keys)
	bookAndPlan(t, e, rems, 6)
	for _, lib := range redisstore.FunctionLibraries() {
		if err := e.rdb.FunctionDelete(context.Background(), lib).Err(); err != nil && !strings.Contains(err.Error(), "not exist") {
			t.Fatal(err)
		}
	}
	bookAndPlan(t, e, rems, 7)
	for _, lib := range redisstore.FunctionLibraries() {
		if got, err := e.rdb.FunctionList(context.Background(), redis.FunctionListQuery{LibraryNamePattern: lib}).Result(); err != nil || len(got) != 1 {
			t.Fatalf("library %s after booking again: %v %v, want it loaded", lib, got, err)
		}
	}
	checkInvariants(t, e, testEvent)
}

// holdFirst is a go-redis hook that, once armed, holds the first
// pipeline with an FCALL or EVALSHA until release is closed, and records
// each such pipeline's script calls.
type holdFirst struct {
	mu      sync.Mutex
	armed   bool
	held    chan struct{} // closed when the first is held
	release chan struct{}
	calls   [][]int // per pipeline, the arguments of each script call
}

func (h *holdFirst) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *holdFirst) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}

func (h *holdFirst) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var calls []int
		for _, c := range cmds {
			if n := c.Name(); n == "fcall" || n == "evalsha" {
				calls = append(calls, len(c.Args()))
			}
		}
		if calls != nil {
			h.mu.Lock()
			first := h.armed && len(h.calls) == 0
			if h.armed {
				h.calls = append(h.calls, calls)
			}
			h.mu.Unlock()
			if first {
				close(h.held)
				<-h.release
			}
		}
		return next(ctx, cmds)
	}
}

// TestBookingsWaitingGoTogether: requests that arrive while a batch is in
// flight go together in the next one, in one script call per event, and
// each is answered as if alone: the quota is never exceeded, those past
// it are told it is full, a resident's second request finds the first.
func TestBookingsWaitingGoTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	rdb := redistest.GuardedClient(t)
	h := &holdFirst{held: make(chan struct{}), release: make(chan struct{})}
	rdb.AddHook(h)
	s := redisstore.NewBookingStore(rdb, e.keys, e.clock, redisstore.BookingOptions{})
	// Reserve codes first, so that the requests below wait only for the
	// batch.
	if _, err := s.Book(ctx, req(100, "first", "pmb-b", "0900", booking.IUD)); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.armed = true
	h.mu.Unlock()
	type result struct {
		b   booking.Booking
		err error
	}
	results := make(chan result, 10)
	go func() { // held in flight
		b, err := s.Book(ctx, req(101, "key101", "pmb-b", "0900", booking.IUD))
		results <- result{b, err}
	}()
	<-h.held
	// pmb-b has 3 places for iud, one taken and one in flight: of these
	// four residents only the first gets one; 102 asks twice.
	for i, chat := range []kbbot.ChatID{102, 103, 104, 102} {
		go func() {
			b, err := s.Book(ctx, req(chat, "b"+string(rune('0'+i)), "pmb-b", "0900", booking.IUD))
			results <- result{b, err}
		}()
		for redisstore.QueuedBookings(s) < i+1 {
			runtime.Gosched()
		}
	}
	close(h.release)
	booked := map[kbbot.ChatID]int{}
	var full, already int
	for range 5 {
		r := <-results
		var fe *booking.FullError
		var ab *booking.AlreadyBookedError
		switch {
		case r.err == nil:
			booked[r.b.Resident]++
		case errors.As(r.err, &fe):
			full++
		case errors.As(r.err, &ab):
			already++
		default:
			t.Fatalf("unexpected error: %v", r.err)
		}
	}
	// 101 (in flight) and 102 booked; 103 and 104 full; 102's second
	// request found its first.
	if len(booked) != 2 || booked[101] != 1 || booked[102] != 1 || full != 2 || already != 1 {
		t.Fatalf("booked %v, full %d, already %d; want 101 and 102 booked, 2 full, 1 already", booked, full, already)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) != 2 || len(h.calls[1]) != 1 {
		t.Fatalf("script calls per pipeline %v, want the 4 waiting requests in one call after the held one", h.calls)
	}
	if n := checkInvariants(t, e, testEvent); n != 3 {
		t.Fatalf("%d active bookings, want 3", n)
	}
}

// TestBookWithoutFunctionPermission: a Redis user the ACL does not let
// load or call functions books and schedules reminders as scripts.
func TestBookWithoutFunctionPermission(t *testing.T) {
	if redistest.IsCluster() {
		t.Skip("ACL users are per server")
	}
	t.Parallel()
	ctx := context.Background()
	admin := redistest.Client(t)
	user := "kbtest-nofn-" + strings.ReplaceAll(t.Name(), "/", "_")
	if err := admin.Do(ctx, "ACL", "SETUSER", user, "reset", "on", ">pw", "~*", "&*", "+@all", "-fcall", "-function").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Do(context.Background(), "ACL", "DELUSER", user) })
	opt := admin.(*redis.Client).Options()
	rdb := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: opt.DB, Username: user, Password: "pw"})
	t.Cleanup(func() { _ = rdb.Close() })
	rdb.AddHook(redistest.CrossSlotGuard(t))
	keys := redisstore.NewKeys(redistest.Prefix(t, admin))
	e := newEnvOn(t, rdb, keys, "")
	bookAndPlan(t, e, redisstore.NewReminderStore(rdb, keys), 8)
	checkInvariants(t, e, testEvent)
}
