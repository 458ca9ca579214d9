package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// The service day of the booking store: the day list of a site, walk-ins
// and not-served marks. All of it lives in the event's own keys (hash tag
// {ev:<id>}), with the bookings: the queue counters in EventLimits
// ("t|<facility>|<session>|<method>"), the queue number as the place
// string's last field, the walk-in flag and the not-served mark in the
// booking's record. Nothing is copied: the day list reads the bookings.

var (
	//go:embed lua/book_walkin.lua
	bookWalkInLua string
	//go:embed lua/book_noserve.lua
	bookNoServeLua string
	//go:embed lua/book_day.lua
	bookDayLua string

	bookWalkInScript  = bookingScript(bookWalkInLua)
	bookNoServeScript = bookingScript(bookNoServeLua)
	bookDayScript     = bookingScript(bookDayLua)
)

// DayList returns the bookings of one site of an event, in every status,
// in no particular order (the caller sorts them by session, method and
// queue number). Bookings erased at a cadre's request are left out.
// booking.ErrUnknownEvent for an event never imported.
func (s *BookingStore) DayList(ctx context.Context, eventID, facilityID string) ([]booking.Booking, error) {
	if !booking.ValidID(eventID) || !booking.ValidID(facilityID) {
		return nil, fmt.Errorf("redisstore: day list: bad event or facility: %w", booking.ErrInvalid)
	}
	v, err := bookDayScript.Run(ctx, s.rdb, s.keys.EventKeys(eventID), facilityID).Slice()
	if err != nil {
		return nil, wrap("day list", err)
	}
	out := strs(v)
	if len(out) == 0 || out[0] != "ok" {
		return nil, fmt.Errorf("redisstore: day list %s: %w", eventID, booking.ErrUnknownEvent)
	}
	bs := make([]booking.Booking, 0, (len(out)-1)/3)
	for i := 1; i+2 < len(out); i += 3 {
		b, err := decodeBooking(eventID, out[i], out[i+1], out[i+2])
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, nil
}

// WalkIn registers a client who came to the service table without a
// booking: r.BookedBy is the staff member who registers them and attests
// their spoken consent at r.ConsentAt; r.Resident must be 0 (a walk-in has
// no Telegram chat here; the store gives them a resident ref, like a
// cadre's booking for a resident without a phone, so /hapuspeserta and the
// retention purge treat them the same way). The place is taken from the
// quota and the session's capacity (*booking.FullError when there is none
// left), whatever the cut-off: the caller checks that it is the service
// day. The booking is Active, WalkIn, with the next queue number of its
// method and session. A request repeated with the same idempotency key
// returns the first booking.
func (s *BookingStore) WalkIn(ctx context.Context, r booking.Request) (booking.Booking, error) {
	if err := r.Validate(true); err != nil {
		return booking.Booking{}, err
	}
	if r.BookedBy == 0 || r.Resident != 0 {
		return booking.Booking{}, fmt.Errorf("redisstore: walk-in: needs the staff member and no resident chat: %w", booking.ErrInvalid)
	}
	now := s.clock.Now()
	res, ref := residentOf(r)
	idem := "i|" + chatArg(r.BookedBy) + "|" + r.IdempotencyKey
	rec, err := json.Marshal(record{
		Ref: ref, Name: r.Name, Phone: r.Phone, ConsentAt: r.ConsentAt.UnixMilli(),
		Screening: r.Screening, CreatedAt: now.UnixMilli(), Key: r.IdempotencyKey, WalkIn: true,
	})
	if err != nil {
		return booking.Booking{}, fmt.Errorf("redisstore: encode walk-in: %w", err)
	}
	keys := s.keys.EventKeys(r.EventID)
	for range codeAttempts {
		code, err := s.codes.take(ctx, s, r.EventID)
		if err != nil {
			return booking.Booking{}, err
		}
		// The staff member's index names the event, so that their
		// /hapusdata finds the walk-ins they registered (as for a cadre).
		if err := s.rdb.HSet(ctx, s.keys.ResidentEvents(r.BookedBy), residentEventField(r.BookedBy, r.EventID), "").Err(); err != nil {
			s.codes.giveBack(r.EventID, code)
			return booking.Booking{}, wrap("walk-in", err)
		}
		v, err := bookWalkInScript.Run(ctx, s.rdb, keys, msArg(now), idem, res, chatArg(r.BookedBy),
			r.FacilityID, r.SessionID, string(r.Method), code, rec, s.ttlArg()).Slice()
		if err != nil {
			// The script may have run with the code: do not reuse it.
			return booking.Booking{}, wrap("walk-in", err)
		}
		out := append(strs(v), "", "", "", "")
		if out[1] != code && out[0] != "code_taken" {
			s.codes.giveBack(r.EventID, code)
		}
		switch out[0] {
		case "ok", "repeat":
			return decodeBooking(r.EventID, out[1], out[2], out[3])
		case "code_taken":
			continue
		}
		return booking.Booking{}, statusErr("walk-in", out[0], r)
	}
	return booking.Booking{}, fmt.Errorf("redisstore: walk-in: no free booking code after %d attempts", codeAttempts)
}

// MarkNotServed records that the client of booking n.Code was not served
// on the day, and why: an active booking becomes booking.NotServed and
// gives its place back (a walk-in can take it); a marked one gets the new
// mark. booking.ErrServed for a booking checked in, booking.ErrCancelled
// for a cancelled one, booking.ErrNotFound for an unknown code. The
// caller checks the staff member's right and that it is the service day.
// Idempotent.
func (s *BookingStore) MarkNotServed(ctx context.Context, n booking.NotServedMark) (booking.Booking, error) {
	if err := n.Validate(); err != nil {
		return booking.Booking{}, err
	}
	return s.noServe(ctx, "mark", n.Code, n.By, n)
}

// UndoNotServed takes a not-served mark back: the booking is active again
// if its place is still free (*booking.FullError otherwise) and its
// resident has no other active booking (booking.ErrAlreadyBooked).
// booking.ErrNotMarked when it has no mark.
func (s *BookingStore) UndoNotServed(ctx context.Context, code string, by kbbot.ChatID) (booking.Booking, error) {
	if by == 0 {
		return booking.Booking{}, fmt.Errorf("redisstore: undo not served: no staff member: %w", booking.ErrInvalid)
	}
	return s.noServe(ctx, "undo", code, by, booking.NotServedMark{At: s.clock.Now()})
}

func (s *BookingStore) noServe(ctx context.Context, op, code string, by kbbot.ChatID, n booking.NotServedMark) (booking.Booking, error) {
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return booking.Booking{}, err
	}
	v, err := bookNoServeScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), op, c, chatArg(by), msArg(n.At),
		string(n.Reason), s.ttlArg()).Slice()
	if err != nil {
		return booking.Booking{}, wrap("not served "+op, err)
	}
	out := append(strs(v), "", "", "")
	switch out[0] {
	case "ok":
		return decodeBooking(ev, out[1], out[2], out[3])
	case "same":
		return booking.Booking{}, fmt.Errorf("redisstore: undo not served %s: %w", c, booking.ErrNotMarked)
	case "served":
		return booking.Booking{}, fmt.Errorf("redisstore: not served %s: %w", c, booking.ErrServed)
	case "cancelled":
		return booking.Booking{}, fmt.Errorf("redisstore: not served %s: %w", c, booking.ErrCancelled)
	case "rebooked":
		return booking.Booking{}, fmt.Errorf("redisstore: undo not served %s: another booking is active: %w", c, booking.ErrAlreadyBooked)
	case "bad_record":
		return booking.Booking{}, fmt.Errorf("redisstore: not served %s: unreadable record", c)
	}
	req := booking.Request{EventID: ev}
	if strings.HasPrefix(out[0], "full_") {
		if b, err := s.Get(ctx, c); err == nil {
			req.FacilityID, req.SessionID, req.Method = b.FacilityID, b.SessionID, b.Method
		} else if !errors.Is(err, booking.ErrNotFound) {
			return booking.Booking{}, err
		}
	}
	return booking.Booking{}, statusErr("not served "+op+" "+c, out[0], req)
}
