package redistest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Trips is a Redis hook for benchmarks that counts round trips (a command,
// or a pipeline of several) and the commands in them, and the trips by
// their first command (scripts by the start of their SHA1).
type Trips struct {
	trips, cmds atomic.Int64
	mu          sync.Mutex
	names       map[string]int
}

// Counts returns the round trips and commands counted so far.
func (c *Trips) Counts() (trips, cmds int64) { return c.trips.Load(), c.cmds.Load() }

// Reset forgets the trips by name (not the counts).
func (c *Trips) Reset() {
	c.mu.Lock()
	c.names = nil
	c.mu.Unlock()
}

// Table lists the trips by first command, per unit of n, most first.
func (c *Trips) Table(n float64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.names))
	for k := range c.names {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return c.names[b] - c.names[a] })
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%-24s %8.3f\n", k, float64(c.names[k])/n)
	}
	return sb.String()
}

func (c *Trips) note(cmd redis.Cmder, n int) {
	c.trips.Add(1)
	c.cmds.Add(int64(n))
	name := cmd.Name()
	if (name == "evalsha" || name == "eval") && len(cmd.Args()) > 1 {
		name += " " + fmt.Sprint(cmd.Args()[1])[:8]
	}
	c.mu.Lock()
	if c.names == nil {
		c.names = map[string]int{}
	}
	c.names[name]++
	c.mu.Unlock()
}

// DialHook implements redis.Hook.
func (c *Trips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// ProcessHook implements redis.Hook.
func (c *Trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.note(cmd, 1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (c *Trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 {
			c.note(cmds[0], len(cmds))
		}
		return next(ctx, cmds)
	}
}
