package dispatch_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// gateSender holds the first message it is asked to send until release is
// closed, or until its context ends (then it reports that on cancelled and
// sends nothing). Everything else goes straight to next.
type gateSender struct {
	next      kbbot.Sender
	started   chan struct{} // closed when the first message is held
	release   chan struct{}
	cancelled chan struct{} // closed when the held message's context ended
	once      sync.Once
}

func newGate(next kbbot.Sender) *gateSender {
	return &gateSender{next: next, started: make(chan struct{}), release: make(chan struct{}), cancelled: make(chan struct{})}
}

func (g *gateSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.started)
		select {
		case <-g.release:
		case <-ctx.Done():
			close(g.cancelled)
			return 0, ctx.Err()
		}
	}
	return g.next.Send(ctx, r)
}

// sentOnce checks that probe delivered want replies, no text twice.
func sentOnce(t *testing.T, probe *probeSender, want int) {
	t.Helper()
	probe.mu.Lock()
	defer probe.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range probe.sent {
		if seen[r.Text] {
			t.Errorf("delivered twice: %.60q", r.Text)
		}
		seen[r.Text] = true
	}
	if len(probe.sent) != want {
		t.Errorf("%d replies delivered, want %d", len(probe.sent), want)
	}
}

// TestDeliveryKeepsItsLease: a step whose delivery takes many times the
// lease's TTL (Telegram is slow) keeps the chat: a second dispatcher on the
// same store waits for it in vain for its whole LockWait instead of taking
// the chat and delivering the outbox again, and no reply arrives twice.
// The waiting is the dispatcher's own LockWait; the test waits only for
// events.
func TestDeliveryKeepsItsLease(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	gate := newGate(probe)
	// b waits for the lock several times as long as a lease lasts
	// unrenewed; a lease long enough that a loaded machine still renews
	// it in time.
	const ttl = 600 * time.Millisecond
	a := newDispatcherWith(t, prefix, gate, dispatch.Config{LockTTL: ttl})
	b := newDispatcherWith(t, prefix, probe, dispatch.Config{LockTTL: ttl, LockWait: 3 * ttl})
	const chat = kbbot.ChatID(4321)
	done := make(chan error, 1)
	go func() {
		done <- a.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 1, Command: "start"})
	}()
	<-gate.started
	// a now delivers the first of two replies, slowly.
	err := b.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 2, Command: "menu"})
	if !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("second dispatcher during a slow delivery: got %v, want ErrBusy", err)
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sentOnce(t, probe, 2) // the welcome and the consent question
	if err := b.FlushPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	sentOnce(t, probe, 2)
	// The chat is free again and handles the update it refused.
	if err := b.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 2, Command: "menu"}); err != nil {
		t.Fatal(err)
	}
	sentOnce(t, probe, 3)
}

// TestLostLeaseStopsDelivery: when the lease is lost mid-delivery (here
// another holder takes the chat), the renewal finds out, the message in
// flight is abandoned and nothing more is sent: the outbox is left whole
// to the chat's holder, which delivers it, each reply once.
func TestLostLeaseStopsDelivery(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	gate := newGate(probe)
	a := newDispatcherWith(t, prefix, gate, dispatch.Config{LockTTL: 300 * time.Millisecond})
	const chat = kbbot.ChatID(4322)
	done := make(chan error, 1)
	go func() {
		done <- a.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 1, Command: "start"})
	}()
	<-gate.started
	ctx := context.Background()
	if err := rdb.Set(ctx, keys.ChatLock(chat), "other-holder", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.cancelled: // the next renewal found the lease lost
	case <-time.After(time.Minute): // a guard against a hang, not a wait
		t.Fatal("the lost lease was never noticed")
	}
	if err := <-done; err != nil {
		t.Fatalf("a committed step whose lease was lost mid-delivery: %v", err)
	}
	sentOnce(t, probe, 0)
	if n := rdb.LLen(ctx, keys.ChatOutbox(chat)).Val(); n != 2 {
		t.Fatalf("outbox holds %d replies, want both left to the holder", n)
	}
	if got := rdb.Get(ctx, keys.ChatLock(chat)).Val(); got != "other-holder" {
		t.Fatalf("the lost lease touched the holder's lock: %q", got)
	}
	rdb.Del(ctx, keys.ChatLock(chat)) // the other holder is done
	b := newDispatcherWith(t, prefix, probe, dispatch.Config{})
	if err := b.FlushPending(ctx); err != nil {
		t.Fatal(err)
	}
	sentOnce(t, probe, 2)
}

// TestRetryAfterIsNotWaitedHere: the dispatcher does not wait out a 429
// (the sender, bot.LimitedSender, is the one layer that does): it tries
// once, keeps the reply in the outbox and delivers it on the next flush.
func TestRetryAfterIsNotWaitedHere(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	var mu sync.Mutex
	tries, limited := 0, true
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}, fail: func(kbbot.Reply) error {
		mu.Lock()
		defer mu.Unlock()
		tries++
		if limited {
			return &kbbot.RetryAfterError{After: time.Hour}
		}
		return nil
	}}
	d := newDispatcherWith(t, prefix, probe, dispatch.Config{})
	ctx := context.Background()
	if err := d.Handle(ctx, kbbot.Event{Kind: kbbot.EventCommand, ChatID: 4323, UpdateID: 1, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if tries != 1 {
		t.Errorf("%d attempts for a 429, want 1: no waiting or retrying here", tries)
	}
	limited = false
	mu.Unlock()
	sentOnce(t, probe, 0)
	if err := d.FlushPending(ctx); err != nil {
		t.Fatal(err)
	}
	sentOnce(t, probe, 2)
}
