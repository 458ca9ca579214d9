package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

var (
	//go:embed lua/hash_cas.lua
	hashCASLua    string
	hashCASScript = redis.NewScript(hashCASLua)
)

// AreaResolver finds the official list's area (with its code) for an area
// stored by name; ok is false when it is not on the list or not uniquely
// (content/wilayah's List.Resolve).
type AreaResolver func(cadre.Area) (cadre.Area, bool)

// AreaMigration counts what a migration of areas to codes did.
type AreaMigration struct {
	// Profiles, Members and Links are how many got their code;
	// Broadcasts, how many scheduled broadcasts' audiences did.
	Profiles, Members, Links, Broadcasts int
	// Unmatched are the residents' profiles whose names are not on the
	// list: the bot asks these residents to choose their place again.
	Unmatched int
	// Done is true when the residents and links were migrated before
	// (AreasMigrated set); only staff members were looked at.
	Done bool
}

// areasMigrated is the version AreasMigrated holds once done.
const areasMigrated = "1"

// MigrateAreas gives areas stored by name their Kemendagri code where
// resolve finds them: residents' profiles (moved in the audience index
// from their name paths to their code's), staff members and area links
// (a printed poster keeps its link code; the area behind it gets the
// code). Every write is compared and swapped against what was read, so a
// change made meanwhile is kept (and looked at again by the next run), and
// the migration is idempotent. Profiles and links are migrated once
// (AreasMigrated marks it; nothing writes areas by name since); staff
// members every time, since an invite made before the list (valid 7 days
// at most) gives a member by name when redeemed. Residents' records follow
// their profile in their own chat's next step (conversations), which asks
// a resident whose place was not found to choose it again.
func MigrateAreas(ctx context.Context, rdb redis.UniversalClient, keys Keys, resolve AreaResolver) (AreaMigration, error) {
	var out AreaMigration
	var err error
	if out.Members, err = migrateMemberAreas(ctx, rdb, keys, resolve); err != nil {
		return out, err
	}
	v, err := rdb.Get(ctx, keys.AreasMigrated()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, wrap("read areas migration mark", err)
	}
	if v == areasMigrated {
		out.Done = true
		return out, nil
	}
	if out.Profiles, out.Unmatched, err = migrateProfileAreas(ctx, rdb, keys, resolve); err != nil {
		return out, err
	}
	if out.Links, err = migrateLinkAreas(ctx, rdb, keys, resolve); err != nil {
		return out, err
	}
	if out.Broadcasts, err = migrateBroadcastAreas(ctx, rdb, keys, resolve); err != nil {
		return out, err
	}
	return out, wrap("set areas migration mark", rdb.Set(ctx, keys.AreasMigrated(), areasMigrated, 0).Err())
}

// scanHash calls fn with each field and value of a HASH, a page at a time.
func scanHash(ctx context.Context, rdb redis.UniversalClient, key string, fn func(field, value string) error) error {
	var cursor uint64
	for {
		kv, next, err := rdb.HScan(ctx, key, cursor, "", 500).Result()
		if err != nil {
			return wrap("scan "+key, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if err := fn(kv[i], kv[i+1]); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// migrateProfileAreas moves each resident's profile by name whose area
// resolves to the profile with the code, and counts those that do not.
func migrateProfileAreas(ctx context.Context, rdb redis.UniversalClient, keys Keys, resolve AreaResolver) (moved, unmatched int, err error) {
	s := NewResidentStore(rdb, keys)
	err = scanHash(ctx, rdb, keys.BcProfiles(), func(field, raw string) error {
		var p broadcast.Profile
		if json.Unmarshal([]byte(raw), &p) != nil || p.Area.Code != "" {
			return nil
		}
		a, ok := resolve(p.Area)
		if !ok {
			unmatched++
			return nil
		}
		p.Area = a
		if p.Validate() != nil {
			unmatched++
			return nil
		}
		next, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("redisstore: encode profile: %w", err)
		}
		chat := parseChat(field)
		if chat == 0 {
			return nil
		}
		done, err := s.swapFrom(ctx, chat, raw, string(next))
		if err != nil {
			return err
		}
		if done {
			moved++
		}
		return nil
	})
	return moved, unmatched, err
}

// migrateMemberAreas gives each staff member by name whose area resolves
// the code.
func migrateMemberAreas(ctx context.Context, rdb redis.UniversalClient, keys Keys, resolve AreaResolver) (int, error) {
	n := 0
	for k := range StaffShards {
		key := keys.StaffMembers(k)
		err := scanHash(ctx, rdb, key, func(field, raw string) error {
			var m cadre.Member
			if json.Unmarshal([]byte(raw), &m) != nil || m.Area.Code != "" || m.Area.IsZero() {
				return nil
			}
			a, ok := resolve(m.Area)
			if !ok {
				return nil
			}
			m.Area = a
			next, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("redisstore: encode member: %w", err)
			}
			r, err := hashCASScript.Run(ctx, rdb, []string{key}, field, raw, next).Int()
			if err != nil {
				return wrap("migrate member area", err)
			}
			n += r
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// migrateLinkAreas gives the area behind each deep link by name the code.
func migrateLinkAreas(ctx context.Context, rdb redis.UniversalClient, keys Keys, resolve AreaResolver) (int, error) {
	n := 0
	key := keys.AreaLinks()
	err := scanHash(ctx, rdb, key, func(field, raw string) error {
		var a cadre.Area
		if json.Unmarshal([]byte(raw), &a) != nil || a.Code != "" {
			return nil
		}
		r, ok := resolve(a)
		if !ok {
			return nil
		}
		next, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("redisstore: encode area link: %w", err)
		}
		c, err := hashCASScript.Run(ctx, rdb, []string{key}, field, raw, next).Int()
		if err != nil {
			return wrap("migrate area link", err)
		}
		n += c
		return nil
	})
	return n, err
}

// migrateBroadcastAreas gives the audience area of each scheduled
// broadcast by name its code. Without it such a broadcast, created before
// the list, would start after the migration with an empty audience: the
// profiles it meant have left the name paths for their code's.
func migrateBroadcastAreas(ctx context.Context, rdb redis.UniversalClient, keys Keys, resolve AreaResolver) (int, error) {
	ids, err := rdb.ZRange(ctx, keys.BcDue(), 0, -1).Result()
	if err != nil {
		return 0, wrap("list scheduled broadcasts", err)
	}
	n := 0
	for _, id := range ids {
		raw, err := rdb.HGet(ctx, keys.Bc(id), "def").Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return n, wrap("read scheduled broadcast", err)
		}
		var b broadcast.Broadcast
		if json.Unmarshal([]byte(raw), &b) != nil || b.Audience.Area.Code != "" || b.Audience.Area.IsZero() {
			continue
		}
		a, ok := resolve(b.Audience.Area)
		if !ok {
			continue
		}
		b.Audience.Area = a
		next, err := json.Marshal(b)
		if err != nil {
			return n, fmt.Errorf("redisstore: encode broadcast: %w", err)
		}
		c, err := hashCASScript.Run(ctx, rdb, []string{keys.Bc(id)}, "def", raw, next).Int()
		if err != nil {
			return n, wrap("migrate broadcast area", err)
		}
		n += c
	}
	return n, nil
}

// swapFrom replaces a resident's profile by next, and moves them in the
// audience index, only while the stored profile is still cur; done is
// false when it changed meanwhile (nothing written).
func (s *ResidentStore) swapFrom(ctx context.Context, chat kbbot.ChatID, cur, next string) (done bool, err error) {
	var p, q broadcast.Profile
	if err := json.Unmarshal([]byte(cur), &p); err != nil {
		return false, fmt.Errorf("redisstore: decode profile: %w", err)
	}
	if err := json.Unmarshal([]byte(next), &q); err != nil {
		return false, fmt.Errorf("redisstore: decode profile: %w", err)
	}
	oldSets, newSets, kids := s.sets(p), s.sets(q), s.kids(q.Area)
	keys := []string{s.keys.BcProfiles(), s.keys.BcAll()}
	keys = append(keys, oldSets...)
	keys = append(keys, newSets...)
	args := []any{chatField(chat), cur, next, len(oldSets), len(newSets), len(kids)}
	for _, k := range kids {
		keys = append(keys, k[0])
		args = append(args, k[1], k[2])
	}
	n, err := bcProfileScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, wrap("migrate profile", err)
	}
	return n == 1, nil
}
