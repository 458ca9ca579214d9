package redisconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisconn"
)

func TestParse(t *testing.T) {
	t.Parallel()
	o, err := redisconn.Parse("redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7001")
	if err != nil || o.Topology != redisconn.Cluster {
		t.Fatalf("cluster URL: %+v %v", o, err)
	}
	if got := strings.Join(o.Cluster.Addrs, ","); got != "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7001" || o.Cluster.Password != "pw" {
		t.Errorf("cluster seeds %s, password %q", got, o.Cluster.Password)
	}
	o, err = redisconn.Parse("redis+sentinel://:p%40w@s1:26379,s2/kbbot/3?sentinel_password=sp")
	if err != nil || o.Topology != redisconn.Sentinel {
		t.Fatalf("sentinel URL: %+v %v", o, err)
	}
	f := o.Failover
	if f.MasterName != "kbbot" || f.DB != 3 || f.Password != "p@w" || f.SentinelPassword != "sp" ||
		strings.Join(f.SentinelAddrs, ",") != "s1:26379,s2:26379" {
		t.Errorf("sentinel options: %+v", f)
	}
	if _, ok := o.NewClient().(*redis.Client); !ok {
		t.Error("a sentinel URL makes no failover client")
	}
	o, err = redisconn.Parse("rediss://u:pw@h:6380/4")
	if err != nil || o.Topology != redisconn.Single || o.Single.DB != 4 || o.Single.TLSConfig == nil {
		t.Fatalf("single URL: %+v %v", o, err)
	}
}

// TestOpenClusterNode: a URL of one server naming a node of a Redis
// Cluster is refused with ErrClusterNode, instead of a bot whose every
// other command fails with MOVED; the cluster form connects.
func TestOpenClusterNode(t *testing.T) {
	t.Parallel()
	addrs := redistest.ClusterAddrs()
	if len(addrs) == 0 {
		t.Skip("REDIS_CLUSTER_ADDRS is unset: no Redis Cluster (scripts/test.sh starts one)")
	}
	ctx := context.Background()
	if rdb, err := redisconn.Open(ctx, "redis://"+addrs[0]+"/0"); !errors.Is(err, redisconn.ErrClusterNode) {
		if rdb != nil {
			_ = rdb.Close()
		}
		t.Fatalf("one node of a cluster: %v, want ErrClusterNode", err)
	}
	u := "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	rdb, err := redisconn.Open(ctx, u)
	if err != nil {
		t.Fatalf("cluster URL: %v", err)
	}
	defer rdb.Close()
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Errorf("cluster URL gives a %T", rdb)
	}
}

// TestOpenSingle: the test server opens as one server (or, when REDIS_URL
// is a cluster, as a cluster).
func TestOpenSingle(t *testing.T) {
	t.Parallel()
	rdb, err := redisconn.Open(context.Background(), redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	_ = rdb.Close()
	if _, err := redisconn.Open(context.Background(), "redis://127.0.0.1:1/0"); err == nil || !strings.Contains(err.Error(), "cannot reach Redis") {
		t.Errorf("no server: %v", err)
	}
}
