package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/metrics"
)

// TestRedisErrorsCounted: a command Redis refuses counts as a Redis error,
// alone or in a pipeline; a missing key (redis.Nil) does not; /metrics
// shows the count.
func TestRedisErrorsCounted(t *testing.T) {
	m := metrics.New()
	rdb := redistest.Client(t)
	rdb.AddHook(m.RedisHook())
	prefix := redistest.Prefix(t, rdb)
	ctx := context.Background()
	if err := rdb.Get(ctx, prefix+"missing").Err(); err == nil {
		t.Fatal("GET of a missing key succeeded")
	}
	if got := testutil.ToFloat64(m.RedisErrors); got != 0 {
		t.Fatalf("a missing key counted as %v errors", got)
	}
	rdb.Set(ctx, prefix+"s", "x", 0)
	_ = rdb.LPush(ctx, prefix+"s", "y").Err() // WRONGTYPE
	pipe := rdb.Pipeline()
	pipe.Get(ctx, prefix+"missing")
	pipe.LPush(ctx, prefix+"s", "z")
	_, _ = pipe.Exec(ctx)
	if got := testutil.ToFloat64(m.RedisErrors); got != 2 {
		t.Fatalf("two refused commands counted as %v", got)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(body), "kbbot_redis_errors_total 2") || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics lacks the Redis errors or Go's runtime:\n%s", body)
	}
}
