package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/send_acquire.lua
	sendAcquireLua    string
	sendAcquireScript = redis.NewScript(sendAcquireLua)
	//go:embed lua/send_chat.lua
	sendChatLua    string
	sendChatScript = redis.NewScript(sendChatLua)
	//go:embed lua/send_return.lua
	sendReturnLua    string
	sendReturnScript = redis.NewScript(sendReturnLua)
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
	// Block is how many slots of the overall schedule one round trip
	// leases for this process; default Rate/30 (the slots of about 33ms),
	// at least 1 and at most 64. See SendLimiter for why any block size keeps
	// the overall rate.
	Block int
	// ChatInterval separates messages to one private chat once its burst
	// is used; default 1.1s (Telegram: about one per second; the extra
	// tenth absorbs network jitter). Negative: no per-chat limit at all,
	// for tests of conversation flows that act faster than any person
	// would.
	ChatInterval time.Duration
	// ChatBurst is how many messages a private chat may get at once, when
	// it got none for ChatBurst × ChatInterval; default 3 (a reply of up
	// to three messages goes out without a pause).
	ChatBurst int
	// GroupInterval separates two messages to one group or channel (a
	// negative chat id); default 3.15s, about 19 a minute (Telegram: 20 a
	// minute). Groups get no burst. Negative: no limit.
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
// The scheme:
//
//   - Overall (lua/send_acquire.lua, keys under {send}): a GCRA schedule
//     (a leaky bucket kept as one timestamp, the theoretical arrival time
//     TAT of the next message). Each message takes one slot; slots are T =
//     1s/Rate apart. A lane may take the next slot σ when σ - tolerance <=
//     now.
//   - Leases: one round trip leases a block of Block slots σ0, σ0+T, …
//     and moves TAT past them. The process keeps them and gives each to
//     one message no earlier than σ - the lane's tolerance and no later
//     than σ itself; a slot not used by then is dropped. Every message so
//     goes within [σ - tolerance, σ] of a slot of its own, which is all the
//     bound below needs: a lease changes how many round trips there are,
//     not how many messages fit in a second, whatever its size. Release
//     gives the unused tail of the last lease back when no process leased
//     after it. The block is the slots of about 33ms (Rate/30; 1 at 27/s,
//     where a reply still leases its ChatBurst slots, 9 at 285/s, 31 at the
//     paid 950/s), so another process's turn is at most that far off and
//     processes take turns fairly.
//   - Lanes: the tolerance depends on the lane. Broadcasts get u, reminders
//     2u and replies 2u + Burst*T, where u = max(T/2, 5ms). Busy
//     broadcasts keep TAT about u ahead of now, which leaves a reply (and a
//     reminder) free to go at once, and in the process that holds a lease
//     a reply takes the next leased slot first.
//   - Bound: in any one-second window at most ceil((1s + the reply
//     tolerance)/T) messages go: Rate + 1 + Burst where u = T/2 (29 at
//     Rate 27, Burst 1). Telegram counts requests when they arrive, after
//     a varying network delay, so the app plans a little below its limit
//     (27/s for Telegram's 30/s; app/wire_limits.go).
//   - Per chat (lua/send_chat.lua, one key per chat under the chat's own
//     hash tag {chat:<id>}): a GCRA bucket with interval ChatInterval and
//     burst ChatBurst (groups: GroupInterval, no burst). A reply takes every
//     token the bucket has, up to ChatBurst, in one round trip, and keeps
//     them for the chat's next messages, each until its slot, as above: a
//     reply of three messages costs one round trip and no pause. Other
//     lanes take one token. A chat refused does not use an overall slot.
//   - Pause: a 429 from Telegram sets the pause key to now + retry_after;
//     every lease is refused until then, in every process, and each round
//     trip reads it, so a process learns of a pause at its next round trip
//     and drops its leased slots.
//
// A refusal says how long to wait and whether the wait is shared (pause,
// overall) or the chat's own: the caller sleeps with a real timer and asks
// again. Time is the Redis server's (see SendLimits.Clock), in µs; slots
// are mapped to the process's clock by the time the answer arrived.
type SendLimiter struct {
	rdb       redis.UniversalClient
	keys      Keys
	clock     kbbot.Clock
	interval  int64    // T, µs
	tol       [3]int64 // per lane, µs
	block     int
	chat      int64 // µs
	chatTol   int64 // µs
	chatBurst int
	group     int64 // µs

	mu     sync.Mutex
	pause  int64   // local µs until which nobody sends
	tat    int64   // local µs: the overall schedule as a refusal saw it
	pool   []lslot // leased overall slots, ascending
	last   lease   // the latest lease, for Release
	tokens map[kbbot.ChatID][]int64
	trips  atomic.Int64
}

// lslot is one leased slot: local µs, and the Redis server's µs.
type lslot struct{ local, redis int64 }

// lease is the latest lease: the schedule right after it (Redis µs).
type lease struct{ end int64 }

// NewSendLimiter returns a limiter on rdb with keys under keys' prefix.
func NewSendLimiter(rdb redis.UniversalClient, keys Keys, cfg SendLimits) (*SendLimiter, error) {
	if !(cfg.Rate > 0) || cfg.Rate > 1e6 {
		return nil, fmt.Errorf("redisstore: send limiter: rate %v: want more than 0 messages per second", cfg.Rate)
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.Block <= 0 {
		cfg.Block = min(max(int(cfg.Rate/30), 1), 64)
	}
	if cfg.ChatInterval == 0 {
		cfg.ChatInterval = 1100 * time.Millisecond
	}
	if cfg.ChatBurst <= 0 {
		cfg.ChatBurst = 3
	}
	if cfg.GroupInterval == 0 {
		cfg.GroupInterval = 3150 * time.Millisecond
	}
	t := int64(1e6 / cfg.Rate)
	u := max((t+1)/2, 5000)
	l := &SendLimiter{
		rdb: rdb, keys: keys, clock: cfg.Clock,
		interval:  t,
		block:     cfg.Block,
		chat:      max(cfg.ChatInterval.Microseconds(), 0),
		chatBurst: cfg.ChatBurst,
		group:     max(cfg.GroupInterval.Microseconds(), 0),
		tokens:    map[kbbot.ChatID][]int64{},
	}
	l.chatTol = int64(cfg.ChatBurst-1) * l.chat
	l.tol[kbbot.PriorityBroadcast] = u
	l.tol[kbbot.PriorityReminder] = 2 * u
	l.tol[kbbot.PriorityReply] = 2*u + int64(math.Round(cfg.Burst*float64(t)))
	return l, nil
}

// Refusal reasons of the send scripts.
const (
	sendGranted = 0
	sendPaused  = 1
	sendChat    = 2
	sendOverall = 3
)

// nowMicro is the limiter's local time, µs.
func (l *SendLimiter) nowMicro() int64 {
	if l.clock == nil {
		return time.Now().UnixMicro()
	}
	return l.clock.Now().UnixMicro()
}

// scriptNow is the now argument of the scripts: "" for the server's clock.
func (l *SendLimiter) scriptNow() string {
	if l.clock == nil {
		return ""
	}
	return strconv.FormatInt(l.clock.Now().UnixMicro(), 10)
}

// Keys returns the keys the limiter uses.
func (l *SendLimiter) Keys() Keys { return l.keys }

// RoundTrips returns how many round trips to Redis Acquire made so far
// (for benchmarks).
func (l *SendLimiter) RoundTrips() int64 { return l.trips.Load() }

// need says what a message lacks before it may go.
type need struct {
	wait          int64 // µs; > 0: refused
	shared        bool
	chat, overall bool // a round trip must fetch a chat token, a lease
}

// try gives a message of lane p to chat what the process holds, at local
// time now, and says what is missing. l.mu must be held.
func (l *SendLimiter) try(chat kbbot.ChatID, p kbbot.Priority, ci int64, now int64) need {
	if l.pause > now {
		return need{wait: l.pause - now, shared: true}
	}
	for len(l.pool) > 0 && l.pool[0].local < now {
		l.pool = l.pool[1:]
	}
	if w := l.tat - l.tol[p] - now; len(l.pool) == 0 && w > 0 {
		// A lease was refused until then: ask no chat tokens (the first
		// would expire while the message waits) and no lease yet.
		return need{wait: w, shared: true}
	}
	var n need
	var toks []int64
	if ci > 0 {
		toks = l.tokens[chat]
		for len(toks) > 0 && toks[0] < now {
			toks = toks[1:]
		}
		if len(toks) == 0 {
			delete(l.tokens, chat)
			n.chat = true
		}
	}
	if len(l.pool) == 0 {
		n.overall = true
	} else if w := l.pool[0].local - l.tol[p] - now; w > 0 {
		// Wait for the process's own slot before taking chat tokens: the
		// first token must be used as soon as it is granted.
		if ci > 0 && !n.chat {
			l.tokens[chat] = toks
		}
		return need{wait: w, shared: true}
	}
	if n.chat || n.overall {
		if ci > 0 && !n.chat {
			l.tokens[chat] = toks
		}
		return n
	}
	l.pool = l.pool[1:]
	if ci > 0 {
		if len(toks) == 1 {
			delete(l.tokens, chat)
		} else {
			l.tokens[chat] = toks[1:]
		}
	}
	return need{}
}

// Acquire asks to send one message of lane p to chat now. wait is zero
// when it may go (the permission is used up); otherwise nothing was used
// and wait says when to ask again. shared reports that the wait is for the
// pause or the overall rate, which every message of the lane would meet;
// false means only this chat must wait. Replies outside the known lanes
// count as broadcasts. Most messages cost no round trip: see SendLimiter.
func (l *SendLimiter) Acquire(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority) (wait time.Duration, shared bool, err error) {
	if p < kbbot.PriorityReply || p > kbbot.PriorityBroadcast {
		p = kbbot.PriorityBroadcast
	}
	ci := l.chat
	if chat < 0 {
		ci = l.group
	}
	for range 3 {
		l.mu.Lock()
		n := l.try(chat, p, ci, l.nowMicro())
		l.mu.Unlock()
		if n.wait > 0 {
			return time.Duration(n.wait) * time.Microsecond, n.shared, nil
		}
		if !n.chat && !n.overall {
			return 0, false, nil
		}
		n, err = l.fetch(ctx, chat, p, ci, n)
		if err != nil {
			return 0, false, err
		}
		if n.wait > 0 {
			return time.Duration(n.wait) * time.Microsecond, n.shared, nil
		}
		if !n.chat && !n.overall {
			return 0, false, nil
		}
	}
	// Granted slots ran out as they came (a very slow round trip): ask
	// again soon.
	return time.Millisecond, true, nil
}

// fetch makes one round trip for what n lacks (a chat's tokens, a lease,
// the pause in force), merges the answers and tries again at once.
func (l *SendLimiter) fetch(ctx context.Context, chat kbbot.ChatID, p kbbot.Priority, ci int64, n need) (need, error) {
	now := l.scriptNow()
	pipe := l.rdb.Pipeline()
	var chatCmd, leaseCmd *redis.Cmd
	var pauseCmd *redis.StringCmd
	if n.chat {
		tol, want := int64(0), 1
		if chat > 0 {
			tol = l.chatTol
			if p == kbbot.PriorityReply {
				want = l.chatBurst
			}
		}
		chatCmd = sendChatScript.EvalSha(ctx, pipe, []string{l.keys.SendChat(chat)}, now, ci, tol, want)
	}
	if n.overall {
		size := l.block
		if p == kbbot.PriorityReply {
			// A reply is up to ChatBurst messages, sent back to back.
			size = max(size, l.chatBurst)
		}
		leaseCmd = sendAcquireScript.EvalSha(ctx, pipe, []string{l.keys.SendSchedule(), l.keys.SendPause()}, now, l.interval, l.tol[p], size)
	} else {
		pauseCmd = pipe.Get(ctx, l.keys.SendPause())
	}
	l.trips.Add(1)
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		if isNoScript(err) {
			// The scripts are not cached yet (a new or flushed server):
			// load them and go round again.
			for _, s := range []*redis.Script{sendChatScript, sendAcquireScript} {
				if lerr := s.Load(ctx, l.rdb).Err(); lerr != nil {
					return need{}, wrap("load send scripts", lerr)
				}
			}
			return l.fetch(ctx, chat, p, ci, n)
		}
		return need{}, wrap("acquire send permission", err)
	}
	local := l.nowMicro()
	l.mu.Lock()
	defer l.mu.Unlock()
	var refused need
	if pauseCmd != nil {
		if v, err := pauseCmd.Int64(); err == nil {
			if d := v - redisNow(local, chatCmd); d > 0 {
				l.pause = max(l.pause, local+d)
				l.pool = nil
			}
		}
	}
	if leaseCmd != nil {
		r, err := answer(leaseCmd)
		if err != nil {
			return need{}, err
		}
		switch r[0] {
		case sendGranted:
			for i := range r[2] {
				at := r[1] + i*l.interval
				l.pool = append(l.pool, lslot{local: local + at - r[3], redis: at})
			}
			l.last = lease{end: r[1] + r[2]*l.interval}
			l.tat = local + l.last.end - r[3]
		case sendPaused:
			l.pause = max(l.pause, local+r[1])
			l.pool = nil
			refused = need{wait: max(r[1], 1), shared: true}
		case sendOverall:
			refused = need{wait: max(r[1], 1), shared: true}
			l.tat = local + refused.wait + l.tol[p]
		default:
			return need{}, fmt.Errorf("redisstore: acquire send permission: unexpected reason %d", r[0])
		}
	}
	if chatCmd != nil {
		r, err := answer(chatCmd)
		if err != nil {
			return need{}, err
		}
		switch r[0] {
		case sendGranted:
			toks := make([]int64, 0, r[2])
			for i := range r[2] {
				toks = append(toks, local+r[1]+i*ci-r[3])
			}
			l.tokens[chat] = toks
			if len(l.tokens) > 4096 {
				l.sweep(local)
			}
		case sendChat:
			if refused.wait == 0 {
				refused = need{wait: max(r[1], 1)}
			}
		default:
			return need{}, fmt.Errorf("redisstore: acquire send permission: unexpected reason %d", r[0])
		}
	}
	if refused.wait > 0 {
		return refused, nil
	}
	if l.pause > local {
		return need{wait: l.pause - local, shared: true}, nil
	}
	return l.try(chat, p, ci, local), nil
}

// redisNow is the server's time of a round trip whose answer came at
// local: the now its chat script returned, or local itself.
func redisNow(local int64, cmd *redis.Cmd) int64 {
	if cmd != nil {
		if r, err := answer(cmd); err == nil {
			return r[3]
		}
	}
	return local
}

// sweep drops the chats whose tokens all expired. l.mu must be held.
func (l *SendLimiter) sweep(now int64) {
	for c, toks := range l.tokens {
		if len(toks) == 0 || toks[len(toks)-1] < now {
			delete(l.tokens, c)
		}
	}
}

// answer reads a send script's {reason, value, n, now}.
func answer(cmd *redis.Cmd) ([]int64, error) {
	r, err := cmd.Int64Slice()
	if err != nil {
		return nil, wrap("acquire send permission", err)
	}
	if len(r) != 4 {
		return nil, fmt.Errorf("redisstore: acquire send permission: unexpected reply %v", r)
	}
	return r, nil
}

// Release gives the unused slots of the latest lease back to the overall
// schedule, when no process leased after them, and forgets every slot
// held: call it when the process stops sending (shutdown).
func (l *SendLimiter) Release(ctx context.Context) error {
	l.mu.Lock()
	now := l.nowMicro()
	var first int64 = -1
	for _, s := range l.pool {
		if s.local >= now && s.redis < l.last.end {
			first = s.redis
			break
		}
	}
	end := l.last.end
	l.pool = nil
	l.mu.Unlock()
	if first < 0 {
		return nil
	}
	err := sendReturnScript.Run(ctx, l.rdb, []string{l.keys.SendSchedule()},
		strconv.FormatInt(end, 10), strconv.FormatInt(first, 10)).Err()
	if err != nil {
		return wrap("return leased send slots", err)
	}
	return nil
}

// Pause stops every process from sending for d, from now (Telegram asked to
// retry after d). A pause only ever grows: a shorter one than the pause in
// force changes nothing.
func (l *SendLimiter) Pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	l.mu.Lock()
	l.pause = max(l.pause, l.nowMicro()+d.Microseconds())
	l.pool = nil
	l.mu.Unlock()
	if err := sendPauseScript.Run(ctx, l.rdb, []string{l.keys.SendPause()}, l.scriptNow(), d.Microseconds()).Err(); err != nil {
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
