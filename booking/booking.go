package booking

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
)

// Status is the state of a booking.
type Status string

// The states of a booking.
const (
	Active    Status = "active"    // holds a place
	Cancelled Status = "cancelled" // gave its place back
	Attended  Status = "attended"  // checked in on the day (set by a check-in, later)
	// NotServed: staff marked on the day that the client was not served
	// ("tidak jadi dilayani", Booking.NotServed says why); the place was
	// given back, so a walk-in can take it.
	NotServed Status = "not_served"
)

// Booking is one resident's place at one session of one site.
type Booking struct {
	// Code is the short code the resident shows, e.g. "KB-7QH4XM".
	Code       string
	EventID    string
	FacilityID string
	SessionID  string
	Method     Method
	// Resident is the resident's chat; 0 for a resident without Telegram
	// booked by a cadre, who is then identified by ResidentRef.
	Resident    kbbot.ChatID
	ResidentRef string
	Name        string
	Phone       string // optional
	// BookedBy is the cadre who booked for the resident, or 0.
	BookedBy kbbot.ChatID
	// ConsentAt is when the resident (or the cadre, on their behalf)
	// consented to storing this data.
	ConsentAt time.Time
	// Screening holds pre-screening answers for the provider, by question id.
	Screening map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
	Status    Status
	// Queue is the booking's number in the queue of its method in its
	// session at the facility: 1 for the first booked. A number is given
	// once, by the store, and never changes or goes to anyone else; a
	// cancellation leaves a gap. A change of session, facility or method
	// is a new place in another queue, with a new number. 0 for a booking
	// made before queue numbers existed.
	Queue int
	// WalkIn marks a client registered at the service table on the day
	// (BookingStore.WalkIn), without a booking before: Resident is 0 and
	// BookedBy the staff member who registered them and attested their
	// spoken consent at ConsentAt.
	WalkIn bool
	// NotServed is why the client was not served, when Status is
	// NotServed; nil otherwise.
	NotServed *NotServedMark
	// SiteCancelled says the booking was cancelled because an import
	// cancelled its site or event (Status is Cancelled), not by anyone's
	// choice.
	SiteCancelled bool
	// ErasedAt is when the booking's personal data was deleted (by the
	// retention purge after the event, or an erasure): then Name, Phone,
	// Screening, ResidentRef, Resident and BookedBy are empty, and only the
	// anonymous place, method, status and times remain. Zero otherwise.
	ErasedAt time.Time
}

// Place is where a booking is: site, session and method.
type Place struct {
	FacilityID string
	SessionID  string
	Method     Method
}

// Place returns the booking's place.
func (b Booking) Place() Place {
	return Place{FacilityID: b.FacilityID, SessionID: b.SessionID, Method: b.Method}
}

// Owner reports whether chat may manage the booking: the resident or the
// cadre who booked it.
func (b Booking) Owner(chat kbbot.ChatID) bool {
	return chat != 0 && (chat == b.Resident || chat == b.BookedBy)
}

// Request asks for a booking.
type Request struct {
	EventID    string
	FacilityID string
	SessionID  string
	Method     Method
	// Resident is the resident's chat, or 0 for a resident without
	// Telegram booked by a cadre (BookedBy set).
	Resident kbbot.ChatID
	// ResidentRef identifies a resident without Telegram; when empty the
	// store generates one.
	ResidentRef string
	Name        string
	Phone       string
	// BookedBy is the cadre booking on the resident's behalf, or 0.
	BookedBy  kbbot.ChatID
	ConsentAt time.Time
	Screening map[string]string
	// IdempotencyKey is chosen by the client (the update id, or a nonce of
	// the booking flow): a request repeated with the same key by the same
	// requester returns the first result instead of booking again.
	IdempotencyKey string
}

// Requester is who asked: the cadre when BookedBy is set, else the resident.
func (r Request) Requester() kbbot.ChatID {
	if r.BookedBy != 0 {
		return r.BookedBy
	}
	return r.Resident
}

// Limits on request fields.
const (
	MaxNameLen      = 100
	MaxPhoneLen     = 20
	MaxKeyLen       = 64
	MaxScreening    = 30
	MaxScreeningLen = 1000
)

// Validate checks a request before it reaches a store: ids, method code,
// name, phone, recorded consent, idempotency key. withPlace is false for
// AcceptOffer, whose place comes from the offer.
func (r Request) Validate(withPlace bool) error {
	var p []string
	if !ValidID(r.EventID) {
		p = append(p, "event id")
	}
	if withPlace {
		if !ValidID(r.FacilityID) {
			p = append(p, "facility id")
		}
		if !ValidID(r.SessionID) {
			p = append(p, "session id")
		}
		if !r.Method.Valid() {
			p = append(p, fmt.Sprintf("method %q", r.Method))
		}
	}
	if r.Resident == 0 && r.BookedBy == 0 {
		p = append(p, "resident or cadre")
	}
	if r.Resident == 0 && r.ResidentRef != "" && !ValidID(r.ResidentRef) {
		p = append(p, "resident ref")
	}
	if n := strings.TrimSpace(r.Name); n == "" || utf8.RuneCountInString(n) > MaxNameLen {
		p = append(p, "name")
	}
	if r.Phone != "" && !validPhone(r.Phone) {
		p = append(p, "phone")
	}
	if r.ConsentAt.IsZero() {
		p = append(p, "consent")
	}
	if r.IdempotencyKey == "" || len(r.IdempotencyKey) > MaxKeyLen || strings.ContainsAny(r.IdempotencyKey, "| \n") {
		p = append(p, "idempotency key")
	}
	if len(r.Screening) > MaxScreening {
		p = append(p, "screening")
	} else {
		for k, v := range r.Screening {
			if k == "" || len(k) > MaxKeyLen || utf8.RuneCountInString(v) > MaxScreeningLen {
				p = append(p, "screening")
				break
			}
		}
	}
	if len(p) > 0 {
		return fmt.Errorf("booking: request: bad %s: %w", strings.Join(p, ", "), ErrInvalid)
	}
	return nil
}

func validPhone(s string) bool {
	if len(s) > MaxPhoneLen {
		return false
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return false
		}
	}
	return digits >= 8
}

// Offer is a place held for the first resident in line on a waitlist,
// until Deadline.
type Offer struct {
	Resident   kbbot.ChatID
	EventID    string
	FacilityID string
	SessionID  string
	Method     Method
	Deadline   time.Time
	// Expired is set when the deadline passed and the place went on.
	Expired bool
	// Holder is the store's name of the offer's holder, for AckOffers.
	Holder string
}

// Place returns the offered place.
func (o Offer) Place() Place {
	return Place{FacilityID: o.FacilityID, SessionID: o.SessionID, Method: o.Method}
}

// WaitRequest asks for a place on a waitlist: a method at a facility, in
// one session or (SessionID empty) any.
type WaitRequest struct {
	EventID    string
	FacilityID string
	Method     Method
	SessionID  string
	Resident   kbbot.ChatID
}

// Validate checks a waitlist request.
func (w WaitRequest) Validate() error {
	if !ValidID(w.EventID) || !ValidID(w.FacilityID) || !w.Method.Valid() || (w.SessionID != "" && !ValidID(w.SessionID)) || w.Resident == 0 {
		return fmt.Errorf("booking: waitlist request: %w", ErrInvalid)
	}
	return nil
}

// Waiting is a resident's place in a waitlist, or the offer made to them.
type Waiting struct {
	EventID    string
	FacilityID string
	Method     Method
	SessionID  string // empty: any session
	Resident   kbbot.ChatID
	// Position is 1 for the first in line at this facility; 0 once an
	// offer is made.
	Position int
	JoinedAt time.Time
	// Offer is the place held for the resident, if any.
	Offer *Offer
}

// Places counts a limit and the places taken from it (active bookings and
// places held for offers).
type Places struct {
	Limit int
	Taken int
}

// Left returns the places still free.
func (p Places) Left() int { return max(0, p.Limit-p.Taken) }

// MethodPlaces is a method's quota at a site.
type MethodPlaces struct {
	Method Method
	Places
}

// SessionPlaces is a session's capacity.
type SessionPlaces struct {
	SessionID string
	Places
}

// Availability is what is left at one site of one event.
type Availability struct {
	EventID    string
	FacilityID string
	Closes     time.Time
	Methods    []MethodPlaces  // offered methods, in the order of Methods
	Sessions   []SessionPlaces // by start
}

// Bookable returns how many more bookings of method m can be made: the
// method's places left, but no more than the sessions' places left.
func (a Availability) Bookable(m Method) int {
	sess := 0
	for _, s := range a.Sessions {
		sess += s.Left()
	}
	for _, x := range a.Methods {
		if x.Method == m {
			return min(x.Left(), sess)
		}
	}
	return 0
}

// SessionLeft returns how many more bookings of method m session sp can
// take: the session's places left, but no more than the method's places
// left at the site (a session of 25 places has 12 for an implant when 12
// implants are left). A method not offered there has none.
func (a Availability) SessionLeft(sp SessionPlaces, m Method) int {
	mp, ok := a.Method(m)
	if !ok {
		return 0
	}
	return max(0, min(sp.Left(), mp.Left()))
}

// Session returns the places of session id.
func (a Availability) Session(id string) (Places, bool) {
	for _, s := range a.Sessions {
		if s.SessionID == id {
			return s.Places, true
		}
	}
	return Places{}, false
}

// Method returns the places of method m.
func (a Availability) Method(m Method) (Places, bool) {
	for _, x := range a.Methods {
		if x.Method == m {
			return x.Places, true
		}
	}
	return Places{}, false
}
