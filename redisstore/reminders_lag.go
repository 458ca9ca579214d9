package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// OldestDue returns the due time of the earliest reminder waiting in
// Keys.RemDue (not claimed by a sweep); ok is false when none waits. The
// reminder lag metric is now minus this, when it is past.
func (s *ReminderStore) OldestDue(ctx context.Context) (due time.Time, ok bool, err error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.keys.RemDue(), 0, 0).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, false, fmt.Errorf("oldest due reminder: %w", err)
	}
	if len(zs) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}
