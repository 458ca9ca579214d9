package dispatch_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// deadRedis returns a client of a Redis that is not there.
func deadRedis(t testing.TB) redis.UniversalClient {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
