package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/scheduler"
)

// BenchmarkSweep measures how many due reminders per second one sweep
// claims from a real Redis, hands to a no-op handler and acks. Each
// iteration schedules n due items outside the timer, then times one Sweep.
//
//	go test -run '^$' -bench BenchmarkSweep -benchtime 5x ./scheduler/
func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{20000} {
		b.Run(fmt.Sprintf("due=%d", n), func(b *testing.B) {
			e := newEnv(b)
			clock := fakes.NewClock(t0)
			noop := kbbot.HandlerFunc(func(context.Context, kbbot.Event) error { return nil })
			st := e.store(b)
			s := scheduler.New(st, noop, clock, slog.New(slog.DiscardHandler), scheduler.Config{MaxPerSweep: n})
			items := make([]reminders.Item, n)
			var elapsed time.Duration
			total := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := range items {
					items[j] = reminders.Item{
						ID: fmt.Sprintf("h0:KB-%d-%d", i, j), Chat: kbbot.ChatID(j%5000 + 1), Kind: reminders.KindH0,
						Ref: fmt.Sprintf("KB-%d-%d", i, j), Due: t0.Add(-time.Duration(j) * time.Millisecond),
						NotAfter: t0.Add(time.Hour), Zone: "Asia/Jakarta",
					}
				}
				scheduleParallel(b, st, items)
				b.StartTimer()
				start := time.Now()
				res, err := s.Sweep(context.Background())
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if res.Sent != n {
					b.Fatalf("sent %d of %d: %+v", res.Sent, n, res)
				}
				total += res.Sent
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "reminders/s")
		})
	}
}

// scheduleParallel schedules items in a few concurrent batches.
func scheduleParallel(b *testing.B, st interface {
	Schedule(context.Context, ...reminders.Item) (int, error)
}, items []reminders.Item) {
	const chunk = 2000
	var wg sync.WaitGroup
	for i := 0; i < len(items); i += chunk {
		part := items[i:min(i+chunk, len(items))]
		wg.Go(func() {
			if _, err := st.Schedule(context.Background(), part...); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}
