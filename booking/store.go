package booking

import (
	"context"
	"time"

	"github.com/kbbot/kbbot"
)

// Store keeps events' places, bookings and waitlists. Every change of
// places is atomic and idempotent: a call repeated after a lost reply
// changes nothing more. Errors wrap the domain errors of this package, and
// kbbot.ErrUnavailable when the store cannot be reached. Methods without a
// now parameter ask the store's clock.
type Store interface {
	// Import writes a catalog: facilities, then each event atomically. It
	// is idempotent (importing the same catalog again changes nothing) and
	// refuses, per event, a quota or capacity below the places already
	// taken, or the removal of a site, method or session that has
	// bookings (*BelowBookedError naming each). Events not in the catalog
	// are left as they are. Sessions keep their ids (Reconcile); a session
	// moved or a site cancelled is kept as a change until its residents
	// were told (see ImportReport.Changes); a cancelled site takes no
	// booking from then on.
	Import(ctx context.Context, c *Catalog) (ImportReport, error)
	// Catalog reads back everything imported.
	Catalog(ctx context.Context) (*Catalog, error)
	// Availability returns the places left per method and per session at
	// one site of an event.
	Availability(ctx context.Context, eventID, facilityID string) (Availability, error)
	// Book takes a place. A request repeated with the same idempotency
	// key by the same requester returns the first booking (as it is now:
	// it may have been cancelled or changed since). A resident with an
	// active booking for the event gets *AlreadyBookedError; ErrClosed
	// after the cut-off; *FullError when the method or the session is
	// full. A resident who holds an offer for exactly this place takes
	// it; an offer for another place is released once this booking
	// succeeds.
	Book(ctx context.Context, r Request) (Booking, error)
	// Cancel gives the place back at once (ErrNotYours unless by is the
	// resident or the cadre who booked). The freed place is offered to
	// the first in line; ExpireOffers returns the new offer. Cancelling a
	// cancelled booking returns it unchanged.
	Cancel(ctx context.Context, code string, by kbbot.ChatID) (Booking, error)
	// Change moves an active booking to another place of the same event
	// in one step: the new place is taken before the old one is given
	// back, or nothing changes (*FullError, ErrClosed, ...). Empty fields
	// of to keep the booking's current value.
	Change(ctx context.Context, code string, by kbbot.ChatID, to Place) (Booking, error)
	// Get returns a booking by code (ErrNotFound).
	Get(ctx context.Context, code string) (Booking, error)
	// Bookings returns the bookings of a resident and those a cadre made,
	// active and past, newest first.
	Bookings(ctx context.Context, chat kbbot.ChatID) ([]Booking, error)
	// JoinWaitlist puts the resident (a Telegram chat: offers must reach
	// them) in line for a method at a site, in one session or any. If a
	// place is free and nobody ahead can take it, the offer is made at
	// once and returned in Waiting.Offer. Joining again keeps the place in
	// line and updates the request. *AlreadyBookedError when the resident
	// has an active booking for the event.
	JoinWaitlist(ctx context.Context, w WaitRequest) (Waiting, error)
	// LeaveWaitlist takes the resident out of the line of an event and
	// declines an offer they hold, passing it on.
	LeaveWaitlist(ctx context.Context, eventID string, resident kbbot.ChatID) error
	// Waiting lists the resident's waitlist entries and offers.
	Waiting(ctx context.Context, resident kbbot.ChatID) ([]Waiting, error)
	// AcceptOffer turns the offer held for r.Resident at r.EventID into a
	// booking (the place fields of r are ignored): ErrOfferExpired after
	// the deadline, ErrNotFound without an offer.
	AcceptOffer(ctx context.Context, r Request) (Booking, error)
	// ExpireOffers releases offers whose deadline passed at now, offers
	// free places to the next in line, and returns every held offer whose
	// notice was not yet acknowledged with AckOffers, so the caller can
	// notify those residents (idempotently) and then acknowledge. A caller
	// that fails in between leaves them for the next call: no offer is
	// forgotten. Run it periodically, and after Cancel or Change for a
	// prompt notice.
	ExpireOffers(ctx context.Context, now time.Time) ([]Offer, error)
	// AckOffers records that the residents of offers were notified.
	AckOffers(ctx context.Context, offers []Offer) error
	// EraseResident, for /hapusdata, cancels the resident's active
	// bookings (freeing the places, moving the waitlist), leaves their
	// waitlists and deletes every record of them; bookings they made as a
	// cadre for others stay but no longer name them.
	EraseResident(ctx context.Context, chat kbbot.ChatID) error
	// EraseBooking erases, at a cadre's request, a resident without
	// Telegram booked by a cadre, found by one of their booking codes:
	// each of their bookings in the event is cancelled if active (the
	// place freed and offered to the line, as Cancel does) and loses its
	// name, phone, screening answers, resident ref and cadre, and every
	// index naming the resident goes; then the bookings leave their
	// codes, and only anonymous counts stay. It returns the booking as it
	// was left (ErasedAt set, no personal fields). Idempotent: afterwards
	// the code is unknown. ErrNotFound for an unknown code; ErrNotYours
	// when the resident has a Telegram chat (they use /hapusdata). The
	// caller checks the cadre's right.
	EraseBooking(ctx context.Context, code string) (Booking, error)
}

// ImportReport says what an import changed (or, planned, would change).
type ImportReport struct {
	Facilities int      // facilities written
	Created    []string // ids of new events
	Updated    []string // ids of changed events
	Unchanged  []string // ids of events already as in the catalog
	// FacilitiesCreated and FacilitiesUpdated are the ids of facilities
	// new to the store and of those it held otherwise; the rest were as in
	// the catalog.
	FacilitiesCreated, FacilitiesUpdated []string
	// Changes are the changes of events their booked residents are told
	// of (Reconcile): sessions moved, sites cancelled.
	Changes []Change
	// Told is how many active bookings those changes concern: the
	// residents told (a resident booked without a phone through the cadre
	// who booked), as counted at the import.
	Told int
}
