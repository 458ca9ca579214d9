package redistest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Trips is a Redis hook for benchmarks that counts round trips (a command,
// or a pipeline of several) and the commands in them, and, with ByName,
// the trips by their first command (scripts by the start of their SHA1).
// Without ByName counting allocates nothing, so it does not add to the
// allocations a benchmark reports.
type Trips struct {
	// ByName makes Table list the trips by first command; set it before
	// the hook is installed.
	ByName      bool
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
	if !c.ByName {
		return
	}
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

// ServerCommands sums the calls of every command in INFO commandstats of
// the server rdb is connected to (or of every master of a cluster),
// commands run inside scripts included. The difference of two readings is
// what ran between them: exact only when nothing else uses that Redis.
func ServerCommands(tb testing.TB, rdb redis.UniversalClient) int64 {
	tb.Helper()
	var total atomic.Int64
	each := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		for line := range strings.SplitSeq(info, "\n") {
			_, rest, ok := strings.Cut(line, ":calls=")
			if !ok {
				continue
			}
			v, _, _ := strings.Cut(rest, ",")
			n, _ := strconv.ParseInt(v, 10, 64)
			total.Add(n)
		}
		return nil
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(context.Background(), each)
	} else if c, ok := rdb.(*redis.Client); ok {
		err = each(context.Background(), c)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return total.Load()
}
