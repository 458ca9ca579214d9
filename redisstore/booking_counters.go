package redisstore

import (
	"context"
	_ "embed"
	"errors"

	"github.com/redis/go-redis/v9"
)

// The counters' layout. Since counters layout "2" an event's counters sit
// in its limit hash beside the limits (EventLimits: "u|..." places taken,
// "t|..." queue numbers), so that the booking function checks a place in
// one read and takes it in one write. Earlier versions kept the places
// taken in a hash of their own (EventUsed) and the queue numbers among the
// residents' fields (EventResidents); MigrateCounters moves them.

var (
	//go:embed lua/book_counters.lua
	bookCountersLua    string
	bookCountersScript = bookingScript(bookCountersLua)
)

// countersLayout is the current layout of the counters (CountersLayout).
const countersLayout = "2"

// CounterMigration counts what MigrateCounters moved.
type CounterMigration struct {
	// Events is how many events had counters to move.
	Events int
	// Fields is how many counters were moved.
	Fields int
	// Done is true when the layout was current already (nothing read).
	Done bool
}

// MigrateCounters moves the counters of every imported event (Events) into
// its limit hash, one event per script call (atomic for that event), then
// sets CountersLayout; once done, later calls read only CountersLayout.
// An event's old used hash becomes the string "moved", on which a process
// of an earlier version fails before it writes. Idempotent: a migration
// cut off anywhere is finished by the next. An event imported after the
// move has its counters in place from the start.
//
// app.New calls it before serving. Stop the processes of earlier versions
// first: they book against the old counters, which nothing reads now.
func (s *BookingStore) MigrateCounters(ctx context.Context) (CounterMigration, error) {
	var out CounterMigration
	v, err := s.rdb.Get(ctx, s.keys.CountersLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, wrap("read counters layout", err)
	}
	if v == countersLayout {
		out.Done = true
		return out, nil
	}
	ids, err := s.rdb.SMembers(ctx, s.keys.Events()).Result()
	if err != nil {
		return out, wrap("migrate counters: list events", err)
	}
	for _, id := range ids {
		n, err := bookCountersScript.Run(ctx, s.rdb, s.keys.EventKeys(id)).Int()
		if err != nil {
			return out, wrap("migrate counters of event "+id, err)
		}
		if n > 0 {
			out.Events++
			out.Fields += n
		}
	}
	if err := s.rdb.Set(ctx, s.keys.CountersLayout(), countersLayout, 0).Err(); err != nil {
		return out, wrap("set counters layout", err)
	}
	return out, nil
}
