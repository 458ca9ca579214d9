package scheduler_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/scheduler"
)

// extendCounter is the reminder store, counting the sweep lock's
// extensions.
type extendCounter struct {
	*redisstore.ReminderStore
	extends atomic.Int64
}

func (c *extendCounter) Extend(ctx context.Context, name, token string, ttl time.Duration) (bool, error) {
	ok, err := c.ReminderStore.Extend(ctx, name, token, ttl)
	if err == nil && ok {
		c.extends.Add(1)
	}
	return ok, err
}

// TestSlowSweepKeepsItsLock: a sweep whose batch takes longer than the
// sweep lock's TTL (a reminder stuck on a slow Telegram) keeps the lock,
// extended in the background, so another process neither sweeps nor
// reaps the items in flight meanwhile; each reminder is handled once.
func TestSlowSweepKeepsItsLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rec.setFail(func(kbbot.Event) error {
		once.Do(func() { close(started); <-release })
		return nil
	})
	const ttl = 1500 * time.Millisecond
	st := &extendCounter{ReminderStore: e.store(t)}
	slow := scheduler.New(st, rec, clock, testLog(t), scheduler.Config{LockTTL: ttl, Workers: 1})
	mustSchedule(t, st.ReminderStore, simple(1, "KB-1", t0), simple(2, "KB-2", t0), simple(3, "KB-3", t0))
	done := make(chan scheduler.SweepResult, 1)
	go func() { done <- mustSweep(t, slow) }()
	<-started

	// Five extensions, a third of the TTL apart: the TTL has passed more
	// than once since the lock was taken.
	deadline := time.Now().Add(time.Minute)
	for st.extends.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the sweep lock is not extended while a batch runs")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	other, _ := e.newScheduler(t, rec, clock, scheduler.Config{LockTTL: ttl})
	clock.Advance(time.Hour) // every lease has run out
	if res := mustSweep(t, other); !res.Skipped {
		t.Fatalf("another process swept while the slow sweep held its items: %+v", res)
	}
	close(release)
	if res := <-done; res.Sent != 3 {
		t.Fatalf("the slow sweep %+v, want 3 sent", res)
	}
	if res := mustSweep(t, other); res.Skipped || res.Reaped != 0 || res.Sent != 0 {
		t.Fatalf("after the slow sweep another found %+v, want nothing left", res)
	}
	for _, id := range rec.ids() {
		if n := rec.times(id); n != 1 {
			t.Errorf("%s handled %d times", id, n)
		}
	}
}
