package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/internal/fakes"
)

// downLimiter is a shared limiter whose store cannot be reached.
type downLimiter struct{}

func (downLimiter) Acquire(context.Context, kbbot.ChatID, kbbot.Priority) (time.Duration, bool, error) {
	return 0, false, fmt.Errorf("limiter: %w", kbbot.ErrUnavailable)
}
func (downLimiter) Pause(context.Context, time.Duration) error {
	return fmt.Errorf("limiter: %w", kbbot.ErrUnavailable)
}

// TestLimitedFallsBackWhenDown: with the shared limiter unreachable, a
// message still goes out, within the fallback's limits; without a
// fallback the error is returned.
func TestLimitedFallsBackWhenDown(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{PerChat: 1}))
	t.Cleanup(srv.Close)
	srv.User(1, "A")
	fb := bot.NewLocalLimiter(5, 1100*time.Millisecond, 3150*time.Millisecond, fakes.NewClock(time.Unix(0, 0)))
	s := bot.NewLimitedSender(bot.NewSender(bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(10*time.Second))), downLimiter{}, bot.LimitedConfig{Fallback: fb})
	if _, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "coba lagi sebentar"}); err != nil {
		t.Fatalf("send with the limiter down: %v", err)
	}
	// The local limits hold: the same chat must wait its interval.
	if w, shared, _ := fb.Acquire(context.Background(), 1, kbbot.PriorityReply); w != 1100*time.Millisecond || shared {
		t.Fatalf("second message to the chat: wait %v shared %v", w, shared)
	}
	if srv.Violations() != 0 || len(srv.Sent()) != 1 {
		t.Fatalf("violations %d, sent %d", srv.Violations(), len(srv.Sent()))
	}
	strict := bot.NewLimitedSender(bot.NewSender(bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(10*time.Second))), downLimiter{}, bot.LimitedConfig{})
	if _, err := strict.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 1, Text: "x"}); err == nil {
		t.Fatal("sent without any limiter")
	}
}
