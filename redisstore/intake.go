package redisstore

import (
	"context"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/intake_lib.lua
	intakeLib string
	//go:embed lua/intake_push.lua
	intakePushLua    string
	intakePushScript = redis.NewScript(chatLib + intakeLib + intakePushLua)
	//go:embed lua/intake_spec.lua
	intakeSpecLua    string
	intakeSpecScript = redis.NewScript(chatLib + intakeLib + intakeSpecLua)
	//go:embed lua/intake_claim.lua
	intakeClaimLua    string
	intakeClaimScript = redis.NewScript(intakeClaimLua)
	//go:embed lua/intake_ack.lua
	intakeAckLua    string
	intakeAckScript = redis.NewScript(intakeAckLua)
	//go:embed lua/intake_fail.lua
	intakeFailLua    string
	intakeFailScript = redis.NewScript(intakeFailLua)
	//go:embed lua/outbox_aside.lua
	outboxAsideLua    string
	outboxAsideScript = redis.NewScript(outboxAsideLua)
)

const (
	// intakeStateTTL is the idle lifetime of a chat's intake state (flood
	// window, failed tries).
	intakeStateTTL = time.Hour
	// deadKeep is how many set-aside entries a chat keeps.
	deadKeep = 50
	// DefaultDeadTTL is the default lifetime of a chat's dead letters.
	DefaultDeadTTL = 72 * time.Hour
)

// IntakeOptions tune an IntakeStore. Zero values take the defaults.
type IntakeOptions struct {
	// Shards is the number of shards of the ready index (default 8).
	Shards int
	// FloodLimit is the most updates a resident may send in FloodWindow;
	// beyond it they are accepted and dropped, with one notice (default 8;
	// negative: no limit).
	FloodLimit int
	// FloodWindow is the window of FloodLimit (default 5 s).
	FloodWindow time.Duration
	// FloodQuiet is the least time between two flood notices to one chat
	// (default 1 min).
	FloodQuiet time.Duration
	// Tries is how often an update may fail before it is set aside
	// (default 3).
	Tries int
	// DeadTTL is the lifetime of a chat's set-aside entries (default
	// DefaultDeadTTL).
	DeadTTL time.Duration
}

// IntakeStore keeps the durable intake: each chat's inbox of accepted
// updates in the chat's hash slot, and a sharded index of chats with
// waiting updates that workers claim for a short lease.
type IntakeStore struct {
	rdb  redis.UniversalClient
	keys Keys
	opt  IntakeOptions
	// pushLoaded says the push script was seen in Redis's script cache,
	// so Push no longer checks before each pipeline; a NOSCRIPT reply
	// (a restart, a failover) loads it again.
	pushLoaded atomic.Bool
	// oneServer says rdb is one server, not a cluster: then a pipeline
	// runs its commands in order, so Release takes one round trip.
	oneServer bool
	// ready are the shards' keys, readyArgs the same boxed once; pushArgs
	// the push script's constant arguments (flood limit, window, quiet,
	// state TTL), boxed once.
	ready     []string
	readyArgs []any
	pushArgs  [4]any
	// recent caches the push script's call heads (scriptHead) of recently
	// active chats, one slot per chat id modulo its size.
	recent [chatKeyCache]atomic.Pointer[pushHead]
	// pipe sends the accepts and claims, with other callers' when shared
	// (SetPipeliner).
	pipe *Pipeliner
	// chats commits the steps run ahead (SetChatStore; nil: PushClaim
	// ignores speculations).
	chats *ChatStore
}

// SetChatStore lets PushClaim commit steps run ahead of their update's
// acceptance (kbbot.Speculation) through cs's commit: its session and
// record lifetimes and its send limiter. Call it before use.
func (s *IntakeStore) SetChatStore(cs *ChatStore) { s.chats = cs }

// pushHead is the head of intake_push.lua's call for one chat, and the
// chat id boxed once.
type pushHead struct {
	chat    kbbot.ChatID
	head    []any
	chatArg any
	// spec is the head of intake_spec.lua's call (its keys: the push
	// script's and the chat's send bucket).
	spec []any
}

// pushHeadOf returns chat's push script head, from the cache when there.
func (s *IntakeStore) pushHeadOf(c kbbot.ChatID) *pushHead {
	slot := &s.recent[uint64(c)%chatKeyCache]
	if h := slot.Load(); h != nil && h.chat == c {
		return h
	}
	k := s.keys
	keys := []string{k.ChatInbox(c), k.ChatIntake(c),
		k.ChatLock(c), k.ChatState(c), k.ChatSeen(c), k.ChatOutbox(c), k.ChatRecord(c), k.ChatSeenLegacy(c), k.ChatStaffHint(c)}
	h := &pushHead{chat: c, chatArg: int64(c), head: scriptHead(intakePushScript, keys),
		spec: scriptHead(intakeSpecScript, append(keys, k.SendChat(c)))}
	slot.Store(h)
	return h
}

// NewIntakeStore returns an intake store on rdb with keys under keys' prefix.
func NewIntakeStore(rdb redis.UniversalClient, keys Keys, opt IntakeOptions) *IntakeStore {
	if opt.Shards <= 0 {
		opt.Shards = 8
	}
	if opt.FloodLimit == 0 {
		opt.FloodLimit = 8
	}
	if opt.FloodWindow <= 0 {
		opt.FloodWindow = 5 * time.Second
	}
	if opt.FloodQuiet <= 0 {
		opt.FloodQuiet = time.Minute
	}
	if opt.Tries <= 0 {
		opt.Tries = 3
	}
	if opt.DeadTTL <= 0 {
		opt.DeadTTL = DefaultDeadTTL
	}
	_, cluster := rdb.(*redis.ClusterClient)
	s := &IntakeStore{rdb: rdb, keys: keys, opt: opt, oneServer: !cluster, pipe: NewPipeliner(rdb, 0),
		pushArgs: [4]any{max(opt.FloodLimit, 0), opt.FloodWindow.Milliseconds(), opt.FloodQuiet.Milliseconds(), intakeStateTTL.Milliseconds()}}
	for k := range opt.Shards {
		s.ready = append(s.ready, keys.IntakeReady(k))
		s.readyArgs = append(s.readyArgs, s.ready[k])
	}
	return s
}

// SetPipeliner makes the store send its accepts and claims through p (one
// of its own unless set), sharing round trips with the other stores using
// p. Call it before use.
func (s *IntakeStore) SetPipeliner(p *Pipeliner) { s.pipe = p }

// Shards returns the number of shards of the ready index.
func (s *IntakeStore) Shards() int { return s.opt.Shards }

// Tries returns how often an update may fail before it is set aside.
func (s *IntakeStore) Tries() int { return s.opt.Tries }

func (s *IntakeStore) shard(c kbbot.ChatID) string { return s.ready[s.ShardOf(c)] }

// ShardOf returns the shard of the ready index that holds chat.
func (s *IntakeStore) ShardOf(c kbbot.ChatID) int {
	n := int64(c) % int64(s.opt.Shards)
	if n < 0 {
		n = -n
	}
	return int(n)
}

// floodCounted reports whether an event counts towards the flood limit:
// everything a resident sends, not changes of the chat's membership.
func floodCounted(ev kbbot.Event) bool {
	return ev.Kind != kbbot.EventBlocked && ev.Kind != kbbot.EventUnblocked
}

// Push appends events to their chats' inboxes, in order, and indexes the
// chats as ready at now: one round trip (a pipeline of one script per chat
// and one ZADD NX per chat; the inbox is written before its index entry,
// so a worker that empties the inbox and leaves the index never strands
// it). When Push returns nil the events are durable as far as Redis is.
// A retried Push queues nothing twice while the first copy still waits.
func (s *IntakeStore) Push(ctx context.Context, evs []kbbot.Event, now time.Time) (kbbot.PushResult, error) {
	res, _, err := s.PushClaim(ctx, evs, nil, now, time.Time{}, 0, 0)
	return res, err
}

// PushClaim is Push that also claims, in the same round trip, up to claim
// of the chats (the first ones, in the order of evs) for the caller until
// until, as Claim would: each of those chats is indexed with until rather
// than now, and only when it is not in the index yet (ZADD NX), i.e. no
// worker holds it and none is about to take it. claimed are the chats the
// caller now holds, also when err is not nil; the others are indexed as
// ready at now, or stay as they were.
//
// With lockTTL > 0, the push script of each chat to claim also begins its
// step when the chat is idle (its inbox was empty and its step lock free):
// it takes the lock for lockTTL and reads the step as ChatStore.BeginInbox
// does (kbbot.Claimed.Begun), so accepting an update and beginning its
// step are one round trip. A chat whose lock was taken but whose claim
// failed (another worker holds it) has its lock released at once; so do
// all such chats when err is not nil.
func (s *IntakeStore) PushClaim(ctx context.Context, evs []kbbot.Event, specs []*kbbot.Speculation, now, until time.Time, claim int, lockTTL time.Duration) (res kbbot.PushResult, claimed []kbbot.Claimed, err error) {
	type batch struct {
		chat  kbbot.ChatID
		head  *pushHead
		args  []any
		token string
		// n is how many of evs are the chat's; ev the first, and spec its
		// speculation, if any.
		n    int
		ev   *kbbot.Event
		spec *kbbot.Speculation
		// For a speculation sent (intake_spec.lua): its replies as queued,
		// what it asks of the send limiter, the commands around it.
		specSent bool
		queued   []kbbot.Queued
		ask      sendAsk
		ex       commitCmds
	}
	var orderArr [4]batch // most batches hold one chat or a few
	order := orderArr[:0]
	ms := now.UnixMilli()
	var msArg any = ms
	var ttlArg any = lockTTL.Milliseconds()
	for k := range evs {
		ev := &evs[k] // not a copy: appendEvent would move it to the heap
		var b *batch
		for i := range order {
			if order[i].chat == ev.ChatID {
				b = &order[i]
				break
			}
		}
		if b == nil {
			h := s.pushHeadOf(ev.ChatID)
			order = append(order, batch{chat: ev.ChatID, head: h, args: append(scriptArgs(h.head, 9), msArg), ev: ev})
			b = &order[len(order)-1]
			b.args = append(b.args, s.pushArgs[:]...)
			if lockTTL > 0 && len(order) <= claim {
				b.token = token()
			}
			b.args = append(b.args, b.token, ttlArg)
			if k < len(specs) {
				b.spec = specs[k]
			}
		}
		b.n++
		// The entry "<update id>|u|<json>", in one allocation mostly.
		entry := strconv.AppendInt(make([]byte, 0, 512), ev.UpdateID, 10)
		entry, err = appendEvent(append(entry, "|u|"...), ev)
		if err != nil {
			return res, nil, fmt.Errorf("redisstore: encode update %d: %w", ev.UpdateID, err)
		}
		b.args = append(b.args, boxedBool(floodCounted(*ev)), entry)
	}
	if len(order) == 0 {
		return res, nil, nil
	}
	if !s.pushLoaded.Load() {
		if err := loadScripts(ctx, s.rdb, intakePushScript, intakeSpecScript); err != nil {
			return res, nil, err
		}
		s.pushLoaded.Store(true)
	}
	claim = min(claim, len(order))
	cmds := make([]redis.Cmder, 0, 2*len(order))
	runs := make([]*redis.Cmd, len(order))
	adds := make([]*redis.IntCmd, claim)
	var untilArg any = until.UnixMilli()
	for i := range order {
		b := &order[i]
		if b.token != "" && b.n == 1 && b.spec != nil && s.chats != nil && !b.spec.Commit.Erase && len(b.spec.Commit.Acked) == 0 {
			// The step run ahead, committed by the accepting call when
			// the chat is still as the step saw it.
			c := b.spec.Commit
			b.ask = s.chats.ask(b.chat, c)
			args := append(scriptArgs(b.head.spec, len(b.args)+20+len(c.Replies)), b.args[len(b.head.head):]...)
			args = append(args, sha1Hex(b.spec.State), sha1Hex(b.spec.Record))
			if args, b.queued, err = s.chats.appendCommitArgs(args, kbbot.Lease{Chat: b.chat, Token: b.token}, c, b.ask); err != nil {
				return res, nil, err
			}
			b.specSent = true
			b.ex = s.chats.commitExtras(ctx, b.chat, c, b.ask)
			runs[i] = redis.NewCmd(ctx, args...)
			cmds = b.ex.around(cmds, runs[i])
		} else {
			runs[i] = redis.NewCmd(ctx, b.args...)
			cmds = append(cmds, runs[i])
		}
		score := msArg
		if i < claim {
			score = untilArg
		}
		add := redis.NewIntCmd(ctx, "zadd", s.readyArgs[s.ShardOf(b.chat)], "nx", score, b.head.chatArg)
		cmds = append(cmds, add)
		if i < claim {
			adds[i] = add
		}
	}
	err = s.pipe.exec(ctx, cmds...)
	if abandoned(err) {
		// Whatever the pipeline claims or locks runs out by until and
		// lockTTL; the updates are not confirmed, and come again.
		return res, nil, wrap("accept updates", err)
	}
	isExtra := func(c redis.Cmder) bool {
		for i := range order {
			if order[i].specSent && order[i].ex.has(c) {
				return true
			}
		}
		return false
	}
	if err != nil && !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Err() != nil && !isExtra(c) }) {
		// Only the commands beside a step run ahead failed (the send
		// limiter's, the pending index's): its commit stands.
		for i := range order {
			if order[i].specSent {
				s.chats.retryLease(ctx, &order[i].ex)
			}
		}
		err = nil
	}
	// unlock lists the step locks taken for chats not handed over.
	var unlock []batch
	for i, a := range adds {
		b := order[i]
		held := a.Err() == nil && a.Val() == 1
		if b.specSent {
			if c, ok := s.specCommitted(b.chat, runs[i], b.ask, b.ex); ok {
				// Committed: its replies are to be delivered whether or
				// not the claim was taken.
				c.Lease, c.Head, c.Queued = kbbot.Lease{Chat: b.chat, Token: b.token}, kbbot.InboxEntry{Event: *b.ev}, b.queued
				c.State = kbbot.ChatState{State: b.spec.Commit.State, Record: b.spec.Record, NotStaff: true}
				if b.spec.Commit.Record != nil {
					c.State.Record = b.spec.Commit.Record
				}
				c.NotClaimed = !held
				claimed = append(claimed, c)
				continue
			}
			// Not committed: what the send limiter's lease beside it
			// took is still this process's to use.
			if b.ask.want > 0 || b.ask.lease {
				s.chats.send.granted(b.chat, b.ask, b.ex.lease, b.ex.pause, nil)
			}
		}
		if !held {
			if b.token != "" && (err != nil || pushBegun(runs[i]) != nil) {
				unlock = append(unlock, b)
			}
			continue
		}
		c := kbbot.Claimed{Chat: b.chat}
		if b.token != "" {
			if err != nil {
				unlock = append(unlock, b)
			} else if begun := pushBegun(runs[i]); begun != nil {
				if st, raw := beginState(begun); raw != nil {
					c.Begun, c.Lease, c.State, c.Head = true, kbbot.Lease{Chat: b.chat, Token: b.token}, st, parseInboxEntry(b.chat, *raw)
				} else {
					unlock = append(unlock, b)
				}
			}
		}
		claimed = append(claimed, c)
	}
	if len(unlock) > 0 {
		// Rare: a claim lost to another worker, or a failed round trip.
		// Locks not released here run out after lockTTL.
		_, _ = s.rdb.Pipelined(context.WithoutCancel(ctx), func(p redis.Pipeliner) error {
			for _, b := range unlock {
				lockReleaseScript.Eval(ctx, p, []string{s.keys.ChatLock(b.chat)}, b.token)
			}
			return nil
		})
	}
	if err != nil {
		if isNoScript(err) {
			// The script cache was flushed (a restart, a failover) since it
			// was checked: load it and push again (idempotent; an update
			// committed already is skipped by its chat's handled ids). The
			// chats claimed by the first pipeline stay claimed: its ZADDs
			// ran.
			if err := loadScripts(ctx, s.rdb, intakePushScript, intakeSpecScript); err != nil {
				return res, claimed, err
			}
			// Not the updates whose steps were committed: pushed again
			// they would count twice towards their resident's flood limit.
			rest := evs[:0:0]
			for _, ev := range evs {
				if !slices.ContainsFunc(claimed, func(c kbbot.Claimed) bool { return c.Committed && c.Chat == ev.ChatID }) {
					rest = append(rest, ev)
				}
			}
			res, _, err = s.PushClaim(ctx, rest, nil, now, until, 0, 0)
			return res, claimed, err
		}
		return res, claimed, wrap("accept updates", err)
	}
	for _, r := range runs {
		codes, err := pushCodes(r)
		if err != nil {
			return res, claimed, wrap("accept updates", err)
		}
		for _, c := range codes {
			switch c {
			case 0:
				res.Dropped++
			case 2:
				res.Dropped++
				res.Notices++
			default:
				res.Queued++
			}
		}
	}
	return res, claimed, nil
}

// specCommitted reads whether intake_spec.lua committed the step run
// ahead, and hands the send limiter what the commit took for it.
func (s *IntakeStore) specCommitted(chat kbbot.ChatID, run *redis.Cmd, ask sendAsk, ex commitCmds) (kbbot.Claimed, bool) {
	res, err := run.Slice()
	if err != nil || len(res) < 3 {
		return kbbot.Claimed{}, false
	}
	raw, ok := res[2].([]any)
	if !ok || len(raw) == 0 || raw[0] != int64(1) {
		return kbbot.Claimed{}, false
	}
	toks := make([]int64, 0, len(raw))
	for _, v := range raw {
		n, _ := v.(int64)
		toks = append(toks, n)
	}
	if s.chats.committed(chat, toks, ask, ex) != nil {
		return kbbot.Claimed{}, false
	}
	return kbbot.Claimed{Chat: chat, Committed: true}, true
}

// sha1Hex is the SHA1 of b in lower-case hex, as Lua's redis.sha1hex
// gives it; "" for nil (nothing stored).
func sha1Hex(b []byte) string {
	if b == nil {
		return ""
	}
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// pushCodes reads the codes of intake_push.lua's answer.
func pushCodes(run *redis.Cmd) ([]int64, error) {
	res, err := run.Slice()
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errors.New("empty push reply")
	}
	raw, _ := res[0].([]any)
	codes := make([]int64, 0, len(raw))
	for _, v := range raw {
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("push reply code %v", v)
		}
		codes = append(codes, n)
	}
	return codes, nil
}

// pushBegun returns the step intake_push.lua began (begin.lua's answer),
// or nil.
func pushBegun(run *redis.Cmd) []any {
	res, err := run.Slice()
	if err != nil || len(res) < 2 {
		return nil
	}
	begun, _ := res[1].([]any)
	return begun
}

// loadScripts makes sure the scripts are in Redis's script cache before
// they are sent with EVALSHA in a pipeline (a NOSCRIPT reply in a
// pipeline cannot be retried with EVAL).
func loadScripts(ctx context.Context, rdb redis.UniversalClient, scripts ...*redis.Script) error {
	for _, sc := range scripts {
		ok, err := sc.Exists(ctx, rdb).Result()
		if err != nil {
			return wrap("check script", err)
		}
		if len(ok) == 1 && ok[0] {
			continue
		}
		if err := sc.Load(ctx, rdb).Err(); err != nil {
			return wrap("load script", err)
		}
	}
	return nil
}

// Claim takes up to n chats of one shard whose updates wait (or whose
// previous claim ran out by now), oldest first, holding each until until.
// next is when the oldest chat still ready in the shard began to wait
// (more false: none is), for the caller to serve shards oldest first.
func (s *IntakeStore) Claim(ctx context.Context, shard int, now, until time.Time, n int) (chats []kbbot.ChatID, next time.Time, more bool, err error) {
	var key any
	if shard >= 0 && shard < len(s.readyArgs) {
		key = s.readyArgs[shard]
	} else {
		key = s.keys.IntakeReady(shard)
	}
	run, err := s.pipe.script(ctx, intakeClaimScript, []any{"evalsha", intakeClaimScript.Hash(), 1, key, now.UnixMilli(), until.UnixMilli(), n})
	if abandoned(err) {
		return nil, time.Time{}, false, wrap("claim chats", err)
	}
	res, err := run.Slice()
	if err != nil {
		return nil, time.Time{}, false, wrap("claim chats", err)
	}
	if len(res) > 0 {
		ids, _ := res[0].([]any)
		chats = make([]kbbot.ChatID, 0, len(ids))
		for _, id := range ids {
			str, _ := id.(string)
			if c, err := strconv.ParseInt(str, 10, 64); err == nil {
				chats = append(chats, kbbot.ChatID(c))
			}
		}
	}
	if len(res) > 1 {
		if v, ok := res[1].(string); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				next, more = time.UnixMilli(int64(f)), true
			}
		}
	}
	return chats, next, more, nil
}

// Hold moves the time from which another worker may take chat to at: it
// renews a claim (at in the future), or schedules a retry after a failure.
// It changes nothing for a chat no longer in the index.
func (s *IntakeStore) Hold(ctx context.Context, chat kbbot.ChatID, at time.Time) error {
	err := s.rdb.ZAddXX(ctx, s.shard(chat), redis.Z{Score: float64(at.UnixMilli()), Member: int64(chat)}).Err()
	return wrap("hold chat", err)
}

// Release lets a claimed chat go: it leaves the index, and comes back as
// ready at now when its inbox is not empty (checked after leaving, so an
// update pushed meanwhile is never stranded).
//
// On one server the ZREM and the LLEN go in one pipeline, which that server
// runs in order. On a cluster they may sit on two nodes, which a pipeline
// would reach at once, so they go one after the other.
func (s *IntakeStore) Release(ctx context.Context, chat kbbot.ChatID, now time.Time) error {
	var n int64
	if s.oneServer {
		var llen *redis.IntCmd
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.ZRem(ctx, s.shard(chat), int64(chat))
			llen = p.LLen(ctx, s.keys.ChatInbox(chat))
			return nil
		})
		if err != nil {
			return wrap("release chat", err)
		}
		n = llen.Val()
	} else {
		if err := s.rdb.ZRem(ctx, s.shard(chat), int64(chat)).Err(); err != nil {
			return wrap("release chat", err)
		}
		var err error
		if n, err = s.rdb.LLen(ctx, s.keys.ChatInbox(chat)).Result(); err != nil {
			return wrap("release chat", err)
		}
	}
	if n > 0 {
		return wrap("release chat", s.rdb.ZAddNX(ctx, s.shard(chat), redis.Z{Score: float64(now.UnixMilli()), Member: int64(chat)}).Err())
	}
	return nil
}

// ReadyKey returns the ready index that holds chat, for a step's last
// round trip to leave (ChatStore.FinishInbox); "" on a cluster, where that
// pipeline would reach two nodes at once and lose the order Release
// needs.
func (s *IntakeStore) ReadyKey(chat kbbot.ChatID) string {
	if !s.oneServer {
		return ""
	}
	return s.shard(chat)
}

// Requeue puts chat back in its ready index from at: a chat that left it
// (ChatStore.FinishInbox) with updates still waiting, or still worked on
// (at the end of its claim).
func (s *IntakeStore) Requeue(ctx context.Context, chat kbbot.ChatID, at time.Time) error {
	err := s.rdb.ZAdd(ctx, s.shard(chat), redis.Z{Score: float64(at.UnixMilli()), Member: int64(chat)}).Err()
	return wrap("requeue chat", err)
}

// Head returns the entry at the head of chat's inbox; ok is false when the
// inbox is empty.
func (s *IntakeStore) Head(ctx context.Context, chat kbbot.ChatID) (kbbot.InboxEntry, bool, error) {
	raw, err := s.rdb.LIndex(ctx, s.keys.ChatInbox(chat), 0).Result()
	if errors.Is(err, redis.Nil) {
		return kbbot.InboxEntry{}, false, nil
	}
	if err != nil {
		return kbbot.InboxEntry{}, false, wrap("read inbox", err)
	}
	return parseInboxEntry(chat, raw), true, nil
}

// parseInboxEntry reads an inbox entry of chat as stored by Push; one that
// cannot be read is marked Unreadable, to be set aside.
func parseInboxEntry(chat kbbot.ChatID, raw string) kbbot.InboxEntry {
	e := kbbot.InboxEntry{Raw: raw}
	_, rest, ok := strings.Cut(raw, "|")
	kind, body, ok2 := strings.Cut(rest, "|")
	if !ok || !ok2 || (kind != "u" && kind != "f") || decodeEvent(body, &e.Event) != nil || e.Event.ChatID != chat {
		e.Event = kbbot.Event{ChatID: chat}
		e.Unreadable = true
		return e
	}
	e.FloodNotice = kind == "f"
	return e
}

// Ack removes a handled entry from the head of chat's inbox and returns
// the entry now at the head, as Head would, in the same round trip; ok is
// false when the inbox is empty.
func (s *IntakeStore) Ack(ctx context.Context, chat kbbot.ChatID, raw string) (next kbbot.InboxEntry, ok bool, err error) {
	v, err := intakeAckScript.Run(ctx, s.rdb, []string{s.keys.ChatInbox(chat), s.keys.ChatIntake(chat)}, raw).Result()
	if errors.Is(err, redis.Nil) {
		return kbbot.InboxEntry{}, false, nil
	}
	if err != nil {
		return kbbot.InboxEntry{}, false, wrap("ack inbox entry", err)
	}
	head, _ := v.(string)
	return parseInboxEntry(chat, head), true, nil
}

// Fail counts a failed try of the entry at the head of chat's inbox and
// returns the tries so far; aside reports that this was the last try and
// the entry is now in the chat's dead letters. setAside sets it aside at
// once.
func (s *IntakeStore) Fail(ctx context.Context, chat kbbot.ChatID, e kbbot.InboxEntry, setAside bool) (tries int, aside bool, err error) {
	allowed := s.opt.Tries
	if setAside {
		allowed = 1
	}
	n, err := intakeFailScript.Run(ctx, s.rdb, []string{s.keys.ChatInbox(chat), s.keys.ChatIntake(chat), s.keys.ChatDead(chat)},
		e.Raw, e.Event.UpdateID, allowed, s.opt.DeadTTL.Milliseconds(), deadKeep, intakeStateTTL.Milliseconds()).Int()
	if err != nil {
		return 0, false, wrap("count failed try", err)
	}
	if n == 0 {
		return allowed, true, nil
	}
	return n, false, nil
}

// SetDeadTTL sets the lifetime of the dead letters SetAside writes
// (DefaultDeadTTL unless set); call it before use.
func (s *ChatStore) SetDeadTTL(d time.Duration) {
	if d > 0 {
		s.deadTTL = d
	}
}

// SetAside moves undecodable outbox entries of the chat held by l to the
// chat's dead letters (key ChatDead).
func (s *ChatStore) SetAside(ctx context.Context, l kbbot.Lease, entries []string) error {
	deadTTL := s.deadTTL
	if deadTTL <= 0 {
		deadTTL = DefaultDeadTTL
	}
	args := []any{l.Token, deadTTL.Milliseconds(), deadKeep}
	for _, e := range entries {
		args = append(args, e)
	}
	n, err := outboxAsideScript.Run(ctx, s.rdb, []string{s.keys.ChatLock(l.Chat), s.keys.ChatOutbox(l.Chat), s.keys.ChatDead(l.Chat)}, args...).Int()
	if err != nil {
		return wrap("set aside outbox entries", err)
	}
	if n == -1 {
		return fmt.Errorf("redisstore: set aside: lease lost: %w", kbbot.ErrBusy)
	}
	return nil
}

// Waiting returns how many chats have waiting or unfinished updates, over
// every shard (zero when all accepted updates were handled).
func (s *IntakeStore) Waiting(ctx context.Context) (int, error) {
	total := 0
	for i := range s.opt.Shards {
		n, err := s.rdb.ZCard(ctx, s.keys.IntakeReady(i)).Result()
		if err != nil {
			return 0, wrap("count waiting chats", err)
		}
		total += int(n)
	}
	return total, nil
}

// DeadLetters returns the entries set aside for chat, oldest first.
func (s *IntakeStore) DeadLetters(ctx context.Context, chat kbbot.ChatID) ([]string, error) {
	v, err := s.rdb.LRange(ctx, s.keys.ChatDead(chat), 0, -1).Result()
	return v, wrap("read dead letters", err)
}

// EraseResident deletes the chat's dead letters and intake state, for
// /hapusdata. The inbox stays: it holds the erasure's own update and what
// the resident sends after it.
func (s *IntakeStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	return wrap("erase intake", s.rdb.Del(ctx, s.keys.ChatDead(chat), s.keys.ChatIntake(chat)).Err())
}
