package reminders

import "time"

// QuietHours is a daily span of local time when nothing that can wait is
// sent. Start and End are offsets from local midnight; Start > End spans
// midnight (21:00-06:00), Start == End means no quiet hours.
type QuietHours struct {
	Start time.Duration
	End   time.Duration
}

// DefaultQuiet is 21:00-06:00 local, as issue #5 asks.
var DefaultQuiet = QuietHours{Start: 21 * time.Hour, End: 6 * time.Hour}

// sinceMidnight returns the local date of t in loc and the time since its
// local midnight.
func sinceMidnight(t time.Time, loc *time.Location) (y int, m time.Month, d int, tod time.Duration) {
	l := t.In(loc)
	y, m, d = l.Date()
	tod = time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute +
		time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return y, m, d, tod
}

// at returns the instant of local wall time off on the date y-m-d in loc.
func at(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Add(off)
}

// Contains reports whether t falls in quiet hours in loc.
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	_, _, _, tod := sinceMidnight(t, loc)
	switch {
	case q.Start == q.End:
		return false
	case q.Start > q.End: // spans midnight
		return tod >= q.Start || tod < q.End
	default:
		return tod >= q.Start && tod < q.End
	}
}

// Shift returns t when it is outside quiet hours in loc, otherwise the end
// of those quiet hours (06:00 local by default), in UTC.
func (q QuietHours) Shift(t time.Time, loc *time.Location) time.Time {
	if !q.Contains(t, loc) {
		return t.UTC()
	}
	y, m, d, tod := sinceMidnight(t, loc)
	if q.Start > q.End && tod >= q.Start {
		d++ // 21:00-24:00: quiet ends tomorrow morning
	}
	return at(y, m, d, q.End, loc).UTC()
}

// StartOn returns when quiet hours begin on the local date of t, in UTC.
func (q QuietHours) StartOn(t time.Time, loc *time.Location) time.Time {
	y, m, d, _ := sinceMidnight(t, loc)
	return at(y, m, d, q.Start, loc).UTC()
}

// ShiftOutOfQuietHours moves t out of the default quiet hours (21:00-06:00
// local) to their end, 06:00 local; a t outside them is returned as is.
// The result is UTC.
func ShiftOutOfQuietHours(t time.Time, loc *time.Location) time.Time {
	return DefaultQuiet.Shift(t, loc)
}
