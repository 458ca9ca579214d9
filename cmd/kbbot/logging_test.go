package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// TestLogDurationsInMilliseconds: serve's JSON log writes every duration
// as whole milliseconds under a key ending in _ms, in groups too, and
// leaves other values alone; go-redis's messages arrive as JSON lines of
// the same stream.
func TestLogDurationsInMilliseconds(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, slog.LevelInfo)
	log.Warn("cannot reach Redis at REDIS_URL; retrying", "retry_in", 1600*time.Millisecond, "try", 3,
		slog.Group("step", "took", 2*time.Second), "timeout_ms", 250*time.Millisecond)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
	}
	if line["retry_in_ms"] != 1600.0 || line["try"] != 3.0 || line["timeout_ms"] != 250.0 {
		t.Errorf("want retry_in_ms 1600, try 3, timeout_ms 250; got %v", line)
	}
	if _, ok := line["retry_in"]; ok {
		t.Errorf("the duration is also logged under its old key: %v", line)
	}
	if step, _ := line["step"].(map[string]any); step["took_ms"] != 2000.0 {
		t.Errorf("a duration in a group: want step.took_ms 2000, got %v", line["step"])
	}

	buf.Reset()
	redisLogger{log: log}.Printf(context.Background(), "redis: %s: connection pool timeout\n", "127.0.0.1:6379")
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("go-redis's message is not a JSON line: %v\n%s", err, buf.String())
	}
	if line["msg"] != "redis: 127.0.0.1:6379: connection pool timeout" || line["level"] != "WARN" {
		t.Errorf("go-redis's message: %v", line)
	}
}
