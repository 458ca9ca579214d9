package send_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/broadcast/send"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/redisstore"
)

// leaseQueue is the broadcast store as one sender process reaches it: it
// notes how far its claims were renewed, and can be cut off from Redis,
// as a process that died (it renews, records and releases nothing).
type leaseQueue struct {
	*redisstore.BroadcastStore
	cut     atomic.Bool
	mu      sync.Mutex
	renewed time.Time // the latest deadline a renewal set
}

var errCut = errors.New("cut off from Redis")

func (q *leaseQueue) Claim(ctx context.Context, id string, n int, now time.Time, lease time.Duration) (broadcast.Claim, error) {
	if q.cut.Load() {
		return broadcast.Claim{}, errCut
	}
	return q.BroadcastStore.Claim(ctx, id, n, now, lease)
}

func (q *leaseQueue) Renew(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID, now time.Time, lease time.Duration) (broadcast.Claim, int, error) {
	if q.cut.Load() {
		return c, 0, errCut
	}
	c, held, err := q.BroadcastStore.Renew(ctx, id, c, chats, now, lease)
	if err == nil && held > 0 {
		q.mu.Lock()
		if c.Deadline.After(q.renewed) {
			q.renewed = c.Deadline
		}
		q.mu.Unlock()
	}
	return c, held, err
}

func (q *leaseQueue) Ack(ctx context.Context, id string, c broadcast.Claim, chat kbbot.ChatID, o broadcast.Outcome) (bool, error) {
	if q.cut.Load() {
		return false, errCut
	}
	return q.BroadcastStore.Ack(ctx, id, c, chat, o)
}

func (q *leaseQueue) Release(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID) error {
	if q.cut.Load() {
		return errCut
	}
	return q.BroadcastStore.Release(ctx, id, c, chats)
}

// renewedUntil is the latest deadline a renewal set.
func (q *leaseQueue) renewedUntil() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.renewed
}

// stuckSender holds the first message it is given until released (or its
// context ends), as a slow Telegram or a long 429 would.
type stuckSender struct {
	recSender
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func newStuckSender() *stuckSender {
	return &stuckSender{started: make(chan struct{}), release: make(chan struct{})}
}

func (s *stuckSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	first := false
	s.once.Do(func() { first = true; close(s.started) })
	if first {
		select {
		case <-s.release:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return s.recSender.Send(ctx, r)
}

// waitUntil polls cond (a condition, not the time) for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 30s", what)
		}
		time.Sleep(time.Millisecond) // polling a condition
	}
}

// leaseCfg is the production lease, renewed often in real time so that
// the tests, which move an injected clock, need not wait.
var leaseCfg = send.Config{Workers: 1, Batch: 4, Lease: 15 * time.Second, RenewEvery: 2 * time.Millisecond}

// stuckRun is a broadcast to 4 residents whose sender (its Run under way)
// is stuck on its first message.
type stuckRun struct {
	now   time.Time
	store *redisstore.BroadcastStore
	b     broadcast.Broadcast
	clock *fakes.Clock
	q     *leaseQueue
	stuck *stuckSender
	done  chan error // the sender's Run
}

func stuckWorld(t *testing.T) stuckRun {
	t.Helper()
	w := stuckRun{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), stuck: newStuckSender(), done: make(chan error, 1)}
	w.store, w.b = sendWorld(t, 4, "Halo", "", kel, w.now)
	w.clock = fakes.NewClock(w.now)
	w.q = &leaseQueue{BroadcastStore: w.store}
	s := send.New(texts(t), w.q, w.stuck, w.clock, nil, leaseCfg, nil)
	go func() { w.done <- s.Run(context.Background()) }()
	<-w.stuck.started
	return w
}

// TestBroadcastSlowSenderKeepsItsClaim: a sender stuck on one message for
// a minute, four times its 15 s lease, renews its claim all along:
// another process running meanwhile takes none of its recipients, and
// when the message goes through, the sender sends the rest of its batch;
// everyone gets the broadcast once.
func TestBroadcastSlowSenderKeepsItsClaim(t *testing.T) {
	t.Parallel()
	w := stuckWorld(t)
	store, b, clock, q, stuck, done, now := w.store, w.b, w.clock, w.q, w.stuck, w.done, w.now

	other := &recSender{}
	fast := send.New(texts(t), store, other, clock, nil, leaseCfg, nil)
	for range 12 {
		at := clock.Advance(5 * time.Second)
		waitUntil(t, "renewal", func() bool { return !q.renewedUntil().Before(at.Add(leaseCfg.Lease)) })
		if err := fast.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(other.perChat()); n != 0 {
			t.Fatalf("%v after the claim: another process took %d of its recipients while it was still sending", at.Sub(now), n)
		}
	}
	close(stuck.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for chat, n := range stuck.perChat() {
		if n != 1 {
			t.Errorf("resident %d got it %d times", chat, n)
		}
	}
	got, _ := store.Get(context.Background(), b.ID)
	if len(stuck.perChat()) != 4 || got.Counts.Delivered != 4 {
		t.Fatalf("the slow sender delivered to %d residents, counts %+v; want all 4", len(stuck.perChat()), got.Counts)
	}
}

// TestBroadcastDeadSendersClaimTakenOver: a sender dies (cut off from
// Redis) in the middle of its batch. Its recipients stay claimed until its
// lease ends, 15 s after its last renewal, well within the 30 s the issue
// allows; then another process sends to every one of them, the one in
// flight at the death included (it is the one message that may arrive
// twice).
func TestBroadcastDeadSendersClaimTakenOver(t *testing.T) {
	t.Parallel()
	w := stuckWorld(t)
	store, b, clock, q, stuck, done, now := w.store, w.b, w.clock, w.q, w.stuck, w.done, w.now
	q.cut.Store(true) // it dies: nothing renewed, recorded or released
	t.Cleanup(func() { close(stuck.release); <-done })

	other := &recSender{}
	next := send.New(texts(t), store, other, clock, nil, leaseCfg, nil)
	clock.Set(now.Add(leaseCfg.Lease - time.Second))
	if err := next.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(other.perChat()); n != 0 {
		t.Fatalf("%d recipients taken before the dead claim's lease ended", n)
	}
	clock.Set(now.Add(leaseCfg.Lease + time.Millisecond))
	if err := next.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(other.perChat()); n != 4 {
		t.Fatalf("once the lease ended another process sent to %d of the dead sender's 4 recipients", n)
	}
	got, _ := store.Get(context.Background(), b.ID)
	if got.State != broadcast.Done || got.Counts.Delivered != 4 {
		t.Fatalf("%s %+v, want done with 4 delivered", got.State, got.Counts)
	}
}
