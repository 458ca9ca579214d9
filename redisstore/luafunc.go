package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// luaFunc is a Lua function run on the hot paths (booking, scheduling
// reminders). Where the server has Redis Functions (Redis 7), its library
// is loaded once (FUNCTION LOAD) and each call is an FCALL: the helper
// chunk it shares with the scripts (book_lib.lua, rem_lib.lua) runs once
// per load instead of once per call. Elsewhere (miniredis, which `kbbot
// chat` embeds; an older Redis) the same text runs as a script (EVALSHA).
//
// The library and function names carry a digest of the text
// (kbbook_<digest>, book_many_<digest>), so processes of two versions
// (a rolling upgrade) each call their own. A library is loaded on every
// master the first time a call finds it missing (a new server, a restart
// without persistence, a new cluster node); Redis keeps it in the RDB
// and AOF and replicates it. Libraries of older versions stay loaded
// (a few kilobytes each) until FUNCTION DELETE.
type luaFunc struct {
	name    string        // the function's name: <fn>_<digest>
	library string        // the library's name: <library>_<digest>
	lib     string        // the library's text for FUNCTION LOAD
	script  *redis.Script // the same function as a script
	// scripts is set once the server turned out to have no Functions.
	scripts atomic.Bool
}

// newLuaFunc builds function fn of library from chunk, Lua text that
// defines a local function named fn(keys, args) (and the helpers it
// uses) and runs nothing.
func newLuaFunc(library, fn, chunk string) *luaFunc {
	sum := sha1.Sum([]byte(chunk))
	digest := hex.EncodeToString(sum[:6])
	name := fn + "_" + digest
	return &luaFunc{
		name: name, library: library + "_" + digest,
		lib: "#!lua name=" + library + "_" + digest + "\n" + chunk +
			"\nredis.register_function('" + name + "', " + fn + ")\n",
		script: redis.NewScript(chunk + "\nreturn " + fn + "(KEYS, ARGV)\n"),
	}
}

// forClient returns f with its own choice between function and script,
// for one client: each store holds one, so a server without Functions
// does not turn another server's calls into scripts.
func (f *luaFunc) forClient() *luaFunc {
	return &luaFunc{name: f.name, library: f.library, lib: f.lib, script: f.script}
}

// queue adds a call of f to pipe.
func (f *luaFunc) queue(ctx context.Context, pipe redis.Pipeliner, keys []string, args ...any) *redis.Cmd {
	if f.scripts.Load() {
		return pipe.EvalSha(ctx, f.script.Hash(), keys, args...)
	}
	return pipe.FCall(ctx, f.name, keys, args...)
}

// missing reports whether err says the function (or the script) is not
// on the server, or the server has no FCALL: the call did not run.
func missing(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.HasPrefix(s, "NOSCRIPT") || strings.Contains(s, "Function not found") || noFunctions(err)
}

// noFunctions reports whether err says the server has no Functions, or
// the user may not use them (ACL).
func noFunctions(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unknown command") || strings.Contains(s, "unknown subcommand") ||
		(strings.HasPrefix(s, "noperm") && (strings.Contains(s, "fcall") || strings.Contains(s, "function")))
}

// load loads f on every master (one server: that server). A server
// without Functions, or a user the ACL does not let use them, makes f a
// script from then on, loaded instead.
func (f *luaFunc) load(ctx context.Context, rdb redis.UniversalClient) error {
	if !f.scripts.Load() {
		err := forEachMaster(ctx, rdb, func(ctx context.Context, c redis.Cmdable) error {
			return c.FunctionLoadReplace(ctx, f.lib).Err()
		})
		if err == nil {
			return nil
		}
		if !noFunctions(err) {
			return err
		}
		f.scripts.Store(true)
	}
	return loadEverywhere(ctx, rdb, f.script)
}

// forEachMaster runs fn on every master of a cluster, or on rdb.
func forEachMaster(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, redis.Cmdable) error) error {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return fn(ctx, c) })
	}
	return fn(ctx, rdb)
}

// runAgain loads f and runs again, in one pipeline, the calls of cmds
// that found it missing; cmds[i] is replaced by its new call. keysOf and
// argsOf give call i's keys and arguments.
func (f *luaFunc) runAgain(ctx context.Context, rdb redis.UniversalClient, cmds []*redis.Cmd,
	keysOf func(i int) []string, argsOf func(i int) []any) error {
	var again []int
	for i, c := range cmds {
		if missing(c.Err()) {
			again = append(again, i)
		}
	}
	if len(again) == 0 {
		return nil
	}
	if err := f.load(ctx, rdb); err != nil {
		return err
	}
	pipe := rdb.Pipeline()
	for _, i := range again {
		cmds[i] = f.queue(ctx, pipe, keysOf(i), argsOf(i)...)
	}
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	return nil
}
