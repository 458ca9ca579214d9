package bot_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

// scriptLimiter is a Limiter whose answers a test decides. It is not a
// stand-in for Redis: redisstore's and app's tests run the real limiter.
type scriptLimiter struct {
	mu      sync.Mutex
	acquire func(chat kbbot.ChatID, p kbbot.Priority) (time.Duration, bool)
	asked   []kbbot.Priority
	pauses  []time.Duration
	// first is closed when the limiter is first asked.
	first     chan struct{}
	firstOnce sync.Once
}

func newScriptLimiter(acquire func(chat kbbot.ChatID, p kbbot.Priority) (time.Duration, bool)) *scriptLimiter {
	return &scriptLimiter{acquire: acquire, first: make(chan struct{})}
}

func (l *scriptLimiter) Acquire(_ context.Context, chat kbbot.ChatID, p kbbot.Priority) (time.Duration, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, p)
	l.firstOnce.Do(func() { close(l.first) })
	if l.acquire == nil {
		return 0, false, nil
	}
	w, shared := l.acquire(chat, p)
	return w, shared, nil
}

func (l *scriptLimiter) Pause(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pauses = append(l.pauses, d)
	return nil
}

func (l *scriptLimiter) counts() (asked, paused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.asked), len(l.pauses)
}

func limitedOn(t *testing.T, srv *telegramtest.Server, lim bot.Limiter) *bot.LimitedSender {
	t.Helper()
	c := bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(10*time.Second))
	return bot.NewLimitedSender(bot.NewSender(c), lim, bot.LimitedConfig{Log: quiet})
}

// TestLimitedRetriesAfter429: a 429 is reported to the limiter as a pause
// and the message is asked for and sent again: it arrives once.
func TestLimitedRetriesAfter429(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	u := srv.User(1, "A")
	lim := newScriptLimiter(nil)
	s := limitedOn(t, srv, lim)
	srv.FailNext("sendMessage", http.StatusTooManyRequests, 7, "")
	if _, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "halo", Priority: kbbot.PriorityBroadcast}); err != nil {
		t.Fatal(err)
	}
	if m := u.Messages(); len(m) != 1 || m[0].Text != "halo" {
		t.Fatalf("messages %+v, want one", m)
	}
	if len(lim.pauses) != 1 || lim.pauses[0] != 7*time.Second {
		t.Fatalf("pauses %v, want one of 7s", lim.pauses)
	}
	if len(lim.asked) != 2 || lim.asked[0] != kbbot.PriorityBroadcast {
		t.Fatalf("asked %v, want the broadcast lane twice (before each attempt)", lim.asked)
	}
}

// TestLimitedGivesUpAfterRetries: a 429 that keeps coming is returned
// after the configured retries.
func TestLimitedGivesUpAfterRetries(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.User(1, "A")
	for range 4 {
		srv.FailNext("sendMessage", http.StatusTooManyRequests, 1, "")
	}
	lim := newScriptLimiter(nil)
	_, err := limitedOn(t, srv, lim).Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"})
	var ra *kbbot.RetryAfterError
	if !errors.As(err, &ra) {
		t.Fatalf("err = %v, want the RetryAfterError", err)
	}
	if asked, paused := lim.counts(); asked != 4 || paused != 4 {
		t.Fatalf("asked %d, paused %d: want 4 attempts (3 retries)", asked, paused)
	}
}

// TestLimitedPassesBlockedThrough: a 403 comes back as kbbot.ErrBlocked,
// at once.
func TestLimitedPassesBlockedThrough(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	stop := startPoller(t, srv, &recordingHandler{})
	defer stop()
	u := srv.User(1, "A")
	if _, err := u.Block(); err != nil {
		t.Fatal(err)
	}
	lim := newScriptLimiter(nil)
	_, err := limitedOn(t, srv, lim).Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"})
	if !errors.Is(err, kbbot.ErrBlocked) {
		t.Fatalf("err = %v, want ErrBlocked", err)
	}
	if asked, paused := lim.counts(); asked != 1 || paused != 0 {
		t.Fatalf("asked %d, paused %d", asked, paused)
	}
}

// TestLimitedAnswersDoNotCount: a callback answer goes without asking the
// limiter, even while every message must wait.
func TestLimitedAnswersDoNotCount(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.User(1, "A")
	lim := newScriptLimiter(func(kbbot.ChatID, kbbot.Priority) (time.Duration, bool) { return time.Hour, true })
	s := limitedOn(t, srv, lim)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// An unknown callback id is refused by Telegram, after the request
	// went out: the limiter was not in the way.
	_, err := s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: 1, CallbackID: "123"})
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the answer waited for the limiter")
	}
	if n := srv.Calls("answerCallbackQuery"); n != 1 {
		t.Fatalf("answerCallbackQuery calls %d", n)
	}
	if asked, _ := lim.counts(); asked != 0 {
		t.Fatalf("the limiter was asked %d times for an answer", asked)
	}
}

// TestLimitedHonoursCancellation: a sender waiting for permission returns
// when its context ends, and gives its lane's turn up to the next sender.
func TestLimitedHonoursCancellation(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	u := srv.User(2, "B")
	var shut atomic.Bool
	shut.Store(true)
	lim := newScriptLimiter(func(kbbot.ChatID, kbbot.Priority) (time.Duration, bool) {
		if shut.Load() {
			return 20 * time.Second, true // below MaxWait: waited out
		}
		return 0, false
	})
	s := limitedOn(t, srv, lim)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"})
		done <- err
	}()
	// Once the first sender holds the lane and sleeps, cancel it.
	select {
	case <-lim.first:
	case err := <-done:
		t.Fatalf("returned early: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send did not return after its context ended")
	}
	shut.Store(false)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if _, err := s.Send(ctx2, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 2, Text: "y"}); err != nil {
		t.Fatalf("the next sender of the lane: %v", err)
	}
	if len(u.Messages()) != 1 {
		t.Fatal("message not delivered")
	}
}

// TestLimitedChatWaitDoesNotHoldTheLane: a message waiting for its own chat
// does not hold up messages of the same lane to other chats.
func TestLimitedChatWaitDoesNotHoldTheLane(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.User(1, "A")
	b := srv.User(2, "B")
	lim := newScriptLimiter(func(chat kbbot.ChatID, _ kbbot.Priority) (time.Duration, bool) {
		if chat == 1 {
			return time.Hour, false
		}
		return 0, false
	})
	s := limitedOn(t, srv, lim)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "waits"}) }()
	<-lim.first
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if _, err := s.Send(ctx2, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 2, Text: "goes"}); err != nil {
		t.Fatalf("a message to another chat: %v", err)
	}
	if len(b.Messages()) != 1 {
		t.Fatal("message not delivered")
	}
}

// TestLimitedReturnsLongRetryAfter: a retry_after longer than MaxWait is
// shared with every process (Pause) but not waited out: the 429 comes back
// at once, after one attempt, for the caller to keep the message.
func TestLimitedReturnsLongRetryAfter(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.User(1, "A")
	srv.FailNext("sendMessage", http.StatusTooManyRequests, 3600, "")
	lim := newScriptLimiter(nil)
	_, err := limitedOn(t, srv, lim).Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"})
	var ra *kbbot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != time.Hour {
		t.Fatalf("err = %v, want the RetryAfterError of an hour", err)
	}
	if asked, paused := lim.counts(); asked != 1 || paused != 1 {
		t.Fatalf("asked %d, paused %d: want one attempt and the pause shared", asked, paused)
	}
}

// TestLimitedReturnsLongPause: while the limiter holds every process in a
// pause longer than MaxWait, a message is not sent and not waited for: a
// RetryAfterError naming the wait comes back at once.
func TestLimitedReturnsLongPause(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	u := srv.User(1, "A")
	lim := newScriptLimiter(func(kbbot.ChatID, kbbot.Priority) (time.Duration, bool) { return 10 * time.Minute, true })
	_, err := limitedOn(t, srv, lim).Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"})
	var ra *kbbot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 10*time.Minute {
		t.Fatalf("err = %v, want a RetryAfterError of 10m", err)
	}
	if m := u.Messages(); len(m) != 0 {
		t.Fatalf("sent %d messages during the pause", len(m))
	}
}
