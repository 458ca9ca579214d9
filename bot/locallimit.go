package bot

import (
	"context"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
)

// LocalLimiter is a Limiter kept in this process's memory alone: a steady
// overall rate, and one message per interval per chat with no burst. It is
// the fallback of a LimitedSender whose shared limiter cannot be reached
// (Redis down): it knows nothing of the other processes, so set it well
// below Telegram's limits (app uses a sixth of KBBOT_SEND_RATE, so that six
// processes together still keep it).
type LocalLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	interval time.Duration // overall
	chat     time.Duration
	group    time.Duration
	tat      time.Time
	pause    time.Time
	chats    map[kbbot.ChatID]time.Time
}

var _ Limiter = (*LocalLimiter)(nil)

// NewLocalLimiter returns a limiter of rate messages a second overall, one
// per chat interval to a private chat and one per group interval to a
// group (negative chat id), deciding by clock (nil: the system clock).
func NewLocalLimiter(rate float64, chat, group time.Duration, clock kbbot.Clock) *LocalLimiter {
	if clock == nil {
		clock = kbbot.SystemClock{}
	}
	return &LocalLimiter{
		now:      clock.Now,
		interval: time.Duration(float64(time.Second) / max(rate, 0.01)),
		chat:     max(chat, 0), group: max(group, 0),
		chats: map[kbbot.ChatID]time.Time{},
	}
}

// Acquire implements Limiter. Every lane is treated alike.
func (l *LocalLimiter) Acquire(_ context.Context, chat kbbot.ChatID, _ kbbot.Priority) (time.Duration, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.pause.After(now) {
		return l.pause.Sub(now), true, nil
	}
	ci := l.chat
	if chat < 0 {
		ci = l.group
	}
	if next, ok := l.chats[chat]; ok && ci > 0 && next.After(now) {
		return next.Sub(now), false, nil
	}
	if l.tat.After(now) {
		return l.tat.Sub(now), true, nil
	}
	l.tat = now.Add(l.interval)
	if ci > 0 {
		if len(l.chats) > 4096 {
			for c, t := range l.chats {
				if !t.After(now) {
					delete(l.chats, c)
				}
			}
		}
		l.chats[chat] = now.Add(ci)
	}
	return 0, false, nil
}

// Pause implements Limiter: nothing is sent from this process for d.
func (l *LocalLimiter) Pause(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.now().Add(d); p.After(l.pause) {
		l.pause = p
	}
	return nil
}
