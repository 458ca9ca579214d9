// Package redistest gives tests a real Redis server and a key prefix of
// their own, so packages and tests run in parallel on one server and clean
// up after themselves. The server is REDIS_URL, or 127.0.0.1:6379 when it is
// unset (scripts/test.sh sets REDIS_URL to a throwaway server it starts).
// REDIS_URL may name a Redis Cluster, in the form redisconn.Parse reads
// (scripts/test.sh --cluster does): Client then returns a cluster client,
// and Prefix, Flush and Keys scan every master.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/redisconn"
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
	opt, err := redisconn.Parse(URL())
	if err != nil {
		tb.Fatalf("REDIS_URL: %v", err)
	}
	if opt.Single != nil {
		opt.Single.PoolSize = 64
	}
	if opt.Cluster != nil {
		opt.Cluster.PoolSize = 64
	}
	rdb := opt.NewClient()
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

// Flush deletes every key under prefix, on every master of a cluster. Each key gets its own UNLINK (in
// pipelines of a thousand), so that a client with CrossSlotGuard does not
// refuse the cleanup.
func Flush(rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var batch []string
	unlink := func() {
		pipe := rdb.Pipeline()
		for _, k := range batch {
			pipe.Unlink(ctx, k)
		}
		_, _ = pipe.Exec(ctx)
		batch = batch[:0]
	}
	for _, k := range Keys(ctx, rdb, prefix+"*") {
		batch = append(batch, k)
		if len(batch) == 1000 {
			unlink()
		}
	}
	if len(batch) > 0 {
		unlink()
	}
}

// IsCluster reports whether REDIS_URL names a Redis Cluster.
func IsCluster() bool {
	o, err := redisconn.Parse(URL())
	return err == nil && o.Topology == redisconn.Cluster
}

// Keys returns the keys matching pattern (SCAN's MATCH), on every master
// when rdb is a cluster client: a key scan on a cluster client would
// otherwise see one node only.
func Keys(ctx context.Context, rdb redis.UniversalClient, pattern string) []string {
	scan := func(ctx context.Context, c redis.Cmdable) ([]string, error) {
		var out []string
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		return out, iter.Err()
	}
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		out, _ := scan(ctx, rdb)
		return out
	}
	var mu sync.Mutex
	var out []string
	_ = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		keys, err := scan(ctx, node)
		mu.Lock()
		out = append(out, keys...)
		mu.Unlock()
		return err
	})
	return out
}
