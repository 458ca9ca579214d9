package redisstore

import (
	"context"
	_ "embed"
	"errors"

	"github.com/redis/go-redis/v9"
)

// The events' layout. Since events layout "2" an event's counters sit in
// its limit hash beside the limits (EventLimits: "u|..." places taken,
// "t|..." queue numbers), so that the booking function checks a place in
// one read and takes it in one write; and a booking's place and record
// are one field, its row (EventRecords), so that a booking is stored in
// one write; and a resident's state is one field (EventResidents), so that
// a booking reads and writes the resident in one lookup. Earlier versions
// kept the places taken in a hash of their own (EventUsed), the queue
// numbers among the residents' fields, the places in a hash of their own
// (EventPlaces) and a resident's state in four fields; MigrateEvents moves
// them.

var (
	//go:embed lua/book_layout.lua
	bookLayoutLua    string
	bookLayoutScript = bookingScript(bookLayoutLua)
)

// eventsLayout is the current layout of the events (EventsLayout).
const eventsLayout = "2"

// EventMigration counts what MigrateEvents moved.
type EventMigration struct {
	// Events is how many events had something to move.
	Events int
	// Fields is how many counters, places and residents' fields were
	// moved.
	Fields int
	// Done is true when the layout was current already (nothing read).
	Done bool
}

// MigrateEvents moves every imported event (Events) an earlier version
// kept into this layout, one event per script call (atomic for that
// event), then sets EventsLayout; once done, later calls read only
// EventsLayout. An event's old used and place hashes become a string
// ("moved: events layout 2"), on which a process of an earlier version fails before it
// writes. Idempotent: a migration cut off anywhere is finished by the
// next. An event imported after the move is in this layout from the
// start, and an import moves an event still in the old one first.
//
// app.New calls it before serving. Stop the processes of earlier versions
// first: they book against the old counters, which nothing reads now.
func (s *BookingStore) MigrateEvents(ctx context.Context) (EventMigration, error) {
	var out EventMigration
	v, err := s.rdb.Get(ctx, s.keys.EventsLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, wrap("read events layout", err)
	}
	if v == eventsLayout {
		out.Done = true
		return out, nil
	}
	ids, err := s.rdb.SMembers(ctx, s.keys.Events()).Result()
	if err != nil {
		return out, wrap("migrate events: list", err)
	}
	for _, id := range ids {
		n, err := bookLayoutScript.Run(ctx, s.rdb, s.keys.EventKeys(id)).Int()
		if err != nil {
			return out, wrap("migrate event "+id, err)
		}
		if n > 0 {
			out.Events++
			out.Fields += n
			if err := s.markHashtable(ctx, id); err != nil {
				return out, err
			}
		}
	}
	if err := s.rdb.Set(ctx, s.keys.EventsLayout(), eventsLayout, 0).Err(); err != nil {
		return out, wrap("set events layout", err)
	}
	return out, nil
}

// markHashtable gives a moved event's limits HashtableMarker when the
// counters moved in took them past hashtableFields: an earlier version
// marked only events of many limits, and the counters it kept elsewhere
// now sit beside them (an import would mark it too: limitArgs).
func (s *BookingStore) markHashtable(ctx context.Context, eventID string) error {
	key := s.keys.EventLimits(eventID)
	n, err := s.rdb.HLen(ctx, key).Result()
	if err != nil {
		return wrap("migrate event "+eventID+": count limits", err)
	}
	if n <= hashtableFields {
		return nil
	}
	return wrap("migrate event "+eventID+": mark limits", s.rdb.HSetNX(ctx, key, HashtableMarker, "0").Err())
}
