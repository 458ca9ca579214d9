package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
)

// The service day at a site: the queue numbers and their estimated times,
// walk-ins, and clients who were not served.
//
// Queue numbers are kept per method and session at a facility, as Mobile
// JKN keeps one queue per clinic: the clients of one method are served at
// its own table (the IUD room, the implant room), one after another. The
// store gives the numbers, atomically with the booking.

// QueueRound is the step an estimated time is rounded down to: "sekitar
// 09.10", never a minute a client would be late for.
const QueueRound = 5 * time.Minute

// QueuePlaces is how many clients of method m session sess can see at
// site: its capacity, but no more than the method's quota at the site.
func QueuePlaces(site *Site, sess *Session, m Method) int {
	return min(sess.Capacity, site.Quota[m])
}

// QueueEstimate is when the client with queue number n of method m in
// session sess at site should be served. The rule: the session's length
// is shared out evenly among the places the method can have in it
// (QueuePlaces), so number n comes at start + (n-1) × length / places.
// A number beyond the places (numbers are not reused, so cancellations
// can push them up) gets the last slot, within the session. The time is
// rounded down to QueueRound. ok is false for n < 1 or a method without
// places in the session.
func QueueEstimate(site *Site, sess *Session, m Method, n int) (at time.Time, ok bool) {
	places := QueuePlaces(site, sess, m)
	if n < 1 || places < 1 || !sess.End.After(sess.Start) {
		return time.Time{}, false
	}
	n = min(n, places)
	step := sess.End.Sub(sess.Start) / time.Duration(places)
	at = sess.Start.Add(time.Duration(n-1) * step)
	// Zones of Indonesia are whole hours from UTC: rounding the instant is
	// rounding the local clock.
	return at.Truncate(QueueRound), true
}

// NotServedReason says why a client who came (or was expected) was not
// served on the day.
type NotServedReason string

// The reasons staff can give.
const (
	ReasonPregnant NotServedReason = "hamil"        // pregnant
	ReasonExam     NotServedReason = "periksa"      // needs further examination first (perlu pemeriksaan lanjut)
	ReasonChanged  NotServedReason = "berubah"      // changed their mind (berubah pikiran)
	ReasonAbsent   NotServedReason = "tidak_datang" // did not come
)

// NotServedReasons lists the reasons in the order staff see them.
func NotServedReasons() []NotServedReason {
	return []NotServedReason{ReasonPregnant, ReasonExam, ReasonChanged, ReasonAbsent}
}

// Valid reports whether r is one of NotServedReasons.
func (r NotServedReason) Valid() bool {
	for _, x := range NotServedReasons() {
		if r == x {
			return true
		}
	}
	return false
}

// NotServedMark is staff's record that the client of a booking was not
// served, kept with the booking (in its record) until it is erased; the
// reason stays after the personal data is purged, for reports.
type NotServedMark struct {
	// Code is the booking's code.
	Code string
	// By is the staff member who marked it.
	By kbbot.ChatID
	// At is when (UTC).
	At time.Time
	// Reason is why.
	Reason NotServedReason
}

// Validate checks a mark before it reaches a store.
func (n NotServedMark) Validate() error {
	if !ValidCode(n.Code) || n.By == 0 || n.At.IsZero() || !n.Reason.Valid() {
		return fmt.Errorf("booking: not-served mark %s by %d reason %q: %w", n.Code, n.By, n.Reason, ErrInvalid)
	}
	return nil
}

// Refusals of the service day's store operations.
var (
	// ErrNotMarked means a not-served mark was to be undone on a booking
	// that has none.
	ErrNotMarked = errors.New("booking is not marked as not served")
	// ErrServed means the booking was checked in: it cannot be marked as
	// not served.
	ErrServed = errors.New("booking was checked in")
)

// ServiceDay reports whether now is the service day of event ev at
// facility f, in the facility's zone.
func ServiceDay(ev *Event, f *Facility, now time.Time) bool {
	return DateOf(now, f.Location) == ev.Date
}
