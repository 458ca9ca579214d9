package redisstore

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/reminders"
)

var (
	//go:embed lua/rem_lib.lua
	remLib string
	//go:embed lua/rem_schedule.lua
	remScheduleLua string
	//go:embed lua/rem_claim.lua
	remClaimLua string
	//go:embed lua/rem_ack.lua
	remAckLua string
	//go:embed lua/rem_retry.lua
	remRetryLua string
	//go:embed lua/rem_reap.lua
	remReapLua string
	//go:embed lua/rem_cancel.lua
	remCancelLua string
	//go:embed lua/rem_renew.lua
	remRenewLua string
	//go:embed lua/rem_legacy_lib.lua
	remLegacyLib string
	//go:embed lua/rem_legacy.lua
	remLegacyLua string

	remScheduleFunc = newLuaFunc("kbrem", "rem_schedule", remLib+"\n"+remScheduleLua)
	remClaimScript  = reminderScript(remClaimLua)
	remAckScript    = reminderScript(remAckLua)
	remRetryScript  = reminderScript(remRetryLua)
	remReapScript   = reminderScript(remReapLua)
	remCancelScript = reminderScript(remCancelLua)
	remRenewScript  = reminderScript(remRenewLua)
	remLegacyScript = redis.NewScript(remLegacyLib + "\n" + remLegacyLua)
)

// reminderScript prepends the shared helpers to a reminder script, which
// binds them to its KEYS.
func reminderScript(body string) *redis.Script {
	return redis.NewScript(remLib + "\nbind(KEYS)\n" + body)
}

const (
	// MaxClaim bounds one Claim: the claim script moves at most this many
	// items in one atomic step, so it never blocks Redis for long.
	MaxClaim = 1000
	// remBatch is how many items one schedule or ack script call carries,
	// how many chats one reap call visits, and how many legacy items one
	// move takes.
	remBatch = 500
	// reapRounds bounds the reap calls of one Reap per shard.
	reapRounds = 20
	// TombstoneFor is how long past its NotAfter a delivered or dropped item
	// is remembered, so scheduling it again is a no-op.
	TombstoneFor = 24 * time.Hour
)

// ReminderStore keeps due reminders, sharded by chat over RemShards hash
// tags (see Keys.RemNext and the keys after it): per shard, each chat's
// items in one hash field, an index of chats by when they next need the
// sweeper, and counts. It also takes named locks (Locker).
//
// Delivery is at least once: a claimed item is in flight until acked; if
// its claimer dies, the reaper returns it when the lease ends, so a crash
// repeats at most the items then in flight and loses none.
//
// Items left in the legacy single-slot keys (Keys.RemLegacyKeys) by an
// earlier version are moved into the shards by Reap, with their state,
// before it reaps; until then they are not claimed.
type ReminderStore struct {
	Locker
	rdb   redis.UniversalClient
	keys  Keys
	plans *pipeQueue[*planJob] // Schedule calls, see flushPlans
	plan  *luaFunc             // rem_schedule, on this store's client
	// spans is set while one rem_schedule call may span hash slots (one
	// server, redisconn.SpansSlots): it then carries the items of every
	// shard. A CROSSSLOT refusal (a proxy) clears it for good.
	spans atomic.Bool
}

// NewReminderStore returns a store on rdb with keys under keys' prefix.
func NewReminderStore(rdb redis.UniversalClient, keys Keys) *ReminderStore {
	s := &ReminderStore{Locker: NewLocker(rdb, keys), rdb: rdb, keys: keys}
	s.plans = newPipeQueue(rdb, 256, s.flushPlans)
	s.plan = remScheduleFunc.forClient()
	s.spans.Store(redisconn.SpansSlots(rdb))
	return s
}

// runShards runs one script call per shard in argsOf (shard -> ARGV) in
// one pipeline (on a cluster, one per node), and returns the replies by
// shard.
func (s *ReminderStore) runShards(ctx context.Context, script *redis.Script, argsOf map[int][]any) (map[int]*redis.Cmd, error) {
	cmds := make(map[int]*redis.Cmd, len(argsOf))
	run := func(shards map[int][]any) error {
		pipe := s.rdb.Pipeline()
		for n, args := range shards {
			cmds[n] = pipe.EvalSha(ctx, script.Hash(), s.keys.RemKeys(n), args...)
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	err := run(argsOf)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// A server lost its script cache (restart, failover): load the
		// script on every node and run it again where it did not run.
		if lerr := loadEverywhere(ctx, s.rdb, script); lerr != nil {
			return nil, lerr
		}
		again := map[int][]any{}
		for n, c := range cmds {
			if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				again[n] = argsOf[n]
			}
		}
		err = run(again)
	}
	return cmds, err
}

// loadEverywhere loads script on every master (one server: that server).
func loadEverywhere(ctx context.Context, rdb redis.UniversalClient, script *redis.Script) error {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return script.Load(ctx, c).Err()
		})
	}
	return script.Load(ctx, rdb).Err()
}

// Schedule adds items and returns how many it created or changed.
//
// It is idempotent: the ID decides. A new ID is stored, due at its Due. An
// ID still waiting with other content (a new time, say) takes the new
// content. The same content again changes nothing, and keeps a later time
// a Retry gave it. An ID in flight, or delivered or dropped less than
// TombstoneFor past its NotAfter, is left as it is: to send something
// again, use a new ID (planned IDs carry the occurrence, e.g. the session
// start) or cancel first. Invalid items fail the call before anything is
// written (reminders.ErrInvalid). An ID names one item per chat.
func (s *ReminderStore) Schedule(ctx context.Context, items ...reminders.Item) (int, error) {
	for _, it := range items {
		if err := it.Validate(); err != nil {
			return 0, fmt.Errorf("redisstore: schedule: %w", err)
		}
	}
	if len(items) == 0 {
		return 0, nil
	}
	version := newToken()[:6]
	if len(items) > remBatch {
		// A large call (an import's changes) goes in parts of remBatch items.
		total := 0
		for start := 0; start < len(items); start += remBatch {
			n, err := s.schedule(ctx, version, items[start:min(start+remBatch, len(items))])
			total += n
			if err != nil {
				return total, err
			}
		}
		return total, nil
	}
	return s.schedule(ctx, version, items)
}

// planJob is a Schedule call waiting for the batcher (flushPlans).
type planJob struct {
	ctx     context.Context
	version string
	items   []reminders.Item
	done    chan planResult
	// counted is what calls of an earlier batch created or changed, when
	// the job goes again (after a CROSSSLOT refusal).
	counted int
}

type planResult struct {
	n   int
	err error
}

// schedule sends items with the batcher and waits for the outcome.
func (s *ReminderStore) schedule(ctx context.Context, version string, items []reminders.Item) (int, error) {
	// The batcher sends with its own context, which no dry run marks.
	if err := kbbot.RefuseDryRun(ctx); err != nil {
		return 0, err
	}
	j := &planJob{ctx: ctx, version: version, items: items, done: make(chan planResult, 1)}
	s.plans.submit(j)
	select {
	case r := <-j.done:
		return r.n, r.err
	case <-ctx.Done():
		// The items may still be stored; scheduling them again is a no-op.
		return 0, fmt.Errorf("redisstore: schedule reminders: %w", ctx.Err())
	}
}

// planGroup is the items of one job for one chat, in order, no id twice.
type planGroup struct {
	job   *planJob
	chat  kbbot.ChatID
	items []reminders.Item
}

// planCall is one rem_schedule call of a batch: groups of items of the
// chats of one shard (on a single server, of several shards).
type planCall struct {
	groups []*planGroup
	n      int // items
	keys   []string
	args   []any
	count  int // the index in args of the current shard's group count
	shards map[int]int
}

// add adds group g of shard sh to c.
func (c *planCall) add(keys Keys, sh int, g *planGroup, version string) {
	at, ok := c.shards[sh]
	if !ok {
		// Calls add shards one after the other: a shard's groups are
		// together, so a shard seen before is the current one.
		c.keys = append(c.keys, keys.RemKeys(sh)...)
		c.args = append(c.args, 0)
		at = len(c.args) - 1
		c.shards[sh] = at
	}
	c.args[at] = c.args[at].(int) + 1
	c.groups = append(c.groups, g)
	c.n += len(g.items)
	first, lines := planLines(g.items, version)
	c.args = append(c.args, chatArg(g.chat), len(g.items), first, lines)
}

// flushPlans queues on p a batch of Schedule calls: on a cluster per
// reminder shard one rem_schedule call with every group of items of a
// chat; on a single server one call for every shard (more calls past
// remBatch items). It returns the context to send p with and what
// completes the jobs once p ran (nil, nil when no job is left). A call
// that fails fails the jobs with items in it.
func (s *ReminderStore) flushPlans(p redis.Pipeliner, jobs []*planJob) (context.Context, func()) {
	live := jobs[:0:0]
	for _, j := range jobs {
		if j.ctx.Err() != nil {
			j.done <- planResult{err: fmt.Errorf("redisstore: schedule reminders: %w", j.ctx.Err())}
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return nil, nil
	}
	ctx := context.WithoutCancel(live[0].ctx)
	spans := s.spans.Load()
	if spans {
		ctx = redisconn.CrossSlot(ctx)
	}
	// The groups of each shard, in arrival order; shards in order of first
	// arrival.
	var shards []int
	byShard := map[int][]*planGroup{}
	for _, j := range live {
		for _, g := range planGroups(j) {
			sh := RemShard(g.chat)
			if byShard[sh] == nil {
				shards = append(shards, sh)
			}
			byShard[sh] = append(byShard[sh], g)
		}
	}
	var calls []*planCall
	var c *planCall
	for _, sh := range shards {
		if !spans {
			c = nil
		}
		for _, g := range byShard[sh] {
			if c == nil || (c.n > 0 && c.n+len(g.items) > remBatch) {
				c = &planCall{args: []any{"plan"}, shards: map[int]int{}}
				calls = append(calls, c)
			}
			c.add(s.keys, sh, g, g.job.version)
		}
	}
	cmds := make([]*redis.Cmd, len(calls))
	for i, c := range calls {
		cmds[i] = s.plan.queue(ctx, p, c.keys, c.args...)
	}
	return ctx, func() { s.finishPlans(ctx, spans, live, calls, cmds) }
}

// finishPlans completes the jobs live of calls, which ran as cmds.
func (s *ReminderStore) finishPlans(ctx context.Context, spans bool, live []*planJob, calls []*planCall, cmds []*redis.Cmd) {
	err := s.plan.runAgain(ctx, s.rdb, cmds,
		func(i int) []string { return calls[i].keys }, func(i int) []any { return calls[i].args })
	total := make(map[*planJob]int, len(live))
	failed := map[*planJob]error{}
	again := map[*planJob]bool{}
	for i, c := range calls {
		res, cerr := cmds[i].Int64Slice()
		if spans && redisconn.IsCrossSlot(cerr) {
			// A proxy refuses calls across slots: from now on this store
			// schedules as on a cluster; these jobs go again that way
			// (what other calls stored is found and not counted twice).
			s.spans.Store(false)
			for _, g := range c.groups {
				again[g.job] = true
			}
			continue
		}
		if missing(cerr) && err != nil {
			cerr = err // the function could not be loaded
		}
		if cerr == nil && len(res) != 2*len(c.groups) {
			cerr = fmt.Errorf("%d replies to %d groups", len(res), len(c.groups))
		}
		for k, g := range c.groups {
			if cerr != nil {
				failed[g.job] = cerr
				continue
			}
			total[g.job] += int(res[2*k] + res[2*k+1])
		}
	}
	for _, j := range live {
		n := j.counted + total[j]
		switch {
		case failed[j] != nil:
			j.done <- planResult{n: n, err: wrap("schedule reminders", failed[j])}
		case again[j]:
			j.counted = n
			s.plans.submit(j)
		default:
			j.done <- planResult{n: n}
		}
	}
}

// planGroups splits a job's items by chat, in order; an id seen before in
// the chat's group starts a new group, so that each group stores its ids
// once and a later one wins, as one call after the other would.
func planGroups(j *planJob) []*planGroup {
	var out []*planGroup
	open := map[kbbot.ChatID]*planGroup{}
	ids := map[kbbot.ChatID]map[string]bool{}
	for _, it := range j.items {
		g := open[it.Chat]
		if g == nil || ids[it.Chat][it.ID] {
			g = &planGroup{job: j, chat: it.Chat}
			open[it.Chat] = g
			ids[it.Chat] = map[string]bool{}
			out = append(out, g)
		}
		ids[it.Chat][it.ID] = true
		g.items = append(g.items, it)
	}
	return out
}

// planLines encodes items, waiting, as the lines of a chat (remLine,
// each shortened against the line before as lua/rem_lib.lua's save does),
// and returns them with the earliest due time (Unix ms).
func planLines(items []reminders.Item, version string) (first int64, lines string) {
	var b strings.Builder
	var prev []string
	for i, it := range items {
		it.Version = version
		f := strings.Split(remLine(it, 'w', it.Due, 0), "|")
		cur := append([]string(nil), f...)
		if prev != nil {
			if r := idRest(f[0]); r != "" && r == idRest(prev[0]) {
				k, _, _ := strings.Cut(f[0], ":")
				f[0] = k + ":\x1f"
			}
			if f[3] == prev[3] {
				f[3] = "="
			}
			if f[9] == prev[9] && f[9] != "" {
				f[9] = "="
			}
		}
		prev = cur
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(f, "|"))
		if d := it.Due.UnixMilli(); i == 0 || d < first {
			first = d
		}
	}
	return first, b.String()
}

// idRest is what follows the kind in an id (":<ref>..."), or "" (as
// lua/rem_lib.lua's rest).
func idRest(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		return id[i:]
	}
	return ""
}

// Claim atomically moves up to limit items due at now (at most MaxClaim)
// to in flight with a lease ending at now+lease, and returns them earliest
// first, with Version and Attempt set. Each claimed item must be acked,
// retried or left to the reaper.
//
// It claims across every shard: the shards with items due share the
// limit, those waiting longest first, and a shard that has fewer due than
// its share leaves the rest to the others (at most 3 rounds).
func (s *ReminderStore) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]reminders.Item, error) {
	limit = max(1, min(limit, MaxClaim))
	type due struct {
		shard int
		at    float64
	}
	pipe := s.rdb.Pipeline()
	heads := make([]*redis.ZSliceCmd, RemShards)
	for n := range RemShards {
		heads[n] = pipe.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: s.keys.RemNext(n), Start: "-inf",
			Stop: strconv.FormatInt(now.UnixMilli(), 10), ByScore: true, Count: 1})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("find due reminders", err)
	}
	var ready []due
	for n, h := range heads {
		if z := h.Val(); len(z) > 0 {
			ready = append(ready, due{n, z[0].Score})
		}
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].at < ready[j].at })
	var out []claimedItem
	for round := 0; round < 3 && len(ready) > 0 && len(out) < limit; round++ {
		left := limit - len(out)
		argsOf := map[int][]any{}
		share := map[int]int{}
		for i, r := range ready {
			q := left / len(ready)
			if i < left%len(ready) {
				q++ // the oldest shards take the remainder
			}
			if q > 0 {
				share[r.shard] = q
				argsOf[r.shard] = []any{now.UnixMilli(), now.Add(lease).UnixMilli(), q}
			}
		}
		cmds, err := s.runShards(ctx, remClaimScript, argsOf)
		if err != nil {
			return sortClaimed(out), wrap("claim reminders", err)
		}
		var again []due
		for _, r := range ready {
			c, ok := cmds[r.shard]
			if !ok {
				continue
			}
			raw, _ := c.Slice()
			for i := 0; i+2 < len(raw); i += 3 {
				cs, _ := raw[i].(string)
				line, _ := raw[i+1].(string)
				w, _ := raw[i+2].(string)
				e, err := decodeLine(parseChat(cs), line, nil)
				if err != nil {
					// Cannot happen with lines this store wrote; the item
					// stays in flight, visible to an operator, rather than
					// sent wrong.
					return sortClaimed(out), err
				}
				waited, _ := strconv.ParseInt(w, 36, 64)
				out = append(out, claimedItem{e.it, waited})
			}
			if len(raw)/3 >= share[r.shard] {
				again = append(again, r) // may have more
			}
		}
		ready = again
	}
	return sortClaimed(out), nil
}

// claimedItem is a claimed item and the due time (Unix ms) it waited for.
type claimedItem struct {
	it     reminders.Item
	waited int64
}

// sortClaimed orders claimed items by the time they waited for.
func sortClaimed(c []claimedItem) []reminders.Item {
	sort.SliceStable(c, func(i, j int) bool { return c[i].waited < c[j].waited })
	out := make([]reminders.Item, len(c))
	for i, x := range c {
		out[i] = x.it
	}
	return out
}

// Ack marks items delivered (or deliberately dropped): they stay as
// tombstones until TombstoneFor past their NotAfter, so scheduling them
// again is a no-op. An item that is gone, already acked, or cancelled and
// scheduled anew since it was claimed (a different Version) is left alone;
// Ack is idempotent.
func (s *ReminderStore) Ack(ctx context.Context, items ...reminders.Item) error {
	for start := 0; start < len(items); start += remBatch {
		argsOf := map[int][]any{}
		for _, it := range items[start:min(start+remBatch, len(items))] {
			n := RemShard(it.Chat)
			argsOf[n] = append(argsOf[n], chatArg(it.Chat), it.ID, it.Version, it.NotAfter.Add(TombstoneFor).UnixMilli())
		}
		if _, err := s.runShards(ctx, remAckScript, argsOf); err != nil {
			return wrap("ack reminders", err)
		}
	}
	return nil
}

// Renew extends the lease of claimed items to until, so that a sweeper
// handling them for longer than a lease keeps them while a dead one's
// come back soon. Items no longer in flight under their Version are left
// alone. It returns how many leases it extended.
func (s *ReminderStore) Renew(ctx context.Context, until time.Time, items ...reminders.Item) (int, error) {
	total := 0
	for start := 0; start < len(items); start += remBatch {
		argsOf := map[int][]any{}
		for _, it := range items[start:min(start+remBatch, len(items))] {
			n := RemShard(it.Chat)
			if argsOf[n] == nil {
				argsOf[n] = []any{until.UnixMilli()}
			}
			argsOf[n] = append(argsOf[n], chatArg(it.Chat), it.ID, it.Version)
		}
		cmds, err := s.runShards(ctx, remRenewScript, argsOf)
		if err != nil {
			return total, wrap("renew reminder leases", err)
		}
		for _, c := range cmds {
			n, _ := c.Int64()
			total += int(n)
		}
	}
	return total, nil
}

// Retry puts a claimed item back to wait until at (a backoff, or the end
// of quiet hours). An item that is gone, done, or cancelled and scheduled
// anew is left alone.
func (s *ReminderStore) Retry(ctx context.Context, it reminders.Item, at time.Time) error {
	n := RemShard(it.Chat)
	err := remRetryScript.Run(ctx, s.rdb, s.keys.RemKeys(n), chatArg(it.Chat), it.ID, it.Version, at.UnixMilli()).Err()
	return wrap("retry reminder", err)
}

// Reap first moves what is left in the legacy keys into the shards (see
// ReminderStore), then, in every shard, returns the in-flight items whose
// lease ended by now to waiting (due at once) and purges tombstones whose
// time has come. It returns how many items it returned.
func (s *ReminderStore) Reap(ctx context.Context, now time.Time) (int, error) {
	if err := s.moveLegacy(ctx); err != nil {
		return 0, err
	}
	total := 0
	all := map[int][]any{}
	for n := range RemShards {
		all[n] = []any{now.UnixMilli(), remBatch}
	}
	for range reapRounds {
		cmds, err := s.runShards(ctx, remReapScript, all)
		if err != nil {
			return total, wrap("reap reminders", err)
		}
		next := map[int][]any{}
		for n, c := range cmds {
			res, _ := c.Int64Slice()
			if len(res) != 3 {
				continue
			}
			total += int(res[0])
			if res[2] >= remBatch && res[0]+res[1] > 0 {
				next[n] = all[n] // a full window that changed: look again
			}
		}
		if len(next) == 0 {
			break
		}
		all = next
	}
	return total, nil
}

// moveLegacy moves the items of the legacy keys into the shards, a batch
// at a time: each batch is read, stored in its shards with its state
// (where the id is not there yet), and only then deleted from the legacy
// keys, so a crash in between repeats the move and loses nothing.
func (s *ReminderStore) moveLegacy(ctx context.Context) error {
	legacy := s.keys.RemLegacyKeys()
	for range reapRounds {
		n, err := s.rdb.Exists(ctx, legacy[2]).Result()
		if err != nil || n == 0 {
			return wrap("find legacy reminders", err)
		}
		raw, err := remLegacyScript.Run(ctx, s.rdb, legacy, "take", remBatch).StringSlice()
		if err != nil {
			return wrap("read legacy reminders", err)
		}
		argsOf := map[int][]any{}
		drop := []any{"drop"}
		for i := 0; i+4 < len(raw); i += 5 {
			chat, line, err := legacyLine(raw[i], raw[i+1], raw[i+2], raw[i+3], raw[i+4])
			if err == nil {
				sh := RemShard(chat)
				if argsOf[sh] == nil {
					argsOf[sh] = []any{"adopt", 0} // then the shard's group count
				}
				argsOf[sh][1] = argsOf[sh][1].(int) + 1
				argsOf[sh] = append(argsOf[sh], chatArg(chat), 1, 0, line)
			}
			// An unreadable legacy item cannot be sent; it is dropped.
			drop = append(drop, raw[i])
		}
		if err := s.adopt(ctx, argsOf); err != nil {
			return wrap("move legacy reminders", err)
		}
		if len(drop) > 1 {
			if err := remLegacyScript.Run(ctx, s.rdb, legacy, drop...).Err(); err != nil {
				return wrap("drop moved legacy reminders", err)
			}
		}
		if len(raw) < 5*remBatch {
			return nil
		}
	}
	return nil
}

// adopt runs rem_schedule's adopt calls (shard -> ARGV, each of that one
// shard) in one pipeline.
func (s *ReminderStore) adopt(ctx context.Context, argsOf map[int][]any) error {
	var shards []int
	for n := range argsOf {
		shards = append(shards, n)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(shards))
	for i, n := range shards {
		cmds[i] = s.plan.queue(ctx, pipe, s.keys.RemKeys(n), argsOf[n]...)
	}
	_, _ = pipe.Exec(ctx)
	if err := s.plan.runAgain(ctx, s.rdb, cmds,
		func(i int) []string { return s.keys.RemKeys(shards[i]) }, func(i int) []any { return argsOf[shards[i]] }); err != nil {
		return err
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Cancel removes chat's pending items with the given ids (waiting or in
// flight; an in-flight one may still be in its handler's hands). It
// returns how many it removed.
func (s *ReminderStore) Cancel(ctx context.Context, chat kbbot.ChatID, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	return s.cancel(ctx, "cancel reminders", chat, "pending", "ids", "", ids)
}

// CancelResident removes the pending items of chat, of the given kinds or
// of every kind, for /berhenti, a stop button, or a resident who blocked
// the bot. Tombstones of delivered items stay, so planning again after
// /mulai does not repeat what was already sent. It returns how many it
// removed.
func (s *ReminderStore) CancelResident(ctx context.Context, chat kbbot.ChatID, kinds ...string) (int, error) {
	return s.cancel(ctx, "cancel resident reminders", chat, "pending", "chat", "", kinds)
}

// CancelRef removes chat's pending items about ref (a cancelled booking,
// a method course replaced by a newer one), of the given kinds or of every
// kind. It returns how many it removed.
func (s *ReminderStore) CancelRef(ctx context.Context, chat kbbot.ChatID, ref string, kinds ...string) (int, error) {
	if ref == "" {
		return 0, nil
	}
	return s.cancel(ctx, "cancel ref reminders", chat, "pending", "ref", ref, kinds)
}

// EraseResident deletes everything kept about chat's reminders, pending
// and delivered, for /hapusdata (it fits dispatch.Eraser).
func (s *ReminderStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	_, err := s.cancel(ctx, "erase resident reminders", chat, "all", "chat", "", nil)
	return err
}

func (s *ReminderStore) cancel(ctx context.Context, op string, chat kbbot.ChatID, scope, mode, ref string, more []string) (int, error) {
	if chat == 0 {
		return 0, nil
	}
	args := make([]any, 0, 4+len(more))
	args = append(args, chatArg(chat), scope, mode, ref)
	for _, m := range more {
		args = append(args, m)
	}
	res, err := remCancelScript.Run(ctx, s.rdb, s.keys.RemKeys(RemShard(chat)), args...).Int64Slice()
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(res[0]), nil
}

// Pending returns chat's pending items (waiting or in flight), earliest
// due first; Due is the next attempt's time for a waiting item.
func (s *ReminderStore) Pending(ctx context.Context, chat kbbot.ChatID) ([]reminders.Item, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.RemChats(RemShard(chat)), chatArg(chat)).Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("read resident reminders", err)
	}
	entries, err := decodeChat(chat, raw)
	if err != nil {
		return nil, err
	}
	var out []reminders.Item
	for _, e := range entries {
		switch e.state {
		case "w":
			e.it.Due = e.t
		case "d":
			continue // delivered or dropped: a tombstone
		}
		out = append(out, e.it)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

// RemCounts reports how many reminders wait, are in flight and are done
// (tombstones), over every shard, for tests and metrics.
func (s *ReminderStore) RemCounts(ctx context.Context) (due, inflight, done int64, err error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, RemShards)
	for n := range RemShards {
		cmds[n] = pipe.HMGet(ctx, s.keys.RemCount(n), "w", "f", "d")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, 0, wrap("count reminders", err)
	}
	var sum [3]int64
	for _, c := range cmds {
		for i, v := range c.Val() {
			if str, ok := v.(string); ok {
				n, _ := strconv.ParseInt(str, 10, 64)
				sum[i] += n
			}
		}
	}
	return sum[0], sum[1], sum[2], nil
}
