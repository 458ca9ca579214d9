package booking

import (
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
)

// MaxIDLen bounds facility, event, session and resident-ref ids (they are
// parts of Redis keys and of 64-byte callback data).
const MaxIDLen = 40

// ValidID reports whether s is a valid id: 1 to MaxIDLen characters of
// a-z, 0-9 and '-', starting with a letter or digit.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLen || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// DefaultCutoffHour is the local hour, on the day before the event, at
// which booking closes unless the events file says otherwise.
const DefaultCutoffHour = 20

// DefaultCutoff returns the default booking cut-off of an event on d at a
// facility in loc: the day before, 20:00 local.
func DefaultCutoff(d Date, loc *time.Location) time.Time {
	return d.AddDays(-1).At(DefaultCutoffHour, 0, loc).UTC()
}

// ActiveIn returns the resident's active booking for eventID among bs.
func ActiveIn(bs []Booking, eventID string) (Booking, bool) {
	for _, b := range bs {
		if b.EventID == eventID && b.Status == Active {
			return b, true
		}
	}
	return Booking{}, false
}

// CheckBook applies the rules a store enforces atomically, so a flow can
// tell the resident early: the place exists and is offered, booking is
// open at now, and the resident has no active booking for the event
// (bookings are theirs). The store checks again; its answer wins.
func CheckBook(c *Catalog, p Place, eventID string, now time.Time, bookings []Booking) error {
	slot, err := c.Slot(eventID, p.FacilityID, p.SessionID)
	if err != nil {
		return err
	}
	if slot.Site.Quota[p.Method] <= 0 {
		return fmt.Errorf("booking: %s is not offered at %s: %w", p.Method, p.FacilityID, ErrUnknownMethod)
	}
	if !slot.Site.Open(now) {
		return fmt.Errorf("booking: %s at %s closed at %s: %w", eventID, p.FacilityID, slot.Site.Closes.Format(time.RFC3339), ErrClosed)
	}
	if b, ok := ActiveIn(bookings, eventID); ok {
		return &AlreadyBookedError{Existing: b}
	}
	return nil
}

// CanManage checks that chat may cancel or change b.
func CanManage(b Booking, chat kbbot.ChatID) error {
	if !b.Owner(chat) {
		return fmt.Errorf("booking: %s: %w", b.Code, ErrNotYours)
	}
	return nil
}

// OfferDeadline returns until when a place offered at now is held: ttl
// later, but never past the site's cut-off. ok is false when booking has
// closed, and no offer can be made.
func OfferDeadline(now time.Time, ttl time.Duration, closes time.Time) (deadline time.Time, ok bool) {
	if !now.Before(closes) {
		return time.Time{}, false
	}
	d := now.Add(ttl)
	if d.After(closes) {
		d = closes
	}
	return d, true
}
