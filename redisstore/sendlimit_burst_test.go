package redisstore_test

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// twoLimiters returns two limiters (two processes) on one Redis and prefix.
func twoLimiters(t *testing.T, cfg redisstore.SendLimits) (a, b *redisstore.SendLimiter) {
	t.Helper()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	var err error
	if a, err = redisstore.NewSendLimiter(rdb, keys, cfg); err != nil {
		t.Fatal(err)
	}
	if b, err = redisstore.NewSendLimiter(redistest.Client(t), keys, cfg); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// conforms checks that the times keep a GCRA of interval T and burst b:
// the message k places after another comes at least (k-b+1)·T later.
func conforms(t *testing.T, what string, sent []time.Time, T time.Duration, b int) {
	t.Helper()
	for i := range sent {
		for j := i + b; j < len(sent); j++ {
			if want := time.Duration(j-i-b+1) * T; sent[j].Sub(sent[i]) < want {
				t.Fatalf("%s: messages %d and %d %v apart, want at least %v", what, i, j, sent[j].Sub(sent[i]), want)
			}
		}
	}
}

// TestSendLimiterChatBurstAcrossProcesses: a reply of three messages to
// a chat goes at once; then two processes reply to that chat as eagerly as
// they may, and the chat never gets more than its bucket allows (burst 3,
// one per 1.1s), whichever process asks.
func TestSendLimiterChatBurstAcrossProcesses(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	a, b := twoLimiters(t, redisstore.SendLimits{Rate: 27, Clock: clock})
	rng := rand.New(rand.NewSource(3))
	var sent []time.Time
	for range 3 {
		if p := acquire(t, a, 42, kbbot.PriorityReply); p.wait != 0 {
			t.Fatalf("a message of the first reply waits %+v", p)
		}
		sent = append(sent, clock.Now())
	}
	end := testStart.Add(30 * time.Second)
	for clock.Now().Before(end) {
		l := []*redisstore.SendLimiter{a, b}[rng.Intn(2)]
		p := acquire(t, l, 42, kbbot.PriorityReply)
		if p.wait == 0 {
			sent = append(sent, clock.Now())
			continue
		}
		step := time.Duration(rng.Int63n(int64(300 * time.Millisecond)))
		if rng.Intn(2) == 0 {
			step = p.wait
		}
		clock.Advance(step)
	}
	conforms(t, "chat 42", sent, 1100*time.Millisecond, 3)
	if len(sent) > 3+int(30*time.Second/(1100*time.Millisecond))+1 {
		t.Fatalf("%d messages in 30s", len(sent))
	}
}

// TestSendLimiterLeasesAcrossProcesses: two processes, each leasing blocks
// of the overall schedule, send eagerly in every lane to many chats: no
// one-second window holds more than the bound (29 at 27/s).
func TestSendLimiterLeasesAcrossProcesses(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	a, b := twoLimiters(t, redisstore.SendLimits{Rate: 27, Block: 4, Clock: clock})
	rng := rand.New(rand.NewSource(4))
	var sent []time.Time
	end := testStart.Add(20 * time.Second)
	for clock.Now().Before(end) {
		l := []*redisstore.SendLimiter{a, b}[rng.Intn(2)]
		lane := kbbot.Priority(rng.Intn(3))
		// Replies of three messages to one chat, one message to others.
		chat := kbbot.ChatID(rng.Intn(1_000_000) + 1)
		n := 1
		if lane == kbbot.PriorityReply {
			n = 3
		}
		for range n {
			p := acquire(t, l, chat, lane)
			if p.wait != 0 {
				clock.Advance(min(p.wait, time.Duration(rng.Int63n(int64(40*time.Millisecond)))+time.Microsecond))
				break
			}
			sent = append(sent, clock.Now())
		}
	}
	worst := worstSecond(sent)
	if worst > 29 {
		t.Fatalf("%d messages in one second at 27/s; the bound is 29", worst)
	}
	t.Logf("%d messages, worst second %d", len(sent), worst)
}

// TestSendLimiterRelease: the unused tail of a lease goes back, so another
// process sends at once instead of waiting for the leased slots to pass.
func TestSendLimiterRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := fakes.NewClock(testStart)
	a, b := twoLimiters(t, redisstore.SendLimits{Rate: 10, Block: 5, Clock: clock})
	if p := acquire(t, a, 1, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatal(p)
	}
	if p := acquire(t, b, 2, kbbot.PriorityBroadcast); p.wait < 400*time.Millisecond || !p.shared {
		t.Fatalf("process b while a holds a lease of 5: %+v, want a shared wait of the lease", p)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(100 * time.Millisecond)
	c, err := redisstore.NewSendLimiter(redistest.Client(t), a.Keys(), redisstore.SendLimits{Rate: 10, Block: 5, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if p := acquire(t, c, 2, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatalf("another process after a released its lease: %+v", p)
	}
}

// TestSendLimiterRoundTrips: a reply of three messages costs one round
// trip (the chat's tokens and, when the process holds no slots, a lease,
// in one pipeline).
func TestSendLimiterRoundTrips(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	l, _, _ := newLimiter(t, 1000, clock)
	send := func(chat kbbot.ChatID, lane kbbot.Priority) {
		t.Helper()
		for {
			p := acquire(t, l, chat, lane)
			if p.wait == 0 {
				return
			}
			clock.Advance(p.wait)
		}
	}
	for i := range 100 {
		before := l.RoundTrips()
		for range 3 {
			send(kbbot.ChatID(1000+i), kbbot.PriorityReply)
		}
		if n := l.RoundTrips() - before; n != 1 {
			t.Fatalf("reply %d of three messages took %d round trips, want 1", i, n)
		}
		clock.Advance(100 * time.Millisecond)
	}
}
