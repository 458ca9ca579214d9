package redisstore

import (
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
