package dispatch_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

var quiet = fakes.Quiet

// library loads the embedded content once for all tests.
func library(t testing.TB) *content.Library { return fakes.Library(t) }

// probeSender records deliveries and how many are in progress per chat at once.
type probeSender struct {
	mu        sync.Mutex
	inFlight  map[kbbot.ChatID]int
	maxFlight int
	sent      []kbbot.Reply
	fail      func(kbbot.Reply) error
}

func (p *probeSender) Send(_ context.Context, r kbbot.Reply) (int, error) {
	p.mu.Lock()
	p.inFlight[r.ChatID]++
	p.maxFlight = max(p.maxFlight, p.inFlight[r.ChatID])
	fail := p.fail
	p.mu.Unlock()
	var err error
	if fail != nil {
		err = fail(r)
	}
	p.mu.Lock()
	p.inFlight[r.ChatID]--
	if err == nil {
		p.sent = append(p.sent, r)
	}
	p.mu.Unlock()
	return 1, err
}

func newDispatcher(t testing.TB, prefix string, s kbbot.Sender) *dispatch.Dispatcher {
	return newDispatcherWith(t, prefix, s, dispatch.Config{})
}

// newDispatcherWith is a dispatcher on a Redis client of its own, as in a
// separate process, sharing the keys under prefix.
func newDispatcherWith(t testing.TB, prefix string, s kbbot.Sender, cfg dispatch.Config) *dispatch.Dispatcher {
	return newDispatcherOn(t, redistest.Client(t), prefix, s, cfg)
}

// newDispatcherOn is a dispatcher on the Redis client rdb.
func newDispatcherOn(t testing.TB, rdb redis.UniversalClient, prefix string, s kbbot.Sender, cfg dispatch.Config) *dispatch.Dispatcher {
	store := redisstore.NewChatStore(rdb, redisstore.NewKeys(prefix), 0)
	var n atomic.Int64
	engine := conversations.NewEngine(library(t), func() string { return fmt.Sprintf("n%d", n.Add(1)) }, conversations.Services{})
	return dispatch.New(engine, store, s, fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), quiet, cfg)
}

// TestTwoProcessesSerializeOneChat feeds the updates of one chat to two
// dispatchers with their own Redis clients, each update to both (as after a
// redelivery), all at once. Every update must be handled exactly once, and
// never two steps of the chat at the same time.
func TestTwoProcessesSerializeOneChat(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	a, b := newDispatcher(t, prefix, probe), newDispatcher(t, prefix, probe)
	const chat, updates = kbbot.ChatID(5150), 60
	var wg sync.WaitGroup
	for i := 1; i <= updates; i++ {
		ev := kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: int64(i), Command: "menu"}
		for _, d := range []*dispatch.Dispatcher{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := d.Handle(context.Background(), ev); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if probe.maxFlight != 1 {
		t.Errorf("%d deliveries to one chat ran at once, want 1", probe.maxFlight)
	}
	menus := 0
	title := library(t).UI.T(content.ID, "menu_title")
	for _, r := range probe.sent {
		if strings.Contains(r.Text, title) {
			menus++
		}
	}
	if menus != updates {
		t.Errorf("%d menus sent for %d distinct updates delivered twice each, want %d", menus, updates, updates)
	}
}

// TestOutboxSurvivesTelegramOutage shows that a reply Telegram does not take
// is kept and delivered later, once, by FlushPending.
func TestOutboxSurvivesTelegramOutage(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	down := atomic.Bool{}
	down.Store(true)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}, fail: func(kbbot.Reply) error {
		if down.Load() {
			return fmt.Errorf("telegram sendMessage: connection refused")
		}
		return nil
	}}
	d := newDispatcher(t, prefix, probe)
	ctx := context.Background()
	if err := d.Handle(ctx, kbbot.Event{Kind: kbbot.EventCommand, ChatID: 77, UpdateID: 1, Command: "start"}); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if len(probe.sent) != 0 {
		t.Fatalf("sent %d replies while Telegram was down", len(probe.sent))
	}
	down.Store(false)
	if err := d.FlushPending(ctx); err != nil {
		t.Fatal(err)
	}
	if len(probe.sent) != 2 {
		t.Fatalf("after recovery %d replies delivered, want the welcome and the consent question", len(probe.sent))
	}
	if err := d.FlushPending(ctx); err != nil {
		t.Fatal(err)
	}
	if len(probe.sent) != 2 {
		t.Fatalf("a second flush delivered again: %d replies", len(probe.sent))
	}
}

// TestRedisDownApologizesAndAsksForRedelivery: with the store unreachable the
// resident is told once, and the update is reported unhandled so that the
// poller fetches it again.
func TestRedisDownApologizesAndAsksForRedelivery(t *testing.T) {
	t.Parallel()
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	store := redisstore.NewChatStore(deadRedis(t), redisstore.NewKeys("x:"), 0)
	engine := conversations.NewEngine(library(t), func() string { return "n" }, conversations.Services{})
	d := dispatch.New(engine, store, probe, fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), quiet, dispatch.Config{LockWait: time.Millisecond})
	for i := 1; i <= 3; i++ {
		err := d.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventText, ChatID: 9, UpdateID: int64(i), Text: "halo"})
		if err == nil {
			t.Fatal("Handle succeeded with Redis down")
		}
		if !strings.Contains(err.Error(), kbbot.ErrUnavailable.Error()) {
			t.Fatalf("error %q does not say the store is unavailable", err)
		}
	}
	if len(probe.sent) != 1 || !strings.Contains(probe.sent[0].Text, "gangguan") {
		t.Fatalf("want one apology, got %+v", probe.sent)
	}
}

// TestIntakeWithRedisDownApologizes: with Redis away, updates cannot be
// accepted: Accept fails (the poller does not confirm them, so Telegram
// sends them again) and the resident is told once to try again shortly.
func TestIntakeWithRedisDownApologizes(t *testing.T) {
	t.Parallel()
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	dead := deadRedis(t)
	keys := redisstore.NewKeys("x:")
	engine := conversations.NewEngine(library(t), func() string { return "n" }, conversations.Services{})
	clock := fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	d := dispatch.New(engine, redisstore.NewChatStore(dead, keys, 0), probe, clock, quiet, dispatch.Config{LockWait: time.Millisecond})
	in := dispatch.NewIntake(redisstore.NewIntakeStore(dead, keys, redisstore.IntakeOptions{}), d, clock, quiet, dispatch.IntakeConfig{})
	for i := 1; i <= 3; i++ {
		err := in.Accept(context.Background(), []kbbot.Event{{Kind: kbbot.EventText, ChatID: 9, UpdateID: int64(i), Text: "halo", LanguageCode: "id"}})
		if err == nil || !strings.Contains(err.Error(), kbbot.ErrUnavailable.Error()) {
			t.Fatalf("Accept with Redis down: %v, want unavailable", err)
		}
	}
	if len(probe.sent) != 1 || !strings.Contains(probe.sent[0].Text, "gangguan") {
		t.Fatalf("want one apology, got %+v", probe.sent)
	}
}
