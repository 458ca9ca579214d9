package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// scriptHead is the head of an EVALSHA of sc on keys, boxed once: the
// command name, the script's SHA1, the number of keys and the keys. A call
// appends its arguments to a copy (scriptArgs), so the keys of a chat's
// scripts are not boxed again for every round trip.
func scriptHead(sc *redis.Script, keys []string) []any {
	head := make([]any, 0, 3+len(keys))
	head = append(head, "evalsha", sc.Hash(), len(keys))
	for _, k := range keys {
		head = append(head, k)
	}
	return head
}

// scriptArgs returns a new argument list: head followed by room for n
// arguments.
func scriptArgs(head []any, n int) []any {
	return append(make([]any, 0, len(head)+n), head...)
}

// processor sends a command: the client, or a pipeline that queues it.
type processor interface {
	Process(ctx context.Context, cmd redis.Cmder) error
}

// runScript sends the EVALSHA args (scriptArgs) of sc on c. On the client
// itself, a script missing from Redis's cache (NOSCRIPT) is loaded and the
// call sent again, as redis.Script.Run does; in a pipeline the caller
// handles that after Exec.
func runScript(ctx context.Context, c processor, sc *redis.Script, args []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	_ = c.Process(ctx, cmd)
	if rdb, ok := c.(redis.UniversalClient); ok && isNoScript(cmd.Err()) {
		if err := sc.Load(ctx, rdb).Err(); err != nil {
			return cmd
		}
		cmd = redis.NewCmd(ctx, args...)
		_ = c.Process(ctx, cmd)
	}
	return cmd
}
