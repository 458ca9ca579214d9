package redisstore_test

import (
	"context"
	"math"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// worstSecond is the most messages of sent (ascending) in any one-second
// window.
func worstSecond(sent []time.Time) int {
	worst := 0
	for i := range sent {
		j := i
		for j < len(sent) && sent[j].Sub(sent[i]) < time.Second {
			j++
		}
		worst = max(worst, j-i)
	}
	return worst
}

// TestSendLimiterShardsAcrossProcesses: three processes, the overall
// schedule sharded over several keys, send eagerly in every lane to many
// chats: no one-second window holds more than the bound of one unsharded
// schedule (ceil((1s + the reply tolerance)/T)), at the normal 27/s (with
// shards forced) and at the paid 950/s (sharded by default); the schedule's
// keys sit in several cluster slots; and a pause set by one process stops
// the others at their next round trip.
func TestSendLimiterShardsAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		rate   float64
		shards int
		secs   int
	}{{"27/s", 27, 4, 20}, {"950/s", 950, 0, 3}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := fakes.NewClock(testStart)
			cfg := redisstore.SendLimits{Rate: c.rate, Shards: c.shards, Clock: clock}
			rdb := redistest.Client(t)
			keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
			var procs []*redisstore.SendLimiter
			// The schedule's keys live about a second of real time, less
			// than this test on a loaded machine: note which were written.
			touched := &keyLog{seen: map[string]bool{}}
			for range 3 {
				pc := redistest.Client(t)
				pc.AddHook(touched)
				l, err := redisstore.NewSendLimiter(pc, keys, cfg)
				if err != nil {
					t.Fatal(err)
				}
				procs = append(procs, l)
			}
			if procs[0].Shards() < 2 {
				t.Fatalf("%d shards at %v/s", procs[0].Shards(), c.rate)
			}
			T := 1e6 / c.rate // µs
			u := max(math.Ceil(T/2), 5000)
			bound := int(math.Ceil((1e6 + 2*u + T) / T))
			rng := rand.New(rand.NewSource(5))
			var sent []time.Time
			end := testStart.Add(time.Duration(c.secs) * time.Second)
			maxStep := int64(40 * time.Millisecond)
			if c.rate > 100 {
				maxStep = int64(2 * time.Millisecond)
			}
			for clock.Now().Before(end) {
				l := procs[rng.Intn(len(procs))]
				lane := kbbot.Priority(rng.Intn(3))
				chat := kbbot.ChatID(rng.Intn(1_000_000) + 1)
				n := 1
				if lane == kbbot.PriorityReply {
					n = 3
				}
				for range n {
					p := acquire(t, l, chat, lane)
					if p.wait != 0 {
						clock.Advance(min(p.wait, time.Duration(rng.Int63n(maxStep))+time.Microsecond))
						break
					}
					sent = append(sent, clock.Now())
				}
			}
			if worst := worstSecond(sent); worst > bound {
				t.Fatalf("%d messages in one second at %v/s over %d shards; the bound is %d", worst, c.rate, procs[0].Shards(), bound)
			}
			if rate := float64(len(sent)) / float64(c.secs); rate < 0.8*c.rate {
				t.Fatalf("%.1f messages/s with eager senders at %v/s: the shards lose the rate", rate, c.rate)
			}
			slots := map[int]bool{}
			for i := range procs[0].Shards() {
				k := keys.SendScheduleShard(i)
				if !touched.has(k) {
					t.Errorf("shard %d (%s) was never leased", i, k)
				}
				slots[redistest.Slot(k)] = true
			}
			if len(slots) < 2 {
				t.Errorf("the schedule's shards sit in %d cluster slot(s)", len(slots))
			}

			// A pause by one process stops the others: each learns of it at
			// its next round trip, and nobody sends until it ends.
			pausedAt := clock.Now()
			if err := procs[0].Pause(ctx, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			for i, l := range procs {
				for {
					p := acquire(t, l, 2_000_000+kbbot.ChatID(i), kbbot.PriorityReply)
					if p.wait == 0 {
						break
					}
					clock.Advance(p.wait)
				}
				if d := clock.Now().Sub(pausedAt); d < 2*time.Second {
					t.Fatalf("process %d sent %v into another's pause of 2s", i, d)
				}
			}
		})
	}
}

// keyLog is a Redis hook noting every key a command or script names.
type keyLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (k *keyLog) note(cmd redis.Cmder) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, key := range redistest.CommandKeys(cmd.Args()) {
		k.seen[key] = true
	}
}

func (k *keyLog) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen[key]
}

func (k *keyLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (k *keyLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		k.note(cmd)
		return next(ctx, cmd)
	}
}

func (k *keyLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			k.note(c)
		}
		return next(ctx, cmds)
	}
}
