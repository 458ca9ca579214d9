package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// process is one running kbbot process: the real App, polling the fake Bot
// API server, on a real Redis.
type process struct {
	App    *app.App
	cancel context.CancelFunc
	done   chan error
}

// env is what processes of one test share: a fake Telegram, a Redis
// prefix, a settable clock and the configuration.
type env struct {
	t      testing.TB
	srv    *telegramtest.Server
	rdb    redis.UniversalClient
	prefix string
	nonces atomic.Int64
	clock  *fakes.Clock
	cfg    app.Config
	// codeSeed seeds each process's booking codes.
	codeSeed atomic.Int64
	// hook, when set, is added to each process's Redis client (fault
	// injection).
	hook redis.Hook
	// handled hears from every process which updates it handled.
	handled *handledHub
	// settleLook is how long settle waits for a report before it looks
	// in Redis whether the update is queued at all (default 200 ms).
	settleLook time.Duration
	// httpClient, when set, is each process's client to the Bot API
	// (fault injection).
	httpClient *http.Client
}

// testStart is the moment tests begin at: Monday 23 November 2026, 09:00 WIB.
var testStart = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, opts ...telegramtest.Option) *env {
	t.Helper()
	rdb := redistest.Client(t)
	e := &env{t: t, srv: telegramtest.New(opts...), rdb: rdb, prefix: redistest.Prefix(t, rdb), clock: fakes.NewClock(testStart),
		handled: &handledHub{upTo: map[kbbot.ChatID]int64{}, wake: map[kbbot.ChatID]chan struct{}{}}}
	e.cfg = app.DefaultConfig()
	e.cfg.Token, e.cfg.APIURL = e.srv.Token(), e.srv.APIURL()
	e.cfg.ControllerName, e.cfg.ControllerContact = "Dinas PPKB Kota Contoh", "ppkb@contoh.go.id"
	e.cfg.RedisPrefix = e.prefix
	e.cfg.PollTimeout = 2 * time.Second
	// Each process listens for /healthz, /readyz and /metrics on a port
	// of its own (App.ListenAddr).
	e.cfg.HTTPAddr = "127.0.0.1:0"
	// Tests sweep by hand (Scheduler.Sweep) with their clock.
	e.cfg.SweepEvery = time.Hour
	// Tests act faster than any person: the highest overall sending rate
	// and no per-chat limits, except in the tests of the limits
	// (limits_e2e_test.go), which set them as in production.
	e.cfg.SendRate = 1000
	e.cfg.SendChatInterval = -1
	// Tests type faster than any person: no flood limit, except in the
	// tests of the intake.
	e.cfg.FloodLimit = 0
	// A user's Send returns once the bot has handled what it accepted, as
	// a person waits for the answer before tapping on.
	inbox := redisstore.NewIntakeStore(rdb, redisstore.NewKeys(e.prefix), redisstore.IntakeOptions{Shards: e.cfg.IntakeShards})
	e.srv.SetSettle(func() error { return app.WaitHandled(context.Background(), inbox, 30*time.Second) })
	e.srv.SetChatSettle(e.settle)
	t.Cleanup(e.srv.Close)
	return e
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("KBBOT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// handledHub tells each waiting user when the bot's processes have handled
// her update, without polling Redis: BenchmarkMenuTaps's hundreds of users
// each wait only for their own chat.
type handledHub struct {
	mu   sync.Mutex
	upTo map[kbbot.ChatID]int64         // the highest update id handled, per chat
	wake map[kbbot.ChatID]chan struct{} // closed at the chat's next handled update
}

// done records that an update of chat was handled (app.Options.Handled).
func (h *handledHub) done(chat kbbot.ChatID, updateID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.upTo[chat] = max(h.upTo[chat], updateID)
	if c := h.wake[chat]; c != nil {
		close(c)
		delete(h.wake, chat)
	}
}

// waiter reports whether update id of chat was handled, and if not, a
// channel closed at the chat's next handled update.
func (h *handledHub) waiter(chat kbbot.ChatID, id int64) (<-chan struct{}, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.upTo[chat] >= id {
		return nil, true
	}
	c := h.wake[chat]
	if c == nil {
		c = make(chan struct{})
		h.wake[chat] = c
	}
	return c, false
}

// settle makes a user's Send or Tap wait until the bot has handled her
// update: until a process reports it handled, or until it is not in her
// chat's inbox (the bot never queues updates it ignores, e.g. from a
// group). It waits on the processes' reports and looks at Redis only then,
// so hundreds of users may wait at once (BenchmarkMenuTaps).
func (e *env) settle(chat int64, id int) error {
	keys := redisstore.NewKeys(e.prefix)
	inbox, lock := keys.ChatInbox(kbbot.ChatID(chat)), keys.ChatLock(kbbot.ChatID(chat))
	prefix := strconv.Itoa(id) + "|"
	deadline := time.Now().Add(30 * time.Second)
	for {
		wake, handled := e.handled.waiter(kbbot.ChatID(chat), int64(id))
		if handled {
			return nil
		}
		// Wait for the processes' report; only when none comes soon, look
		// whether the update is queued at all (an ignored one never is).
		look := e.settleLook
		if look <= 0 {
			look = 200 * time.Millisecond
		}
		select {
		case <-wake:
			continue
		case <-time.After(look):
		}
		queued, err := e.rdb.LRange(context.Background(), inbox, 0, -1).Result()
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(queued, func(q string) bool { return strings.HasPrefix(q, prefix) }) {
			// Handled meanwhile, or never queued; or committed as it was
			// accepted (a step run ahead, which never enters the inbox)
			// and its replies are still going out under the chat's lock.
			n, err := e.rdb.Exists(context.Background(), lock).Result()
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("update %d of chat %d not handled after 30s", id, chat)
		}
	}
}

// start runs a new kbbot process. Each process has its own Redis client, as
// separate processes would.
func (e *env) start() *process { e.t.Helper(); return e.startWith(nil) }

// startWith runs a new kbbot process whose Redis client also has hook
// (nil: none), e.g. to cut this one process off from Redis.
func (e *env) startWith(hook redis.Hook) *process {
	e.t.Helper()
	rdb := redistest.Client(e.t)
	if e.hook != nil {
		rdb.AddHook(e.hook)
	}
	if hook != nil {
		rdb.AddHook(hook)
	}
	return e.startOn(rdb)
}

// startOn runs a new kbbot process on the Redis client rdb (e.g. one
// through a proxy the test can cut).
func (e *env) startOn(rdb redis.UniversalClient) *process {
	e.t.Helper()
	cfg := e.cfg
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{
		Logger: testLogger(e.t),
		Redis:  rdb,
		Clock:  e.clock,
		// Deterministic booking codes keep golden transcripts stable.
		CodeRand:   mathrand.New(mathrand.NewSource(int64(e.codeSeed.Add(1)))),
		Nonce:      func() string { return fmt.Sprintf("n%d", e.nonces.Add(1)) },
		Handled:    e.handled.done,
		HTTPClient: e.httpClient,
	})
	if err != nil {
		cancel()
		e.t.Fatalf("start kbbot: %v", err)
	}
	p := &process{App: a, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- a.Run(ctx) }()
	e.t.Cleanup(func() { p.stop(e.t) })
	return p
}

// stop ends the process as SIGTERM would, and checks it stopped cleanly.
func (p *process) stop(t testing.TB) {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("kbbot stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("kbbot did not stop within 10s of its context ending")
	}
	p.App.Close()
}

// must fails the test when a user action returns an error:
// must(t)(u.Send("/start")).
func must(t testing.TB) func(int, error) {
	return func(_ int, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}
