package redisstore

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/reminders"
)

//go:embed lua/book_lib.lua
var bookLib string

// bookingScript prepends the shared helpers to a booking script, which
// binds them to its KEYS.
func bookingScript(body string) *redis.Script {
	return redis.NewScript(bookLib + "\nbind(KEYS)\n" + body)
}

var (
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

	//go:embed lua/book_many.lua
	bookManyLua string

	// The booking function's library holds rem_schedule's code too, in a
	// block of its own (its K and bind are the reminder shard's), so that
	// a booking stores its reminders in the same call (BookPlanned).
	bookManyFunc = newLuaFunc("kbbook", "book_many", "local REM = {}\ndo\n"+remLib+"\n"+remScheduleLua+
		"\nREM.bind, REM.schedule_shard, REM.flush_counts = bind, schedule_shard, flush_counts\nend\n"+bookLib+"\n"+bookManyLua)
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
// of places, over the keys of one event (hash tag {ev:<id>}). Bookings
// (Book, AcceptOffer) that arrive while the store's previous batch is in
// flight go together in the next: one book_many call per event (see
// flushBooks).
type BookingStore struct {
	rdb      redis.UniversalClient
	keys     Keys
	clock    kbbot.Clock
	offerTTL time.Duration
	keep     time.Duration // the retention
	codes    codePool
	books    *pipeQueue[*bookJob] // Book and AcceptOffer requests, see flushBooks
	bookMany *luaFunc             // book_many, on this store's client
	// spans is set while one book_many call may span hash slots (one
	// server, redisconn.SpansSlots): it then carries the requests of every
	// event, and takes the codes and writes the resident index itself.
	// A CROSSSLOT refusal (a proxy) clears it for good.
	spans atomic.Bool
	// legacyCodes says whether new codes are checked against the legacy
	// code keys too (legacyUnknown, legacyCheck, legacyGone; see
	// MigrateCodes).
	legacyCodes atomic.Int32
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
	s := &BookingStore{rdb: rdb, keys: keys, clock: clock, offerTTL: opt.OfferTTL, keep: opt.Retention,
		codes: codePool{rand: opt.Rand, free: map[string][]string{}}}
	s.books = newPipeQueue(rdb, 8*bookManyMax, s.flushBooks)
	s.bookMany = bookManyFunc.forClient()
	s.spans.Store(redisconn.SpansSlots(rdb))
	return s
}

func (s *BookingStore) ttlArg() string { return fmt.Sprint(s.offerTTL.Milliseconds()) }

// Book takes a place (see booking.Store).
func (s *BookingStore) Book(ctx context.Context, r booking.Request) (booking.Booking, error) {
	if err := r.Validate(true); err != nil {
		return booking.Booking{}, err
	}
	b, _, err := s.book(ctx, r, "book", nil)
	return b, err
}

// BookPlanned books as Book does and, when this call takes the place,
// stores the booking's reminders, plan(b), in the same step: one script
// call for the booking and its reminders, on one server. planned reports
// that they were stored (or plan gave none); it is false when the
// request repeats an earlier one (b is that booking), on a cluster (a
// booking's event and its reminders' shard are in different hash slots)
// and when storing them failed: the caller then schedules plan(b) itself
// (ReminderStore.Schedule, which is idempotent). plan sees the booking
// as it will be made, without its queue number; it is called once per
// booking code tried, on a cluster too. Items that fail
// reminders.Item.Validate fail the call before anything is written.
func (s *BookingStore) BookPlanned(ctx context.Context, r booking.Request, plan func(booking.Booking) []reminders.Item) (b booking.Booking, planned bool, err error) {
	if err := r.Validate(true); err != nil {
		return booking.Booking{}, false, err
	}
	return s.book(ctx, r, "book", plan)
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
	b, _, err := s.book(ctx, r, "offer", nil)
	return b, err
}

// codeAttempts bounds the retries with a new code when a code is taken.
const codeAttempts = 8

// bookManyMax bounds the requests of one book_many call, so that one call
// holds Redis for well under a millisecond.
const bookManyMax = 64

// bookJob is a booking request waiting for the batcher (flushBooks).
type bookJob struct {
	ctx  context.Context
	r    booking.Request
	mode string // "book" or "offer"
	res  string // the resident ("c<chat>" or "r<ref>")
	idem string // the idempotency field
	code string
	// reserved is set when code was reserved for the event (codePool);
	// else book_many takes it.
	reserved bool
	rec      record
	raw      []byte // rec as JSON
	// plan is the booking's reminders, by chat, stored with it when the
	// call may span hash slots (else left to the caller).
	plan    []*planGroup
	version string        // the reminders' version (Schedule's)
	done    chan []string // the request's reply, or {"error", message}
	err     error         // set before done gets {"error", ...} for a failed call
}

// fail completes j with err.
func (j *bookJob) fail(err error) {
	j.err = err
	j.done <- []string{"error", err.Error()}
}

// book takes a place (mode "book") or the place offered (mode "offer")
// and, with plan, stores the booking's reminders with it where it can
// (planned; see BookPlanned).
func (s *BookingStore) book(ctx context.Context, r booking.Request, mode string, plan func(booking.Booking) []reminders.Item) (b booking.Booking, planned bool, err error) {
	// The batcher sends with its own context, which no dry run marks;
	// and a code drawn for a dry run would change the codes drawn after.
	if err := kbbot.RefuseDryRun(ctx); err != nil {
		return booking.Booking{}, false, err
	}
	now := s.clock.Now()
	res, ref := residentOf(r)
	rec := record{
		Ref: ref, Name: r.Name, Phone: r.Phone, ConsentAt: r.ConsentAt.UnixMilli(),
		Screening: r.Screening, CreatedAt: now.UnixMilli(), Key: r.IdempotencyKey,
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return booking.Booking{}, false, fmt.Errorf("redisstore: encode booking: %w", err)
	}
	if _, err := s.checkLegacy(ctx); err != nil {
		return booking.Booking{}, false, err
	}
	version := newToken()[:6] // the reminders' version, as Schedule's
	for range codeAttempts {
		var code string
		spans := s.spans.Load()
		if spans {
			code = s.codes.fresh() // book_many takes it
		} else if code, err = s.codes.take(ctx, s, r.EventID); err != nil {
			return booking.Booking{}, false, err
		}
		j := &bookJob{ctx: ctx, r: r, mode: mode, res: res, idem: "i|" + chatArg(r.Requester()) + "|" + r.IdempotencyKey,
			code: code, reserved: !spans, rec: rec, raw: raw, version: version, done: make(chan []string, 1)}
		// Only a call that may span hash slots stores the reminders with
		// the booking (their items are checked either way); the place of
		// an offer is known only in the script.
		withPlan := plan != nil && spans && mode == "book"
		if plan != nil && mode == "book" {
			items := plan(booking.Booking{Code: code, EventID: r.EventID, FacilityID: r.FacilityID, SessionID: r.SessionID,
				Method: r.Method, Resident: r.Resident, ResidentRef: ref, BookedBy: r.BookedBy, Name: r.Name, Phone: r.Phone,
				ConsentAt: r.ConsentAt, Screening: r.Screening, CreatedAt: now, UpdatedAt: now, Status: booking.Active})
			for _, it := range items {
				if err := it.Validate(); err != nil {
					if j.reserved {
						s.codes.giveBack(r.EventID, code) // never sent
					}
					return booking.Booking{}, false, fmt.Errorf("redisstore: book: reminders: %w", err)
				}
			}
			if withPlan && len(items) > 0 {
				j.plan = planGroups(&planJob{items: items})
			}
		}
		s.books.submit(j)
		var out []string
		select {
		case out = <-j.done:
		case <-ctx.Done():
			// The request may still be sent; its retry finds it.
			return booking.Booking{}, false, fmt.Errorf("redisstore: book: %w", ctx.Err())
		}
		out = append(out, "", "", "", "") // error replies have one element
		switch out[0] {
		case "ok":
			b, err := bookingOf(r.EventID, code, rec, out[1])
			return b, withPlan && out[2] == "1" && err == nil, err
		case "repeat":
			b, err := decodeBooking(r.EventID, out[1], out[2], out[3])
			return b, false, err
		case "already":
			b, err := decodeBooking(r.EventID, out[1], out[2], out[3])
			if err != nil {
				return booking.Booking{}, false, err
			}
			return booking.Booking{}, false, fmt.Errorf("redisstore: book: %w", &booking.AlreadyBookedError{Existing: b})
		case "code_taken", "again":
			continue
		case "error":
			if j.err != nil {
				return booking.Booking{}, false, j.err
			}
			return booking.Booking{}, false, fmt.Errorf("redisstore: book: %s", out[1])
		}
		return booking.Booking{}, false, statusErr("book", out[0], r)
	}
	return booking.Booking{}, false, fmt.Errorf("redisstore: book: no free booking code after %d attempts", codeAttempts)
}

// bookCall is one book_many call of a batch: groups of requests, each of
// one event (on a cluster, one group).
type bookCall struct {
	jobs []*bookJob
	keys []string
	args []any
	// shards are the reminder shards the call's bookings plan reminders
	// in, in order, and at the index in args of each group's first key
	// (set once the event keys are in: the shards' keys follow them).
	shards []int
	at     map[int][]int
}

// addPlan appends to c's arguments the reminders of j, in groups by
// chat: the index of the shard's first key is set by keysDone.
func (c *bookCall) addPlan(j *bookJob) {
	c.args = append(c.args, len(j.plan))
	for _, g := range j.plan {
		sh := RemShard(g.chat)
		if c.at == nil {
			c.at = map[int][]int{}
		}
		if _, ok := c.at[sh]; !ok {
			c.shards = append(c.shards, sh)
		}
		c.at[sh] = append(c.at[sh], len(c.args))
		first, lines := planLines(g.items, j.version)
		c.args = append(c.args, 0, chatArg(g.chat), len(g.items), first, lines)
	}
}

// keysDone appends the keys of the reminder shards after the events' and
// sets the index of each group's first key.
func (c *bookCall) keysDone(keys Keys) {
	for _, sh := range c.shards {
		for _, i := range c.at[sh] {
			c.args[i] = len(c.keys) + 1
		}
		c.keys = append(c.keys, keys.RemKeys(sh)...)
	}
}

// flushBooks queues on p a batch of booking requests, the requests of
// each event in arrival order (more calls past bookManyMax requests), and
// returns the context to send p with and what completes the jobs once p
// ran (nil, nil when no job is left to send).
//
// Where one call may span hash slots (spans), it sends one book_many call
// for the requests of every event, which takes each new booking's code
// and writes the resident index itself. On a cluster it sends first the
// resident index (ResidentEvents) of each resident and cadre, then per
// event one book_many call; the index is written first and may name an
// event where the booking then fails (readers skip such events), and the
// codes were reserved before (codePool).
//
// It completes every job: with its reply, or with an error when the call
// or the job's index write failed (the booking may have been made: a
// retry with the same idempotency key finds it).
func (s *BookingStore) flushBooks(p redis.Pipeliner, jobs []*bookJob) (context.Context, func()) {
	live := jobs[:0:0]
	for _, j := range jobs {
		if j.ctx.Err() != nil {
			if j.reserved {
				s.codes.giveBack(j.r.EventID, j.code) // never sent
			}
			j.fail(fmt.Errorf("redisstore: book: %w", j.ctx.Err()))
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return nil, nil
	}
	spans := s.spans.Load()
	if !spans {
		// Requests made while calls spanned slots carry a code not
		// reserved: they go again with a reserved one.
		reserved := live[:0]
		for _, j := range live {
			if j.reserved {
				reserved = append(reserved, j)
			} else {
				j.done <- []string{"again"}
			}
		}
		if live = reserved; len(live) == 0 {
			return nil, nil
		}
	}
	ctx := context.WithoutCancel(live[0].ctx)
	if spans {
		ctx = redisconn.CrossSlot(ctx)
	}
	now, ttl := msArg(s.clock.Now()), s.ttlArg()
	// How book_many takes codes and writes the index (its ARGV[3]).
	mode := "0"
	if spans {
		mode = "1"
		if s.legacyCodes.Load() != legacyGone {
			mode = "2"
		}
	}
	// The requests of each event, events in order of first arrival.
	var events []string
	byEvent := map[string][]*bookJob{}
	for _, j := range live {
		if byEvent[j.r.EventID] == nil {
			events = append(events, j.r.EventID)
		}
		byEvent[j.r.EventID] = append(byEvent[j.r.EventID], j)
	}
	var calls []*bookCall
	var c *bookCall
	for _, ev := range events {
		evJobs := byEvent[ev]
		for len(evJobs) > 0 {
			if c == nil || len(c.jobs) == bookManyMax || !spans {
				c = &bookCall{args: []any{now, ttl, mode}}
				calls = append(calls, c)
			}
			part := evJobs[:min(len(evJobs), bookManyMax-len(c.jobs))]
			evJobs = evJobs[len(part):]
			c.args = append(c.args, len(part), ev, len(c.keys)+1)
			c.keys = append(c.keys, s.keys.EventKeys(ev)...)
			c.jobs = append(c.jobs, part...)
			for _, j := range part {
				c.args = append(c.args, j.mode, j.idem, j.res, chatArg(j.r.Resident), chatArg(j.r.BookedBy),
					j.r.FacilityID, j.r.SessionID, string(j.r.Method), j.code, j.raw)
				if !spans {
					c.args = append(c.args, 0) // no reminders (book sends none)
					continue
				}
				c.addPlan(j)
				c.keys = append(c.keys, s.keys.BookingCodes(j.code))
				if mode == "2" {
					c.keys = append(c.keys, s.keys.LegacyBookingCode(j.code))
				}
				for _, chat := range []kbbot.ChatID{j.r.Resident, j.r.BookedBy} {
					if chat != 0 {
						c.keys = append(c.keys, s.keys.ResidentEvents(chat))
					}
				}
			}
		}
	}
	index := make(map[*bookJob][]*redis.IntCmd, len(live))
	if !spans {
		written := map[[2]string]*redis.IntCmd{}
		for _, j := range live {
			for _, c := range []kbbot.ChatID{j.r.Resident, j.r.BookedBy} {
				if c == 0 {
					continue
				}
				k := [2]string{s.keys.ResidentEvents(c), residentEventField(c, j.r.EventID)}
				cmd := written[k]
				if cmd == nil {
					cmd = p.HSet(ctx, k[0], k[1], "")
					written[k] = cmd
				}
				index[j] = append(index[j], cmd)
			}
		}
	}
	cmds := make([]*redis.Cmd, len(calls))
	for i, c := range calls {
		c.keysDone(s.keys)
		cmds[i] = s.bookMany.queue(ctx, p, c.keys, c.args...)
	}
	return ctx, func() { s.finishBooks(ctx, spans, calls, cmds, index) }
}

// finishBooks completes the jobs of calls, which ran as cmds (after the
// index writes of index, on a cluster).
func (s *BookingStore) finishBooks(ctx context.Context, spans bool, calls []*bookCall, cmds []*redis.Cmd, index map[*bookJob][]*redis.IntCmd) {
	err := s.bookMany.runAgain(ctx, s.rdb, cmds,
		func(i int) []string { return calls[i].keys }, func(i int) []any { return calls[i].args })
	for i, c := range calls {
		replies, cerr := cmds[i].Slice()
		if spans && redisconn.IsCrossSlot(cerr) {
			// A proxy refuses calls across slots: from now on this store
			// books as on a cluster; these requests go again that way.
			s.spans.Store(false)
			for _, j := range c.jobs {
				j.done <- []string{"again"}
			}
			continue
		}
		if cerr == nil && len(replies) != len(c.jobs) {
			cerr = fmt.Errorf("%d replies to %d requests", len(replies), len(c.jobs))
		}
		if missing(cerr) && err != nil {
			cerr = err // the function could not be loaded
		}
		for k, j := range c.jobs {
			if cerr != nil {
				j.fail(wrap("book", cerr))
				continue
			}
			out := strs(replies[k])
			if len(out) == 0 {
				out = []string{"error", "empty reply"}
			}
			if j.reserved && out[0] != "ok" && out[0] != "code_taken" && out[0] != "error" && (len(out) < 2 || out[1] != j.code) {
				s.codes.giveBack(j.r.EventID, j.code) // still reserved for this event, unused
			}
			var ierr error
			for _, ic := range index[j] {
				if ierr = ic.Err(); ierr != nil {
					break
				}
			}
			if ierr != nil {
				j.fail(wrap("index booking", ierr))
				continue
			}
			j.done <- out
		}
	}
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
	raw, err := s.rdb.HGet(ctx, s.keys.EventRecords(ev), c).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return booking.Booking{}, wrap("get booking", err)
	}
	place, rec, ok := rowOf(raw)
	if !ok {
		return booking.Booking{}, fmt.Errorf("redisstore: booking %s: %w", c, booking.ErrNotFound)
	}
	return decodeBooking(ev, c, rec, place)
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
