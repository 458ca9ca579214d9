package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/scheduler"
)

// The booking store is what cmd wires in as the purger.
var _ scheduler.Purger = (*redisstore.BookingStore)(nil)

// purger records the times it was asked to purge at.
type purger struct {
	mu   sync.Mutex
	at   []time.Time
	err  error
	done int
}

func (p *purger) PurgePersonal(_ context.Context, now time.Time) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at = append(p.at, now)
	return p.done, p.err
}

func (p *purger) calls() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at...)
}

// TestPurgeRunsOncePerFireWithTheClock: two processes fire the hourly
// purge; one of them runs it, with now from the injected clock; the next
// hour's fire runs again.
func TestPurgeRunsOncePerFireWithTheClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := time.Date(2030, 4, 10, 7, 0, 3, 0, time.UTC)
	clock := fakes.NewClock(start)
	a, _ := e.newScheduler(t, nil, clock, scheduler.Config{})
	b, _ := e.newScheduler(t, nil, clock, scheduler.Config{})
	p := &purger{done: 2}
	for _, s := range []*scheduler.Scheduler{a, b} {
		if err := s.AddPurge("", p); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	a.RunJob(ctx, scheduler.PurgeJob, time.Hour, a.PurgeJobOf(p))
	clock.Advance(40 * time.Second) // b's timer fires a little later
	b.RunJob(ctx, scheduler.PurgeJob, time.Hour, b.PurgeJobOf(p))
	if got := p.calls(); len(got) != 1 || !got[0].Equal(start) {
		t.Fatalf("purges %v, want one at %v", got, start)
	}
	clock.Advance(time.Hour)
	p.err = errors.New("redis down") // a failed run is logged; the next fire tries again
	b.RunJob(ctx, scheduler.PurgeJob, time.Hour, b.PurgeJobOf(p))
	if got := p.calls(); len(got) != 2 || !got[1].Equal(clock.Now()) {
		t.Fatalf("purges %v, want a second at %v", got, clock.Now())
	}
	if err := a.PurgeJobOf(p)(ctx); err == nil || !errors.Is(err, p.err) {
		t.Fatalf("a failed purge: %v", err)
	}
}

func TestAddPurgeRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s, _ := e.newScheduler(t, nil, fakes.NewClock(time.Now()), scheduler.Config{})
	if err := s.AddPurge("every hour", &purger{}); err == nil {
		t.Error("a malformed spec was accepted")
	}
	if err := s.AddPurge("", nil); err == nil {
		t.Error("a nil purger was accepted")
	}
}
