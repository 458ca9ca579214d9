package sheet

import (
	"time"

	"github.com/kbbot/kbbot/booking"
)

// Cell values of a catalog, by kind, for the writers: string, int,
// float64, booking.Date, clockValue, wallValue, bool, or nil (empty).

// clockValue is a time of day, minutes since midnight.
type clockValue int

// wallValue is a local date and time (its zone is ignored).
type wallValue time.Time

// catalogRows returns the rows of each table that describe c, each row one
// value per column of the table. Reading them back gives c again.
func catalogRows(c *booking.Catalog) map[*table][][]any {
	out := map[*table][][]any{}
	fT, eT, sT, xT := tableNamed(SheetFacilities), tableNamed(SheetEvents), tableNamed(SheetSites), tableNamed(SheetSessions)
	for _, f := range c.Facilities() {
		out[fT] = append(out[fT], rowOf(fT, map[string]any{
			"id": f.ID, "name": f.Name, "type": string(f.Type), "address": f.Address, "kelurahan": f.Kelurahan,
			"kecamatan": f.Kecamatan, "kabupaten": f.Kabupaten, "provinsi": f.Provinsi, "lat": f.Lat, "lon": f.Lon,
			"timezone": f.TimeZone, "demo": f.Demo,
		}))
	}
	for _, e := range c.Events() {
		v := map[string]any{"id": e.ID, "name": e.Name, "date": e.Date, "booking_closes": closesValue(c, e), "cancelled": e.Cancelled}
		for m, n := range e.Targets {
			v["targets."+string(m)] = n
		}
		out[eT] = append(out[eT], rowOf(eT, v))
		for _, s := range e.Sites {
			// A cancelled event's sites are cancelled with it: the event's
			// cell says so once.
			v := map[string]any{"event": e.ID, "facility": s.Facility, "oversubscribe": s.Oversubscribe, "cancelled": s.Cancelled && !e.Cancelled}
			for m, n := range s.Quota {
				v["quota."+string(m)] = n
			}
			out[sT] = append(out[sT], rowOf(sT, v))
			f, _ := c.Facility(s.Facility)
			for _, x := range s.Sessions {
				out[xT] = append(out[xT], rowOf(xT, map[string]any{"event": e.ID, "facility": s.Facility,
					"start": localClock(x.Start, f), "end": localClock(x.End, f), "capacity": x.Capacity}))
			}
		}
	}
	return out
}

// rowOf lays values by field out in the table's column order.
func rowOf(t *table, v map[string]any) []any {
	row := make([]any, len(t.cols))
	for i, c := range t.cols {
		row[i] = v[c.field]
		if b, ok := row[i].(bool); ok && !b {
			row[i] = nil
		}
	}
	return row
}

func localClock(t time.Time, f *booking.Facility) clockValue {
	l := t.In(f.Location)
	return clockValue(l.Hour()*60 + l.Minute())
}

// closesValue is the event's booking cut-off as the file writes it: empty
// for the default (the day before at 20:00 at every site), else the local
// date and time shared by every site, else the instant (RFC 3339).
func closesValue(c *booking.Catalog, e *booking.Event) any {
	def, sameWall := true, true
	var wall time.Time
	for i, s := range e.Sites {
		f, ok := c.Facility(s.Facility)
		if !ok {
			continue
		}
		if !s.Closes.Equal(booking.DefaultCutoff(e.Date, f.Location)) {
			def = false
		}
		l := s.Closes.In(f.Location)
		w := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
		if i == 0 {
			wall = w
		} else if !w.Equal(wall) {
			sameWall = false
		}
	}
	switch {
	case def || len(e.Sites) == 0:
		return nil
	case sameWall:
		return wallValue(wall)
	}
	return e.Sites[0].Closes.UTC().Format(time.RFC3339)
}
