package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// BenchmarkSendLimiter asks for b.N messages at the paid broadcast rate
// (950/s planned), by the Redis server's clock, each to its own chat
// (broadcast) or in replies of three to one chat (reply), sleeping the
// waits as a sender would, and reports messages/s and Redis round trips
// per message.
//
//	go test -run '^$' -bench SendLimiter -benchtime 3000x ./redisstore/
func BenchmarkSendLimiter(b *testing.B) {
	for _, c := range []struct {
		name string
		lane kbbot.Priority
		per  int // messages per chat
	}{{"broadcast", kbbot.PriorityBroadcast, 1}, {"reply3", kbbot.PriorityReply, 3}} {
		b.Run(c.name, func(b *testing.B) {
			rdb := redistest.Client(b)
			keys := redisstore.NewKeys(redistest.Prefix(b, rdb))
			l, err := redisstore.NewSendLimiter(rdb, keys, redisstore.SendLimits{Rate: 950})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				chat := kbbot.ChatID(1 + i/c.per)
				for {
					w, _, err := l.Acquire(ctx, chat, c.lane)
					if err != nil {
						b.Fatal(err)
					}
					if w == 0 {
						break
					}
					time.Sleep(w)
				}
			}
			el := time.Since(start)
			b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
			b.ReportMetric(float64(l.RoundTrips())/float64(b.N), "trips/msg")
		})
	}
}
