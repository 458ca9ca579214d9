package booking

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Domain errors. Stores wrap them so that errors.Is finds them; ErrFull,
// ErrAlreadyBooked and ErrBelowBooked come as *FullError,
// *AlreadyBookedError and *BelowBookedError with details (errors.As).
var (
	// ErrFull means the method's quota or the session's capacity has no
	// place left.
	ErrFull = errors.New("no places left")
	// ErrAlreadyBooked means the resident has an active booking for the
	// event already.
	ErrAlreadyBooked = errors.New("already booked for this event")
	// ErrClosed means booking closed at the site's cut-off.
	ErrClosed = errors.New("booking is closed")
	// ErrNotFound means there is no such booking, waitlist entry or offer.
	ErrNotFound = errors.New("not found")
	// ErrNotYours means the booking belongs to someone else.
	ErrNotYours = errors.New("booking belongs to someone else")
	// ErrOfferExpired means the offer's deadline has passed.
	ErrOfferExpired = errors.New("offer expired")
	// ErrUnknownEvent means the event does not exist (or was not imported).
	ErrUnknownEvent = errors.New("unknown event")
	// ErrUnknownSite means the event has no site at that facility.
	ErrUnknownSite = errors.New("unknown site")
	// ErrUnknownMethod means the method is not a known code or not offered
	// at the site.
	ErrUnknownMethod = errors.New("method not offered")
	// ErrUnknownSession means the site has no such session.
	ErrUnknownSession = errors.New("unknown session")
	// ErrBelowBooked means an import would set a quota or capacity below
	// the places already taken, or remove a site, method or session that
	// has bookings.
	ErrBelowBooked = errors.New("below places already booked")
	// ErrInvalid means a request is malformed (missing name, consent, ...).
	ErrInvalid = errors.New("invalid request")
)

// Full says what is full.
type Full string

// What can be full.
const (
	FullMethod  Full = "method"  // the site's quota for the method
	FullSession Full = "session" // the session's capacity
)

// FullError is ErrFull with what is full.
type FullError struct {
	What       Full
	EventID    string
	FacilityID string
	Method     Method // when What is FullMethod
	SessionID  string // when What is FullSession
}

// Error says what is full.
func (e *FullError) Error() string {
	if e.What == FullSession {
		return fmt.Sprintf("session %s at %s is full: %v", e.SessionID, e.FacilityID, ErrFull)
	}
	return fmt.Sprintf("method %s at %s is full: %v", e.Method, e.FacilityID, ErrFull)
}

// Is makes errors.Is(err, ErrFull) true.
func (e *FullError) Is(target error) bool { return target == ErrFull }

// AlreadyBookedError is ErrAlreadyBooked with the booking the resident
// already has.
type AlreadyBookedError struct {
	Existing Booking
}

// Error names the existing booking.
func (e *AlreadyBookedError) Error() string {
	return fmt.Sprintf("booking %s exists: %v", e.Existing.Code, ErrAlreadyBooked)
}

// Is makes errors.Is(err, ErrAlreadyBooked) true.
func (e *AlreadyBookedError) Is(target error) bool { return target == ErrAlreadyBooked }

// BelowBookedError is ErrBelowBooked with one line per refused limit, each
// naming the event, site and method or session, and the same limits as
// values (Limits) for readers that word them their own way.
type BelowBookedError struct {
	Problems []string
	Limits   []BelowLimit
}

// BelowLimit is one limit an import would set below the places already
// taken: a method's quota (Method set) or a session's capacity (Session
// set, its id, e.g. "0800") at one site of an event.
type BelowLimit struct {
	Event, Facility string
	Method          Method
	Session         string
	// SessionStart is when the session starts as stored (its id names
	// the start it had when first imported: a moved session keeps it).
	SessionStart time.Time
	Taken        int
	// Limit is the new quota or capacity; -1 when the file leaves the
	// method or session out.
	Limit int
}

// Error lists the refused limits.
func (e *BelowBookedError) Error() string {
	return fmt.Sprintf("%v: %s", ErrBelowBooked, strings.Join(e.Problems, "; "))
}

// Is makes errors.Is(err, ErrBelowBooked) true.
func (e *BelowBookedError) Is(target error) bool { return target == ErrBelowBooked }
