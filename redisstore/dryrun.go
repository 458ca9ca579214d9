package redisstore

import (
	"context"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

// DryRunHook refuses every command sent within a dry run
// (kbbot.WithDryRun), marking the run touched, so that a step run ahead of
// its update's acceptance never reaches Redis: what it would have read or
// written makes its result thrown away. Add it to the client the stores
// share (the Pipeliner checks its callers the same way).
type DryRunHook struct{}

var _ redis.Hook = DryRunHook{}

// DialHook dials as usual.
func (DryRunHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// ProcessHook refuses a command within a dry run.
func (DryRunHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := kbbot.RefuseDryRun(ctx); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook refuses a pipeline within a dry run.
func (DryRunHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if err := kbbot.RefuseDryRun(ctx); err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}
