package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
)

var (
	//go:embed lua/bc_audience.lua
	bcAudienceLua string
	//go:embed lua/bc_create.lua
	bcCreateLua string
	//go:embed lua/bc_start.lua
	bcStartLua string
	//go:embed lua/bc_claim.lua
	bcClaimLua string
	//go:embed lua/bc_ack.lua
	bcAckLua string
	//go:embed lua/bc_release.lua
	bcReleaseLua string
	//go:embed lua/bc_cancel.lua
	bcCancelLua string
	//go:embed lua/bc_finish.lua
	bcFinishLua string
	//go:embed lua/bc_reported.lua
	bcReportedLua string
	//go:embed lua/bc_forget.lua
	bcForgetLua string
	//go:embed lua/bc_fill.lua
	bcFillLua string
	//go:embed lua/bc_started.lua
	bcStartedLua string
	//go:embed lua/bc_close.lua
	bcCloseLua string

	bcAudienceScript = redis.NewScript(bcAudienceLua)
	bcCreateScript   = redis.NewScript(bcCreateLua)
	bcStartScript    = redis.NewScript(bcStartLua)
	bcClaimScript    = redis.NewScript(bcClaimLua)
	bcAckScript      = redis.NewScript(bcAckLua)
	bcReleaseScript  = redis.NewScript(bcReleaseLua)
	bcCancelScript   = redis.NewScript(bcCancelLua)
	bcFinishScript   = redis.NewScript(bcFinishLua)
	bcReportedScript = redis.NewScript(bcReportedLua)
	bcForgetScript   = redis.NewScript(bcForgetLua)
	bcFillScript     = redis.NewScript(bcFillLua)
	bcStartedScript  = redis.NewScript(bcStartedLua)
	bcCloseScript    = redis.NewScript(bcCloseLua)
)

const (
	// bcKeep is how long a finished or cancelled broadcast stays readable.
	bcKeep = 90 * 24 * time.Hour
	// bcRecentKeep is how many broadcasts the recent list keeps.
	bcRecentKeep = 500
	// bcTempTTL bounds the life of a scratch set whose owner died.
	bcTempTTL = 10 * time.Minute
	// bcMaxClaim bounds one claim.
	bcMaxClaim = 1000
	// bcFillChunk is how many recipients one bc_fill call copies.
	bcFillChunk = 1000
)

// Sharding of the broadcasts started from now on: one queue (hash tag
// {bcq:<k>}) per BroadcastPerShard recipients, at most BroadcastShards
// (8 for 4,000 recipients and more; 1 for fewer than 500).
const (
	BroadcastShards   = 8
	BroadcastPerShard = 500
)

// BookedFunc lists the residents (Telegram chats) with an active booking
// for an event, for audiences that leave them out.
type BookedFunc func(ctx context.Context, eventID string) ([]kbbot.ChatID, error)

// BroadcastStore keeps broadcasts and drives their sending, on top of the
// residents' audience index (it embeds the ResidentStore).
//
// A broadcast is created scheduled (for now or later). StartDue starts it
// once, whatever the number of processes: its recipients are fixed then, in
// a todo set. Senders Claim batches under a lease, send, and Ack each
// recipient with the claim's token; a sender that dies leaves its claims
// to run out, and the next Claim puts them back.
// So a crash sends nobody
// twice except the messages then in flight, and loses nobody.
//
// A broadcast's queue is sharded over up to BroadcastShards hash tags, a
// recipient in shard chat mod shards, so that a cluster spreads the
// sending: StartDue chooses the recipients in the residents' index ({bc})
// into a stage set and copies it into the shards in idempotent chunks;
// Claim takes from the shards in turn, and checks the recipients' opt-outs
// and profiles in the index in a second round trip. A broadcast started
// before the queue was sharded (no "shards" in its record) is served from
// its old single queue until it ends.
type BroadcastStore struct {
	*ResidentStore
	booked   BookedFunc
	shards   int
	perShard int
	next     atomic.Uint32 // the shard Claim starts with, in turn
	layout   sync.Map      // id -> shards (> 0), once started
}

// NewBroadcastStore returns the broadcast store. booked may be nil when
// no audience leaves out booked residents.
func NewBroadcastStore(rdb redis.UniversalClient, keys Keys, booked BookedFunc) *BroadcastStore {
	return &BroadcastStore{ResidentStore: NewResidentStore(rdb, keys), booked: booked,
		shards: BroadcastShards, perShard: BroadcastPerShard}
}

// SetSharding changes how the broadcasts started from now on are sharded:
// one queue per perShard recipients, at most shards (tests, tuning).
func (s *BroadcastStore) SetSharding(shards, perShard int) {
	s.shards, s.perShard = max(shards, 1), max(perShard, 1)
}

// shardOf is the shard of a recipient among n.
func shardOf(chat kbbot.ChatID, n int) int {
	return int((int64(chat)%int64(n) + int64(n)) % int64(n))
}

// shardsOf returns how many shards a broadcast's queue has; 0 for the
// unsharded layout or a broadcast not started.
func (s *BroadcastStore) shardsOf(ctx context.Context, id string) (int, error) {
	if n, ok := s.layout.Load(id); ok {
		return n.(int), nil
	}
	v, err := s.rdb.HGet(ctx, s.keys.Bc(id), "shards").Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read broadcast", err)
	}
	n, _ := strconv.Atoi(v)
	if n > 0 {
		s.layout.Store(id, n)
	}
	return n, nil
}

// shardKeys are the keys of shard k of broadcast id, as the shard scripts
// take them: the shard's HASH, todo SET, lease ZSET.
func (s *BroadcastStore) shardKeys(id string, k int) []string {
	return []string{s.keys.BcShard(id, k), s.keys.BcShardTodo(id, k), s.keys.BcShardLease(id, k)}
}

// audienceKeys returns the area set and the group set of an audience. An
// area with a code whose residents are in two sets (by code, and by name
// for those not migrated yet) gets their union in a scratch set, which
// done deletes.
func (s *BroadcastStore) audienceKeys(ctx context.Context, a broadcast.Audience) (area, group, hasGroup string, done func(), err error) {
	done = func() {}
	sets := areaSets(s.keys, a.Area)
	area = sets[0]
	if len(sets) > 1 {
		area = s.keys.BcTemp(token())
		pipe := s.rdb.Pipeline()
		pipe.SUnionStore(ctx, area, sets...)
		pipe.PExpire(ctx, area, bcTempTTL)
		if _, err := pipe.Exec(ctx); err != nil {
			return "", "", "", done, wrap("union of an area's residents", err)
		}
		done = func() { s.rdb.Del(context.WithoutCancel(ctx), area) }
	}
	group, hasGroup = s.keys.BcGroup("-"), "0"
	if a.Group != "" {
		group, hasGroup = s.keys.BcGroup(string(a.Group)), "1"
	}
	return area, group, hasGroup, done, nil
}

// excluded writes the residents booked for the audience's excluded event
// into a fresh scratch set and returns its key (a key that does not exist
// when nobody is excluded).
func (s *BroadcastStore) excluded(ctx context.Context, a broadcast.Audience) (string, error) {
	key := s.keys.BcTemp(token())
	if a.ExcludeEvent == "" || s.booked == nil {
		return key, nil
	}
	chats, err := s.booked(ctx, a.ExcludeEvent)
	if err != nil {
		return "", fmt.Errorf("redisstore: residents booked for an event: %w", err)
	}
	if len(chats) == 0 {
		return key, nil
	}
	pipe := s.rdb.Pipeline()
	for i := 0; i < len(chats); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, c := range chats[i:min(i+1000, len(chats))] {
			batch = append(batch, chatField(c))
		}
		pipe.SAdd(ctx, key, batch...)
	}
	pipe.PExpire(ctx, key, bcTempTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", wrap("write excluded residents", err)
	}
	return key, nil
}

// Count returns how many residents an audience reaches now.
func (s *BroadcastStore) Count(ctx context.Context, a broadcast.Audience) (int, error) {
	excl, err := s.excluded(ctx, a)
	if err != nil {
		return 0, err
	}
	area, group, hasGroup, done, err := s.audienceKeys(ctx, a)
	if err != nil {
		return 0, err
	}
	defer done()
	n, err := bcAudienceScript.Run(ctx, s.rdb,
		[]string{area, group, s.keys.BcStopped(), s.keys.BcBlocked(), excl, s.keys.BcTemp(token())}, hasGroup).Int()
	if err != nil {
		return 0, wrap("count audience", err)
	}
	return n, nil
}

// Create stores a new broadcast, scheduled for b.At. Creating a broadcast
// whose id exists returns the stored one unchanged.
func (s *BroadcastStore) Create(ctx context.Context, b broadcast.Broadcast) (broadcast.Broadcast, error) {
	if err := b.Validate(); err != nil {
		return broadcast.Broadcast{}, err
	}
	def, err := json.Marshal(b)
	if err != nil {
		return broadcast.Broadcast{}, fmt.Errorf("redisstore: encode broadcast: %w", err)
	}
	err = bcCreateScript.Run(ctx, s.rdb, []string{s.keys.Bc(b.ID), s.keys.BcDue(), s.keys.BcRecent()},
		b.ID, def, b.At.UnixMilli(), b.Created.UnixMilli(), bcRecentKeep).Err()
	if err != nil {
		return broadcast.Broadcast{}, wrap("create broadcast", err)
	}
	return s.Get(ctx, b.ID)
}

// Get returns a broadcast with its state and counts.
func (s *BroadcastStore) Get(ctx context.Context, id string) (broadcast.Broadcast, error) {
	if !broadcast.ValidID(id) {
		return broadcast.Broadcast{}, fmt.Errorf("broadcast %q: %w", id, broadcast.ErrNotFound)
	}
	h, err := s.rdb.HGetAll(ctx, s.keys.Bc(id)).Result()
	if err != nil {
		return broadcast.Broadcast{}, wrap("read broadcast", err)
	}
	if err := s.addShardCounts(ctx, []string{id}, []map[string]string{h}); err != nil {
		return broadcast.Broadcast{}, err
	}
	return decodeBroadcast(id, h)
}

// bcCounted are the counts the shards of a broadcast keep.
var bcCounted = []string{"delivered", "blocked", "failed", "skipped", "unsent"}

// addShardCounts adds the counts of their shards to the records hs of the
// broadcasts ids, in one round trip.
func (s *BroadcastStore) addShardCounts(ctx context.Context, ids []string, hs []map[string]string) error {
	pipe := s.rdb.Pipeline()
	cmds := make([][]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		n, _ := strconv.Atoi(hs[i]["shards"])
		for k := range n {
			cmds[i] = append(cmds[i], pipe.HMGet(ctx, s.keys.BcShard(id, k), bcCounted...))
		}
	}
	if pipe.Len() == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return wrap("read broadcast shards", err)
	}
	for i := range ids {
		for _, c := range cmds[i] {
			for j, v := range c.Val() {
				str, _ := v.(string)
				if m, _ := strconv.Atoi(str); m != 0 {
					old, _ := strconv.Atoi(hs[i][bcCounted[j]])
					hs[i][bcCounted[j]] = strconv.Itoa(old + m)
				}
			}
		}
	}
	return nil
}

func decodeBroadcast(id string, h map[string]string) (broadcast.Broadcast, error) {
	if h["def"] == "" {
		return broadcast.Broadcast{}, fmt.Errorf("broadcast %q: %w", id, broadcast.ErrNotFound)
	}
	var b broadcast.Broadcast
	if err := json.Unmarshal([]byte(h["def"]), &b); err != nil {
		return broadcast.Broadcast{}, fmt.Errorf("redisstore: decode broadcast: %w", err)
	}
	num := func(k string) int { n, _ := strconv.Atoi(h[k]); return n }
	ms := func(k string) time.Time {
		n, err := strconv.ParseInt(h[k], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	b.State = broadcast.State(h["state"])
	if b.State == "starting" {
		b.State = broadcast.Scheduled // its recipients are being queued
	}
	b.Counts = broadcast.Counts{Total: num("total"), Delivered: num("delivered"), Blocked: num("blocked"),
		Failed: num("failed"), Skipped: num("skipped"), Unsent: num("unsent")}
	b.Started, b.Finished = ms("started"), ms("finished")
	return b, nil
}

// Recent returns up to n broadcasts, newest first.
func (s *BroadcastStore) Recent(ctx context.Context, n int) ([]broadcast.Broadcast, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.keys.BcRecent(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, wrap("list broadcasts", err)
	}
	return s.getMany(ctx, ids)
}

func (s *BroadcastStore) getMany(ctx context.Context, ids []string) ([]broadcast.Broadcast, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.keys.Bc(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("read broadcasts", err)
	}
	hs := make([]map[string]string, len(ids))
	for i := range ids {
		hs[i] = cmds[i].Val()
	}
	if err := s.addShardCounts(ctx, ids, hs); err != nil {
		return nil, err
	}
	out := make([]broadcast.Broadcast, 0, len(ids))
	for i, id := range ids {
		b, err := decodeBroadcast(id, hs[i])
		if errors.Is(err, broadcast.ErrNotFound) {
			continue // expired
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Cancel stops a scheduled or sending broadcast and returns it as it is
// now. Cancelling a finished one changes nothing.
func (s *BroadcastStore) Cancel(ctx context.Context, id string, now time.Time) (broadcast.Broadcast, error) {
	if !broadcast.ValidID(id) {
		return broadcast.Broadcast{}, fmt.Errorf("broadcast %q: %w", id, broadcast.ErrNotFound)
	}
	r, err := bcCancelScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcDue(), s.keys.BcTodo(id)},
		id, now.UnixMilli(), bcKeep.Milliseconds()).Int()
	if err != nil {
		return broadcast.Broadcast{}, wrap("cancel broadcast", err)
	}
	if r == 2 {
		// Close the shards' queues now; Finish does it again after a crash.
		if _, err := s.closeShards(ctx, id, now, true); err != nil {
			return broadcast.Broadcast{}, err
		}
	}
	return s.Get(ctx, id)
}

// StartDue starts every scheduled broadcast due at now and returns the ids
// this call started (another process may start some of them first).
func (s *BroadcastStore) StartDue(ctx context.Context, now time.Time) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.BcDue(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: 100}).Result()
	if err != nil {
		return nil, wrap("list due broadcasts", err)
	}
	var started []string
	for _, id := range ids {
		b, err := s.Get(ctx, id)
		if errors.Is(err, broadcast.ErrNotFound) {
			s.rdb.ZRem(ctx, s.keys.BcDue(), id)
			continue
		}
		if err != nil {
			return started, err
		}
		excl, err := s.excluded(ctx, b.Audience)
		if err != nil {
			return started, err
		}
		area, group, hasGroup, done, err := s.audienceKeys(ctx, b.Audience)
		if err != nil {
			return started, err
		}
		n, err := bcStartScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcDue(), s.keys.BcActive(),
			area, group, s.keys.BcStopped(), s.keys.BcBlocked(), excl, s.keys.BcStage(id)},
			id, now.UnixMilli(), hasGroup, s.shards, s.perShard).Int()
		done()
		if err != nil {
			return started, wrap("start broadcast", err)
		}
		if n < 0 && n != -3 {
			continue
		}
		ok, err := s.queue(ctx, id, now)
		if err != nil {
			return started, err
		}
		if ok {
			started = append(started, id)
		}
	}
	return started, nil
}

// queue copies the recipients of a starting broadcast from its stage set
// into its shards' queues and ends the start; ok is true for the call
// that ended it. Any number of processes may run it at once, and one that
// dies is followed by the next StartDue: each shard's recipients are cut
// into the same sorted chunks every time, and each chunk goes in once.
func (s *BroadcastStore) queue(ctx context.Context, id string, now time.Time) (ok bool, err error) {
	v, err := s.rdb.HGet(ctx, s.keys.Bc(id), "shards").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, wrap("read broadcast", err)
	}
	n, _ := strconv.Atoi(v)
	if n <= 0 {
		return false, fmt.Errorf("redisstore: broadcast %q starting without shards", id)
	}
	members, err := s.rdb.SMembers(ctx, s.keys.BcStage(id)).Result()
	if err != nil {
		return false, wrap("read broadcast recipients", err)
	}
	parts := make([][]int64, n)
	for _, m := range members {
		c, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		k := shardOf(kbbot.ChatID(c), n)
		parts[k] = append(parts[k], c)
	}
	for k, part := range parts {
		slices.Sort(part)
		keys := s.shardKeys(id, k)[:2]
		for j := 0; j*bcFillChunk < len(part); j++ {
			chunk := part[j*bcFillChunk : min((j+1)*bcFillChunk, len(part))]
			args := make([]any, 0, 1+len(chunk))
			args = append(args, j)
			for _, c := range chunk {
				args = append(args, c)
			}
			if err := bcFillScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
				return false, wrap("queue broadcast recipients", err)
			}
		}
	}
	r, err := bcStartedScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcDue(), s.keys.BcActive(), s.keys.BcStage(id)}, id).Int()
	if err != nil {
		return false, wrap("start broadcast", err)
	}
	if r == 1 {
		if st, _ := s.rdb.HGet(ctx, s.keys.Bc(id), "state").Result(); st == string(broadcast.Cancelled) {
			if _, err := s.closeShards(ctx, id, now, true); err != nil {
				return false, err
			}
		}
	}
	return r == 1, nil
}

// closeShards returns how many recipients the shards of broadcast id
// still hold (see lua/bc_close.lua), cancelling them first when cancel is
// true; 0 for the unsharded layout.
func (s *BroadcastStore) closeShards(ctx context.Context, id string, now time.Time, cancel bool) (int, error) {
	n, err := s.shardsOf(ctx, id)
	if err != nil || n == 0 {
		return 0, err
	}
	flag := "0"
	if cancel {
		flag = "1"
	}
	left := 0
	for k := range n {
		m, err := bcCloseScript.Run(ctx, s.rdb, s.shardKeys(id, k), now.UnixMilli(), flag).Int()
		if err != nil {
			return 0, wrap("close broadcast queue", err)
		}
		left += m
	}
	return left, nil
}

// Active lists the broadcasts being sent or waiting for their report.
func (s *BroadcastStore) Active(ctx context.Context) ([]broadcast.Broadcast, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.BcActive()).Result()
	if err != nil {
		return nil, wrap("list active broadcasts", err)
	}
	return s.getMany(ctx, ids)
}

// Claim takes up to n recipients of a sending broadcast until now+lease.
// An empty claim means that nothing is left to take now (the broadcast
// may still have recipients in flight elsewhere).
func (s *BroadcastStore) Claim(ctx context.Context, id string, n int, now time.Time, lease time.Duration) (broadcast.Claim, error) {
	n = min(max(n, 1), bcMaxClaim)
	deadline := now.Add(lease).UnixMilli()
	c := broadcast.Claim{Token: deadline, Deadline: time.UnixMilli(deadline).UTC(), Shard: -1}
	shards, err := s.shardsOf(ctx, id)
	if err != nil {
		return broadcast.Claim{}, err
	}
	if shards > 0 {
		return s.claimShards(ctx, id, c, shards, n, now)
	}
	raw, err := bcClaimScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id),
		s.keys.BcStopped(), s.keys.BcBlocked(), s.keys.BcProfiles()},
		now.UnixMilli(), deadline, n).StringSlice()
	if err != nil {
		return broadcast.Claim{}, wrap("claim recipients", err)
	}
	for i := 0; i+1 < len(raw); i += 2 {
		chat, err := strconv.ParseInt(raw[i], 10, 64)
		if err != nil {
			continue
		}
		var p broadcast.Profile
		_ = json.Unmarshal([]byte(raw[i+1]), &p)
		c.Recipients = append(c.Recipients, broadcast.Recipient{Chat: kbbot.ChatID(chat), Lang: p.Lang})
	}
	return c, nil
}

// claimShards claims up to n recipients for c from the shards of
// broadcast id in turn, starting with the next shard this process has not
// started with lately, and keeps those who may still get it: with a
// profile, not stopped, not blocked. The others are recorded as skipped.
// The claim is empty when every shard is.
func (s *BroadcastStore) claimShards(ctx context.Context, id string, c broadcast.Claim, shards, n int, now time.Time) (broadcast.Claim, error) {
	start := int(s.next.Add(1) % uint32(shards))
	for j := range shards {
		k := (start + j) % shards
		for range 10 { // a batch of nothing but skipped recipients: take more
			raw, err := bcClaimScript.Run(ctx, s.rdb, s.shardKeys(id, k), now.UnixMilli(), c.Token, n).StringSlice()
			if err != nil {
				return broadcast.Claim{}, wrap("claim recipients", err)
			}
			if len(raw) == 0 {
				break
			}
			chats := make([]string, 0, len(raw)/2)
			for i := 0; i < len(raw); i += 2 {
				chats = append(chats, raw[i])
			}
			c.Shard = k
			rs, skip, err := s.checkRecipients(ctx, chats)
			if err != nil {
				return broadcast.Claim{}, err
			}
			if len(skip) > 0 {
				if err := s.settle(ctx, id, c, "skipped", skip...); err != nil {
					return broadcast.Claim{}, err
				}
			}
			if len(rs) > 0 {
				c.Recipients = rs
				return c, nil
			}
		}
	}
	c.Shard = -1
	return c, nil
}

// checkRecipients reads the profiles and opt-outs of claimed chats in the
// residents' index (one round trip) and returns those who may get the
// broadcast and those to skip: no profile, stopped or blocked.
func (s *BroadcastStore) checkRecipients(ctx context.Context, chats []string) (ok []broadcast.Recipient, skip []string, err error) {
	members := make([]any, len(chats))
	for i, c := range chats {
		members[i] = c
	}
	pipe := s.rdb.Pipeline()
	profiles := pipe.HMGet(ctx, s.keys.BcProfiles(), chats...)
	stopped := pipe.SMIsMember(ctx, s.keys.BcStopped(), members...)
	blocked := pipe.SMIsMember(ctx, s.keys.BcBlocked(), members...)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, nil, wrap("check broadcast recipients", err)
	}
	ps, st, bl := profiles.Val(), stopped.Val(), blocked.Val()
	for i, m := range chats {
		raw, _ := ps[i].(string)
		chat, perr := strconv.ParseInt(m, 10, 64)
		if raw == "" || st[i] || bl[i] || perr != nil {
			skip = append(skip, m)
			continue
		}
		var p broadcast.Profile
		_ = json.Unmarshal([]byte(raw), &p)
		ok = append(ok, broadcast.Recipient{Chat: kbbot.ChatID(chat), Lang: p.Lang})
	}
	return ok, skip, nil
}

// settle records outcome o for chats of claim c of a sharded broadcast.
func (s *BroadcastStore) settle(ctx context.Context, id string, c broadcast.Claim, o broadcast.Outcome, chats ...string) error {
	args := make([]any, 0, 2+len(chats))
	args = append(args, c.Token, string(o))
	for _, ch := range chats {
		args = append(args, ch)
	}
	keys := s.shardKeys(id, c.Shard)
	return wrap("record outcome", bcAckScript.Run(ctx, s.rdb, []string{keys[0], keys[2]}, args...).Err())
}

// Ack records the outcome of the message to one recipient of claim c. It
// reports false when the claim no longer holds the recipient (recorded
// before, or its lease ran out and another sender took it).
func (s *BroadcastStore) Ack(ctx context.Context, id string, c broadcast.Claim, chat kbbot.ChatID, o broadcast.Outcome) (bool, error) {
	if c.Shard >= 0 {
		if o == broadcast.Blocked {
			// The index sits in another slot: mark the resident first (a
			// fact whatever the claim), then count.
			if err := s.rdb.SAdd(ctx, s.keys.BcBlocked(), chatField(chat)).Err(); err != nil {
				return false, wrap("record blocked resident", err)
			}
		}
		keys := s.shardKeys(id, c.Shard)
		n, err := bcAckScript.Run(ctx, s.rdb, []string{keys[0], keys[2]}, c.Token, string(o), chatField(chat)).Int()
		if err != nil {
			return false, wrap("record outcome", err)
		}
		return n == 1, nil
	}
	n, err := bcAckScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcLease(id), s.keys.BcBlocked()},
		c.Token, string(o), chatField(chat)).Int()
	if err != nil {
		return false, wrap("record outcome", err)
	}
	return n == 1, nil
}

// Release gives back recipients of claim c that were not sent to.
func (s *BroadcastStore) Release(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID) error {
	if len(chats) == 0 {
		return nil
	}
	args := []any{c.Token}
	for _, ch := range chats {
		args = append(args, chatField(ch))
	}
	keys := []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id)}
	if c.Shard >= 0 {
		keys = s.shardKeys(id, c.Shard)
	}
	err := bcReleaseScript.Run(ctx, s.rdb, keys, args...).Err()
	return wrap("release recipients", err)
}

// Finish closes a broadcast whose recipients are all dealt with. report is
// true for the one caller that is to send the report now, until
// now+reportLease; it then calls Reported.
func (s *BroadcastStore) Finish(ctx context.Context, id string, now time.Time, reportLease time.Duration) (report bool, err error) {
	st, err := s.rdb.HGet(ctx, s.keys.Bc(id), "state").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, wrap("read broadcast", err)
	}
	left, err := s.closeShards(ctx, id, now, st == string(broadcast.Cancelled))
	if err != nil {
		return false, err
	}
	n, err := bcFinishScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id), s.keys.BcActive()},
		id, now.UnixMilli(), now.Add(reportLease).UnixMilli(), left).Int()
	if err != nil {
		return false, wrap("finish broadcast", err)
	}
	return n == 1, nil
}

// Reported records that the report of a finished broadcast was sent; the
// broadcast then leaves the active set and expires after 90 days.
func (s *BroadcastStore) Reported(ctx context.Context, id string) error {
	err := bcReportedScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcActive()}, id, bcKeep.Milliseconds()).Err()
	if err != nil {
		return wrap("mark report sent", err)
	}
	n, err := s.shardsOf(ctx, id)
	if err != nil || n == 0 {
		return err
	}
	pipe := s.rdb.Pipeline()
	for k := range n {
		pipe.PExpire(ctx, s.keys.BcShard(id, k), bcKeep)
	}
	_, err = pipe.Exec(ctx)
	return wrap("mark report sent", err)
}

// EraseResident deletes the resident's profile and opt-out marks, and
// takes them out of the recipients of every broadcast being sent.
func (s *BroadcastStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	if err := s.ResidentStore.EraseResident(ctx, chat); err != nil {
		return err
	}
	ids, err := s.rdb.SMembers(ctx, s.keys.BcActive()).Result()
	if err != nil {
		return wrap("list active broadcasts", err)
	}
	if len(ids) == 0 {
		return nil
	}
	// One call per slot: the unsharded queues under {bc}, each shard's
	// under its {bcq:<k>}.
	bySlot := map[int][]string{}
	for _, id := range ids {
		n, err := s.shardsOf(ctx, id)
		if err != nil {
			return err
		}
		if n == 0 {
			bySlot[-1] = append(bySlot[-1], s.keys.Bc(id), s.keys.BcTodo(id))
			continue
		}
		k := shardOf(chat, n)
		bySlot[k] = append(bySlot[k], s.keys.BcShard(id, k), s.keys.BcShardTodo(id, k))
	}
	for _, keys := range bySlot {
		if err := bcForgetScript.Run(ctx, s.rdb, keys, chatField(chat)).Err(); err != nil {
			return wrap("erase from broadcasts", err)
		}
	}
	return nil
}
