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

// ClusterAddrs returns the seed addresses of the test Redis Cluster,
// REDIS_CLUSTER_ADDRS ("host:port,host:port,..."), or nil when it is unset.
// scripts/test.sh starts a throwaway three-master cluster and sets it.
func ClusterAddrs() []string {
	v := strings.TrimSpace(os.Getenv("REDIS_CLUSTER_ADDRS"))
	if v == "" {
		return nil
	}
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// ClusterClient returns a client of the test Redis Cluster with
// CrossSlotGuard installed; it is closed when tb ends. Without
// REDIS_CLUSTER_ADDRS the test is skipped, saying how to run it.
func ClusterClient(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	addrs := ClusterAddrs()
	if len(addrs) == 0 {
		tb.Skip("REDIS_CLUSTER_ADDRS is unset: no Redis Cluster to test on; scripts/test.sh starts one (or set REDIS_CLUSTER_ADDRS=host:port,...)")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, PoolSize: 16})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("no Redis Cluster at REDIS_CLUSTER_ADDRS=%s: %v", strings.Join(addrs, ","), err)
	}
	if info, err := rdb.ClusterInfo(ctx).Result(); err != nil || !strings.Contains(info, "cluster_state:ok") {
		tb.Fatalf("Redis Cluster at %s is not ready: %v %s", strings.Join(addrs, ","), err, info)
	}
	rdb.AddHook(CrossSlotGuard(tb))
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// ClusterPrefix is Prefix for a cluster: a key prefix unique to this test,
// whose keys are deleted from every master when the test ends.
func ClusterPrefix(tb testing.TB, rdb *redis.ClusterClient) string {
	tb.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "kbtest:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, k := range ClusterKeys(ctx, rdb, prefix) {
			rdb.Unlink(ctx, k) // one key per command: keys live on several nodes
		}
	})
	return prefix
}

// ClusterKeys returns every key under prefix on every master of the cluster.
func ClusterKeys(ctx context.Context, rdb *redis.ClusterClient, prefix string) []string {
	return Keys(ctx, rdb, prefix+"*")
}
