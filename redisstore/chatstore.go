package redisstore

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/chat_lib.lua
	chatLib string
	//go:embed lua/begin.lua
	beginLua    string
	beginScript = redis.NewScript(chatLib + beginLua)
	//go:embed lua/commit.lua
	commitLua    string
	commitScript = redis.NewScript(chatLib + commitLua)
	//go:embed lua/finish.lua
	finishLua    string
	finishScript = redis.NewScript(chatLib + finishLua)
)

// Defaults of a ChatStore.
const (
	// DefaultSessionTTL is how long a session is kept without activity.
	DefaultSessionTTL = 30 * 24 * time.Hour
	// seenTTL is how long what a chat handled is remembered after its last
	// step; Telegram keeps an unconfirmed update for at most 24 hours.
	seenTTL = 25 * time.Hour
	// seenWindow is how long a handled update id stays above the chat's
	// watermark (lua/chat_lib.lua): an update overtaken by newer ones of its
	// chat is still handled when it comes within this time.
	seenWindow = 2 * time.Minute
	// seenCap caps the update ids above the watermark (a flood).
	seenCap = 64
	// seenKeys is how many handled event keys (reminders) a chat keeps.
	seenKeys = 8
)

// ChatStore keeps sessions, chat locks, what each chat handled (a watermark
// of update ids and the keys of recent reminders) and outboxes. A
// conversation step costs three round trips: Begin, Commit, Finish, plus
// an Ack before each further message of a reply of several. They go
// through a Pipeliner, so under load the trips of concurrent chats' steps
// are shared.
type ChatStore struct {
	rdb        redis.UniversalClient
	keys       Keys
	sessionTTL time.Duration
	// sessionTTLArg is sessionTTL in ms, boxed once for commit.lua.
	sessionTTLArg any
	deadTTL       time.Duration
	// send, when set, is the send limiter whose chat tokens a commit
	// queuing replies takes in its own script (SetSendLimiter).
	send *SendLimiter
	// recent caches the key names of recently active chats (one slot per
	// chat id modulo its size), so that a step builds them once rather
	// than in each of its round trips.
	recent [chatKeyCache]atomic.Pointer[chatKeySet]
	// lastMs is the lock TTL the latest finish asked for, boxed (boxedMs).
	lastMs atomic.Pointer[boxedInt]
	// pipe sends the step scripts, concurrent chats' together.
	pipe *Pipeliner
}

// chatKeyCache is the number of slots of ChatStore.recent.
const chatKeyCache = 1024

// chatKeySet is the key names of one chat's scripts. Its slices are
// shared: read them, never append to them.
type chatKeySet struct {
	chat kbbot.ChatID
	// step: lock, state, handled, outbox, resident, seen (legacy), inbox,
	// staff hint; begin.lua takes all eight, commit.lua the first six and
	// the chat's send bucket.
	step []string
	// finish: lock, outbox, inbox, intake, state, handled, resident, seen
	// (legacy), staff hint (finish.lua).
	finish []string
	// The heads of the scripts' calls (scriptHead): begin.lua, commit.lua,
	// finish.lua and lock_extend.lua on these keys.
	beginHead, commitHead, finishHead, extendHead []any
	// The whole arguments of the commit's SADD to the pending index and
	// of the finish's LLEN of the inbox, and the chat id, boxed once.
	pendingAdd, inboxLen []any
	chatArg              any
	// zrem is the whole arguments of the finish's ZREM of the chat from
	// its ready index, built at first use (zremArgs).
	zrem atomic.Pointer[[]any]
}

// zremArgs returns the arguments of a ZREM of the chat from ready.
func (ks *chatKeySet) zremArgs(ready string) []any {
	if p := ks.zrem.Load(); p != nil && (*p)[1] == any(ready) {
		return *p
	}
	a := []any{"zrem", ready, ks.chatArg}
	ks.zrem.Store(&a)
	return a
}

// keysOf returns chat's key names, from the cache when they are there.
func (s *ChatStore) keysOf(c kbbot.ChatID) *chatKeySet {
	slot := &s.recent[uint64(c)%chatKeyCache]
	if ks := slot.Load(); ks != nil && ks.chat == c {
		return ks
	}
	k := s.keys
	lock, outbox, inbox, hint := k.ChatLock(c), k.ChatOutbox(c), k.ChatInbox(c), k.ChatStaffHint(c)
	ks := &chatKeySet{chat: c,
		step:   []string{lock, k.ChatState(c), k.ChatSeen(c), outbox, k.ChatRecord(c), k.ChatSeenLegacy(c), inbox, hint},
		finish: []string{lock, outbox, inbox, k.ChatIntake(c), k.ChatState(c), k.ChatSeen(c), k.ChatRecord(c), k.ChatSeenLegacy(c), hint},
	}
	ks.beginHead = scriptHead(beginScript, ks.step)
	ks.commitHead = scriptHead(commitScript, append(ks.step[:6:6], k.SendChat(c)))
	ks.finishHead = scriptHead(finishScript, ks.finish)
	ks.extendHead = scriptHead(lockExtendScript, ks.step[:1])
	ks.chatArg = int64(c)
	ks.pendingAdd = []any{"sadd", k.PendingOutboxes(), ks.chatArg}
	ks.inboxLen = []any{"llen", inbox}
	slot.Store(ks)
	return ks
}

// NewChatStore returns a store on rdb with keys under keys' prefix.
// sessionTTL is the idle expiry of a session (DefaultSessionTTL when 0).
func NewChatStore(rdb redis.UniversalClient, keys Keys, sessionTTL time.Duration) *ChatStore {
	if sessionTTL <= 0 {
		sessionTTL = DefaultSessionTTL
	}
	return &ChatStore{rdb: rdb, keys: keys, sessionTTL: sessionTTL, sessionTTLArg: sessionTTL.Milliseconds(), pipe: NewPipeliner(rdb, 0)}
}

// SetPipeliner makes the store send its step scripts through p (one of
// its own unless set), so that they share round trips with the other
// stores using p. Call it before use.
func (s *ChatStore) SetPipeliner(p *Pipeliner) { s.pipe = p }

// keyDigest shortens an event key to 12 characters (72 bits of SHA-256),
// so that what a chat handled stays small whatever the key, and holds no
// booking code or other ref in the clear. "" stays "".
func keyDigest(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// Begin takes chat's lock for ttl and reads the session, the resident
// record, whether updateID (never 0) or the event key (never "") was
// handled before, whether the chat holds a staff hint (ChatStaffHint; none:
// ChatState.NotStaff), and the undelivered outbox (entries that cannot be
// decoded are returned apart, as ChatState.Unreadable). It fails with
// kbbot.ErrBusy when another holder has the lock.
func (s *ChatStore) Begin(ctx context.Context, chat kbbot.ChatID, updateID int64, key string, ttl time.Duration) (kbbot.Lease, kbbot.ChatState, error) {
	l, st, _, err := s.begin(ctx, chat, updateID, key, ttl)
	return l, st, err
}

// BeginInbox is Begin for the update at the head of chat's inbox, read in
// the same round trip: ok is false when the inbox is empty (the lock is
// taken all the same; Finish releases it). Whether that update was handled
// before is in the ChatState, as for Begin.
func (s *ChatStore) BeginInbox(ctx context.Context, chat kbbot.ChatID, ttl time.Duration) (l kbbot.Lease, st kbbot.ChatState, head kbbot.InboxEntry, ok bool, err error) {
	l, st, raw, err := s.begin(ctx, chat, -1, "", ttl)
	if err != nil || raw == nil {
		return l, st, kbbot.InboxEntry{}, false, err
	}
	return l, st, parseInboxEntry(chat, *raw), true, nil
}

// BeginInboxes is BeginInbox for several chats in one round trip (a
// pipeline): claimed[i] is chats[i], Begun when its lock was taken and its
// inbox's head read; a chat whose inbox is empty, whose lock someone else
// holds, or whose begin failed is left untouched (not Begun), for its
// worker's own BeginInbox.
func (s *ChatStore) BeginInboxes(ctx context.Context, chats []kbbot.ChatID, ttl time.Duration) []kbbot.Claimed {
	out := make([]kbbot.Claimed, len(chats))
	runs := make([]*redis.Cmd, len(chats))
	cmds := make([]redis.Cmder, len(chats))
	tokens := make([]string, len(chats))
	var ttlArg any = ttl.Milliseconds()
	for i, c := range chats {
		out[i].Chat = c
		tokens[i] = token()
		args := append(scriptArgs(s.keysOf(c).beginHead, 4), tokens[i], ttlArg, int64(-2), "")
		runs[i] = redis.NewCmd(ctx, args...)
		cmds[i] = runs[i]
	}
	err := s.pipe.exec(ctx, cmds...)
	if abandoned(err) {
		// Whatever these begins took runs out; the chats begin on their
		// own.
		return out
	}
	if isNoScript(err) {
		// Loaded for next time; these chats begin on their own.
		_ = beginScript.Load(ctx, s.rdb).Err()
	}
	for i, run := range runs {
		res, err := run.Slice()
		if err != nil {
			continue
		}
		if st, raw := beginState(res); raw != nil {
			out[i].Begun, out[i].Lease, out[i].State, out[i].Head = true, kbbot.Lease{Chat: chats[i], Token: tokens[i]}, st, parseInboxEntry(chats[i], *raw)
		}
	}
	return out
}

// begin runs begin.lua; updateID -1 reads the inbox's head, returned in raw.
func (s *ChatStore) begin(ctx context.Context, chat kbbot.ChatID, updateID int64, key string, ttl time.Duration) (kbbot.Lease, kbbot.ChatState, *string, error) {
	lease := kbbot.Lease{Chat: chat, Token: token()}
	args := append(scriptArgs(s.keysOf(chat).beginHead, 4), lease.Token, ttl.Milliseconds(), updateID, keyDigest(key))
	run, err := s.pipe.script(ctx, beginScript, args)
	if abandoned(err) {
		return kbbot.Lease{}, kbbot.ChatState{}, nil, wrap("begin", err)
	}
	res, err := run.Slice()
	if errors.Is(err, redis.Nil) {
		return kbbot.Lease{}, kbbot.ChatState{}, nil, fmt.Errorf("redisstore: begin: %w", kbbot.ErrBusy)
	}
	if err != nil {
		return kbbot.Lease{}, kbbot.ChatState{}, nil, wrap("begin", err)
	}
	st, raw := beginState(res)
	return lease, st, raw, nil
}

// beginStateOf is beginState without the inbox's head.
func beginStateOf(res []any) kbbot.ChatState {
	st, _ := beginState(res)
	return st
}

// beginState reads begin.lua's answer (chat_lib's chat_begin): the chat's
// state and the inbox's head entry, if any.
func beginState(res []any) (kbbot.ChatState, *string) {
	var st kbbot.ChatState
	if len(res) < 4 {
		return st, nil
	}
	if v, ok := res[0].(string); ok {
		st.State = []byte(v)
	}
	st.Seen = res[1] == int64(1)
	if v, ok := res[2].(string); ok {
		st.Record = []byte(v)
	}
	var raw *string
	if v, ok := res[3].(string); ok {
		raw = &v
	}
	if len(res) < 5 {
		return st, raw
	}
	st.Inbox, _ = res[4].(int64)
	if len(res) < 6 {
		return st, raw
	}
	st.NotStaff = res[5] == int64(0)
	for _, e := range res[6:] {
		raw, _ := e.(string)
		q, err := decodeEntry(raw)
		if err != nil {
			// Never deliverable: the dispatcher sets it aside (SetAside).
			st.Unreadable = append(st.Unreadable, raw)
			continue
		}
		st.Outbox = append(st.Outbox, q)
	}
	return st, raw
}

// Renew gives the lease l a new ttl while it is still held (lock_extend.lua:
// compare the token, then PEXPIRE). It fails with kbbot.ErrBusy when the
// lease was lost: it expired, and maybe someone else took the chat.
func (s *ChatStore) Renew(ctx context.Context, l kbbot.Lease, ttl time.Duration) error {
	args := append(scriptArgs(s.keysOf(l.Chat).extendHead, 2), l.Token, ttl.Milliseconds())
	run, err := s.pipe.script(ctx, lockExtendScript, args)
	if abandoned(err) {
		return wrap("renew chat lease", err)
	}
	n, err := run.Int()
	if err != nil {
		return wrap("renew chat lease", err)
	}
	if n != 1 {
		return fmt.Errorf("redisstore: renew: lease lost: %w", kbbot.ErrBusy)
	}
	return nil
}

// Commit writes one step atomically while l is held: it acknowledges the
// delivered entries c.Acked, then writes the session and the resident
// record (or their erasure), the handled update id and event key, and the
// replies for the outbox, which it returns with their ids. It fails with
// kbbot.ErrBusy when the lease was lost. Committing an update or event key
// that was committed before changes nothing but the acknowledgements.
// With a send limiter (SetSendLimiter), the same round trip takes what
// sending the replies needs.
func (s *ChatStore) Commit(ctx context.Context, l kbbot.Lease, c kbbot.Commit) ([]kbbot.Queued, error) {
	ks := s.keysOf(l.Chat)
	ask := s.ask(l.Chat, c)
	args := scriptArgs(ks.commitHead, 18+len(c.Acked)+len(c.Replies))
	args, queued, err := s.appendCommitArgs(args, l, c, ask)
	if err != nil {
		return nil, err
	}
	var cmdsArr [4]redis.Cmder
	run := redis.NewCmd(ctx, args...)
	ex := s.commitExtras(ctx, l.Chat, c, ask)
	cmds := ex.around(cmdsArr[:0], run)
	if err := s.pipe.exec(ctx, cmds...); err != nil && !errors.Is(err, redis.Nil) {
		if abandoned(err) {
			return nil, wrap("commit", err)
		}
		if isNoScript(err) && run.Err() != nil {
			// The pipeline sent EVALSHA before the script was loaded.
			if err := commitScript.Load(ctx, s.rdb).Err(); err != nil {
				return nil, wrap("load commit script", err)
			}
			return s.Commit(ctx, l, c)
		}
		if run.Err() != nil && !errors.Is(run.Err(), redis.Nil) {
			return nil, wrap("commit", err)
		}
		s.retryLease(ctx, &ex)
	}
	res, err := run.Int64Slice()
	if err != nil {
		return nil, wrap("commit", err)
	}
	if err := s.committed(l.Chat, res, ask, ex); err != nil {
		return nil, err
	}
	return queued, nil
}

// ask says what a commit of c should ask of the send limiter (nothing
// without one, or without replies).
func (s *ChatStore) ask(chat kbbot.ChatID, c kbbot.Commit) sendAsk {
	if s.send != nil && len(c.Replies) > 0 {
		return s.send.askSend(chat, c.Replies)
	}
	return sendAsk{}
}

// appendCommitArgs appends commit.lua's ARGV for c under the lease l to
// args, and returns the replies as queued in the outbox (with their ids).
func (s *ChatStore) appendCommitArgs(args []any, l kbbot.Lease, c kbbot.Commit, ask sendAsk) ([]any, []kbbot.Queued, error) {
	if c.At.IsZero() {
		c.At = time.Now()
	}
	args = append(args, l.Token, c.UpdateID, keyDigest(c.Key), boxedBool(c.Erase), c.State, s.sessionTTLArg,
		seenTTLArg, c.At.Unix(), int64(seenWindow/time.Second), seenCap, seenKeys,
		c.Record, max(c.RecordTTL.Milliseconds(), 0), ask.now, ask.ci, ask.tol, ask.want, len(c.Acked))
	for _, id := range c.Acked {
		args = append(args, id)
	}
	// The entries' ids: "<8 random hex digits>-<index>".
	var batch [24]byte
	if len(c.Replies) > 0 {
		randomHex(batch[:8])
		batch[8] = '-'
	}
	queued := make([]kbbot.Queued, 0, len(c.Replies))
	for i, r := range c.Replies {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, nil, fmt.Errorf("redisstore: encode reply: %w", err)
		}
		id := string(strconv.AppendInt(batch[:9], int64(i), 10))
		// The entry "<id>|<json>", in one allocation.
		entry := append(append(append(make([]byte, 0, len(id)+1+len(b)), id...), '|'), b...)
		args = append(args, entry)
		queued = append(queued, kbbot.Queued{ID: id, Reply: r})
	}
	return args, queued, nil
}

// commitCmds are the commands pipelined with a commit's script: the
// pending index's SADD before it, the send limiter's lease and pause
// after it (each nil when not needed).
type commitCmds struct {
	pending *redis.IntCmd
	lease   *redis.Cmd
	pause   *redis.SliceCmd
	ask     sendAsk
}

// commitExtras makes the commands a commit of c pipelines with its script.
func (s *ChatStore) commitExtras(ctx context.Context, chat kbbot.ChatID, c kbbot.Commit, ask sendAsk) commitCmds {
	ex := commitCmds{ask: ask}
	if len(c.Replies) > 0 {
		// The index spans chats, so it cannot be written by the chat's
		// script (Redis Cluster); it is written first so that it never
		// misses an outbox, and cleared lazily (PendingChats) once the
		// outbox is empty.
		ex.pending = redis.NewIntCmd(ctx, s.keysOf(chat).pendingAdd...)
	}
	if ask.lease {
		// A lease of the overall schedule for the replies, in other
		// slots: only pipelined.
		ex.lease = s.send.leaseCmd(ctx, ask.now, ask.p, ask.shard)
	}
	if ask.want > 0 || ask.lease {
		// The pause another process's 429 set, read as the limiter's own
		// round trips do, since this one replaces them.
		ex.pause = pauseCmd(ctx, s.keys)
	}
	return ex
}

// has reports whether c is one of ex's commands.
func (ex commitCmds) has(c redis.Cmder) bool {
	return (ex.pending != nil && c == redis.Cmder(ex.pending)) || (ex.lease != nil && c == redis.Cmder(ex.lease)) ||
		(ex.pause != nil && c == redis.Cmder(ex.pause))
}

// around appends to cmds the pending index's SADD, run (the commit's
// script), then the lease and the pause.
func (ex commitCmds) around(cmds []redis.Cmder, run redis.Cmder) []redis.Cmder {
	if ex.pending != nil {
		cmds = append(cmds, ex.pending)
	}
	cmds = append(cmds, run)
	if ex.lease != nil {
		cmds = append(cmds, ex.lease)
	}
	if ex.pause != nil {
		cmds = append(cmds, ex.pause)
	}
	return cmds
}

// retryLease deals with the send limiter's commands having failed beside
// a commit that ran. Its lease script not cached on the schedule's server
// yet (a new or restarted cluster node): load it and lease now, once,
// rather than leave it to every message; anything else: its Acquire asks
// on its own.
func (s *ChatStore) retryLease(ctx context.Context, ex *commitCmds) {
	if ex.lease != nil && isNoScript(ex.lease.Err()) && sendAcquireScript.Load(ctx, s.rdb).Err() == nil {
		ex.lease = s.send.leaseCmd(ctx, ex.ask.now, ex.ask.p, ex.ask.shard)
		if err := s.pipe.exec(ctx, ex.lease); err != nil {
			ex.lease = nil
		}
	} else {
		ex.lease = nil
	}
}

// committed reads commit.lua's answer res and hands the send limiter what
// the commit took for it.
func (s *ChatStore) committed(chat kbbot.ChatID, res []int64, ask sendAsk, ex commitCmds) error {
	if len(res) == 0 {
		return errors.New("redisstore: commit: empty reply")
	}
	if res[0] == -1 {
		return fmt.Errorf("redisstore: commit: lease lost: %w", kbbot.ErrBusy)
	}
	if ask.want > 0 || ask.lease {
		var toks []int64
		if len(res) == 5 {
			toks = res[1:]
		}
		s.send.granted(chat, ask, ex.lease, ex.pause, toks)
	}
	return nil
}

// SetSendLimiter makes each commit that queues replies ask l (the limiter
// the replies are sent through) for what sending them needs, in the
// commit's own round trip: the chat's send tokens, taken by commit.lua,
// and, when the process holds no usable slot, a lease of the overall
// schedule pipelined with it, with the pause in force. So a reply's
// messages usually cost the limiter no round trip. Call it before use.
func (s *ChatStore) SetSendLimiter(l *SendLimiter) { s.send = l }

// Ack removes the delivered entries from the head of the outbox while l
// is held, and keeps the lock: a reply of several messages is acknowledged
// message by message, so a process killed between two of them sends none
// twice. It fails with kbbot.ErrBusy when the lease was lost.
func (s *ChatStore) Ack(ctx context.Context, l kbbot.Lease, delivered []string) error {
	if len(delivered) == 0 {
		return nil
	}
	if _, _, err := s.finish(ctx, l, delivered, false, releaseKeep, ""); err != nil {
		return fmt.Errorf("redisstore: ack outbox: %w", err)
	}
	return nil
}

// Finish removes the delivered entries from the head of the outbox (or the
// whole outbox when drop is set, e.g. for a resident who blocked the bot)
// and releases the lock. The chat stays in the index of pending outboxes
// until PendingChats finds its outbox empty: that clean-up is lazy, so a
// step costs no round trip for it.
func (s *ChatStore) Finish(ctx context.Context, l kbbot.Lease, delivered []string, drop bool) error {
	if _, _, err := s.finish(ctx, l, delivered, drop, releaseYes, ""); err != nil {
		return fmt.Errorf("redisstore: finish: %w", err)
	}
	return nil
}

// FinishInbox is Finish for a step that handled the inbox entry raw
// (IntakeStore.Head): in the same round trip it takes raw off the chat's
// inbox and returns the entry now at the head, as IntakeStore.Ack does.
// When ready is not "" (IntakeStore.ReadyKey: one server only), the same
// pipeline also takes the chat out of that ready index and then reads the
// inbox's length, as IntakeStore.Release does, so a chat whose inbox is
// now empty is let go without another round trip. With next > 0, when an
// entry waits at the head, the lock is kept for next and that entry's
// step begun in the same script (InboxAfter.Begun, as BeginInbox), so the
// next step needs no trip to begin.
func (s *ChatStore) FinishInbox(ctx context.Context, l kbbot.Lease, delivered []string, raw, ready string, next time.Duration) (kbbot.InboxAfter, error) {
	var after kbbot.InboxAfter
	var run *redis.Cmd
	var llen *redis.IntCmd
	mode := releaseYes
	if next > 0 {
		mode = releaseNext
	}
	if ready == "" {
		var err error
		run, err = s.finishCmd(ctx, l, delivered, false, mode, raw, next)
		if abandoned(err) {
			return after, fmt.Errorf("redisstore: finish: %w", err)
		}
	} else {
		// One server only (ReadyKey): the pipeline keeps the order.
		ks := s.keysOf(l.Chat)
		run = redis.NewCmd(ctx, s.finishArgs(l, delivered, false, mode, raw, next)...)
		llen = redis.NewIntCmd(ctx, ks.inboxLen...)
		err := s.pipe.exec(ctx, run, redis.NewIntCmd(ctx, ks.zremArgs(ready)...), llen)
		if abandoned(err) {
			return after, fmt.Errorf("redisstore: finish: %w", err)
		}
		if isNoScript(run.Err()) {
			// The pipeline sent EVALSHA before the script was loaded.
			if err := finishScript.Load(ctx, s.rdb).Err(); err != nil {
				return after, wrap("load finish script", err)
			}
			return s.FinishInbox(ctx, l, delivered, raw, ready, next)
		}
	}
	head, ok, begun, err := finishResult(run)
	if err != nil {
		return after, fmt.Errorf("redisstore: finish: %w", err)
	}
	if ok {
		after.Next, after.More = parseInboxEntry(l.Chat, head), true
		if begun != nil {
			after.Begun, after.State = true, beginStateOf(begun)
		}
	}
	if llen != nil {
		if err := llen.Err(); err != nil {
			return after, wrap("finish: inbox length", err)
		}
		after.Unready, after.Waiting = true, llen.Val()
	}
	return after, nil
}

// The lock modes of finish.lua's ARGV[3], boxed once.
var (
	releaseKeep any = "0"
	releaseYes  any = "1"
	releaseNext any = "2"
)

// finish runs finish.lua (see finishCmd) on its own.
func (s *ChatStore) finish(ctx context.Context, l kbbot.Lease, delivered []string, drop bool, mode any, raw string) (head string, ok bool, err error) {
	run, err := s.finishCmd(ctx, l, delivered, drop, mode, raw, 0)
	if abandoned(err) {
		return "", false, err
	}
	head, ok, _, err = finishResult(run)
	return head, ok, err
}

// finishCmd sends finish.lua (finishArgs) through the pipeliner; err is
// for abandoned only, the script's own outcome is read from run
// (finishResult).
func (s *ChatStore) finishCmd(ctx context.Context, l kbbot.Lease, delivered []string, drop bool, mode any, raw string, ttl time.Duration) (run *redis.Cmd, err error) {
	return s.pipe.script(ctx, finishScript, s.finishArgs(l, delivered, drop, mode, raw, ttl))
}

// boxedMs returns d in whole milliseconds, boxed: the lock TTL the finish
// asks for is nearly always the same, and is boxed once.
func (s *ChatStore) boxedMs(d time.Duration) any {
	ms := d.Milliseconds()
	if p := s.lastMs.Load(); p != nil && p.ms == ms {
		return p.box
	}
	b := &boxedInt{ms: ms, box: ms}
	s.lastMs.Store(b)
	return b.box
}

// boxedInt is an int64 and the same boxed.
type boxedInt struct {
	ms  int64
	box any
}

// finishArgs are the EVALSHA arguments of finish.lua: raw, when not "",
// is the inbox entry handled; mode says what becomes of the lock
// (releaseKeep, releaseYes, or releaseNext: kept for ttl to begin the
// next entry's step).
func (s *ChatStore) finishArgs(l kbbot.Lease, delivered []string, drop bool, mode any, raw string, ttl time.Duration) []any {
	args := scriptArgs(s.keysOf(l.Chat).finishHead, 5+len(delivered))
	args = append(args, l.Token, boxedBool(drop), mode, raw, s.boxedMs(ttl))
	for _, id := range delivered {
		args = append(args, id)
	}
	return args
}

// finishResult reads finish.lua's answer: the inbox's head, if any, and
// the next step begun (begin.lua's answer), if any.
func finishResult(run *redis.Cmd) (head string, ok bool, begun []any, err error) {
	res, err := run.Slice()
	if err != nil {
		return "", false, nil, wrap("finish", err)
	}
	if len(res) == 0 || res[0] == int64(-1) {
		return "", false, nil, fmt.Errorf("lease lost: %w", kbbot.ErrBusy)
	}
	if len(res) > 1 {
		head, ok = res[1].(string)
	}
	if len(res) > 2 {
		begun, _ = res[2].([]any)
	}
	return head, ok, begun, nil
}

// PendingChats lists the chats whose outbox holds undelivered replies. It
// also cleans the index lazily: Finish leaves a chat in it, so each call
// takes the indexed chats out (SPOP), looks at their outboxes, and puts
// back those still holding entries. A commit meanwhile adds its chat
// again (Commit's SADD), so no outbox is ever left out of the index. Three
// round trips per call whatever the number of chats.
func (s *ChatStore) PendingChats(ctx context.Context) ([]kbbot.ChatID, error) {
	ids, err := s.rdb.SPopN(ctx, s.keys.PendingOutboxes(), pendingBatch).Result()
	if err != nil {
		return nil, wrap("list pending outboxes", err)
	}
	chats := make([]kbbot.ChatID, 0, len(ids))
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			chats = append(chats, kbbot.ChatID(n))
		}
	}
	if len(chats) == 0 {
		return nil, nil
	}
	lens := make([]*redis.IntCmd, len(chats))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range chats {
			lens[i] = p.LLen(ctx, s.keys.ChatOutbox(c))
		}
		return nil
	})
	var out []kbbot.ChatID
	back := make([]any, 0, len(chats))
	for i, c := range chats {
		// A chat whose length could not be read goes back too.
		if err != nil || lens[i].Val() > 0 {
			out = append(out, c)
			back = append(back, int64(c))
		}
	}
	if len(back) > 0 {
		if err := s.rdb.SAdd(ctx, s.keys.PendingOutboxes(), back...).Err(); err != nil {
			return nil, wrap("index pending outboxes", err)
		}
	}
	if err != nil {
		return nil, wrap("read outbox lengths", err)
	}
	return out, nil
}

// pendingBatch is the most chats one PendingChats call looks at; the rest
// wait for the next call.
const pendingBatch = 10000

// Unindex removes chat from the pending index when its outbox is empty.
func (s *ChatStore) Unindex(ctx context.Context, chat kbbot.ChatID) error {
	n, err := s.rdb.LLen(ctx, s.keys.ChatOutbox(chat)).Result()
	if err != nil {
		return wrap("outbox length", err)
	}
	if n > 0 {
		return nil
	}
	return wrap("unindex outbox", s.rdb.SRem(ctx, s.keys.PendingOutboxes(), int64(chat)).Err())
}

func decodeEntry(e string) (kbbot.Queued, error) {
	id, body, ok := strings.Cut(e, "|")
	if !ok {
		return kbbot.Queued{}, fmt.Errorf("redisstore: outbox entry without id")
	}
	var r kbbot.Reply
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return kbbot.Queued{}, fmt.Errorf("redisstore: decode outbox entry: %w", err)
	}
	return kbbot.Queued{ID: id, Reply: r}, nil
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// The script arguments "1" and "0", boxed once.
var boxedTrue, boxedFalse any = "1", "0"

// boxedBool is boolArg boxed once.
func boxedBool(b bool) any {
	if b {
		return boxedTrue
	}
	return boxedFalse
}

// seenTTLArg is seenTTL in ms, boxed once.
var seenTTLArg any = seenTTL.Milliseconds()

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
