package redisstore_test

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// newLimiter returns a limiter on the test's Redis deciding by clock.
func newLimiter(t *testing.T, rate float64, clock kbbot.Clock) (*redisstore.SendLimiter, redis.UniversalClient, redisstore.Keys) {
	t.Helper()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	l, err := redisstore.NewSendLimiter(rdb, keys, redisstore.SendLimits{Rate: rate, Burst: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return l, rdb, keys
}

type permit struct {
	wait   time.Duration
	shared bool
}

func acquire(t *testing.T, l *redisstore.SendLimiter, chat kbbot.ChatID, p kbbot.Priority) permit {
	t.Helper()
	w, s, err := l.Acquire(context.Background(), chat, p)
	if err != nil {
		t.Fatal(err)
	}
	return permit{w, s}
}

// TestSendLimiterOverallRate: at 10/s, a lane asking as fast as it is
// allowed gets one message per 100ms, and a refusal names the wait.
func TestSendLimiterOverallRate(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	l, _, _ := newLimiter(t, 10, clock)
	// Broadcast lane: tolerance 50ms.
	if p := acquire(t, l, 1, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatalf("first message refused: %+v", p)
	}
	p := acquire(t, l, 2, kbbot.PriorityBroadcast)
	if p.wait != 50*time.Millisecond || !p.shared {
		t.Fatalf("second message at once: %+v, want a shared wait of 50ms", p)
	}
	// Ask again exactly when told, for 10 simulated seconds.
	sent := 1
	end := testStart.Add(10 * time.Second)
	for chat := kbbot.ChatID(3); clock.Now().Before(end); chat++ {
		p := acquire(t, l, chat, kbbot.PriorityBroadcast)
		if p.wait == 0 {
			sent++
			continue
		}
		clock.Advance(p.wait)
	}
	if sent < 100 || sent > 101 {
		t.Fatalf("%d messages in 10s at 10/s", sent)
	}
}

// TestSendLimiterLanes: replies go at once while broadcasts use the whole
// budget; while replies use it, reminders and broadcasts wait; reminders
// come before broadcasts.
func TestSendLimiterLanes(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	l, _, _ := newLimiter(t, 10, clock)
	chat := kbbot.ChatID(100)
	next := func() kbbot.ChatID { chat++; return chat }
	// Broadcasts saturate: ask until refused.
	for acquire(t, l, next(), kbbot.PriorityBroadcast).wait == 0 {
	}
	if p := acquire(t, l, next(), kbbot.PriorityReply); p.wait != 0 {
		t.Fatalf("reply waits behind broadcasts: %+v", p)
	}
	clock.Advance(100 * time.Millisecond)
	for acquire(t, l, next(), kbbot.PriorityBroadcast).wait == 0 {
	}
	if p := acquire(t, l, next(), kbbot.PriorityReminder); p.wait != 0 {
		t.Fatalf("reminder waits behind broadcasts: %+v", p)
	}
	// Replies saturate: the other lanes are refused for longer than
	// replies are.
	for acquire(t, l, next(), kbbot.PriorityReply).wait == 0 {
	}
	reply := acquire(t, l, next(), kbbot.PriorityReply)
	rem := acquire(t, l, next(), kbbot.PriorityReminder)
	bc := acquire(t, l, next(), kbbot.PriorityBroadcast)
	if !(reply.wait > 0 && rem.wait > reply.wait && bc.wait > rem.wait) || !bc.shared {
		t.Fatalf("waits reply %v, reminder %v, broadcast %v: want each lane to wait longer than the one above", reply.wait, rem.wait, bc.wait)
	}
	// When a reply slot opens and a broadcast asks first, it is refused.
	clock.Advance(reply.wait)
	if p := acquire(t, l, next(), kbbot.PriorityBroadcast); p.wait == 0 {
		t.Fatal("a broadcast took a slot a waiting reply was due")
	}
	if p := acquire(t, l, next(), kbbot.PriorityReply); p.wait != 0 {
		t.Fatalf("the reply did not get its slot: %+v", p)
	}
}

// TestSendLimiterPerChat: a private chat gets a burst of three messages,
// then one per 1.1s; a group one per 3.15s; a chat that must wait does not
// use an overall slot.
func TestSendLimiterPerChat(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	l, rdb, keys := newLimiter(t, 1000, clock)
	for _, c := range []struct {
		chat  kbbot.ChatID
		burst int
		gap   time.Duration
	}{{42, 3, 1100 * time.Millisecond}, {-1001234, 1, 3150 * time.Millisecond}} {
		for i := range c.burst {
			if p := acquire(t, l, c.chat, kbbot.PriorityReply); p.wait != 0 {
				t.Fatalf("chat %d: message %d of the burst refused: %+v", c.chat, i+1, p)
			}
		}
		p := acquire(t, l, c.chat, kbbot.PriorityReply)
		if p.wait != c.gap || p.shared {
			t.Fatalf("chat %d: message after the burst: %+v, want the chat's own wait of %v", c.chat, p, c.gap)
		}
		clock.Advance(c.gap - time.Millisecond)
		if p := acquire(t, l, c.chat, kbbot.PriorityReply); p.wait != time.Millisecond {
			t.Fatalf("chat %d: 1ms early: %+v", c.chat, p)
		}
		clock.Advance(time.Millisecond)
		if p := acquire(t, l, c.chat, kbbot.PriorityReply); p.wait != 0 {
			t.Fatalf("chat %d: refused when due: %+v", c.chat, p)
		}
	}

	// Chats leave the set once their interval passed: it holds only the
	// chats messaged lately.
	clock.Advance(4 * time.Second)
	if p := acquire(t, l, 43, kbbot.PriorityReply); p.wait != 0 {
		t.Fatal(p)
	}
	// A chat's bucket expires a second after it is full again.
	if ttl := rdb.PTTL(context.Background(), keys.SendChat(42)).Val(); ttl <= 0 || ttl > 5*time.Second {
		t.Fatalf("chat bucket PTTL %v, want at most its refill time and a second", ttl)
	}

	// A negative interval turns the per-chat limit off.
	off, err := redisstore.NewSendLimiter(rdb, redisstore.NewKeys(keys.Prefix()+"off:"), redisstore.SendLimits{Rate: 1000, ChatInterval: -1, GroupInterval: -1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, chat := range []kbbot.ChatID{44, 44, -45, -45} {
		if p := acquire(t, off, chat, kbbot.PriorityReply); p.wait != 0 {
			t.Fatalf("chat %d with the per-chat limit off: %+v", chat, p)
		}
		clock.Advance(5 * time.Millisecond)
	}

	// At 1/s overall, a refused chat leaves the slot to another chat.
	l2, err := redisstore.NewSendLimiter(rdb, redisstore.NewKeys(keys.Prefix()+"one:"), redisstore.SendLimits{Rate: 1, ChatBurst: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if p := acquire(t, l2, 7, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatal(p)
	}
	clock.Advance(time.Second)
	if p := acquire(t, l2, 7, kbbot.PriorityBroadcast); p.wait == 0 || p.shared {
		t.Fatalf("chat 7 again after 1s: %+v, want its own wait", p)
	}
	if p := acquire(t, l2, 8, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatalf("chat 8 refused: the refused chat used the slot: %+v", p)
	}
}

// TestSendLimiterPause: a pause refuses every lane and chat until it ends,
// and a shorter pause does not shorten it.
func TestSendLimiterPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := fakes.NewClock(testStart)
	l, _, _ := newLimiter(t, 1000, clock)
	if err := l.Pause(ctx, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.Pause(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, lane := range []kbbot.Priority{kbbot.PriorityReply, kbbot.PriorityReminder, kbbot.PriorityBroadcast} {
		if p := acquire(t, l, kbbot.ChatID(10+lane), lane); p.wait != 3*time.Second || !p.shared {
			t.Fatalf("lane %d during the pause: %+v, want a shared wait of 3s", lane, p)
		}
	}
	if d, err := l.PausedFor(ctx); err != nil || d != 3*time.Second {
		t.Fatalf("PausedFor = %v, %v", d, err)
	}
	clock.Advance(3 * time.Second)
	if p := acquire(t, l, 10, kbbot.PriorityBroadcast); p.wait != 0 {
		t.Fatalf("refused after the pause: %+v", p)
	}
	if d, _ := l.PausedFor(ctx); d != 0 {
		t.Fatalf("PausedFor after the pause = %v", d)
	}
}

// TestSendLimiterWindowBound: whatever the mix of lanes and chats and
// however eagerly they ask, no one-second window holds more than
// ceil((1s + the reply tolerance) / T) messages: 29 at 27/s.
func TestSendLimiterWindowBound(t *testing.T) {
	t.Parallel()
	clock := fakes.NewClock(testStart)
	l, _, _ := newLimiter(t, 27, clock)
	rng := rand.New(rand.NewSource(1))
	var sent []time.Time
	end := testStart.Add(20 * time.Second)
	for clock.Now().Before(end) {
		lane := kbbot.Priority(rng.Intn(3))
		p := acquire(t, l, kbbot.ChatID(rng.Intn(1_000_000)+1), lane)
		if p.wait == 0 {
			sent = append(sent, clock.Now())
		}
		// Ask again before, at or after the time given.
		step := time.Duration(rng.Int63n(int64(40 * time.Millisecond)))
		if p.wait > 0 && rng.Intn(2) == 0 {
			step = p.wait
		}
		clock.Advance(step)
	}
	worst := worstSecond(sent)
	if worst > 29 {
		t.Fatalf("%d messages in one second at 27/s; the bound is 29", worst)
	}
	rate := float64(len(sent)) / 20
	if math.Abs(rate-27) > 1 {
		t.Fatalf("%.1f messages/s with eager senders, want about 27", rate)
	}
}

// TestSendLimiterKeys: the overall schedule's keys carry {send} or
// {send:<k>} (one shard each), the pause {send}, a chat's bucket its own
// {chat:<id>}, and all expire.
func TestSendLimiterKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb, keys := newLimiter(t, 1000, nil) // the server's clock
	for range 3 {
		if p := acquire(t, l, 5, kbbot.PriorityReply); p.wait != 0 {
			t.Fatalf("message of the burst refused: %+v", p)
		}
	}
	if p := acquire(t, l, 5, kbbot.PriorityReply); p.wait <= 900*time.Millisecond || p.wait > 1100*time.Millisecond {
		t.Fatalf("second message to the chat by the server's clock: %+v", p)
	}
	if err := l.Pause(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	if d, err := l.PausedFor(ctx); err != nil || d < 59*time.Second || d > time.Minute {
		t.Fatalf("PausedFor = %v, %v", d, err)
	}
	found := redistest.Keys(ctx, rdb, keys.Prefix()+"*")
	var pause, bucket, sched int
	for _, k := range found {
		switch {
		case k == keys.SendPause():
			pause++
		case strings.HasSuffix(k, "{chat:5}:send"):
			bucket++
		case strings.HasSuffix(k, ":tat") && (strings.Contains(k, "{send}") || strings.Contains(k, "{send:")):
			sched++
		default:
			t.Errorf("key %s is none of the limiter's", k)
		}
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s does not expire (PTTL %v)", k, ttl)
		}
	}
	if pause != 1 || bucket != 1 || sched < 1 || sched > l.Shards() {
		t.Fatalf("keys %v, want the pause, the chat's bucket and 1 to %d shards of the schedule", found, l.Shards())
	}
}

// TestSendLimiterUnavailable: without Redis, Acquire fails with
// kbbot.ErrUnavailable rather than letting messages through.
func TestSendLimiterUnavailable(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := redisstore.NewSendLimiter(rdb, redisstore.NewKeys("x:"), redisstore.SendLimits{Rate: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Acquire(context.Background(), 1, kbbot.PriorityReply); !errors.Is(err, kbbot.ErrUnavailable) {
		t.Fatalf("Acquire without Redis: %v, want ErrUnavailable", err)
	}
	if _, err := redisstore.NewSendLimiter(rdb, redisstore.NewKeys("x:"), redisstore.SendLimits{}); err == nil {
		t.Fatal("a zero rate was accepted")
	}
}

// TestCommitTakesChatSendTokens: a commit queuing a reply takes the
// chat's send tokens in its own script (and a lease of the overall
// schedule in its pipeline), so the reply's three messages need no wait
// for the chat; the chat's bucket is used up as by the limiter itself,
// and a pause another process set holds for the next message.
func TestCommitTakesChatSendTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := fakes.NewClock(testStart)
	_, rdb, keys := newLimiter(t, 1000, clock)
	// One schedule key: a lease of 33 slots 1 ms apart serves the test.
	l, err := redisstore.NewSendLimiter(rdb, keys, redisstore.SendLimits{Rate: 1000, Burst: 1, Shards: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s := redisstore.NewChatStore(rdb, keys, time.Hour)
	s.SetSendLimiter(l)
	reply := func(text string) kbbot.Reply {
		return kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 7, Text: text, Priority: kbbot.PriorityReply}
	}
	commit := func(id int64, replies ...kbbot.Reply) {
		t.Helper()
		lease, _, err := s.Begin(ctx, 7, id, "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, lease, kbbot.Commit{UpdateID: id, State: []byte("s"), Replies: replies}); err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, lease, nil, true); err != nil {
			t.Fatal(err)
		}
	}
	commit(1, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: 7, CallbackID: "c"}, reply("a"), reply("b"), reply("c"))
	// The commit took the chat's three tokens: no message of the reply
	// waits for the chat. (A lease of the overall schedule it took may
	// have run out by the time a loaded machine asks; then a message
	// waits its shared slot, which is the limit holding, not a fault.
	// How many round trips that saves is measured by UpdateCost.)
	for i := range 3 {
		if p := acquire(t, l, 7, kbbot.PriorityReply); p.wait != 0 && !p.shared {
			t.Fatalf("message %d of the reply waits for its chat: %+v", i+1, p)
		}
	}
	// The bucket is used up: the next message of the chat waits its
	// interval, whoever asks.
	// (When the overall schedule's lease ran out meanwhile, its shared
	// wait is told first, and the chat's comes on the next ask.)
	if p := acquire(t, l, 7, kbbot.PriorityReply); p.wait == 0 || !p.shared && p.wait < 500*time.Millisecond {
		t.Fatalf("a fourth message at once: %+v, want the chat's own wait (about 1.1 s)", p)
	}
	// Another process's 429: the next commit's round trip tells of it.
	other, err := redisstore.NewSendLimiter(rdb, keys, redisstore.SendLimits{Rate: 1000, Burst: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Pause(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Second)
	commit(2, reply("d"))
	if p := acquire(t, l, 7, kbbot.PriorityReply); p.wait < 50*time.Second || !p.shared {
		t.Fatalf("a message during another's pause: %+v, want the shared pause", p)
	}
}
