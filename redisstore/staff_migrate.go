package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/staff_move.lua
	staffMoveLua    string
	staffMoveScript = redis.NewScript(staffMoveLua)
)

// staffLayout is the current layout of the staff keys (StaffLayout).
const staffLayout = "2"

// StaffMigration counts what MigrateLayout moved.
type StaffMigration struct {
	// Members and Invites are how many were moved to their shard or tag.
	Members, Invites int
	// Done is true when the layout was current already (nothing read).
	Done bool
}

// MigrateLayout moves the staff keys of the single-slot layout (every key
// under {staff}) to the sharded one: each member from StaffMembersLegacy to
// its shard (StaffMembers), with its staff hint (ChatStaffHint), unless the
// shard holds the chat already (a newer membership), and each invite from StaffInviteLegacy to its own tag
// (StaffInvite) with its TTL. Every move copies, then deletes the old
// entry, so a migration cut off anywhere is finished by the next; it is
// idempotent. Once done it sets StaffLayout, and later calls read only
// that. The audit log keeps its key. Old failed-try counters are not moved
// (they run out within InviteTriesWindow).
//
// app.New calls it before serving, so no process serves while members
// still sit in the old layout. Stop the processes of a version before the
// sharding before starting this one: what they write to the old layout
// afterwards is not seen.
func (s *StaffStore) MigrateLayout(ctx context.Context) (StaffMigration, error) {
	var out StaffMigration
	v, err := s.rdb.Get(ctx, s.keys.StaffLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, wrap("read staff layout", err)
	}
	if v == staffLayout {
		out.Done = true
		return out, nil
	}
	if out.Members, err = s.migrateMembers(ctx); err != nil {
		return out, err
	}
	if out.Invites, err = s.migrateInvites(ctx); err != nil {
		return out, err
	}
	return out, wrap("set staff layout", s.rdb.Set(ctx, s.keys.StaffLayout(), staffLayout, 0).Err())
}

// migrateMembers moves StaffMembersLegacy to the shards, a page at a time.
func (s *StaffStore) migrateMembers(ctx context.Context) (int, error) {
	old := s.keys.StaffMembersLegacy()
	n := 0
	for {
		// HDEL shrinks the hash under the cursor: start over each page
		// until it is empty.
		kv, _, err := s.rdb.HScan(ctx, old, 0, "", 200).Result()
		if err != nil {
			return n, wrap("migrate staff members: read", err)
		}
		if len(kv) == 0 {
			return n, nil
		}
		fields := make([]string, 0, len(kv)/2)
		chats := make([]kbbot.ChatID, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			chat, err := strconv.ParseInt(kv[i], 10, 64)
			if err != nil {
				return n, fmt.Errorf("redisstore: migrate staff members: field %q is no chat id", kv[i])
			}
			chats = append(chats, kbbot.ChatID(chat))
			fields = append(fields, kv[i])
		}
		// Each member's staff hint first (ChatStaffHint).
		if err := s.setHints(ctx, chats); err != nil {
			return n, err
		}
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, c := range chats {
				p.HSetNX(ctx, s.keys.StaffMembers(StaffShard(c)), fields[i], kv[2*i+1])
			}
			return nil
		}); err != nil {
			return n, wrap("migrate staff members: write", err)
		}
		if err := s.rdb.HDel(ctx, old, fields...).Err(); err != nil {
			return n, wrap("migrate staff members: delete old", err)
		}
		n += len(fields)
	}
}

// migrateInvites moves every StaffInviteLegacy key to StaffInvite. The old
// keys all share the {staff} slot, so one node holds them: it is scanned.
func (s *StaffStore) migrateInvites(ctx context.Context) (int, error) {
	var node redis.Cmdable = s.rdb
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		c, err := cc.MasterForKey(ctx, s.keys.StaffAudit())
		if err != nil {
			return 0, wrap("migrate staff invites: find node", err)
		}
		node = c
	}
	oldPrefix := s.keys.StaffInviteLegacy("")
	n := 0
	iter := node.Scan(ctx, 0, s.keys.StaffInviteLegacyMatch(), 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		hash, ok := strings.CutPrefix(key, oldPrefix)
		if !ok || hash == "" {
			continue
		}
		var fields *redis.MapStringStringCmd
		var ttl *redis.DurationCmd
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			fields = p.HGetAll(ctx, key)
			ttl = p.PTTL(ctx, key)
			return nil
		}); err != nil {
			return n, wrap("migrate staff invites: read", err)
		}
		if len(fields.Val()) > 0 && ttl.Val() != -2 { // -2: gone meanwhile
			args := []any{max(ttl.Val().Milliseconds(), 0)}
			for f, v := range fields.Val() {
				args = append(args, f, v)
			}
			if err := staffMoveScript.Run(ctx, s.rdb, []string{s.keys.StaffInvite(hash)}, args...).Err(); err != nil {
				return n, wrap("migrate staff invites: write", err)
			}
			n++
		}
		if err := s.rdb.Del(ctx, key).Err(); err != nil {
			return n, wrap("migrate staff invites: delete old", err)
		}
	}
	return n, wrap("migrate staff invites: scan", iter.Err())
}
