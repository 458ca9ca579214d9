package redisstore

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

//go:embed lua/book_lib.lua
var bookLib string

// bookingScript prepends the shared helpers to a booking script.
func bookingScript(body string) *redis.Script { return redis.NewScript(bookLib + "\n" + body) }

var (
	//go:embed lua/book_book.lua
	bookBookLua string
	//go:embed lua/book_cancel.lua
	bookCancelLua string
	//go:embed lua/book_change.lua
	bookChangeLua string
	//go:embed lua/book_join.lua
	bookJoinLua string
	//go:embed lua/book_leave.lua
	bookLeaveLua string
	//go:embed lua/book_expire.lua
	bookExpireLua string
	//go:embed lua/book_erase.lua
	bookEraseLua string
	//go:embed lua/book_import.lua
	bookImportLua string
	//go:embed lua/book_read.lua
	bookReadLua string

	bookBookScript   = bookingScript(bookBookLua)
	bookCancelScript = bookingScript(bookCancelLua)
	bookChangeScript = bookingScript(bookChangeLua)
	bookJoinScript   = bookingScript(bookJoinLua)
	bookLeaveScript  = bookingScript(bookLeaveLua)
	bookExpireScript = bookingScript(bookExpireLua)
	bookEraseScript  = bookingScript(bookEraseLua)
	bookImportScript = bookingScript(bookImportLua)
	bookReadScript   = bookingScript(bookReadLua)
)

// DefaultOfferTTL is how long a place freed for the first in line is held
// for them (never past the site's cut-off).
const DefaultOfferTTL = 3 * time.Hour

// DefaultRetention is how long after its event a booking's personal data
// (name, phone, screening answers, who booked) is kept: 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// BookingOptions tunes a BookingStore. Zero values take the defaults.
type BookingOptions struct {
	// OfferTTL is how long an offered place is held (DefaultOfferTTL).
	OfferTTL time.Duration
	// Retention is how long after the end of its event the personal data
	// of a booking is kept; PurgePersonal deletes it then
	// (DefaultRetention).
	Retention time.Duration
	// Rand is the source of booking codes (crypto/rand).
	Rand io.Reader
}

// BookingStore implements booking.Store on Redis: one Lua script per change
// of places, over the keys of one event (hash tag {ev:<id>}).
type BookingStore struct {
	rdb      redis.UniversalClient
	keys     Keys
	clock    kbbot.Clock
	offerTTL time.Duration
	keep     time.Duration // the retention
	codes    codePool
}

var _ booking.Store = (*BookingStore)(nil)

// NewBookingStore returns a store on rdb with keys under keys' prefix;
// clock gives now for every rule that needs it (cut-off, deadlines).
func NewBookingStore(rdb redis.UniversalClient, keys Keys, clock kbbot.Clock, opt BookingOptions) *BookingStore {
	if opt.OfferTTL <= 0 {
		opt.OfferTTL = DefaultOfferTTL
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	if opt.Retention <= 0 {
		opt.Retention = DefaultRetention
	}
	if clock == nil {
		clock = kbbot.SystemClock{}
	}
	return &BookingStore{rdb: rdb, keys: keys, clock: clock, offerTTL: opt.OfferTTL, keep: opt.Retention,
		codes: codePool{rand: opt.Rand, free: map[string][]string{}}}
}

func (s *BookingStore) ttlArg() string { return fmt.Sprint(s.offerTTL.Milliseconds()) }

// Book takes a place (see booking.Store).
func (s *BookingStore) Book(ctx context.Context, r booking.Request) (booking.Booking, error) {
	if err := r.Validate(true); err != nil {
		return booking.Booking{}, err
	}
	return s.book(ctx, r, "book")
}

// AcceptOffer turns the offer held for r.Resident into a booking (see
// booking.Store).
func (s *BookingStore) AcceptOffer(ctx context.Context, r booking.Request) (booking.Booking, error) {
	if err := r.Validate(false); err != nil {
		return booking.Booking{}, err
	}
	if r.Resident == 0 {
		return booking.Booking{}, fmt.Errorf("redisstore: accept offer: no resident: %w", booking.ErrInvalid)
	}
	return s.book(ctx, r, "offer")
}

// codeAttempts bounds the retries with a new code when a code is taken.
const codeAttempts = 8

func (s *BookingStore) book(ctx context.Context, r booking.Request, mode string) (booking.Booking, error) {
	now := s.clock.Now()
	res, ref := residentOf(r)
	idem := "i|" + chatArg(r.Requester()) + "|" + r.IdempotencyKey
	rec, err := json.Marshal(record{
		Ref: ref, Name: r.Name, Phone: r.Phone, ConsentAt: r.ConsentAt.UnixMilli(),
		Screening: r.Screening, CreatedAt: now.UnixMilli(), Key: r.IdempotencyKey,
	})
	if err != nil {
		return booking.Booking{}, fmt.Errorf("redisstore: encode booking: %w", err)
	}
	keys := s.keys.EventKeys(r.EventID)
	for range codeAttempts {
		code, err := s.codes.take(ctx, s, r.EventID)
		if err != nil {
			return booking.Booking{}, err
		}
		v, err := s.runBook(ctx, r, keys, msArg(now), idem, res, chatArg(r.Resident), chatArg(r.BookedBy),
			r.FacilityID, r.SessionID, string(r.Method), code, rec, s.ttlArg(), mode)
		if err != nil {
			// The script may have run with the code: do not reuse it.
			return booking.Booking{}, wrap("book", err)
		}
		out := append(strs(v), "", "", "", "") // error replies have one element
		if out[1] != code && out[0] != "code_taken" {
			s.codes.giveBack(r.EventID, code) // still reserved for this event, unused
		}
		switch out[0] {
		case "ok", "repeat":
			return decodeBooking(r.EventID, out[1], out[2], out[3])
		case "already":
			b, err := decodeBooking(r.EventID, out[1], out[2], out[3])
			if err != nil {
				return booking.Booking{}, err
			}
			return booking.Booking{}, fmt.Errorf("redisstore: book: %w", &booking.AlreadyBookedError{Existing: b})
		case "code_taken":
			continue
		}
		return booking.Booking{}, statusErr("book", out[0], r)
	}
	return booking.Booking{}, fmt.Errorf("redisstore: book: no free booking code after %d attempts", codeAttempts)
}

// runBook indexes the event for the resident and the cadre and runs the
// booking script, in one round trip. The index is written first and may
// name an event where the booking then fails; readers skip such events.
func (s *BookingStore) runBook(ctx context.Context, r booking.Request, keys []string, args ...any) (any, error) {
	pipe := s.rdb.Pipeline()
	for _, c := range []kbbot.ChatID{r.Resident, r.BookedBy} {
		if c != 0 {
			pipe.HSet(ctx, s.keys.ResidentEvents(c), residentEventField(c, r.EventID), "")
		}
	}
	cmd := pipe.EvalSha(ctx, bookBookScript.Hash(), keys, args...)
	_, err := pipe.Exec(ctx)
	if err != nil && redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		// The server lost its script cache (restart, failover): EVAL
		// loads it again; the index writes above are idempotent.
		return bookBookScript.Run(ctx, s.rdb, keys, args...).Result()
	}
	if err != nil {
		return nil, err
	}
	return cmd.Result()
}

// eventOf finds the event of a booking code.
func (s *BookingStore) eventOf(ctx context.Context, code string) (string, string, error) {
	c, ok := booking.NormalizeCode(code)
	if !ok {
		return "", "", fmt.Errorf("redisstore: booking code %q: %w", code, booking.ErrNotFound)
	}
	ev, err := s.rdb.HGet(ctx, s.keys.BookingCodes(c), c).Result()
	if errors.Is(err, redis.Nil) {
		ev, err = s.rdb.Get(ctx, s.keys.LegacyBookingCode(c)).Result()
	}
	if errors.Is(err, redis.Nil) {
		return "", "", fmt.Errorf("redisstore: booking %s: %w", c, booking.ErrNotFound)
	}
	if err != nil {
		return "", "", wrap("find booking", err)
	}
	return c, ev, nil
}

// Get returns a booking by code.
func (s *BookingStore) Get(ctx context.Context, code string) (booking.Booking, error) {
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return booking.Booking{}, err
	}
	pipe := s.rdb.Pipeline()
	rec := pipe.HGet(ctx, s.keys.EventRecords(ev), c)
	place := pipe.HGet(ctx, s.keys.EventPlaces(ev), c)
	if _, err := pipe.Exec(ctx); errors.Is(err, redis.Nil) {
		return booking.Booking{}, fmt.Errorf("redisstore: booking %s: %w", c, booking.ErrNotFound)
	} else if err != nil {
		return booking.Booking{}, wrap("get booking", err)
	}
	return decodeBooking(ev, c, rec.Val(), place.Val())
}

// Cancel gives a booking's place back (see booking.Store).
func (s *BookingStore) Cancel(ctx context.Context, code string, by kbbot.ChatID) (booking.Booking, error) {
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return booking.Booking{}, err
	}
	v, err := bookCancelScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), msArg(s.clock.Now()), c, chatArg(by), s.ttlArg()).Slice()
	if err != nil {
		return booking.Booking{}, wrap("cancel", err)
	}
	out := append(strs(v), "")
	if out[0] != "ok" {
		return booking.Booking{}, statusErr("cancel "+c, out[0], booking.Request{EventID: ev})
	}
	return decodeBooking(ev, out[1], out[2], out[3])
}

// Change moves a booking within its event (see booking.Store).
func (s *BookingStore) Change(ctx context.Context, code string, by kbbot.ChatID, to booking.Place) (booking.Booking, error) {
	if (to.FacilityID != "" && !booking.ValidID(to.FacilityID)) || (to.SessionID != "" && !booking.ValidID(to.SessionID)) ||
		(to.Method != "" && !to.Method.Valid()) {
		return booking.Booking{}, fmt.Errorf("redisstore: change: bad place: %w", booking.ErrInvalid)
	}
	c, ev, err := s.eventOf(ctx, code)
	if err != nil {
		return booking.Booking{}, err
	}
	v, err := bookChangeScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), msArg(s.clock.Now()), c, chatArg(by),
		to.FacilityID, to.SessionID, string(to.Method), s.ttlArg()).Slice()
	if err != nil {
		return booking.Booking{}, wrap("change", err)
	}
	out := append(strs(v), "")
	if out[0] != "ok" && out[0] != "same" {
		// Name the place asked for; empty fields were the booking's own.
		req := booking.Request{EventID: ev, FacilityID: to.FacilityID, SessionID: to.SessionID, Method: to.Method}
		if cur, err := s.Get(ctx, c); err == nil {
			req.FacilityID, req.SessionID, req.Method = or(to.FacilityID, cur.FacilityID), or(to.SessionID, cur.SessionID), booking.Method(or(string(to.Method), string(cur.Method)))
		}
		return booking.Booking{}, statusErr("change "+c, out[0], req)
	}
	return decodeBooking(ev, out[1], out[2], out[3])
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
