package app_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// cutOff is a Redis hook that, once cut, fails every command of one
// process, as if it had died or lost its network: it renews nothing and
// releases nothing.
type cutOff struct{ cut atomic.Bool }

func (c *cutOff) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if c.cut.Load() {
			return nil, errors.New("cut off")
		}
		return next(ctx, network, addr)
	}
}

func (c *cutOff) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if c.cut.Load() {
			return errors.New("cut off")
		}
		return next(ctx, cmd)
	}
}

func (c *cutOff) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if c.cut.Load() {
			return errors.New("cut off")
		}
		return next(ctx, cmds)
	}
}

// TestPollLeaderFailsOver: two processes in polling mode; one polls, the
// other stands by. When the leader is cut off (it can neither renew nor
// release its lock, as after a kill -9), the other takes over within the
// lock's few seconds, and residents are answered again.
func TestPollLeaderFailsOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := &cutOff{}
	e.startWith(first)
	u := e.srv.User(7501, "Sari")
	must(t)(u.Send("/start")) // answered: the first process polls, so it leads
	if len(u.Messages()) == 0 {
		t.Fatal("no answer from the first process")
	}
	e.start()             // stands by
	first.cut.Store(true) // the leader is gone
	v := e.srv.User(7502, "Ani")
	must(t)(v.Send("/start")) // waits up to the server's 10 s for a poller to confirm it
	// The cut-off leader may still have fetched her update: it cannot
	// store it, so it tells her to wait and Telegram sends it again.
	welcomed := false
	for _, m := range v.Messages() {
		welcomed = welcomed || strings.Contains(m.Plain(), "Halo")
	}
	if !welcomed {
		t.Fatalf("the standby did not take over: %+v", v.Messages())
	}
}
