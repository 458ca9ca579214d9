// Package redisstore keeps kbbot's state in Redis: every key name (keys.go),
// every Lua script (lua/*.lua, embedded, each opening with its KEYS / ARGV /
// return contract) and the store implementations the other packages declare
// as interfaces. It imports the domain package and go-redis, never bot,
// scheduler or conversations.
//
// All keys of one chat share the hash tag {chat:<id>}, so a script touching
// them runs on Redis Cluster. Scripts that change state are idempotent,
// because go-redis retries a command whose reply was lost.
package redisstore
