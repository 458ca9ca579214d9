package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lua/lock_release.lua
	lockReleaseLua    string
	lockReleaseScript = redis.NewScript(lockReleaseLua)
	//go:embed lua/lock_extend.lua
	lockExtendLua    string
	lockExtendScript = redis.NewScript(lockExtendLua)
)

// Locker takes named locks (a sweep, a periodic job) in Redis: SET NX PX
// with a random owner token, released and extended only by their owner.
// A lock only saves duplicate work; correctness never rests on it, because
// its TTL can run out while the owner is paused (see
// /work/shared/reference/redis-reliability.md, 2.4).
type Locker struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewLocker returns a Locker on rdb with keys under keys' prefix.
func NewLocker(rdb redis.UniversalClient, keys Keys) Locker {
	return Locker{rdb: rdb, keys: keys}
}

// Lock takes the lock name for ttl. ok is false, with no error, when
// someone else holds it. token proves ownership to Unlock and Extend.
func (l Locker) Lock(ctx context.Context, name string, ttl time.Duration) (token string, ok bool, err error) {
	if ttl < time.Millisecond {
		return "", false, fmt.Errorf("redisstore: lock %q: ttl %v too short", name, ttl)
	}
	tok := newToken()
	err = l.rdb.SetArgs(ctx, l.keys.NamedLock(name), tok, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrap("lock "+name, err)
	}
	return tok, true, nil
}

// Unlock releases the lock name if token still holds it; released is
// false when it had expired or been taken by someone else.
func (l Locker) Unlock(ctx context.Context, name, token string) (released bool, err error) {
	n, err := lockReleaseScript.Run(ctx, l.rdb, []string{l.keys.NamedLock(name)}, token).Int()
	if err != nil {
		return false, wrap("unlock "+name, err)
	}
	return n == 1, nil
}

// Extend gives the lock name a new ttl if token still holds it; ok is
// false when it had expired or been taken by someone else.
func (l Locker) Extend(ctx context.Context, name, token string, ttl time.Duration) (ok bool, err error) {
	n, err := lockExtendScript.Run(ctx, l.rdb, []string{l.keys.NamedLock(name)}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, wrap("extend lock "+name, err)
	}
	return n == 1, nil
}

// newToken returns a random lock owner token.
func newToken() string { return token() }
