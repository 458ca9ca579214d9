package redisstore

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// Changes of events that booked residents must hear of. An import writes
// them to the event's change log (EventChanges) in the same script as the
// new definition (lua/book_import.lua), so none is lost to a crash; they
// are carried out and told (conversations.NotifyEventChanges) and then
// leave the log (ChangeDone). Every step is idempotent: a change carried
// out twice cancels nothing twice, and its notices have ids of their own.

var (
	//go:embed lua/book_void.lua
	bookVoidLua    string
	bookVoidScript = bookingScript(bookVoidLua)
)

// affected counts the active bookings a change concerns: at a cancelled
// site, or in a moved session.
func (s *BookingStore) affected(ctx context.Context, ch booking.Change) (int, error) {
	rows, err := s.rdb.HGetAll(ctx, s.keys.EventRecords(ch.EventID)).Result()
	if err != nil {
		return 0, wrap("count bookings of a change", err)
	}
	cancelled := map[string]bool{}
	for _, f := range ch.Cancelled {
		cancelled[f] = true
	}
	moved := map[string]bool{}
	for _, m := range ch.Moved {
		moved[m.Facility+"|"+m.Session] = true
	}
	n := 0
	for code, row := range rows {
		raw, _, _ := rowOf(row)
		f := strings.Split(raw, "|")
		if strings.HasPrefix(code, "e|") || len(f) < 3 || f[0] != string(booking.Active) {
			continue
		}
		if cancelled[f[1]] || moved[f[1]+"|"+f[2]] {
			n++
		}
	}
	return n, nil
}

// PendingChanges lists the changes of every event whose residents are
// not all told yet, oldest first within an event.
func (s *BookingStore) PendingChanges(ctx context.Context) ([]booking.PendingChange, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.Events()).Result()
	if err != nil {
		return nil, wrap("list events", err)
	}
	sort.Strings(ids)
	pipe := s.rdb.Pipeline()
	logs := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		logs[i] = pipe.HGetAll(ctx, s.keys.EventChanges(id))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, wrap("read change logs", err)
		}
	}
	var out []booking.PendingChange
	for i, id := range ids {
		var evs []booking.PendingChange
		for field, v := range logs[i].Val() {
			n, err := strconv.Atoi(field)
			if err != nil {
				continue // "seq"
			}
			pc, ok := parseChange(id, n, v)
			if !ok {
				return nil, fmt.Errorf("redisstore: event %s: malformed change %d %q", id, n, v)
			}
			evs = append(evs, pc)
		}
		sort.Slice(evs, func(a, b int) bool { return evs[a].N < evs[b].N })
		out = append(out, evs...)
	}
	return out, nil
}

// parseChange reads an entry of the change log.
func parseChange(eventID string, n int, v string) (booking.PendingChange, bool) {
	f := strings.Split(v, "|")
	pc := booking.PendingChange{EventID: eventID, N: n, Kind: booking.ChangeKind(f[0])}
	switch {
	case pc.Kind == booking.ChangeMoved && len(f) == 5:
		pc.Facility, pc.Session, pc.From, pc.To = f[1], f[2], parseMS(f[3]), parseMS(f[4])
	case pc.Kind == booking.ChangeCancelled && len(f) == 2:
		pc.Facility = f[1]
	default:
		return pc, false
	}
	return pc, true
}

// ApplyChange carries out a pending change and returns whom it concerns.
// A session moved: the active bookings of the session (the import moved
// them already). A site cancelled: every booking at the site is cancelled
// and its place freed, offers held there are released (lua/book_void.lua),
// and the result names the bookings this change cancelled (now or in an
// earlier call) and the residents waiting or holding an offer there, who
// stay on the waitlist until ChangeDone. Idempotent.
func (s *BookingStore) ApplyChange(ctx context.Context, pc booking.PendingChange) (booking.ChangeEffect, error) {
	var eff booking.ChangeEffect
	switch pc.Kind {
	case booking.ChangeMoved:
		all, err := s.DayList(ctx, pc.EventID, pc.Facility)
		if err != nil {
			return eff, err
		}
		for _, b := range all {
			if b.SessionID == pc.Session && b.Status == booking.Active {
				eff.Bookings = append(eff.Bookings, b)
			}
		}
		return eff, nil
	case booking.ChangeCancelled:
	default:
		return eff, fmt.Errorf("redisstore: apply change %s/%d: unknown kind %q: %w", pc.EventID, pc.N, pc.Kind, booking.ErrInvalid)
	}
	v, err := bookVoidScript.Run(ctx, s.rdb, s.keys.EventKeys(pc.EventID), msArg(s.clock.Now()), pc.Facility, strconv.Itoa(pc.N),
		"void", s.ttlArg()).Slice()
	if err != nil {
		return eff, wrap("cancel a site's bookings", err)
	}
	out := strs(v)
	if len(out) < 2 || out[0] != "ok" {
		return eff, fmt.Errorf("redisstore: cancel a site's bookings: unexpected reply %v", out)
	}
	n, _ := strconv.Atoi(out[1])
	codes, rest := out[2:min(len(out), 2+n)], out[min(len(out), 2+n):]
	if len(codes) > 0 {
		rows, err := s.rdb.HMGet(ctx, s.keys.EventRecords(pc.EventID), codes...).Result()
		if err != nil {
			return eff, wrap("read cancelled bookings", err)
		}
		for i, c := range codes {
			row, _ := rows[i].(string)
			place, rec, ok := rowOf(row)
			if !ok {
				continue
			}
			b, err := decodeBooking(pc.EventID, c, rec, place)
			if err != nil {
				return eff, err
			}
			eff.Bookings = append(eff.Bookings, b)
		}
	}
	for _, r := range rest {
		chat, err := strconv.ParseInt(strings.TrimPrefix(r, "c"), 10, 64)
		if err != nil || chat == 0 {
			continue
		}
		eff.Waiting = append(eff.Waiting, booking.Waiting{EventID: pc.EventID, FacilityID: pc.Facility, Resident: kbbot.ChatID(chat)})
	}
	return eff, nil
}

// ChangeDone records that everyone a change concerns was told: the
// residents waiting at a cancelled site leave the waitlist, and the change
// leaves the log. Idempotent.
func (s *BookingStore) ChangeDone(ctx context.Context, pc booking.PendingChange) error {
	if pc.Kind == booking.ChangeCancelled {
		if err := bookVoidScript.Run(ctx, s.rdb, s.keys.EventKeys(pc.EventID), msArg(s.clock.Now()), pc.Facility, strconv.Itoa(pc.N),
			"drop", s.ttlArg()).Err(); err != nil {
			return wrap("clear a cancelled site's waitlist", err)
		}
	}
	if err := s.rdb.HDel(ctx, s.keys.EventChanges(pc.EventID), strconv.Itoa(pc.N)).Err(); err != nil {
		return wrap("close a change", err)
	}
	return nil
}
