package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/resident"
)

// FollowUpKeep is how long a "sudah dihubungi" mark is kept: the list
// shows a contacted resident for a while, and a mark older than a reason
// to follow up again means nothing.
const FollowUpKeep = 180 * 24 * time.Hour

// FollowUpStore keeps what the cadres' follow-up list needs beyond the
// bookings: the residents of an area who stopped or blocked the bot (from
// the residents' index), their records (read, never written: a record
// changes only in its own chat's step), and the "sudah dihubungi" marks.
// A resident's mark is under their chat's tag; the mark of a resident
// booked without a phone is under the booking's code.
type FollowUpStore struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewFollowUpStore returns the follow-up store on rdb.
func NewFollowUpStore(rdb redis.UniversalClient, keys Keys) *FollowUpStore {
	return &FollowUpStore{rdb: rdb, keys: keys}
}

// OptedOutIn lists the residents whose area (told with /wilayah) lies
// within area and who said /berhenti or blocked the bot; the whole
// country for the zero area. One round trip, in the residents' index's
// slot.
func (s *FollowUpStore) OptedOutIn(ctx context.Context, area cadre.Area) ([]kbbot.ChatID, error) {
	pipe := s.rdb.Pipeline()
	var cmds []*redis.StringSliceCmd
	for _, in := range areaSets(s.keys, area) {
		cmds = append(cmds, pipe.SInter(ctx, in, s.keys.BcStopped()), pipe.SInter(ctx, in, s.keys.BcBlocked()))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("residents who stopped", err)
	}
	seen := map[kbbot.ChatID]bool{}
	var out []kbbot.ChatID
	var ids []string
	for _, c := range cmds {
		ids = append(ids, c.Val()...)
	}
	for _, id := range ids {
		c := parseChat(id)
		if c != 0 && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// Records reads the residents' records; a chat without one (or with one
// that cannot be read) is left out.
func (s *FollowUpStore) Records(ctx context.Context, chats []kbbot.ChatID) (map[kbbot.ChatID]*resident.Record, error) {
	out := map[kbbot.ChatID]*resident.Record{}
	if len(chats) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(chats))
	for i, c := range chats {
		cmds[i] = pipe.Get(ctx, s.keys.ChatRecord(c))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("read resident records", err)
	}
	for i, c := range chats {
		if cmds[i].Err() != nil {
			continue
		}
		r, err := resident.Decode([]byte(cmds[i].Val()))
		if err == nil && r != nil {
			out[c] = r
		}
	}
	return out, nil
}

// markKey is the key of a follow-up row's mark: "c<chat>" or "b<code>".
func (s *FollowUpStore) markKey(key string) (string, error) {
	switch {
	case strings.HasPrefix(key, "c"):
		if c := parseChat(key[1:]); c != 0 {
			return s.keys.FollowUpMark(c), nil
		}
	case strings.HasPrefix(key, "b"):
		if code, ok := booking.NormalizeCode(key[1:]); ok {
			return s.keys.FollowUpBookingMark(code), nil
		}
	}
	return "", fmt.Errorf("redisstore: follow-up key %q: %w", key, booking.ErrInvalid)
}

// Contacts returns the marks of the rows keyed "c<chat>" (a resident) or
// "b<code>" (a resident booked without a phone), by key; rows without a
// mark are left out.
func (s *FollowUpStore) Contacts(ctx context.Context, keys []string) (map[string]cadre.Contacted, error) {
	out := map[string]cadre.Contacted{}
	pipe := s.rdb.Pipeline()
	cmds := map[string]*redis.StringCmd{}
	for _, k := range keys {
		rk, err := s.markKey(k)
		if err != nil {
			continue
		}
		cmds[k] = pipe.Get(ctx, rk)
	}
	if len(cmds) == 0 {
		return out, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("read follow-up marks", err)
	}
	for k, cmd := range cmds {
		by, at, ok := strings.Cut(cmd.Val(), "|")
		if cmd.Err() != nil || !ok {
			continue
		}
		ms, _ := strconv.ParseInt(at, 10, 64)
		out[k] = cadre.Contacted{By: parseChat(by), At: time.UnixMilli(ms).UTC()}
	}
	return out, nil
}

// MarkContacted stores that c.By contacted the row's resident at c.At,
// replacing an older mark; kept FollowUpKeep.
func (s *FollowUpStore) MarkContacted(ctx context.Context, key string, c cadre.Contacted) error {
	rk, err := s.markKey(key)
	if err != nil {
		return err
	}
	v := chatArg(c.By) + "|" + msArg(c.At)
	return wrap("write a follow-up mark", s.rdb.Set(ctx, rk, v, FollowUpKeep).Err())
}

// ForgetBooking deletes the mark of the resident of booking code, booked
// without a phone, for /hapuspeserta.
func (s *FollowUpStore) ForgetBooking(ctx context.Context, code string) error {
	rk, err := s.markKey("b" + code)
	if err != nil {
		return err
	}
	return wrap("delete a follow-up mark", s.rdb.Del(ctx, rk).Err())
}

// EraseResident deletes the mark of chat's resident, for /hapusdata.
func (s *FollowUpStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	return wrap("delete a follow-up mark", s.rdb.Del(ctx, s.keys.FollowUpMark(chat)).Err())
}
