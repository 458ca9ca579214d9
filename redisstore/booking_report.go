package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/booking"
)

// Check-ins and rekap counts of the booking store.
//
// A check-in lives in the event's keys (lua/book_checkin.lua): the place
// string's status becomes "attended", the booking's record gains a
// "checkin" object and a "reg" object (the register's other columns), and
// the EventResidents hash keeps anonymous counts,
// "n|<facility>|<session>|<method booked>|<method given>|<category>|<marks>"
// -> count, listed in its field "n|index" (marks: registerMarks; check-ins
// recorded before the full register have no marks part). The place of a
// booking checked in stays taken (counted in EventLimits): it was used.
// /hapusdata deletes the record with the booking; the retention purge and
// /hapuspeserta drop its "reg" object (the switch's method before, the
// removal, complication, consent and JKN of a person) and keep
// "checkin"; the counts, which name nobody, stay for the rekap.

var (
	//go:embed lua/book_checkin.lua
	bookCheckinLua string
	//go:embed lua/book_tally.lua
	bookTallyLua string

	bookCheckinScript = bookingScript(bookCheckinLua)
	bookTallyScript   = bookingScript(bookTallyLua)
)

// checkinRec is the "checkin" object of a booking's record.
type checkinRec struct {
	By       string `json:"by"`
	At       string `json:"at"` // Unix ms
	Method   string `json:"method"`
	Category string `json:"category"`
}

// registerRec is the "reg" object of a booking's record: booking.Register.
type registerRec struct {
	Post         string `json:"post,omitempty"`
	From         string `json:"from,omitempty"`
	Removed      string `json:"removed,omitempty"`
	Complication bool   `json:"kx,omitempty"`
	Consent      bool   `json:"ic,omitempty"`
	JKN          string `json:"jkn,omitempty"`
}

func (r registerRec) register() booking.Register {
	return booking.Register{Post: booking.Post(r.Post), From: booking.Method(r.From), Removed: booking.Method(r.Removed),
		Complication: r.Complication, Consent: r.Consent, JKN: booking.JKN(r.JKN)}
}

// registerMarks are the register's columns in a check-in count's field,
// one letter each, in this order: P pasca persalinan, K pasca keguguran;
// I an IUD removed, M an implant removed; X a serious complication; C
// informed consent; B JKN PBI, N JKN non-PBI, T no JKN. The switch's
// method before is not counted. parseMarks reads them back.
func registerMarks(r booking.Register) string {
	var b strings.Builder
	switch r.Post {
	case booking.PostPartum:
		b.WriteByte('P')
	case booking.PostAbortion:
		b.WriteByte('K')
	}
	switch r.Removed {
	case booking.IUD:
		b.WriteByte('I')
	case booking.Implan:
		b.WriteByte('M')
	}
	if r.Complication {
		b.WriteByte('X')
	}
	if r.Consent {
		b.WriteByte('C')
	}
	switch r.JKN {
	case booking.JKNPBI:
		b.WriteByte('B')
	case booking.JKNNonPBI:
		b.WriteByte('N')
	case booking.JKNNone:
		b.WriteByte('T')
	}
	return b.String()
}

// parseMarks reads registerMarks; unknown letters are left out.
func parseMarks(s string) booking.Register {
	var r booking.Register
	for _, c := range s {
		switch c {
		case 'P':
			r.Post = booking.PostPartum
		case 'K':
			r.Post = booking.PostAbortion
		case 'I':
			r.Removed = booking.IUD
		case 'M':
			r.Removed = booking.Implan
		case 'X':
			r.Complication = true
		case 'C':
			r.Consent = true
		case 'B':
			r.JKN = booking.JKNPBI
		case 'N':
			r.JKN = booking.JKNNonPBI
		case 'T':
			r.JKN = booking.JKNNone
		}
	}
	return r
}

// CheckIn records that the client of an active booking came and was given
// ci.Method, counted in ci.Category with the register line ci.Register
// (checked by ci.Validate: booking.ErrNoConsent when an informed consent
// is needed and missing). Checking in a booking checked in
// before changes nothing and returns the first check-in with Already set;
// a cancelled booking gives booking.ErrCancelled, an unknown code
// booking.ErrNotFound. It is idempotent.
func (s *BookingStore) CheckIn(ctx context.Context, ci booking.CheckIn) (booking.CheckedIn, error) {
	if err := ci.Validate(); err != nil {
		return booking.CheckedIn{}, err
	}
	c, ev, err := s.eventOf(ctx, ci.Code)
	if err != nil {
		return booking.CheckedIn{}, err
	}
	r := ci.Register
	reg, err := json.Marshal(registerRec{Post: string(r.Post), From: string(r.From), Removed: string(r.Removed),
		Complication: r.Complication, Consent: r.Consent, JKN: string(r.JKN)})
	if err != nil {
		return booking.CheckedIn{}, fmt.Errorf("redisstore: encode register: %w", err)
	}
	v, err := bookCheckinScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), c, chatArg(ci.By), msArg(ci.At),
		string(ci.Method), string(ci.Category), reg, registerMarks(r)).Slice()
	if err != nil {
		return booking.CheckedIn{}, wrap("check in", err)
	}
	out := append(strs(v), "", "", "")
	switch out[0] {
	case "ok", "already":
		b, rec, err := decodeWithCheckIn(ev, out[1], out[2], out[3])
		if err != nil {
			return booking.CheckedIn{}, err
		}
		if rec == nil {
			return booking.CheckedIn{}, fmt.Errorf("redisstore: check in %s: attended without a check-in record", c)
		}
		return booking.CheckedIn{Booking: b, CheckIn: *rec, Already: out[0] == "already"}, nil
	case "cancelled":
		return booking.CheckedIn{}, fmt.Errorf("redisstore: check in %s: %w", c, booking.ErrCancelled)
	case "not_found":
		return booking.CheckedIn{}, fmt.Errorf("redisstore: check in %s: %w", c, booking.ErrNotFound)
	}
	return booking.CheckedIn{}, fmt.Errorf("redisstore: check in %s: unexpected script status %q", c, out[0])
}

// CheckInOf returns a booking with its check-in; ok is false when the
// booking was not checked in. booking.ErrNotFound for an unknown code.
func (s *BookingStore) CheckInOf(ctx context.Context, code string) (b booking.Booking, ci booking.CheckIn, ok bool, err error) {
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return b, ci, false, err
	}
	raw, err := s.rdb.HGet(ctx, s.keys.EventRecords(ev), c).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return b, ci, false, wrap("get check-in", err)
	}
	place, rec, found := rowOf(raw)
	if !found {
		return b, ci, false, fmt.Errorf("redisstore: booking %s: %w", c, booking.ErrNotFound)
	}
	b, r, err := decodeWithCheckIn(ev, c, rec, place)
	if err != nil || r == nil {
		return b, ci, false, err
	}
	return b, *r, true, nil
}

// decodeWithCheckIn decodes a booking and the check-in of its record (nil
// when there is none).
func decodeWithCheckIn(ev, code, rec, place string) (booking.Booking, *booking.CheckIn, error) {
	b, err := decodeBooking(ev, code, rec, place)
	if err != nil {
		return b, nil, err
	}
	var x struct {
		CheckIn  *checkinRec `json:"checkin"`
		Register registerRec `json:"reg"`
	}
	if err := json.Unmarshal([]byte(rec), &x); err != nil {
		return b, nil, fmt.Errorf("redisstore: booking %s: decode check-in: %w", code, err)
	}
	if x.CheckIn == nil {
		return b, nil, nil
	}
	return b, &booking.CheckIn{
		Code: code, By: parseChat(x.CheckIn.By), At: parseMS(x.CheckIn.At),
		Method: booking.Method(x.CheckIn.Method), Category: booking.Category(x.CheckIn.Category),
		Register: x.Register.register(),
	}, nil
}

// EventRegister returns the check-ins at one site of an event, each with
// its booking, for the per-client register (the day list's read,
// lua/book_day.lua, keeping the bookings checked in). A booking whose
// personal data was purged is left out: it names nobody and its register
// line is gone; purged counts how many. booking.ErrUnknownEvent for an
// event never imported.
func (s *BookingStore) EventRegister(ctx context.Context, eventID, facilityID string) (out []booking.CheckedIn, purged int, err error) {
	if !booking.ValidID(eventID) || !booking.ValidID(facilityID) {
		return nil, 0, fmt.Errorf("redisstore: register: bad event or facility: %w", booking.ErrInvalid)
	}
	v, err := bookDayScript.Run(ctx, s.rdb, s.keys.EventKeys(eventID), facilityID).Slice()
	if err != nil {
		return nil, 0, wrap("register", err)
	}
	list := strs(v)
	if len(list) == 0 || list[0] != "ok" {
		return nil, 0, fmt.Errorf("redisstore: register %s: %w", eventID, booking.ErrUnknownEvent)
	}
	for i := 1; i+2 < len(list); i += 3 {
		if !strings.HasPrefix(list[i+2], string(booking.Attended)+"|") {
			continue
		}
		b, ci, err := decodeWithCheckIn(eventID, list[i], list[i+1], list[i+2])
		if err != nil {
			return nil, 0, err
		}
		if ci == nil {
			continue
		}
		if !b.ErasedAt.IsZero() {
			purged++
			continue
		}
		out = append(out, booking.CheckedIn{Booking: b, CheckIn: *ci})
	}
	return out, purged, nil
}

// EventTally counts an event's bookings by status and place, its
// waitlist, its check-ins, walk-ins and not-served marks, in one atomic
// read (lua/book_tally.lua).
// booking.ErrUnknownEvent for an event never imported.
func (s *BookingStore) EventTally(ctx context.Context, eventID string) (booking.Tally, error) {
	if !booking.ValidID(eventID) {
		return booking.Tally{}, fmt.Errorf("redisstore: tally: %w", booking.ErrInvalid)
	}
	v, err := bookTallyScript.Run(ctx, s.rdb, s.keys.EventKeys(eventID)).Slice()
	if err != nil {
		return booking.Tally{}, wrap("tally", err)
	}
	if len(v) != 5 {
		if st := strs(v); len(st) == 1 && st[0] == "unknown_event" {
			return booking.Tally{}, fmt.Errorf("redisstore: tally %s: %w", eventID, booking.ErrUnknownEvent)
		}
		return booking.Tally{}, fmt.Errorf("redisstore: tally %s: malformed reply", eventID)
	}
	t := booking.Tally{EventID: eventID}
	bad := func(what, key string) error {
		return fmt.Errorf("redisstore: tally %s: malformed %s %q", eventID, what, key)
	}
	err = pairs(v[0], func(key string, n int) error {
		f := strings.Split(key, "|")
		if len(f) != 4 {
			return bad("booking count", key)
		}
		t.Bookings = append(t.Bookings, booking.BookingCount{Status: booking.Status(f[0]), FacilityID: f[1], SessionID: f[2], Method: booking.Method(f[3]), N: n})
		return nil
	})
	if err == nil {
		err = pairs(v[1], func(key string, n int) error {
			f := strings.Split(key, "|")
			if len(f) != 3 {
				return bad("waitlist count", key)
			}
			t.Waiting = append(t.Waiting, booking.WaitCount{FacilityID: f[0], Method: booking.Method(f[1]), Offered: f[2] == "1", N: n})
			return nil
		})
	}
	if err == nil {
		err = pairs(v[2], func(key string, n int) error {
			f := strings.Split(key, "|")
			if len(f) != 5 && len(f) != 6 { // no marks before the full register
				return bad("check-in count", key)
			}
			sc := booking.ServedCount{FacilityID: f[0], SessionID: f[1], Booked: booking.Method(f[2]),
				Given: booking.Method(f[3]), Category: booking.Category(f[4]), N: n}
			if len(f) == 6 {
				sc.Register = parseMarks(f[5])
			}
			t.Served = append(t.Served, sc)
			return nil
		})
	}
	if err == nil {
		err = pairs(v[3], func(key string, n int) error {
			f := strings.Split(key, "|")
			if len(f) != 3 {
				return bad("walk-in count", key)
			}
			t.WalkIns = append(t.WalkIns, booking.WalkInCount{FacilityID: f[0], SessionID: f[1], Method: booking.Method(f[2]), N: n})
			return nil
		})
	}
	if err == nil {
		err = pairs(v[4], func(key string, n int) error {
			f := strings.Split(key, "|")
			if len(f) != 4 {
				return bad("not-served count", key)
			}
			t.NotServed = append(t.NotServed, booking.NotServedCount{FacilityID: f[0], SessionID: f[1], Method: booking.Method(f[2]),
				Reason: booking.NotServedReason(f[3]), N: n})
			return nil
		})
	}
	return t, err
}

// pairs walks a flat script list of key, count.
func pairs(v any, fn func(key string, n int) error) error {
	list := strs(v)
	for i := 0; i+1 < len(list); i += 2 {
		n, err := strconv.Atoi(list[i+1])
		if err != nil {
			return fmt.Errorf("redisstore: tally: count %q: %w", list[i+1], err)
		}
		if err := fn(list[i], n); err != nil {
			return err
		}
	}
	return nil
}
