package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/kbbot/kbbot"
)

// Limiter gives permission to send one message within Telegram's limits,
// shared by every process of the bot (redisstore.SendLimiter implements it
// on Redis).
type Limiter interface {
	// Acquire asks to send one message of lane p to chat now. wait is zero
	// when it may go (the permission is then used up); otherwise nothing
	// was used and wait says when to ask again. shared reports that the
	// wait is for the budget all chats share (the overall rate, or a pause
	// after a 429), which other messages of the same lane would meet too;
	// false means only this chat must wait.
	Acquire(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority) (wait time.Duration, shared bool, err error)
	// Pause stops every process from sending for d (Telegram's
	// retry_after).
	Pause(ctx context.Context, d time.Duration) error
}

// LimitedConfig tunes a LimitedSender; the zero value gives the defaults.
type LimitedConfig struct {
	// Retries is how many times a message Telegram answered 429 is sent
	// again, after the pause, before the 429 is returned; default 3.
	Retries int
	// MaxSleep is the longest a sender sleeps before asking the limiter
	// again; default 5s.
	MaxSleep time.Duration
	// MaxWait is the longest retry_after (or pause shared by all
	// processes) a message waits out here; default 30s. A longer one is
	// returned at once as a *kbbot.RetryAfterError (the pause is still
	// shared), and the caller keeps the message for later: a dispatcher's
	// outbox, a broadcast's queue.
	MaxWait time.Duration
	// Fallback, when set, gives permission instead of the Limiter while
	// that cannot be reached (an error wrapping kbbot.ErrUnavailable: Redis
	// is down), so that residents still get answers, such as the apology
	// that asks them to try again in a while. It should be conservative: a
	// LocalLimiter well below Telegram's limits. Nil: such errors are
	// returned.
	Fallback Limiter
	// Log receives warnings (default: discard).
	Log *slog.Logger
}

// LimitedSender is a kbbot.Sender that asks a Limiter before each message
// it passes on to another Sender.
//
//   - Messages, edits, photos and documents count against the limits, in
//     the lane of their Reply.Priority (replies, reminders, broadcasts).
//   - Callback answers (ReplyAnswer) do not: they are not messages, Telegram
//     does not count them against the chat or overall message limits, and a
//     late answer leaves a spinning button. They go at once, even during a
//     pause.
//   - A 429 (kbbot.RetryAfterError) is reported to the limiter, which pauses
//     every process; the message was not sent, so it is sent again after the
//     pause (up to Retries times) and counted once it goes. This is the one
//     layer of kbbot that waits out retry_after: it sees every message sent,
//     and its callers (dispatch, broadcast/send) pass a 429 it returns up
//     and keep the message for later. Waits longer than MaxWait are not
//     waited out here either: they are returned at once.
//   - Every other error, kbbot.ErrBlocked among them, is returned unchanged:
//     the caller marks the resident blocked.
//
// Within one process, the senders of one lane ask the limiter one at a
// time, and the one refused for the shared budget sleeps while holding its
// lane's turn: the others would be refused too, so this keeps a crowd of
// broadcast workers from asking Redis all at once each time a slot opens.
// A sender refused only for its own chat gives the turn up while it waits.
type LimitedSender struct {
	next  kbbot.Sender
	lim   Limiter
	cfg   LimitedConfig
	lanes [3]chan struct{}
	down  atomic.Bool  // the Limiter cannot be reached; Fallback decides
	tried atomic.Int64 // when the Limiter was last asked while down, Unix ns
	paced atomic.Int64 // messages that waited for the limits
}

// Paced returns how many messages so far had to wait for the limits
// before going out (not counting waits after a 429); for tests and
// operators to see that a short reply went out unpaced.
func (s *LimitedSender) Paced() int64 { return s.paced.Load() }

var _ kbbot.Sender = (*LimitedSender)(nil)

// NewLimitedSender returns a sender passing replies to next within lim.
func NewLimitedSender(next kbbot.Sender, lim Limiter, cfg LimitedConfig) *LimitedSender {
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.MaxSleep <= 0 {
		cfg.MaxSleep = 5 * time.Second
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &LimitedSender{next: next, lim: lim, cfg: cfg}
	for i := range s.lanes {
		s.lanes[i] = make(chan struct{}, 1)
	}
	return s
}

// Send waits for permission, then sends r through the wrapped Sender.
func (s *LimitedSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	counted := r.Kind != kbbot.ReplyAnswer
	for attempt := 0; ; attempt++ {
		if counted {
			if err := s.acquire(ctx, r.ChatID, r.Priority); err != nil {
				return 0, err
			}
		}
		id, err := s.next.Send(ctx, r)
		var ra *kbbot.RetryAfterError
		if !errors.As(err, &ra) {
			return id, err
		}
		perr := s.lim.Pause(ctx, ra.After)
		if perr != nil && s.cfg.Fallback != nil && errors.Is(perr, kbbot.ErrUnavailable) {
			perr = s.cfg.Fallback.Pause(ctx, ra.After)
		}
		if perr != nil {
			s.cfg.Log.Warn("cannot share Telegram's pause with the other processes", "error", perr)
		}
		if attempt >= s.cfg.Retries || ra.After > s.cfg.MaxWait {
			return id, err
		}
		// Answers do not ask the limiter, and a pause that could not be
		// stored would not hold the message back: wait here.
		if !counted || perr != nil {
			if err := pauseFor(ctx, ra.After); err != nil {
				return 0, err
			}
		}
	}
}

// acquire returns once the limiter allows one message of lane p to chat,
// or a *kbbot.RetryAfterError at once when the limiter asks to wait longer
// than MaxWait (a long pause after a 429).
func (s *LimitedSender) acquire(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority) error {
	if p < kbbot.PriorityReply || p > kbbot.PriorityBroadcast {
		p = kbbot.PriorityBroadcast
	}
	turn := s.lanes[p]
	waited := false
	defer func() {
		if waited {
			s.paced.Add(1)
		}
	}()
	for {
		select {
		case turn <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		for {
			wait, shared, err := s.ask(ctx, chat, p)
			if err != nil || wait <= 0 {
				<-turn
				return err
			}
			if wait > s.cfg.MaxWait {
				<-turn
				return fmt.Errorf("send limiter: %w", &kbbot.RetryAfterError{After: wait})
			}
			waited = true
			if !shared {
				<-turn
				if err := pauseFor(ctx, min(wait, s.cfg.MaxSleep)); err != nil {
					return err
				}
				break
			}
			if err := pauseFor(ctx, min(wait, s.cfg.MaxSleep)); err != nil {
				<-turn
				return err
			}
		}
	}
}

// ask asks the Limiter, or the Fallback while the Limiter cannot be
// reached, logging when that starts and ends.
func (s *LimitedSender) ask(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority) (time.Duration, bool, error) {
	if s.down.Load() && time.Now().UnixNano()-s.tried.Load() < int64(time.Second) {
		// Down a moment ago: ask the Limiter again at most once a second.
		return s.cfg.Fallback.Acquire(ctx, chat, p)
	}
	s.tried.Store(time.Now().UnixNano())
	wait, shared, err := s.lim.Acquire(ctx, chat, p)
	if err == nil {
		if s.down.CompareAndSwap(true, false) {
			s.cfg.Log.Info("the shared send limiter is back; local limits are off")
		}
		return wait, shared, nil
	}
	if s.cfg.Fallback == nil || !errors.Is(err, kbbot.ErrUnavailable) || ctx.Err() != nil {
		return 0, false, err
	}
	if s.down.CompareAndSwap(false, true) {
		s.cfg.Log.Warn("the shared send limiter cannot be reached; sending within conservative local limits", "error", err)
	}
	return s.cfg.Fallback.Acquire(ctx, chat, p)
}

// pauseFor waits d or until ctx ends, returning ctx's error then.
func pauseFor(ctx context.Context, d time.Duration) error {
	if !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}
