package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
)

// Check-in at the facility, and the counts a rekap is made of.
//
// A cadre or bidan checks a client in by booking code: the booking becomes
// Attended, with the method actually given and the category of the national
// KB register. A store keeps, besides the booking's own record (deleted by
// /hapusdata with the booking), an anonymous count per facility, method
// booked, method given and category, so that the service given still counts
// in a rekap after the client erased their data.

// Category is the category of the national KB register (the BKKBN's
// "peserta KB" reporting) a client is counted in when served.
type Category string

// The categories of the register.
const (
	// NewAcceptor is a peserta KB baru: using contraception for the first
	// time, or again after a pregnancy or a long break.
	NewAcceptor Category = "baru"
	// Continuing is a peserta KB ulang/lanjutan: continuing the same
	// method (the next injection, a new implant of the same kind).
	Continuing Category = "lanjutan"
	// Switching is ganti cara: an acceptor changing to another method.
	Switching Category = "ganti"
)

// Categories lists the categories in the order the register shows them.
func Categories() []Category { return []Category{NewAcceptor, Continuing, Switching} }

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, x := range Categories() {
		if c == x {
			return true
		}
	}
	return false
}

// ErrCancelled means a check-in was asked for a booking that was cancelled.
var ErrCancelled = errors.New("booking was cancelled")

// CheckIn records that the client of a booking came and was served.
type CheckIn struct {
	// Code is the booking's code.
	Code string
	// By is the staff member who checked the client in.
	By kbbot.ChatID
	// At is when (UTC).
	At time.Time
	// Method is the method given, which may differ from the one booked.
	Method Method
	// Category is the register category.
	Category Category
}

// Validate checks a check-in before it reaches a store.
func (c CheckIn) Validate() error {
	var p []string
	if !ValidCode(c.Code) {
		p = append(p, "code")
	}
	if c.By == 0 {
		p = append(p, "staff member")
	}
	if c.At.IsZero() {
		p = append(p, "time")
	}
	if !c.Method.Valid() {
		p = append(p, fmt.Sprintf("method %q", c.Method))
	}
	if !c.Category.Valid() {
		p = append(p, fmt.Sprintf("category %q", c.Category))
	}
	if len(p) > 0 {
		return fmt.Errorf("booking: check-in: bad %v: %w", p, ErrInvalid)
	}
	return nil
}

// CheckedIn is what a check-in did.
type CheckedIn struct {
	// Booking is the booking as it is now (Attended).
	Booking Booking
	// CheckIn is the record kept: the one asked for, or for Already the
	// earlier one, which stays as it was.
	CheckIn CheckIn
	// Already reports that the booking had been checked in before, so
	// nothing changed.
	Already bool
}

// Tally is an event's bookings, waitlist and check-ins, counted: no names,
// no chats. A rekap is computed from it (package report).
type Tally struct {
	EventID string
	// Bookings counts the bookings on record by status and place. A
	// resident who erased their data is no longer in it.
	Bookings []BookingCount
	// Waiting counts the residents in line, or holding an offered place,
	// by facility and method.
	Waiting []WaitCount
	// Served counts the check-ins, anonymously: they stay after /hapusdata.
	Served []ServedCount
}

// BookingCount is the number of bookings with one status at one place.
type BookingCount struct {
	Status     Status
	FacilityID string
	SessionID  string
	Method     Method
	N          int
}

// WaitCount is the number of residents waiting for one method at one
// facility; Offered counts those holding an offered place.
type WaitCount struct {
	FacilityID string
	Method     Method
	Offered    bool
	N          int
}

// ServedCount is the number of clients checked in at one facility who had
// booked Booked in session SessionID, were given Given, and were counted
// in Category.
type ServedCount struct {
	FacilityID string
	SessionID  string
	Booked     Method
	Given      Method
	Category   Category
	N          int
}
