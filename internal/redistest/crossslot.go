package redistest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/redisconn"
)

// Redis Cluster refuses, with CROSSSLOT, a command, a script or a
// MULTI/EXEC transaction whose keys hash to more than one slot. A single
// Redis server accepts them, so tests on REDIS_URL would never notice; the
// guard below makes them fail the same way.

// SlotCount is the number of hash slots of Redis Cluster.
const SlotCount = 16384

// HashTag returns the part of key that Redis Cluster hashes: the text
// between the first "{" and the first "}" after it, when that text is not
// empty; otherwise the whole key.
func HashTag(key string) string {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			return key[s+1 : s+1+e]
		}
	}
	return key
}

// CRC16 is the CRC-16/XMODEM checksum (polynomial 0x1021, initial value 0)
// that Redis Cluster uses for key slots.
func CRC16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Slot returns the Redis Cluster hash slot of key: CRC16 of its hash tag
// modulo SlotCount.
func Slot(key string) int { return int(CRC16(HashTag(key)) % SlotCount) }

// CommandKeys returns the keys a command names, as Redis Cluster routes
// them; args are the command's arguments, name first (redis.Cmder.Args).
// Commands with keys at other places than the first argument (DEL, MGET,
// EVAL, ZUNIONSTORE, BLPOP, XREAD, ...) are known by name; any other
// command is taken to name at most its first argument, which cannot span
// slots.
func CommandKeys(args []any) []string {
	if len(args) < 2 {
		return nil
	}
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = argString(a)
	}
	name := strings.ToLower(s[0])
	// numkeysAt returns the keys counted by the argument at position i.
	numkeysAt := func(i int) []string {
		if i >= len(s) {
			return nil
		}
		n, err := strconv.Atoi(s[i])
		if err != nil || n < 0 || i+1+n > len(s) {
			return nil
		}
		return s[i+1 : i+1+n]
	}
	switch name {
	case "del", "unlink", "exists", "touch", "mget", "watch", "sdiff", "sinter", "sunion",
		"sdiffstore", "sinterstore", "sunionstore", "pfcount", "pfmerge":
		return s[1:]
	case "rename", "renamenx", "smove", "rpoplpush", "brpoplpush", "lmove", "blmove", "copy", "zrangestore", "geosearchstore":
		return s[1:min(3, len(s))]
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		return s[1 : len(s)-1] // the last argument is the timeout
	case "mset", "msetnx":
		var keys []string
		for i := 1; i < len(s); i += 2 {
			keys = append(keys, s[i])
		}
		return keys
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return numkeysAt(2)
	case "zunionstore", "zinterstore", "zdiffstore":
		return append([]string{s[1]}, numkeysAt(2)...)
	case "zunion", "zinter", "zdiff", "zintercard", "sintercard", "lmpop", "zmpop":
		return numkeysAt(1)
	case "blmpop", "bzmpop":
		return numkeysAt(2)
	case "bitop":
		return s[min(2, len(s)):]
	case "xread", "xreadgroup":
		for i := 1; i < len(s); i++ {
			if strings.EqualFold(s[i], "streams") {
				rest := s[i+1:]
				return rest[:len(rest)/2]
			}
		}
		return nil
	case "sort", "sort_ro":
		keys := []string{s[1]}
		for i := 2; i+1 < len(s); i++ {
			if strings.EqualFold(s[i], "store") {
				keys = append(keys, s[i+1])
			}
		}
		return keys
	case "multi", "exec", "discard", "ping", "script", "info", "config", "client", "hello",
		"select", "cluster", "command", "readonly", "readwrite", "auth", "function", "dbsize", "flushdb", "flushall", "scan":
		return nil
	}
	return s[1:2]
}

func argString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}

// slotsOf returns the distinct slots of keys, sorted.
func slotsOf(keys []string) []int {
	seen := map[int]bool{}
	var out []int
	for _, k := range keys {
		if sl := Slot(k); !seen[sl] {
			seen[sl] = true
			out = append(out, sl)
		}
	}
	sort.Ints(out)
	return out
}

// CrossSlotGuard returns a go-redis hook that fails tb whenever one
// command, one script (EVAL, EVALSHA: the keys passed in KEYS) or one
// MULTI/EXEC transaction names keys of more than one hash slot: what Redis
// Cluster refuses with CROSSSLOT. The offending command is not sent; it
// fails with an error starting "CROSSSLOT", like on a cluster. A pipeline
// that is not a transaction may span slots: a cluster client splits it.
// Commands sent with a context marked by redisconn.CrossSlot span slots on
// purpose (only on one server) and pass. Install it with rdb.AddHook, or
// use GuardedClient.
func CrossSlotGuard(tb testing.TB) redis.Hook { return crossSlotGuard{tb: tb} }

type crossSlotGuard struct{ tb testing.TB }

func (g crossSlotGuard) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g crossSlotGuard) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if redisconn.IsCrossSlotContext(ctx) {
			return next(ctx, cmd)
		}
		if err := g.check(cmd.Name(), CommandKeys(cmd.Args())); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (g crossSlotGuard) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if redisconn.IsCrossSlotContext(ctx) {
			return next(ctx, cmds)
		}
		var err error
		if len(cmds) > 0 && cmds[0].Name() == "multi" {
			var keys []string
			var names []string
			for _, c := range cmds {
				keys = append(keys, CommandKeys(c.Args())...)
				if n := c.Name(); n != "multi" && n != "exec" {
					names = append(names, n)
				}
			}
			err = g.check("MULTI/EXEC of "+strings.Join(names, ", "), keys)
		} else {
			for _, c := range cmds {
				if err = g.check(c.Name(), CommandKeys(c.Args())); err != nil {
					break
				}
			}
		}
		if err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}

func (g crossSlotGuard) check(what string, keys []string) error {
	slots := slotsOf(keys)
	if len(slots) <= 1 {
		return nil
	}
	err := fmt.Errorf("CROSSSLOT (redistest guard): %s names keys in %d hash slots %v: %q", what, len(slots), slots, keys)
	g.tb.Errorf("%v", err)
	return err
}

// GuardedClient returns a new client for the test server, like Client,
// with CrossSlotGuard installed: code under test that would be refused by
// Redis Cluster fails the test.
func GuardedClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	rdb := Client(tb)
	rdb.AddHook(CrossSlotGuard(tb))
	return rdb
}
