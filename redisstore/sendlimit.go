package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"slices"
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
	sendChatScript = redis.NewScript(chatLib + sendChatLua)
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
	// Shards is how many keys (hash tags {send:<k>}) the overall schedule
	// is spread over, so that a Redis Cluster spreads the leases; default
	// 1 below 200 messages/s (one key is plenty, and a reply's burst
	// stays on consecutive slots), else Rate/250 rounded up, at most 8
	// (4 at the paid 950/s). Every process must use the same Rate and
	// Shards: see SendLimiter.
	Shards int
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
//   - Overall (lua/send_acquire.lua): a GCRA schedule
//     (a leaky bucket kept as one timestamp, the theoretical arrival time
//     TAT of the next message). Each message takes one slot; slots are T =
//     1s/Rate apart. A lane may take the next slot σ when σ - tolerance <=
//     now.
//   - Shards: the schedule is kept in Shards keys ({send:<k>}; {send} when
//     there is one). Slots lie on a grid T apart, and shard k owns the grid
//     points whose index is k modulo Shards: each shard is a schedule of
//     interval Shards×T, and the shards' slots together are distinct and T
//     apart, as one schedule's, so the bound below holds unchanged. A
//     process leases from the shards in turn, from one it holds no slots
//     of, when it holds none or its next slot is not yet usable; so it
//     holds at most one lease per shard, and alone it gets the whole rate.
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
//   - Pause: a 429 from Telegram sets the pause key ({send}:pause) to now +
//     retry_after; every round trip reads it with a GET pipelined with the
//     lease (the key sits in its own slot), so every process learns of a
//     pause at its next round trip, drops its leased slots and waits.
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

	shards int

	mu    sync.Mutex
	pause int64   // local µs until which nobody sends
	tat   []int64 // per shard, local µs: its schedule as a refusal saw it
	pool  []lslot // leased overall slots, ascending
	// scratch holds a new lease's slots while they are merged into pool.
	scratch []lslot
	held    []int   // per shard, how many slots of the pool are its
	last    []int64 // per shard, its schedule right after our latest lease (Redis µs), for Release
	next    int     // the shard to lease from next, in turn
	tokens  map[kbbot.ChatID][]int64
	trips   atomic.Int64
	// pipe sends the limiter's round trips, with other callers' when
	// shared (SetPipeliner).
	pipe *Pipeliner
}

// lslot is one leased slot: local µs, the Redis server's µs, its shard.
type lslot struct {
	local, redis int64
	shard        int
}

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
	if cfg.Shards <= 0 {
		cfg.Shards = 1
		if cfg.Rate >= 200 {
			cfg.Shards = min(int(math.Ceil(cfg.Rate/250)), 8)
		}
	}
	t := int64(1e6 / cfg.Rate)
	u := max((t+1)/2, 5000)
	l := &SendLimiter{
		rdb: rdb, keys: keys, clock: cfg.Clock, pipe: NewPipeliner(rdb, 0),
		interval:  t,
		block:     cfg.Block,
		chat:      max(cfg.ChatInterval.Microseconds(), 0),
		chatBurst: cfg.ChatBurst,
		group:     max(cfg.GroupInterval.Microseconds(), 0),
		tokens:    map[kbbot.ChatID][]int64{},
		shards:    cfg.Shards,
		tat:       make([]int64, cfg.Shards),
		held:      make([]int, cfg.Shards),
		last:      make([]int64, cfg.Shards),
	}
	l.chatTol = int64(cfg.ChatBurst-1) * l.chat
	l.tol[kbbot.PriorityBroadcast] = u
	l.tol[kbbot.PriorityReminder] = 2 * u
	l.tol[kbbot.PriorityReply] = 2*u + int64(math.Round(cfg.Burst*float64(t)))
	preloadScripts(rdb, sendChatScript, sendAcquireScript, sendReturnScript, sendPauseScript)
	return l, nil
}

// preloadScripts loads scripts on every server now (loadScripts; a
// cluster client loads them on each master), so that the first round
// trips, whose pipelines mix scripts of several slots, do not meet
// NOSCRIPT. Best effort, within a second: Redis may be away at start, and
// then the round trips load what they miss themselves.
func preloadScripts(rdb redis.UniversalClient, scripts ...*redis.Script) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = loadScripts(ctx, rdb, scripts...)
}

// Refusal reasons of the send scripts.
const (
	sendGranted = 0
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

// Shards returns how many keys the overall schedule is spread over.
func (l *SendLimiter) Shards() int { return l.shards }

// scheduleKey is the key of shard k of the overall schedule.
func (l *SendLimiter) scheduleKey(k int) string {
	if l.shards == 1 {
		return l.keys.SendSchedule()
	}
	return l.keys.SendScheduleShard(k)
}

// need says what a message lacks before it may go.
type need struct {
	wait          int64 // µs; > 0: refused
	shared        bool
	chat, overall bool // a round trip must fetch a chat token, a lease
	shard         int  // the shard to lease from when overall
}

// dropHead drops the first slot of the pool. l.mu must be held.
func (l *SendLimiter) dropHead() {
	l.held[l.pool[0].shard]--
	l.pool = l.pool[1:]
}

// dropPool forgets every leased slot. l.mu must be held.
func (l *SendLimiter) dropPool() {
	l.pool = nil
	clear(l.held)
}

// pick returns a shard lane p may lease from at local time now, in turn,
// among those the pool holds no slot of; or -1 and how long until one
// may (math.MaxInt64 when the pool holds a slot of every shard). l.mu
// must be held.
func (l *SendLimiter) pick(p kbbot.Priority, now int64) (int, int64) {
	wait := int64(math.MaxInt64)
	for j := range l.shards {
		k := (l.next + j) % l.shards
		if l.held[k] > 0 {
			continue
		}
		w := l.tat[k] - l.tol[p] - now
		if w <= 0 {
			return k, 0
		}
		wait = min(wait, w)
	}
	return -1, wait
}

// try gives a message of lane p to chat what the process holds, at local
// time now, and says what is missing. l.mu must be held.
func (l *SendLimiter) try(chat kbbot.ChatID, p kbbot.Priority, ci int64, now int64) need {
	if l.pause > now {
		return need{wait: l.pause - now, shared: true}
	}
	for len(l.pool) > 0 && l.pool[0].local < now {
		l.dropHead()
	}
	k, kw := l.pick(p, now)
	if len(l.pool) == 0 && k < 0 {
		// Leases were refused until then: ask no chat tokens (the first
		// would expire while the message waits) and no lease yet.
		return need{wait: kw, shared: true}
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
		n.overall, n.shard = true, k
		l.next = (k + 1) % l.shards
	} else if w := l.pool[0].local - l.tol[p] - now; w > 0 {
		if k >= 0 {
			// Another shard may have a slot now.
			n.overall, n.shard = true, k
			l.next = (k + 1) % l.shards
		} else {
			// Wait for the process's own slot before taking chat tokens:
			// the first token must be used as soon as it is granted.
			if ci > 0 && !n.chat {
				l.tokens[chat] = toks
			}
			return need{wait: min(w, kw), shared: true}
		}
	}
	if n.chat || n.overall {
		if ci > 0 && !n.chat {
			l.tokens[chat] = toks
		}
		return n
	}
	l.dropHead()
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
	var cmdsArr [3]redis.Cmder
	cmds := cmdsArr[:0]
	var chatCmd, leaseCmd *redis.Cmd
	if n.chat {
		tol, want := int64(0), 1
		if chat > 0 {
			tol = l.chatTol
			if p == kbbot.PriorityReply {
				want = l.chatBurst
			}
		}
		chatCmd = redis.NewCmd(ctx, "evalsha", sendChatScript.Hash(), 1, l.keys.SendChat(chat), now, ci, tol, want)
		cmds = append(cmds, chatCmd)
	}
	if n.overall {
		leaseCmd = l.leaseCmd(ctx, now, p, n.shard)
		cmds = append(cmds, leaseCmd)
	}
	pause := pauseCmd(ctx, l.keys)
	cmds = append(cmds, pause)
	l.trips.Add(1)
	err := l.pipe.exec(ctx, cmds...)
	if err != nil && !errors.Is(err, redis.Nil) {
		if abandoned(err) {
			return need{}, wrap("acquire send permission", err)
		}
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
	if leaseCmd != nil {
		r, err := answer(leaseCmd)
		if err != nil {
			return need{}, err
		}
		if refused, err = l.leased(r, n.shard, p, local); err != nil {
			return need{}, err
		}
	}
	if v, ok := pauseOf(pause); ok {
		if d := v - redisNow(local, chatCmd, leaseCmd); d > 0 {
			l.pause = max(l.pause, local+d)
			l.dropPool()
			refused = need{wait: d, shared: true}
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

// leased takes the answer r of send_acquire.lua for shard k, lane p,
// arrived at local time local: the slots granted join the pool; a refusal
// says how long lane p waits when the pool holds no slot. l.mu must be
// held.
func (l *SendLimiter) leased(r []int64, k int, p kbbot.Priority, local int64) (need, error) {
	step := int64(l.shards) * l.interval
	switch r[0] {
	case sendGranted:
		old := len(l.pool)
		for i := range r[2] {
			at := r[1] + i*step
			l.pool = append(l.pool, lslot{local: local + at - r[3], redis: at, shard: k})
		}
		l.held[k] += int(r[2])
		if old > 0 && old < len(l.pool) && l.pool[old].local < l.pool[old-1].local {
			l.scratch = append(l.scratch[:0], l.pool[old:]...)
			mergeSlots(l.pool, old, l.scratch)
		}
		l.last[k] = r[1] + r[2]*step
		l.tat[k] = local + l.last[k] - r[3]
	case sendOverall:
		l.tat[k] = local + max(r[1], 1) + l.tol[p]
		if _, w := l.pick(p, local); len(l.pool) == 0 && w > 0 && w < math.MaxInt64 {
			return need{wait: w, shared: true}, nil
		}
	default:
		return need{}, fmt.Errorf("redisstore: acquire send permission: unexpected reason %d", r[0])
	}
	return need{}, nil
}

// mergeSlots merges in place the slots pool[:n] and b (a copy of
// pool[n:]), each in order of local time, into pool, in that order (the
// earlier slot first among equal ones).
func mergeSlots(pool []lslot, n int, b []lslot) {
	i, j := n-1, len(b)-1
	for k := len(pool) - 1; j >= 0; k-- {
		if i >= 0 && pool[i].local > b[j].local {
			pool[k] = pool[i]
			i--
		} else {
			pool[k] = b[j]
			j--
		}
	}
}

// leaseCmd returns send_acquire.lua's EVALSHA, to be sent pipelined: a
// lease from shard k for lane p, at now (scriptNow).
func (l *SendLimiter) leaseCmd(ctx context.Context, now string, p kbbot.Priority, k int) *redis.Cmd {
	size := l.block
	if p == kbbot.PriorityReply {
		// A reply is up to ChatBurst messages, sent back to back.
		size = max(size, l.chatBurst)
	}
	return redis.NewCmd(ctx, "evalsha", sendAcquireScript.Hash(), 1, l.scheduleKey(k), now, l.interval, l.tol[p], size, l.shards, k)
}

// pauseCmd reads the pause another process's 429 set, to be sent
// pipelined. It is an MGET of the one key, not a GET: an absent pause (the
// usual case) is then a nil element rather than a redis.Nil error, which
// would make go-redis inspect the whole pipeline's error on every trip.
func pauseCmd(ctx context.Context, k Keys) *redis.SliceCmd {
	return redis.NewSliceCmd(ctx, "mget", k.SendPause())
}

// pauseOf is the end of the pause pauseCmd read (Redis µs), if any.
func pauseOf(cmd *redis.SliceCmd) (int64, bool) {
	vals, err := cmd.Result()
	if err != nil || len(vals) != 1 {
		return 0, false
	}
	str, ok := vals[0].(string)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(str, 10, 64)
	return v, err == nil
}

// redisNow is the server's time of a round trip whose answer came at
// local: the now one of its scripts returned, or local itself.
func redisNow(local int64, cmds ...*redis.Cmd) int64 {
	for _, cmd := range cmds {
		if cmd != nil {
			if r, err := answer(cmd); err == nil {
				return r[3]
			}
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
	first := make([]int64, l.shards)
	for k := range first {
		first[k] = -1
	}
	for _, s := range l.pool {
		if first[s.shard] < 0 && s.local >= now && s.redis < l.last[s.shard] {
			first[s.shard] = s.redis
		}
	}
	end := slices.Clone(l.last)
	l.dropPool()
	l.mu.Unlock()
	for k, f := range first {
		if f < 0 {
			continue
		}
		err := sendReturnScript.Run(ctx, l.rdb, []string{l.scheduleKey(k)},
			strconv.FormatInt(end[k], 10), strconv.FormatInt(f, 10)).Err()
		if err != nil {
			return wrap("return leased send slots", err)
		}
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
	l.dropPool()
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

// sendAsk is what a commit that queues replies asks of the send limiter
// in its own round trip, so that sending the replies needs none: the
// chat's tokens, taken by commit.lua from the chat's bucket (its
// ARGV[14..17]; want 0 takes none), and a lease of the overall schedule
// when the process lacks one (lease), pipelined with the commit.
type sendAsk struct {
	now     string
	ci, tol int64
	want    int
	p       kbbot.Priority
	lease   bool
	shard   int
}

// askSend says what a commit queuing replies for chat should ask of the
// limiter: what Acquire would fetch for the first message among replies
// (the chat's tokens: up to ChatBurst for a reply, one otherwise; a lease
// when the process holds no slot it may use), when that message would
// fetch it now. Nothing while a pause lasts or while the message would
// wait for the overall schedule (its first token would expire meanwhile).
func (l *SendLimiter) askSend(chat kbbot.ChatID, replies []kbbot.Reply) sendAsk {
	p := kbbot.Priority(-1)
	for _, r := range replies {
		if r.Kind != kbbot.ReplyAnswer {
			p = r.Priority
			break
		}
	}
	if p == -1 {
		return sendAsk{}
	}
	if p < kbbot.PriorityReply || p > kbbot.PriorityBroadcast {
		p = kbbot.PriorityBroadcast
	}
	a := sendAsk{p: p, ci: l.chat}
	if chat < 0 {
		a.ci = l.group
	} else {
		a.tol = l.chatTol
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.nowMicro()
	if l.pause > now {
		return sendAsk{}
	}
	for len(l.pool) > 0 && l.pool[0].local < now {
		l.dropHead()
	}
	k, _ := l.pick(p, now)
	if len(l.pool) == 0 || l.pool[0].local-l.tol[p]-now > 0 {
		if k < 0 {
			// The message waits for the overall schedule.
			return sendAsk{}
		}
		a.lease, a.shard = true, k
		l.next = (k + 1) % l.shards
	}
	if toks := l.tokens[chat]; a.ci > 0 && (len(toks) == 0 || toks[len(toks)-1] < now) {
		a.want = 1
		if chat > 0 && p == kbbot.PriorityReply {
			a.want = l.chatBurst
		}
	}
	if a.want == 0 && !a.lease {
		return sendAsk{}
	}
	a.now = l.scriptNow()
	return a
}

// granted takes what a commit's round trip brought for chat's replies
// (a asked; l.trips does not count it): the lease (nil: none asked), the
// pause in force, and the chat's tokens (r: send_chat.lua's answer,
// {reason, value, n, now}; nil: none asked), kept for the chat's next
// messages as fetch keeps them. A refusal keeps nothing: the message's
// Acquire asks again and learns the wait. The pipeline's errors were
// the commit's: an answer that cannot be read is dropped.
func (l *SendLimiter) granted(chat kbbot.ChatID, a sendAsk, lease *redis.Cmd, pause *redis.SliceCmd, r []int64) {
	local := l.nowMicro()
	l.mu.Lock()
	defer l.mu.Unlock()
	if lease != nil {
		if lr, err := answer(lease); err == nil {
			_, _ = l.leased(lr, a.shard, a.p, local)
		}
	}
	if v, ok := pauseOf(pause); ok {
		at := redisNow(local, lease)
		if r != nil {
			at = r[3]
		}
		if d := v - at; d > 0 {
			l.pause = max(l.pause, local+d)
			l.dropPool()
		}
	}
	if r == nil || r[0] != sendGranted || r[2] <= 0 {
		return
	}
	toks := make([]int64, 0, r[2])
	for i := range r[2] {
		toks = append(toks, local+r[1]+i*a.ci-r[3])
	}
	l.tokens[chat] = toks
	if len(l.tokens) > 4096 {
		l.sweep(local)
	}
}

// SetPipeliner makes the limiter send its round trips through p (one of
// its own unless set), sharing them with the other stores using p. Call
// it before use.
func (l *SendLimiter) SetPipeliner(p *Pipeliner) { l.pipe = p }
