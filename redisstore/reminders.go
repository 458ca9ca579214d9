package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
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

	remScheduleScript = reminderScript(remScheduleLua)
	remClaimScript    = reminderScript(remClaimLua)
	remAckScript      = reminderScript(remAckLua)
	remRetryScript    = reminderScript(remRetryLua)
	remReapScript     = reminderScript(remReapLua)
	remCancelScript   = reminderScript(remCancelLua)
)

func reminderScript(body string) *redis.Script { return redis.NewScript(remLib + "\n" + body) }

const (
	// MaxClaim bounds one Claim: the claim script moves at most this many
	// items in one atomic step, so it never blocks Redis for long.
	MaxClaim = 1000
	// remBatch is how many items one schedule or ack script call carries,
	// and how much one reap call does.
	remBatch = 500
	// reapRounds bounds the reap calls of one Reap.
	reapRounds = 20
	// TombstoneFor is how long past its NotAfter a delivered or dropped item
	// is remembered, so scheduling it again is a no-op.
	TombstoneFor = 24 * time.Hour
)

// ReminderStore keeps due reminders (see Keys.RemDue and the keys after
// it): a due set scored by UTC due time, an in-flight set scored by lease
// deadline, payloads, attempt counts, tombstones of delivered items and
// indexes by resident and by ref. It also takes named locks (Locker).
//
// Delivery is at least once: a claimed item is in flight until acked; if
// its claimer dies, the reaper returns it when the lease ends, so a crash
// repeats at most the items then in flight and loses none.
type ReminderStore struct {
	Locker
	rdb  redis.UniversalClient
	keys Keys
}

// NewReminderStore returns a store on rdb with keys under keys' prefix.
func NewReminderStore(rdb redis.UniversalClient, keys Keys) *ReminderStore {
	return &ReminderStore{Locker: NewLocker(rdb, keys), rdb: rdb, keys: keys}
}

// Schedule adds items and returns how many it created or changed.
//
// It is idempotent: the ID decides. A new ID is stored, due at its Due. An
// ID still waiting in the due set with other content (a new time, say)
// takes the new content. The same content again changes nothing, and keeps
// a later time a Retry gave it. An ID in flight, or delivered or dropped less
// than TombstoneFor past its NotAfter, is left as it is: to send something
// again, use a new ID (planned IDs carry the occurrence, e.g. the session
// start) or cancel first. Invalid items fail the call before anything is
// written (reminders.ErrInvalid).
func (s *ReminderStore) Schedule(ctx context.Context, items ...reminders.Item) (int, error) {
	for _, it := range items {
		if err := it.Validate(); err != nil {
			return 0, fmt.Errorf("redisstore: schedule: %w", err)
		}
	}
	version := newToken()[:12]
	total := 0
	for start := 0; start < len(items); start += remBatch {
		batch := items[start:min(start+remBatch, len(items))]
		args := make([]any, 0, 1+3*len(batch))
		args = append(args, version)
		for _, it := range batch {
			args = append(args, it.ID, remBody(it), it.Due.UnixMilli())
		}
		res, err := remScheduleScript.Run(ctx, s.rdb, s.keys.RemKeys(), args...).Int64Slice()
		if err != nil {
			return total, wrap("schedule reminders", err)
		}
		total += int(res[0] + res[1])
	}
	return total, nil
}

// Claim atomically moves up to limit items due at now (at most MaxClaim)
// to in flight with a lease ending at now+lease, and returns them earliest
// first, with Version and Attempt set. Each claimed item must be acked,
// retried or left to the reaper.
func (s *ReminderStore) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]reminders.Item, error) {
	limit = max(1, min(limit, MaxClaim))
	raw, err := remClaimScript.Run(ctx, s.rdb, s.keys.RemKeys(),
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).Slice()
	if err != nil {
		return nil, wrap("claim reminders", err)
	}
	out := make([]reminders.Item, 0, len(raw)/3)
	for i := 0; i+2 < len(raw); i += 3 {
		id, _ := raw[i].(string)
		p, _ := raw[i+1].(string)
		n, _ := raw[i+2].(int64)
		it, err := decodeRem(id, p)
		if err != nil {
			// Cannot happen with payloads this store wrote; the item stays
			// in flight, visible to an operator, rather than sent wrong.
			return out, err
		}
		it.Attempt = int(n)
		out = append(out, it)
	}
	return out, nil
}

// Ack marks items delivered (or deliberately dropped): they leave the due
// and in-flight sets and stay as tombstones until TombstoneFor past their
// NotAfter, so scheduling them again is a no-op. An item that is gone,
// already acked, or cancelled and scheduled anew since it was claimed (a
// different Version) is left alone; Ack is idempotent.
func (s *ReminderStore) Ack(ctx context.Context, items ...reminders.Item) error {
	for start := 0; start < len(items); start += remBatch {
		batch := items[start:min(start+remBatch, len(items))]
		args := make([]any, 0, 3*len(batch))
		for _, it := range batch {
			args = append(args, it.ID, it.Version, it.NotAfter.Add(TombstoneFor).UnixMilli())
		}
		if err := remAckScript.Run(ctx, s.rdb, s.keys.RemKeys(), args...).Err(); err != nil {
			return wrap("ack reminders", err)
		}
	}
	return nil
}

// Retry puts a claimed item back in the due set, due at at (a backoff, or
// the end of quiet hours). An item that is gone, done, or cancelled and
// scheduled anew is left alone.
func (s *ReminderStore) Retry(ctx context.Context, it reminders.Item, at time.Time) error {
	err := remRetryScript.Run(ctx, s.rdb, s.keys.RemKeys(), it.ID, it.Version, at.UnixMilli()).Err()
	return wrap("retry reminder", err)
}

// Reap returns the in-flight items whose lease ended by now to the due
// set (due at once) and purges tombstones whose time has come. It returns
// how many items it returned.
func (s *ReminderStore) Reap(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for range reapRounds {
		res, err := remReapScript.Run(ctx, s.rdb, s.keys.RemKeys(), now.UnixMilli(), remBatch).Int64Slice()
		if err != nil {
			return total, wrap("reap reminders", err)
		}
		total += int(res[0])
		if res[0] < remBatch && res[1] < remBatch {
			break
		}
	}
	return total, nil
}

// Cancel removes the pending items with the given ids (due or in flight;
// an in-flight one may still be in its handler's hands). It returns how
// many it removed.
func (s *ReminderStore) Cancel(ctx context.Context, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, 0, 2+len(ids))
	args = append(args, "ids", "pending")
	for _, id := range ids {
		args = append(args, id)
	}
	return s.cancel(ctx, "cancel reminders", args)
}

// CancelResident removes the pending items of chat, of the given kinds or
// of every kind, for /berhenti, a stop button, or a resident who blocked
// the bot. Tombstones of delivered items stay, so planning again after
// /mulai does not repeat what was already sent. It returns how many it
// removed.
func (s *ReminderStore) CancelResident(ctx context.Context, chat kbbot.ChatID, kinds ...string) (int, error) {
	return s.cancel(ctx, "cancel resident reminders", cancelArgs("chat", "pending", strconv.FormatInt(int64(chat), 10), kinds))
}

// CancelRef removes the pending items about ref (a cancelled booking, a
// method course replaced by a newer one), of the given kinds or of every
// kind. It returns how many it removed.
func (s *ReminderStore) CancelRef(ctx context.Context, ref string, kinds ...string) (int, error) {
	if ref == "" {
		return 0, nil
	}
	return s.cancel(ctx, "cancel ref reminders", cancelArgs("ref", "pending", ref, kinds))
}

// EraseResident deletes everything kept about chat's reminders, pending
// and delivered, for /hapusdata (it fits dispatch.Eraser).
func (s *ReminderStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	_, err := s.cancel(ctx, "erase resident reminders", cancelArgs("chat", "all", strconv.FormatInt(int64(chat), 10), nil))
	return err
}

func cancelArgs(what, scope, value string, kinds []string) []any {
	args := make([]any, 0, 3+len(kinds))
	args = append(args, what, scope, value)
	for _, k := range kinds {
		args = append(args, k)
	}
	return args
}

func (s *ReminderStore) cancel(ctx context.Context, op string, args []any) (int, error) {
	res, err := remCancelScript.Run(ctx, s.rdb, s.keys.RemKeys(), args...).Int64Slice()
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(res[0]), nil
}

// Pending returns chat's pending items (due or in flight), earliest due
// first; Due is the next attempt's time.
func (s *ReminderStore) Pending(ctx context.Context, chat kbbot.ChatID) ([]reminders.Item, error) {
	c := strconv.FormatInt(int64(chat), 10)
	members, err := s.rdb.ZRangeByLex(ctx, s.keys.RemByChat(), &redis.ZRangeBy{Min: "[" + c + "|", Max: "(" + c + "}"}).Result()
	if err != nil {
		return nil, wrap("list resident reminders", err)
	}
	type row struct {
		id       string
		payload  *redis.StringCmd
		due, fly *redis.FloatCmd
	}
	rows := make([]row, len(members))
	pipe := s.rdb.Pipeline()
	for i, m := range members {
		id := m[len(c)+1:]
		rows[i] = row{id: id, payload: pipe.HGet(ctx, s.keys.RemItems(), id),
			due: pipe.ZScore(ctx, s.keys.RemDue(), id), fly: pipe.ZScore(ctx, s.keys.RemInflight(), id)}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("read resident reminders", err)
	}
	var out []reminders.Item
	for _, r := range rows {
		p, err := r.payload.Result()
		if err != nil {
			continue // removed meanwhile
		}
		it, err := decodeRem(r.id, p)
		if err != nil {
			return nil, err
		}
		if score, err := r.due.Result(); err == nil {
			it.Due = time.UnixMilli(int64(score)).UTC()
		} else if _, err := r.fly.Result(); err != nil {
			continue // delivered or dropped: a tombstone
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

// RemCounts reports how many reminders are due (waiting), in flight and
// done (tombstones), for tests and metrics.
func (s *ReminderStore) RemCounts(ctx context.Context) (due, inflight, done int64, err error) {
	pipe := s.rdb.Pipeline()
	d := pipe.ZCard(ctx, s.keys.RemDue())
	f := pipe.ZCard(ctx, s.keys.RemInflight())
	t := pipe.ZCard(ctx, s.keys.RemDone())
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, 0, wrap("count reminders", err)
	}
	return d.Val(), f.Val(), t.Val(), nil
}
