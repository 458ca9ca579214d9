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
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// Deleting personal data that is no longer needed: the retention purge
// after an event. It strips bookings in place (lua/book_lib.lua strip): the booking code,
// status, place, method, times and check-in stay, so every count of the
// rekap stays as it was; name, phone, screening answers, resident ref and
// the chats of resident and cadre go.

var (
	//go:embed lua/book_purge.lua
	bookPurgeLua string

	bookPurgeScript = bookingScript(bookPurgeLua)
)

// PurgePersonal deletes the personal data of every event whose end (the
// end of its last session) plus the store's retention
// (BookingOptions.Retention) is before now: for every booking of the
// event, made by a resident or by a cadre, the name, phone, WHO checklist
// answers, resident ref and the chat ids of resident and cadre; the
// waitlist entries and offers with their chats; and the event in each
// chat's index of events. What the rekap counts stays identical (status,
// facility, session and method of each booking, check-ins, waitlist
// counts; see lua/book_purge.lua), and so does each booking code, which
// Get then returns with ErasedAt set and no personal fields.
//
// A purged event is marked (Keys.PurgedEvents), so later runs skip it at
// the cost of one set read. PurgePersonal is idempotent and safe to run in
// several processes at once; it returns how many events it purged now. It
// reads no clock: the scheduler passes now.
func (s *BookingStore) PurgePersonal(ctx context.Context, now time.Time) (int, error) {
	pipe := s.rdb.Pipeline()
	all := pipe.SMembers(ctx, s.keys.Events())
	done := pipe.SMembers(ctx, s.keys.PurgedEvents())
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, wrap("list events to purge", err)
	}
	skip := map[string]bool{}
	for _, id := range done.Val() {
		skip[id] = true
	}
	ids := all.Val()
	sort.Strings(ids)
	purged := 0
	var errs []error
	for _, id := range ids {
		if skip[id] {
			continue
		}
		due, err := s.purgeDue(ctx, id, now)
		if err == nil && due {
			err = s.purgeEvent(ctx, id, now)
			if err == nil {
				purged++
			}
		}
		if err != nil {
			errs = append(errs, err) // the other events still get their turn
		}
	}
	return purged, errors.Join(errs...)
}

// purgeDue reports whether the retention of event id ran out by now.
func (s *BookingStore) purgeDue(ctx context.Context, id string, now time.Time) (bool, error) {
	raw, err := s.rdb.Get(ctx, s.keys.EventDef(id)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil // indexed before its definition was written
	}
	if err != nil {
		return false, wrap("read event "+id, err)
	}
	var ev booking.Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		return false, fmt.Errorf("redisstore: purge: decode event %s: %w", id, err)
	}
	return eventEnd(&ev).Add(s.keep).Before(now), nil
}

// eventEnd returns when an event is over: the end of its last session,
// or, for an event without sessions, midnight UTC after its date (later
// than the end of that day in every Indonesian zone).
func eventEnd(ev *booking.Event) time.Time {
	var end time.Time
	for _, site := range ev.Sites {
		for _, x := range site.Sessions {
			if x.End.After(end) {
				end = x.End
			}
		}
	}
	if end.IsZero() {
		end = ev.Date.AddDays(1).At(0, 0, time.UTC)
	}
	return end
}

// purgeEvent takes event id out of the index of every chat it names (one
// SREM per chat: each index is in its own slot), then strips the event in
// one script, then marks it purged. Each step is idempotent, so a run cut
// short is finished by the next.
func (s *BookingStore) purgeEvent(ctx context.Context, id string, now time.Time) error {
	fields, err := s.rdb.HKeys(ctx, s.keys.EventResidents(id)).Result()
	if err != nil {
		return wrap("purge: read residents of "+id, err)
	}
	if chats := fieldChats(fields); len(chats) > 0 {
		pipe := s.rdb.Pipeline()
		for _, c := range chats {
			s.unindexEvents(ctx, pipe, c, id)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return wrap("purge: unindex residents of "+id, err)
		}
	}
	v, err := bookPurgeScript.Run(ctx, s.rdb, s.keys.EventKeys(id), msArg(now)).Slice()
	if err != nil {
		return wrap("purge "+id, err)
	}
	if out := strs(v); len(out) == 0 || (out[0] != "purged" && out[0] != "already") {
		return fmt.Errorf("redisstore: purge %s: unexpected reply %v", id, out)
	}
	return wrap("purge: mark "+id, s.rdb.SAdd(ctx, s.keys.PurgedEvents(), id).Err())
}

// fieldChats returns the chats named by fields of an EventResidents hash:
// residents "c<chat>" (their state; "c<chat>|..." in an earlier layout)
// and cadres "b<chat>|h", each once.
func fieldChats(fields []string) []kbbot.ChatID {
	seen := map[kbbot.ChatID]bool{}
	var out []kbbot.ChatID
	for _, f := range fields {
		if len(f) < 2 || (f[0] != 'c' && f[0] != 'b') {
			continue
		}
		head, _, ok := strings.Cut(f[1:], "|")
		if !ok && f[0] != 'c' {
			continue
		}
		n, err := strconv.ParseInt(head, 10, 64)
		if err != nil || n == 0 || seen[kbbot.ChatID(n)] {
			continue
		}
		seen[kbbot.ChatID(n)] = true
		out = append(out, kbbot.ChatID(n))
	}
	return out
}
