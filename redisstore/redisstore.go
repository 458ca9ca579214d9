package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

// wrap adds the operation to err and marks failures to reach Redis (as
// opposed to errors Redis answered) as kbbot.ErrUnavailable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !strings.HasPrefix(rerr.Error(), "LOADING") {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return fmt.Errorf("redisstore: %s: %w: %w", op, kbbot.ErrUnavailable, err)
}

// token returns a random token for lock ownership and outbox entry ids.
func token() string {
	var b [12]byte
	var h [24]byte
	_, _ = rand.Read(b[:])
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// randomHex fills dst (at most 32 bytes) with random hexadecimal digits.
func randomHex(dst []byte) {
	var b [16]byte
	_, _ = rand.Read(b[:(len(dst)+1)/2])
	var h [32]byte
	hex.Encode(h[:], b[:(len(dst)+1)/2])
	copy(dst, h[:])
}

// Persistence describes whether the Redis server keeps data on disk.
type Persistence struct {
	AOF    bool
	RDB    bool
	Evicts bool   // maxmemory-policy allows evicting keys
	Policy string // maxmemory-policy
	// SaveEvery is the longest interval of the RDB "save" rules: with
	// AOF off, up to that much of the latest writes can be lost.
	SaveEvery time.Duration
}

// Safe reports whether the server keeps data across a restart and never
// evicts it.
func (p Persistence) Safe() bool { return (p.AOF || p.RDB) && !p.Evicts }

// CheckPersistence reads the server's persistence and eviction settings.
// Managed servers that refuse CONFIG GET yield an error; callers warn.
func CheckPersistence(ctx context.Context, rdb redis.UniversalClient) (Persistence, error) {
	var p Persistence
	vals, err := rdb.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		return p, wrap("config get appendonly", err)
	}
	p.AOF = vals["appendonly"] == "yes"
	vals, err = rdb.ConfigGet(ctx, "save").Result()
	if err != nil {
		return p, wrap("config get save", err)
	}
	p.RDB = strings.TrimSpace(vals["save"]) != ""
	// "3600 1 300 100 60 10000": pairs of seconds and changes.
	for i, f := range strings.Fields(vals["save"]) {
		if n, err := strconv.Atoi(f); err == nil && i%2 == 0 {
			p.SaveEvery = max(p.SaveEvery, time.Duration(n)*time.Second)
		}
	}
	vals, err = rdb.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil {
		return p, wrap("config get maxmemory-policy", err)
	}
	p.Policy = vals["maxmemory-policy"]
	p.Evicts = p.Policy != "" && p.Policy != "noeviction"
	return p, nil
}
