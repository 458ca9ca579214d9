package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

var (
	//go:embed lua/bc_profile.lua
	bcProfileLua    string
	bcProfileScript = redis.NewScript(bcProfileLua)
)

// ResidentStore keeps residents' profiles (area and group) and the audience
// index built from them: a set of residents per area at every level
// (kabupaten/kota, kecamatan, kelurahan, Kampung KB), per group, and of
// everyone, plus the residents who said /berhenti or blocked the bot. See
// keys_broadcast.go. Profiles are kept only with consent; EraseResident
// deletes them.
type ResidentStore struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewResidentStore returns the store of residents' profiles on rdb.
func NewResidentStore(rdb redis.UniversalClient, keys Keys) *ResidentStore {
	return &ResidentStore{rdb: rdb, keys: keys}
}

// Profile returns a resident's profile; ok is false when they have none.
func (s *ResidentStore) Profile(ctx context.Context, chat kbbot.ChatID) (broadcast.Profile, bool, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.BcProfiles(), chatField(chat)).Result()
	if errors.Is(err, redis.Nil) {
		return broadcast.Profile{}, false, nil
	}
	if err != nil {
		return broadcast.Profile{}, false, wrap("read profile", err)
	}
	var p broadcast.Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return broadcast.Profile{}, false, fmt.Errorf("redisstore: decode profile: %w", err)
	}
	return p, true, nil
}

// SetProfile stores a resident's profile and moves them to the audience
// sets it implies.
func (s *ResidentStore) SetProfile(ctx context.Context, chat kbbot.ChatID, p broadcast.Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redisstore: encode profile: %w", err)
	}
	return s.swap(ctx, chat, string(b))
}

// DeleteProfile removes a resident's profile and takes them out of every
// audience.
func (s *ResidentStore) DeleteProfile(ctx context.Context, chat kbbot.ChatID) error {
	return s.swap(ctx, chat, "")
}

// swap replaces the stored profile by next ("" deletes), retrying when
// another change came in between the read and the write.
func (s *ResidentStore) swap(ctx context.Context, chat kbbot.ChatID, next string) error {
	field := chatField(chat)
	for range 100 {
		cur, err := s.rdb.HGet(ctx, s.keys.BcProfiles(), field).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return wrap("read profile", err)
		}
		var oldSets, newSets []string
		if cur != "" {
			var p broadcast.Profile
			if json.Unmarshal([]byte(cur), &p) == nil {
				oldSets = s.sets(p)
			}
		}
		var kids [][3]string // key, normalized name, name
		if next != "" {
			var p broadcast.Profile
			if err := json.Unmarshal([]byte(next), &p); err != nil {
				return fmt.Errorf("redisstore: decode profile: %w", err)
			}
			newSets = s.sets(p)
			kids = s.kids(p.Area)
		}
		keys := []string{s.keys.BcProfiles(), s.keys.BcAll()}
		keys = append(keys, oldSets...)
		keys = append(keys, newSets...)
		args := []any{field, cur, next, len(oldSets), len(newSets), len(kids)}
		for _, k := range kids {
			keys = append(keys, k[0])
			args = append(args, k[1], k[2])
		}
		n, err := bcProfileScript.Run(ctx, s.rdb, keys, args...).Int()
		if err != nil {
			return wrap("write profile", err)
		}
		if n >= 0 {
			return nil
		}
	}
	return fmt.Errorf("redisstore: write profile: changed concurrently too often: %w", kbbot.ErrBusy)
}

// sets lists the audience sets a profile puts the resident in.
func (s *ResidentStore) sets(p broadcast.Profile) []string {
	var out []string
	for _, path := range broadcast.Paths(p.Area) {
		out = append(out, s.keys.BcArea(path))
	}
	if p.Group != "" {
		out = append(out, s.keys.BcGroup(string(p.Group)))
	}
	return out
}

// kids lists, for each level of a, the kids HASH of the level above and
// the place's field and written name. The field of a place with a code is
// its path ("c:33.75.03"); of a place by name, its normalized name.
func (s *ResidentStore) kids(a cadre.Area) [][3]string {
	var out [][3]string
	parent := ""
	names := []string{a.Kabupaten, a.Kecamatan, a.Kelurahan, a.KampungKB}
	for i, path := range broadcast.Paths(a) {
		field := broadcast.Norm(names[i])
		if strings.HasPrefix(path, broadcast.CodePrefix) && !strings.Contains(path, "|") {
			field = path
		}
		out = append(out, [3]string{s.keys.BcKids(parent), field, names[i]})
		parent = path
	}
	return out
}

// areaSets returns the audience sets holding the residents within a: the
// set of everyone for the whole country; else the set of a's narrowest
// path and, for an area with a code, the set of its names' path too, where
// residents not migrated to codes yet are.
func areaSets(keys Keys, a cadre.Area) []string {
	paths := broadcast.Paths(a)
	if len(paths) == 0 {
		return []string{keys.BcAll()}
	}
	out := []string{keys.BcArea(paths[len(paths)-1])}
	if a.Code != "" {
		if np := broadcast.NamePaths(a); len(np) > 0 {
			out = append(out, keys.BcArea(np[len(np)-1]))
		}
	}
	return out
}

// Places lists the places one level below parent that residents
// mentioned, sorted by name, each with how many residents live
// there now.
func (s *ResidentStore) Places(ctx context.Context, parent cadre.Area) ([]broadcast.Place, error) {
	parent = broadcast.Trim(parent)
	if broadcast.Depth(parent) >= 4 {
		return nil, nil
	}
	paths := broadcast.Paths(parent)
	ppath := ""
	if len(paths) > 0 {
		ppath = paths[len(paths)-1]
	}
	names, err := s.rdb.HGetAll(ctx, s.keys.BcKids(ppath)).Result()
	if err != nil {
		return nil, wrap("read places", err)
	}
	type entry struct {
		name, code string
		n          *redis.IntCmd
	}
	var list []entry
	pipe := s.rdb.Pipeline()
	for field, name := range names {
		path, code := field, ""
		if c, ok := strings.CutPrefix(field, broadcast.CodePrefix); ok {
			code = c
		} else if ppath != "" {
			path = ppath + "|" + field
		}
		list = append(list, entry{name: name, code: code, n: pipe.SCard(ctx, s.keys.BcArea(path))})
	}
	if len(list) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, wrap("count places", err)
		}
	}
	out := make([]broadcast.Place, 0, len(list))
	for _, e := range list {
		out = append(out, broadcast.Place{Name: e.name, Code: e.code, Residents: int(e.n.Val())})
	}
	sort.Slice(out, func(i, j int) bool { return broadcast.Norm(out[i].Name) < broadcast.Norm(out[j].Name) })
	return out, nil
}

// SetStopped records that the resident said /berhenti (stopped true) or
// /mulai (false). Broadcasts skip stopped residents.
func (s *ResidentStore) SetStopped(ctx context.Context, chat kbbot.ChatID, stopped bool) error {
	return s.flag(ctx, s.keys.BcStopped(), chat, stopped, "stopped")
}

// SetBlocked records that the resident blocked the bot (true) or came back
// (false). Broadcasts skip blocked residents.
func (s *ResidentStore) SetBlocked(ctx context.Context, chat kbbot.ChatID, blocked bool) error {
	return s.flag(ctx, s.keys.BcBlocked(), chat, blocked, "blocked")
}

func (s *ResidentStore) flag(ctx context.Context, key string, chat kbbot.ChatID, on bool, what string) error {
	var err error
	if on {
		err = s.rdb.SAdd(ctx, key, chatField(chat)).Err()
	} else {
		err = s.rdb.SRem(ctx, key, chatField(chat)).Err()
	}
	return wrap("set "+what, err)
}

// OptedOut reports whether the resident said /berhenti or blocked the bot.
func (s *ResidentStore) OptedOut(ctx context.Context, chat kbbot.ChatID) (bool, error) {
	pipe := s.rdb.Pipeline()
	a := pipe.SIsMember(ctx, s.keys.BcStopped(), chatField(chat))
	b := pipe.SIsMember(ctx, s.keys.BcBlocked(), chatField(chat))
	if _, err := pipe.Exec(ctx); err != nil {
		return false, wrap("read opt-out", err)
	}
	return a.Val() || b.Val(), nil
}

// EraseResident deletes the resident's profile, their place in every
// audience and their opt-out marks, for /hapusdata.
func (s *ResidentStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	if err := s.DeleteProfile(ctx, chat); err != nil {
		return err
	}
	pipe := s.rdb.Pipeline()
	pipe.SRem(ctx, s.keys.BcStopped(), chatField(chat))
	pipe.SRem(ctx, s.keys.BcBlocked(), chatField(chat))
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap("erase opt-out", err)
	}
	return nil
}

func chatField(c kbbot.ChatID) string { return strconv.FormatInt(int64(c), 10) }
