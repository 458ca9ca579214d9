package app_test

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkMenuTaps drives menu taps from many residents at once through the
// whole stack: the fake Bot API, the real poller, dispatcher and Redis. Each
// tap is an update that the bot answers (answerCallbackQuery) and turns into
// an edit of the menu in place. It reports updates/s and the p99 latency from
// the tap to Telegram's confirmation of the update (which the poller gives
// only after the update is handled and its replies are sent).
//
//	go test -run '^$' -bench MenuTaps -benchtime 20000x ./app/
func BenchmarkMenuTaps(b *testing.B) {
	const residents = 400
	e := newEnv(b)
	// This measures kbbot's own capacity: Telegram's 30 messages/s would
	// bound it long before, so the shared send limiter is set out of reach
	// (it still takes its Redis round trip for every message).
	e.cfg.SendRate = 1_000_000
	e.start()
	users := make([]*userDriver, residents)
	var wg sync.WaitGroup
	for i := range users {
		u := e.srv.User(int64(900000+i), "Warga")
		users[i] = &userDriver{tap: u.Tap}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := u.Send("/start"); err != nil {
				b.Error(err)
			}
			if _, err := u.Tap("✅ Setuju"); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	per := max(b.N/residents, 1)
	lat := make([][]time.Duration, residents)
	b.ResetTimer()
	start := time.Now()
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			labels := []string{"❓ Bantuan", "⬅️ Menu utama"}
			for j := range per {
				t0 := time.Now()
				if _, err := u.tap(labels[j%2]); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no taps measured")
	}
	p99 := all[len(all)*99/100]
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}

type userDriver struct {
	tap func(label string) (int, error)
}
