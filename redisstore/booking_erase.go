package redisstore

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

var (
	//go:embed lua/book_erase_one.lua
	bookEraseOneLua    string
	bookEraseOneScript = bookingScript(bookEraseOneLua)
)

// ResidentCodes returns the codes of chat's own bookings (as the resident,
// in every event, active or not; not those chat made as a cadre for
// others), for scrubbing the audit log (StaffStore.ScrubResident) before
// EraseResident deletes them. Read-only.
func (s *BookingStore) ResidentCodes(ctx context.Context, chat kbbot.ChatID) ([]string, error) {
	ids, err := s.chatEvents(ctx, chat)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, ev := range ids {
		bs, _, err := s.entries(ctx, ev, chat)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Resident == chat {
				codes = append(codes, b.Code)
			}
		}
	}
	return codes, nil
}

// EraseBooking erases, at a cadre's request, a resident who has no
// Telegram chat and was booked by a cadre, found by one of their booking
// codes (any case, with or without the dash: booking.NormalizeCode).
//
// Every booking of that resident in the code's event (usually just this
// one) is erased: an active booking is cancelled first, its place freed
// and offered to the first in line exactly as Cancel does (ExpireOffers
// returns the offer for notification); then its name, phone, WHO
// checklist answers and resident ref, the cadre's chat id and every index
// naming the resident (their active and history fields, the cadre's list
// of bookings made, the idempotency field) are deleted. Last, the booking
// leaves its code: what remains of it (status, cancelled or attended;
// place; method; times) moves to an anonymous field of the event, and the
// global code index entry goes, so the rekap's counts are unchanged but
// for the place given back, and nothing in the store names the code any
// more: Get, CheckInOf and EraseBooking then answer booking.ErrNotFound.
//
// It returns the booking as it was left (ErasedAt set, no personal
// fields). The audit entry may say its EventID, FacilityID, Method and
// Status, with the facility's kecamatan as area, but not its Code. Before
// or after it, the caller scrubs the code from the audit log
// (StaffStore.ScrubResident(ctx, 0, []string{b.Code})). The dialog should
// show the cadre what they are about to erase (Get) first. A code whose
// event was purged (PurgePersonal) names nobody: it is returned as it is,
// and keeps its code like every purged booking.
//
// Should deleting the index entry fail after the script, the error is
// returned and that entry (code -> event id, naming nothing else) stays.
//
// Errors: booking.ErrNotFound (wrapped) for an unknown, malformed or
// already erased code (a retried call changes nothing); booking.ErrNotYours
// (wrapped) when the booking's resident has a Telegram chat: they erase
// their own data with /hapusdata, and nothing changes. The store does not
// check who asks: the caller checks the cadre's right (cadre.ActBookFor
// at the booking's facility).
func (s *BookingStore) EraseBooking(ctx context.Context, code string) (booking.Booking, error) {
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return booking.Booking{}, err
	}
	v, err := bookEraseOneScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), msArg(s.clock.Now()), c, s.ttlArg()).Slice()
	if err != nil {
		return booking.Booking{}, wrap("erase booking", err)
	}
	raw := strs(v)
	out := append(raw, "", "", "")
	switch out[0] {
	case "ok":
		b, err := decodeBooking(ev, out[1], out[2], out[3])
		if err != nil {
			return booking.Booking{}, err
		}
		if len(raw) > 4 {
			if err := s.forgetCodes(ctx, raw[4:]); err != nil {
				return booking.Booking{}, err
			}
		}
		return b, nil
	case "has_chat":
		return booking.Booking{}, fmt.Errorf("redisstore: erase booking %s: the resident has Telegram and erases with /hapusdata: %w", c, booking.ErrNotYours)
	case "not_found":
		// Unknown, or erased before. The index entry of a code whose
		// erasure failed between the script and forgetCodes stays: it
		// cannot be told from a code reserved and not yet used (CodeBatch),
		// which must stay reserved.
		return booking.Booking{}, fmt.Errorf("redisstore: erase booking %s: %w", c, booking.ErrNotFound)
	}
	return booking.Booking{}, fmt.Errorf("redisstore: erase booking %s: unexpected script status %q", c, out[0])
}
