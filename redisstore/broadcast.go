package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
// to run out, and the next Claim puts them back. So a crash sends nobody
// twice except the messages then in flight, and loses nobody.
type BroadcastStore struct {
	*ResidentStore
	booked BookedFunc
}

// NewBroadcastStore returns the broadcast store. booked may be nil when
// no audience leaves out booked residents.
func NewBroadcastStore(rdb redis.UniversalClient, keys Keys, booked BookedFunc) *BroadcastStore {
	return &BroadcastStore{ResidentStore: NewResidentStore(rdb, keys), booked: booked}
}

// audienceKeys returns the area set and the group set of an audience.
func (s *BroadcastStore) audienceKeys(a broadcast.Audience) (area, group, hasGroup string) {
	area = s.keys.BcAll()
	if paths := broadcast.Paths(a.Area); len(paths) > 0 {
		area = s.keys.BcArea(paths[len(paths)-1])
	}
	group, hasGroup = s.keys.BcGroup("-"), "0"
	if a.Group != "" {
		group, hasGroup = s.keys.BcGroup(string(a.Group)), "1"
	}
	return area, group, hasGroup
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
	area, group, hasGroup := s.audienceKeys(a)
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
	return decodeBroadcast(id, h)
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
	out := make([]broadcast.Broadcast, 0, len(ids))
	for i, id := range ids {
		b, err := decodeBroadcast(id, cmds[i].Val())
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
	err := bcCancelScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcDue(), s.keys.BcTodo(id)},
		id, now.UnixMilli(), bcKeep.Milliseconds()).Err()
	if err != nil {
		return broadcast.Broadcast{}, wrap("cancel broadcast", err)
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
		area, group, hasGroup := s.audienceKeys(b.Audience)
		n, err := bcStartScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcDue(), s.keys.BcActive(),
			area, group, s.keys.BcStopped(), s.keys.BcBlocked(), excl, s.keys.BcTodo(id)},
			id, now.UnixMilli(), hasGroup).Int()
		if err != nil {
			return started, wrap("start broadcast", err)
		}
		if n >= 0 {
			started = append(started, id)
		}
	}
	return started, nil
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
	raw, err := bcClaimScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id),
		s.keys.BcStopped(), s.keys.BcBlocked(), s.keys.BcProfiles()},
		now.UnixMilli(), deadline, n).StringSlice()
	if err != nil {
		return broadcast.Claim{}, wrap("claim recipients", err)
	}
	c := broadcast.Claim{Token: deadline, Deadline: time.UnixMilli(deadline).UTC()}
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

// Ack records the outcome of the message to one recipient of claim c. It
// reports false when the claim no longer holds the recipient (recorded
// before, or its lease ran out and another sender took it).
func (s *BroadcastStore) Ack(ctx context.Context, id string, c broadcast.Claim, chat kbbot.ChatID, o broadcast.Outcome) (bool, error) {
	n, err := bcAckScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcLease(id), s.keys.BcBlocked()},
		chatField(chat), c.Token, string(o)).Int()
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
	err := bcReleaseScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id)}, args...).Err()
	return wrap("release recipients", err)
}

// Finish closes a broadcast whose recipients are all dealt with. report is
// true for the one caller that is to send the report now, until
// now+reportLease; it then calls Reported.
func (s *BroadcastStore) Finish(ctx context.Context, id string, now time.Time, reportLease time.Duration) (report bool, err error) {
	n, err := bcFinishScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcTodo(id), s.keys.BcLease(id), s.keys.BcActive()},
		id, now.UnixMilli(), now.Add(reportLease).UnixMilli()).Int()
	if err != nil {
		return false, wrap("finish broadcast", err)
	}
	return n == 1, nil
}

// Reported records that the report of a finished broadcast was sent; the
// broadcast then leaves the active set and expires after 90 days.
func (s *BroadcastStore) Reported(ctx context.Context, id string) error {
	err := bcReportedScript.Run(ctx, s.rdb, []string{s.keys.Bc(id), s.keys.BcActive()}, id, bcKeep.Milliseconds()).Err()
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
	keys := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		keys = append(keys, s.keys.Bc(id), s.keys.BcTodo(id))
	}
	if err := bcForgetScript.Run(ctx, s.rdb, keys, chatField(chat)).Err(); err != nil {
		return wrap("erase from broadcasts", err)
	}
	return nil
}
