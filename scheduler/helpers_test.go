package scheduler_test

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/scheduler"
)

// The Redis store is what cmd wires in.
var _ scheduler.Store = (*redisstore.ReminderStore)(nil)

// delivery is one reminder event the handler received, and when.
type delivery struct {
	kbbot.Reminder
	Chat kbbot.ChatID
	At   time.Time
}

// recorder is a concurrency-safe handler that records every reminder it
// gets; fail, when set, decides the handler's result.
type recorder struct {
	clock kbbot.Clock
	mu    sync.Mutex
	got   []delivery
	count map[string]int
	fail  func(ev kbbot.Event) error
}

func newRecorder(clock kbbot.Clock) *recorder {
	return &recorder{clock: clock, count: map[string]int{}}
}

func (r *recorder) Handle(_ context.Context, ev kbbot.Event) error {
	if ev.Kind != kbbot.EventReminder || ev.Reminder == nil {
		panic("not a reminder event")
	}
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(ev); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, delivery{Reminder: *ev.Reminder, Chat: ev.ChatID, At: r.clock.Now()})
	r.count[ev.Reminder.ID]++
	return nil
}

func (r *recorder) setFail(f func(ev kbbot.Event) error) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

// ids returns the ids delivered, sorted.
func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.count))
	for id := range r.count {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (r *recorder) times(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[id]
}

func (r *recorder) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// env is one test's Redis prefix, with a store per "process".
type env struct {
	t    *testing.T
	keys redisstore.Keys
	rdb  redis.UniversalClient
}

func newEnv(t testing.TB) *env {
	rdb := redistest.Client(t)
	e := &env{keys: redisstore.NewKeys(redistest.Prefix(t, rdb)), rdb: rdb}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	return e
}

// store returns a store on a new client, as another process would have.
func (e *env) store(tb testing.TB) *redisstore.ReminderStore {
	return redisstore.NewReminderStore(redistest.Client(tb), e.keys)
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// newScheduler returns a scheduler on its own client, sweeping with cfg.
func (e *env) newScheduler(tb testing.TB, h kbbot.Handler, clock kbbot.Clock, cfg scheduler.Config) (*scheduler.Scheduler, *redisstore.ReminderStore) {
	st := e.store(tb)
	return scheduler.New(st, h, clock, testLog(tb), cfg), st
}

func mustSchedule(t testing.TB, st *redisstore.ReminderStore, items ...reminders.Item) {
	t.Helper()
	if _, err := st.Schedule(context.Background(), items...); err != nil {
		t.Fatal(err)
	}
}

func mustSweep(t testing.TB, s *scheduler.Scheduler) scheduler.SweepResult {
	t.Helper()
	res, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func loadZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var zoneNames = []string{"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
