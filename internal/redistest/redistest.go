// Package redistest gives tests a real Redis server and a key prefix of
// their own, so packages and tests run in parallel on one server and clean
// up after themselves. The server is REDIS_URL, or 127.0.0.1:6379 when it is
// unset (scripts/test.sh sets REDIS_URL to a throwaway server it starts).
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL returns the Redis URL tests use.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Client returns a new client for the test server; it is closed when tb ends.
// A server that cannot be reached fails the test with a message saying how
// to provide one.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		tb.Fatalf("REDIS_URL: %v", err)
	}
	opt.PoolSize = 64
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("no Redis at %s (%v): run the tests with scripts/test.sh, which starts one, or set REDIS_URL", URL(), err)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Prefix returns a key prefix unique to this test, and deletes every key
// under it when the test ends.
func Prefix(tb testing.TB, rdb redis.UniversalClient) string {
	tb.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	prefix := "kbtest:" + name + ":" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() { Flush(rdb, prefix) })
	return prefix
}

// Flush deletes every key under prefix. Each key gets its own UNLINK (in
// pipelines of a thousand), so that a client with CrossSlotGuard does not
// refuse the cleanup.
func Flush(rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	unlink := func() {
		pipe := rdb.Pipeline()
		for _, k := range batch {
			pipe.Unlink(ctx, k)
		}
		_, _ = pipe.Exec(ctx)
		batch = batch[:0]
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			unlink()
		}
	}
	if len(batch) > 0 {
		unlink()
	}
}
