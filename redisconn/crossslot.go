package redisconn

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// SpansSlots reports whether one command may name keys of more than one
// hash slot on rdb: rdb is a client of one server (or of a master behind
// Sentinel), not a cluster client. A cluster refuses such a command with
// CROSSSLOT; one server runs it, which lets a hot path do in one call what
// a cluster needs several for. A proxy in front of a sharded deployment
// may refuse it all the same: callers that span slots fall back to the
// slot-safe form when an error says CROSSSLOT (IsCrossSlot).
func SpansSlots(rdb redis.UniversalClient) bool {
	_, cluster := rdb.(*redis.ClusterClient)
	return !cluster
}

// IsCrossSlot reports whether err is the server's (or a proxy's) refusal
// of a command whose keys span hash slots.
func IsCrossSlot(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "CROSSSLOT")
}

type crossSlotKey struct{}

// CrossSlot marks ctx for commands that name keys of more than one hash
// slot on purpose, sent only where SpansSlots: test guards that report
// commands a cluster would refuse (redistest.CrossSlotGuard) let them
// pass.
func CrossSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, crossSlotKey{}, true)
}

// IsCrossSlotContext reports whether ctx was marked by CrossSlot.
func IsCrossSlotContext(ctx context.Context) bool {
	v, _ := ctx.Value(crossSlotKey{}).(bool)
	return v
}
