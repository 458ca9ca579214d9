package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/send_acquire.lua
	sendAcquireLua    string
	sendAcquireScript = redis.NewScript(sendAcquireLua)
	//go:embed lua/send_pause.lua
	sendPauseLua    string
	sendPauseScript = redis.NewScript(sendPauseLua)
)

// SendLimits configures a SendLimiter.
type SendLimits struct {
	// Rate is the steady number of messages per second over all chats and
	// all processes. Set it below Telegram's limit (about 30/s) to leave
	// room for the burst and for network jitter: see SendLimiter.
	Rate float64
	// Burst is how many slots further ahead of the steady schedule than
	// reminders the reply lane may send; default 1.
	Burst float64
	// ChatInterval separates two messages to one private chat; default
	// 1.1s (Telegram: about one per second; the extra tenth absorbs
	// network jitter). Negative: no per-chat limit at all, for tests of
	// conversation flows that act faster than any person would.
	ChatInterval time.Duration
	// GroupInterval separates two messages to one group or channel (a
	// negative chat id); default 3.15s, about 19 a minute (Telegram: 20 a
	// minute). Negative: no limit.
	GroupInterval time.Duration
	// Clock decides with this clock when set (tests). When nil, the Redis
	// server's clock decides, so every process shares one clock whatever
	// their own clocks say; production leaves it nil.
	Clock kbbot.Clock
}

// SendLimiter gives permission to send one message at a time so that all
// kbbot processes together stay within Telegram's limits. It implements
// bot.Limiter.
//
// The scheme (lua/send_acquire.lua), all state in Redis under {send}:
//
//   - Overall: a GCRA schedule (a leaky bucket kept as one timestamp, the
//     theoretical arrival time TAT of the next message). Each message moves
//     TAT on by T = 1s/Rate. A message may go when TAT - tolerance <= now.
//   - Lanes: the tolerance depends on the lane. Broadcasts get u, reminders
//     2u and replies 2u + Burst*T, where u = max(T/2, 5ms). A lane sends as
//     long as the schedule is less than its tolerance ahead of now. Busy
//     broadcasts keep TAT about u ahead of now, which leaves a reply (and a
//     reminder) free to go at once; busy replies keep it about 2u +
//     Burst*T ahead, which stops reminders and broadcasts until the replies
//     are out. So a lower lane gets only the capacity the higher lanes leave
//     unused, with no waiting counters to maintain and nothing that a
//     crashed process could leave behind. The tolerance of the broadcast
//     lane also absorbs a late timer or a slow round trip, so the steady
//     rate is kept at high rates too.
//   - Bound: in any one-second window at most ceil((1s + the reply
//     tolerance)/T) messages go: Rate + 1 + Burst where u = T/2 (29 at
//     Rate 27, Burst 1). Telegram counts requests when they arrive, after
//     a varying network delay, so the app plans a little below its limit
//     (27/s for Telegram's 30/s; app/wire_limits.go).
//   - Per chat: a sorted set holds, for each chat messaged lately, the
//     earliest time of its next message; a message sets it to now +
//     ChatInterval (GroupInterval for groups). A chat refused does not use
//     an overall slot. Chats leave the set when their time passes, so it
//     holds only the chats of the last few seconds.
//   - Pause: a 429 from Telegram sets the pause key to now + retry_after;
//     every request is refused until then, in every process.
//
// A refusal says how long to wait and whether the wait is shared (pause,
// overall) or the chat's own: the caller sleeps with a real timer and asks
// again. Time is the Redis server's (see SendLimits.Clock), in µs.
type SendLimiter struct {
	rdb      redis.UniversalClient
	keys     Keys
	clock    kbbot.Clock
	interval int64    // T, µs
	tol      [3]int64 // per lane, µs
	chat     int64    // µs
	group    int64    // µs
}

// NewSendLimiter returns a limiter on rdb with keys under keys' prefix.
func NewSendLimiter(rdb redis.UniversalClient, keys Keys, cfg SendLimits) (*SendLimiter, error) {
	if !(cfg.Rate > 0) || cfg.Rate > 1e6 {
		return nil, fmt.Errorf("redisstore: send limiter: rate %v: want more than 0 messages per second", cfg.Rate)
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.ChatInterval == 0 {
		cfg.ChatInterval = 1100 * time.Millisecond
	}
	if cfg.GroupInterval == 0 {
		cfg.GroupInterval = 3150 * time.Millisecond
	}
	t := int64(1e6 / cfg.Rate)
	u := max(t/2, 5000)
	l := &SendLimiter{
		rdb: rdb, keys: keys, clock: cfg.Clock,
		interval: t,
		chat:     max(cfg.ChatInterval.Microseconds(), 0),
		group:    max(cfg.GroupInterval.Microseconds(), 0),
	}
	l.tol[kbbot.PriorityBroadcast] = u
	l.tol[kbbot.PriorityReminder] = 2 * u
	l.tol[kbbot.PriorityReply] = 2*u + int64(cfg.Burst*float64(t))
	return l, nil
}

// Refusal reasons of send_acquire.lua.
const (
	sendGranted = 0
	sendPaused  = 1
	sendChat    = 2
	sendOverall = 3
)

func (l *SendLimiter) now() string {
	if l.clock == nil {
		return ""
	}
	return strconv.FormatInt(l.clock.Now().UnixMicro(), 10)
}

// Acquire asks to send one message of lane p to chat now. wait is zero
// when it may go (the permission is used up); otherwise nothing was used
// and wait says when to ask again. shared reports that the wait is for the
// pause or the overall rate, which every message of the lane would meet;
// false means only this chat must wait. Replies outside the known lanes
// count as broadcasts.
func (l *SendLimiter) Acquire(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority) (wait time.Duration, shared bool, err error) {
	if p < kbbot.PriorityReply || p > kbbot.PriorityBroadcast {
		p = kbbot.PriorityBroadcast
	}
	ci := l.chat
	if chat < 0 {
		ci = l.group
	}
	res, err := sendAcquireScript.Run(ctx, l.rdb,
		[]string{l.keys.SendSchedule(), l.keys.SendPause(), l.keys.SendChats()},
		l.now(), l.interval, l.tol[p], ci, strconv.FormatInt(int64(chat), 10), max(l.chat, l.group)).Int64Slice()
	if err != nil {
		return 0, false, wrap("acquire send permission", err)
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("redisstore: acquire send permission: unexpected reply %v", res)
	}
	d := time.Duration(res[0]) * time.Microsecond
	switch res[1] {
	case sendGranted:
		return 0, false, nil
	case sendChat:
		return max(d, time.Microsecond), false, nil
	case sendPaused, sendOverall:
		return max(d, time.Microsecond), true, nil
	}
	return 0, false, fmt.Errorf("redisstore: acquire send permission: unexpected reason %d", res[1])
}

// Pause stops every process from sending for d, from now (Telegram asked to
// retry after d). A pause only ever grows: a shorter one than the pause in
// force changes nothing.
func (l *SendLimiter) Pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := sendPauseScript.Run(ctx, l.rdb, []string{l.keys.SendPause()}, l.now(), d.Microseconds()).Err(); err != nil {
		return wrap("pause sending", err)
	}
	return nil
}

// PausedFor returns how long the pause in force still lasts (zero when
// there is none), by the limiter's clock.
func (l *SendLimiter) PausedFor(ctx context.Context) (time.Duration, error) {
	v, err := l.rdb.Get(ctx, l.keys.SendPause()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read send pause", err)
	}
	var now int64
	if l.clock != nil {
		now = l.clock.Now().UnixMicro()
	} else {
		t, err := l.rdb.Time(ctx).Result()
		if err != nil {
			return 0, wrap("read server time", err)
		}
		now = t.UnixMicro()
	}
	return max(time.Duration(v-now)*time.Microsecond, 0), nil
}
