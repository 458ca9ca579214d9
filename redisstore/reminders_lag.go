package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// OldestDue returns the earliest moment some chat's reminders need the
// sweeper, over every shard's Keys.RemNext: a waiting item's due time, a
// claimed item's lease deadline (past only when its sweeper died) or a
// tombstone's purge time; ok is false when no reminder is kept. The
// reminder lag metric is now minus this, when it is past: how far the
// sweeps are behind. One pipelined round trip.
func (s *ReminderStore) OldestDue(ctx context.Context) (due time.Time, ok bool, err error) {
	heads := make([]*redis.ZSliceCmd, RemShards)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for n := range RemShards {
			heads[n] = p.ZRangeWithScores(ctx, s.keys.RemNext(n), 0, 0)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, wrap("oldest due reminder", err)
	}
	for _, h := range heads {
		if z := h.Val(); len(z) > 0 {
			at := time.UnixMilli(int64(z[0].Score))
			if !ok || at.Before(due) {
				due, ok = at, true
			}
		}
	}
	return due, ok, nil
}
