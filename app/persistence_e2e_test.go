package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/app"
)

// throwawayRedis starts a redis-server of the test's own on a free port,
// so the test may change its configuration; it is stopped when the test
// ends.
func throwawayRedis(t *testing.T) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on PATH")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(),
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	t.Cleanup(func() { _ = rdb.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("throwaway redis-server did not answer within 10s")
		}
		// Polling a condition, not waiting for time.
		time.Sleep(10 * time.Millisecond)
	}
	return rdb
}

// TestPersistenceCheckedAtStart: kbbot started on a Redis that keeps only
// RDB snapshots warns that up to the snapshot interval of bookings could be
// lost; on one that keeps nothing, that everything is lost on a
// restart; on one that may evict, that keys may be deleted. With
// KBBOT_REQUIRE_PERSISTENCE=1 it refuses to start, naming the problem; a
// Redis with AOF and noeviction starts without a warning either way.
func TestPersistenceCheckedAtStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rdb := throwawayRedis(t)
	ctx := context.Background()
	config := func(kv ...string) {
		t.Helper()
		for i := 0; i < len(kv); i += 2 {
			if err := rdb.ConfigSet(ctx, kv[i], kv[i+1]).Err(); err != nil {
				t.Fatalf("CONFIG SET %s %s: %v", kv[i], kv[i+1], err)
			}
		}
	}
	start := func(require bool) (string, error) {
		t.Helper()
		var log syncBuffer
		cfg := e.cfg
		cfg.RequirePersistence = require
		a, err := app.New(ctx, cfg, app.Options{Logger: slogTo(&log), Redis: rdb, RedisWait: -1})
		if err == nil {
			a.Close()
		}
		return log.String(), err
	}
	cases := []struct {
		name   string
		config []string
		want   string // in the warning and the error; "" for none
	}{
		{"rdb only", []string{"appendonly", "no", "save", "3600 1 300 100", "maxmemory-policy", "noeviction"}, "up to 1h0m0s of bookings"},
		{"nothing", []string{"appendonly", "no", "save", "", "maxmemory-policy", "noeviction"}, "keeps nothing on disk"},
		{"evicts", []string{"appendonly", "yes", "save", "", "maxmemory-policy", "allkeys-lru"}, "maxmemory-policy is allkeys-lru, not noeviction"},
		{"safe", []string{"appendonly", "yes", "save", "", "maxmemory-policy", "noeviction"}, ""},
	}
	for _, c := range cases {
		config(c.config...)
		log, err := start(false)
		if err != nil {
			t.Fatalf("%s: without KBBOT_REQUIRE_PERSISTENCE kbbot must start: %v", c.name, err)
		}
		if c.want == "" {
			if strings.Contains(log, "Redis") && strings.Contains(log, "level=WARN") {
				t.Errorf("%s: a safe Redis draws a warning:\n%s", c.name, log)
			}
		} else if !strings.Contains(log, c.want) || !strings.Contains(log, "level=WARN") {
			t.Errorf("%s: want a warning saying %q, got:\n%s", c.name, c.want, log)
		}
		_, err = start(true)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: KBBOT_REQUIRE_PERSISTENCE=1 refuses a safe Redis: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "KBBOT_REQUIRE_PERSISTENCE")):
			t.Errorf("%s: KBBOT_REQUIRE_PERSISTENCE=1 must refuse, saying %q; got %v", c.name, c.want, err)
		}
	}
}

// slogTo returns a text logger writing to w.
func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
