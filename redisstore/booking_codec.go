package redisstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// rowOf splits a booking's row in EventRecords into its place string and
// its record; ok is false when the row has no place (a broken row: the
// booking is then not found, as the scripts see it).
func rowOf(raw string) (place, rec string, ok bool) {
	place, rec, ok = strings.Cut(raw, "\n")
	return place, rec, ok && place != ""
}

// record is the immutable part of a booking, stored as JSON after its
// place string in its row of EventRecords (rowOf). The mutable part
// (status, place, owner) is the place string.
type record struct {
	Ref       string            `json:"ref,omitempty"`
	Name      string            `json:"name"`
	Phone     string            `json:"phone,omitempty"`
	ConsentAt int64             `json:"consent"` // Unix ms
	Screening map[string]string `json:"screening,omitempty"`
	CreatedAt int64             `json:"created"` // Unix ms
	// Key is the idempotency key of the request that booked; with the
	// requester (the place string's cadre, else its resident) it makes the
	// "i|<requester>|<key>" field of EventResidents, which an erase deletes.
	// A resident's own booking has no such field: a retry finds the key
	// here (lua/book_many.lua own_repeat).
	Key string `json:"key"`
	// WalkIn marks a client registered at the service table on the day
	// (BookingStore.WalkIn).
	WalkIn bool `json:"walkin,omitempty"`
	// NoServe is the not-served mark, written by lua/book_noserve.lua.
	NoServe *noserveRec `json:"noserve,omitempty"`
	// Void is the number of the change (EventChanges) that cancelled the
	// booking with its site, written by lua/book_void.lua; 0 otherwise.
	Void int `json:"void,omitempty"`
	// Erased is when the personal fields above (ref, name, phone,
	// screening, key) were deleted (Unix ms; lua/book_lib.lua strip);
	// consent and created stay, and a check-in's "checkin" object, the
	// walk-in flag and a not-served mark.
	Erased int64 `json:"erased,omitempty"`
}

// noserveRec is the "noserve" object of a booking's record: who marked
// the client as not served, when, and why.
type noserveRec struct {
	By     string `json:"by"`
	At     string `json:"at"` // Unix ms
	Reason string `json:"reason"`
}

// residentOf returns the resident key of a request ("c<chat>" or
// "r<ref>") and the resident ref, generating a random one for a cadre
// booking of a resident without Telegram. A repeated request needs no
// stable ref: the script finds its idempotency field first and returns
// the first booking.
func residentOf(r booking.Request) (key, ref string) {
	if r.Resident != 0 {
		return "c" + chatArg(r.Resident), ""
	}
	ref = r.ResidentRef
	if ref == "" {
		ref = "x" + token()[:16]
	}
	return "r" + ref, ref
}

func chatArg(c kbbot.ChatID) string { return strconv.FormatInt(int64(c), 10) }

func parseChat(s string) kbbot.ChatID {
	n, _ := strconv.ParseInt(s, 10, 64)
	return kbbot.ChatID(n)
}

func parseMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func msArg(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// decodeBooking assembles a booking from its record and place string.
func decodeBooking(eventID, code, rec, place string) (booking.Booking, error) {
	f := strings.Split(place, "|")
	if len(f) != 8 && len(f) != 9 { // the queue number is absent in older bookings
		return booking.Booking{}, fmt.Errorf("redisstore: booking %s: malformed place %q", code, place)
	}
	var r record
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		return booking.Booking{}, fmt.Errorf("redisstore: booking %s: decode record: %w", code, err)
	}
	return bookingOf(eventID, code, r, place)
}

// bookingOf assembles a booking from its record, decoded, and place
// string.
func bookingOf(eventID, code string, r record, place string) (booking.Booking, error) {
	f := strings.Split(place, "|")
	if len(f) != 8 && len(f) != 9 {
		return booking.Booking{}, fmt.Errorf("redisstore: booking %s: malformed place %q", code, place)
	}
	b := booking.Booking{
		Code: code, EventID: eventID, Status: booking.Status(f[0]),
		FacilityID: f[1], SessionID: f[2], Method: booking.Method(f[3]),
		Resident: parseChat(f[5]), ResidentRef: r.Ref, BookedBy: parseChat(f[6]),
		Name: r.Name, Phone: r.Phone, Screening: r.Screening,
		ConsentAt: time.UnixMilli(r.ConsentAt).UTC(), CreatedAt: time.UnixMilli(r.CreatedAt).UTC(),
		UpdatedAt: parseMS(f[7]),
	}
	if r.Erased != 0 {
		b.ErasedAt = time.UnixMilli(r.Erased).UTC()
	}
	if len(f) == 9 {
		b.Queue, _ = strconv.Atoi(f[8])
	}
	b.WalkIn = r.WalkIn
	b.SiteCancelled = r.Void > 0 && b.Status == booking.Cancelled
	if r.NoServe != nil && b.Status == booking.NotServed {
		b.NotServed = &booking.NotServedMark{Code: code, By: parseChat(r.NoServe.By), At: parseMS(r.NoServe.At),
			Reason: booking.NotServedReason(r.NoServe.Reason)}
	}
	return b, nil
}

// decodeOffer parses an offer (part o of a resident's state in EventResidents).
func decodeOffer(eventID, raw string) (booking.Offer, error) {
	f := strings.Split(raw, "|")
	if len(f) != 6 {
		return booking.Offer{}, fmt.Errorf("redisstore: malformed offer %q", raw)
	}
	return booking.Offer{
		EventID: eventID, FacilityID: f[1], SessionID: f[2], Method: booking.Method(f[3]),
		Resident: parseChat(f[4]), Deadline: parseMS(f[5]), Expired: f[0] != "offered",
	}, nil
}

// decodeWait parses a waitlist request (part w of a resident's state in EventResidents).
func decodeWait(eventID, raw string, pos int64) (booking.Waiting, error) {
	f := strings.Split(raw, "|")
	if len(f) != 5 {
		return booking.Waiting{}, fmt.Errorf("redisstore: malformed waitlist entry %q", raw)
	}
	return booking.Waiting{
		EventID: eventID, FacilityID: f[0], Method: booking.Method(f[1]), SessionID: f[2],
		Resident: parseChat(f[3]), JoinedAt: parseMS(f[4]), Position: int(pos),
	}, nil
}

// strs converts a script's reply array to strings (nested arrays are
// left out).
func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		switch t := x.(type) {
		case string:
			out = append(out, t)
		case int64:
			out = append(out, strconv.FormatInt(t, 10))
		}
	}
	return out
}

// statusErr maps a script's error status to a domain error.
func statusErr(op, status string, r booking.Request) error {
	var err error
	switch status {
	case "unknown_event":
		err = booking.ErrUnknownEvent
	case "unknown_site":
		err = booking.ErrUnknownSite
	case "unknown_method":
		err = booking.ErrUnknownMethod
	case "unknown_session":
		err = booking.ErrUnknownSession
	case "closed":
		err = booking.ErrClosed
	case "full_method":
		err = &booking.FullError{What: booking.FullMethod, EventID: r.EventID, FacilityID: r.FacilityID, Method: r.Method}
	case "full_session":
		err = &booking.FullError{What: booking.FullSession, EventID: r.EventID, FacilityID: r.FacilityID, SessionID: r.SessionID}
	case "not_found", "no_offer":
		err = booking.ErrNotFound
	case "not_active":
		err = fmt.Errorf("booking is not active: %w", booking.ErrNotFound)
	case "not_yours":
		err = booking.ErrNotYours
	case "offer_expired":
		err = booking.ErrOfferExpired
	default:
		return fmt.Errorf("redisstore: %s: unexpected script status %q", op, status)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}
