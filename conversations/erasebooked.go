package conversations

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// eraseBookedFlow is /hapuspeserta KODE (/erasebooked): a cadre erases a
// resident without Telegram whom a cadre booked (/daftarkan), by the
// booking code, at the resident's request. It shows the booking (name
// partly masked, facility, time) and asks to confirm; on yes the audit log
// forgets the code and the kelurahan (AuditScrubber), gets an entry
// "erase_booked" with the actor and the facility's kecamatan only, and the
// booking store deletes the name, phone and checklist answers, cancels an
// active booking and forgets the code (booking.Store.EraseBooking).
//
// Who may: the chat that made the booking, a staff member with
// cadre.ActBookFor at the booking's facility, or, for a walk-in registered
// at the service table (daylist.go), a provider (cadre.ActProvide) there.
// Anyone else who can neither book for residents nor register walk-ins
// gets the unknown-command answer, as for every staff command. A
// resident's own booking is refused: they use /hapusdata.
//
// Buttons: eb:yes:<nonce>, eb:no:<nonce>.
type eraseBookedFlow struct{}

// Steps of eraseBookedFlow.
const (
	stepEbAsk     = "ask"     // waiting for a code
	stepEbConfirm = "confirm" // the booking is shown; yes or no
)

// actEraseBooked is the audit action of an erasure by a cadre; its entry
// names neither the code nor the resident, and its area is the kecamatan.
const actEraseBooked cadre.Action = "erase_booked"

// AuditScrubber is an audit log that can forget an erased resident: it
// replaces their booking codes and chat id in every entry and narrows the
// entries' area to the kecamatan (redisstore.StaffStore.ScrubResident).
// The flow uses Services.Audit when it is one; without it the erasure is
// not offered, since the audit log would keep the code.
type AuditScrubber interface {
	// ScrubResident rewrites the entries naming chat (0: none) or one of
	// codes, and returns how many it rewrote.
	ScrubResident(ctx context.Context, chat kbbot.ChatID, codes []string) (int, error)
}

// eraseBookedState is the flow's state: the code being erased.
type eraseBookedState struct {
	Code string `json:"code"`
}

func (eraseBookedFlow) Name() string       { return "eb" }
func (eraseBookedFlow) Commands() []string { return []string{"hapuspeserta", "erasebooked"} }

// Start looks up the code given with the command, or asks for it.
func (f eraseBookedFlow) Start(st *step, args string) {
	if !f.allowed(st) {
		st.unknownCommand("/" + st.ev.Command)
		return
	}
	if _, ok := st.e.svc.Audit.(AuditScrubber); !ok || st.e.svc.Bookings == nil {
		st.show(st.t("staff_unavailable"), st.menuButton())
		return
	}
	st.enter(f, stepEbAsk)
	if strings.TrimSpace(args) != "" {
		f.lookup(st, args)
		return
	}
	st.send(st.t("eb_ask"), st.menuButton())
}

func (f eraseBookedFlow) Routes() []Route {
	return []Route{
		{Op: "yes", Steps: []string{stepEbConfirm}, Do: f.erase},
		{Op: "no", Steps: []string{stepEbConfirm}, Do: func(st *step, _ []string) {
			st.s.resetFlow()
			st.show(st.t("eb_kept"), st.menuButton())
		}},
	}
}

// Text takes a code, at either step (another code replaces the one shown).
func (f eraseBookedFlow) Text(st *step, t string) bool {
	f.lookup(st, t)
	return true
}

// lookup finds the booking of a typed code and, when the chat may erase
// it, shows it and asks to confirm. Every refusal names what is wrong; a
// malformed or unknown code leaves the flow waiting for another.
func (f eraseBookedFlow) lookup(st *step, typed string) {
	st.s.Step = stepEbAsk
	code, ok := booking.NormalizeCode(typed)
	if !ok {
		st.send(st.t("eb_bad_code"), st.menuButton())
		return
	}
	b, ok := f.find(st, code)
	if !ok {
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.storeFailed("resolve booking", err)
		return
	}
	if !f.may(st, b, sl.Facility) {
		st.s.resetFlow()
		if m, ok := st.member(); ok && canAt(m, cadre.ActProvide, sl.Facility) {
			// A provider here, but this is no walk-in.
			st.send(st.t("eb_not_walkin", code), st.menuButton())
			return
		}
		st.send(st.t("eb_outside", code, sl.Facility.Name), st.menuButton())
		return
	}
	if b.Resident != 0 {
		st.s.resetFlow()
		st.send(st.t("eb_own", code), st.menuButton())
		return
	}
	saveState(st, eraseBookedState{Code: code})
	st.s.Step = stepEbConfirm
	what := "eb_what_past"
	if b.Status == booking.Active {
		what = "eb_what_active"
	}
	st.send(st.t("eb_confirm", code, maskName(b.Name), sl.Facility.Name,
		st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility), st.t(what)),
		[][]kbbot.Button{
			{st.flowButton(st.t("btn_eb_yes"), "yes")},
			{st.flowButton(st.t("btn_eb_no"), "no")},
		})
}

// find reads the booking of code; false after telling the chat that the
// code is unknown or its personal data is already gone.
func (eraseBookedFlow) find(st *step, code string) (booking.Booking, bool) {
	b, err := st.e.svc.Bookings.Get(st.ctx, code)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		st.send(st.t("eb_unknown", code), st.menuButton())
		return b, false
	case err != nil:
		st.storeFailed("get booking", err)
		return b, false
	case !b.ErasedAt.IsZero():
		st.s.resetFlow()
		st.send(st.t("eb_already", code), st.menuButton())
		return b, false
	}
	return b, true
}

// allowed reports whether the chat has the command at all: it may book
// for residents, or register walk-ins.
func (eraseBookedFlow) allowed(st *step) bool {
	if st.isCadre() {
		return true
	}
	m, ok := st.member()
	return ok && cadre.Can(m, cadre.ActProvide, m.Area)
}

// may reports whether the chat may erase b at facility f: it made the
// booking, it is staff who may book for residents there, or b is a
// walk-in and it is a provider there.
func (eraseBookedFlow) may(st *step, b booking.Booking, f *booking.Facility) bool {
	if b.BookedBy != 0 && b.BookedBy == st.ev.ChatID {
		return true
	}
	m, ok := st.member()
	return ok && (canAt(m, cadre.ActBookFor, f) || b.WalkIn && canAt(m, cadre.ActProvide, f))
}

// erase runs the confirmed erasure, in an order that survives a failure
// at any point (the step is then not committed and the tap comes again;
// every store call is idempotent): the audit log forgets the code, the
// erasure is audited, the booking store erases the resident, and the
// freed place is offered to the waitlist. A tap that finds the code gone
// was erased by an earlier try (audited then) or by someone else: it only
// finishes the notice. A failure between audit entry and erasure writes
// the entry again on the retry: the log may say twice what was done once,
// never less.
func (f eraseBookedFlow) erase(st *step, _ []string) {
	var s eraseBookedState
	loadState(st, &s)
	scrub, ok := st.e.svc.Audit.(AuditScrubber)
	if !f.allowed(st) || s.Code == "" || !ok || st.e.svc.Bookings == nil {
		st.expired()
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, s.Code)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		f.done(st, s.Code, false)
		return
	case err != nil:
		st.storeFailed("get booking", err)
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	fac, ok := c.Facility(b.FacilityID)
	if !ok || b.Resident != 0 || !f.may(st, b, fac) {
		st.expired()
		return
	}
	if !b.ErasedAt.IsZero() {
		st.s.resetFlow()
		st.show(st.t("eb_already", s.Code), st.menuButton())
		return
	}
	if _, err := scrub.ScrubResident(st.ctx, 0, []string{s.Code}); err != nil {
		st.mustRetry("scrub audit log", err)
		return
	}
	m, _ := st.member()
	entry := cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: actEraseBooked,
		Area: cadre.Area{Kabupaten: fac.Kabupaten, Kecamatan: fac.Kecamatan}}
	if err := st.e.svc.Audit.Audit(st.ctx, entry); err != nil {
		st.mustRetry("audit erase booked", err)
		return
	}
	// The reminders the cadre gets of the booking name its code: they go
	// first, and the follow-up mark with them.
	if chat := reminderChat(b); st.e.svc.Reminders != nil && chat != 0 {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, chat, s.Code); err != nil {
			st.mustRetry("cancel reminders of an erased booking", err)
			return
		}
	}
	if st.e.svc.FollowUps != nil {
		if err := st.e.svc.FollowUps.ForgetBooking(st.ctx, s.Code); err != nil {
			st.mustRetry("forget a follow-up mark", err)
			return
		}
	}
	switch _, err := st.e.svc.Bookings.EraseBooking(st.ctx, s.Code); {
	case errors.Is(err, booking.ErrNotFound):
	case errors.Is(err, booking.ErrNotYours):
		st.expired()
		return
	case err != nil:
		st.mustRetry("erase booking", err)
		return
	}
	f.done(st, s.Code, b.Status == booking.Active)
}

// done offers the place an erasure freed to the first in line now, not at
// the next sweep, and tells the cadre the resident is erased.
func (eraseBookedFlow) done(st *step, code string, cancelled bool) {
	if !notifyOffers(st) {
		return
	}
	st.s.resetFlow()
	key := "eb_done_past"
	if cancelled {
		key = "eb_done_active"
	}
	st.toast(st.t("eb_done_toast"))
	st.show(st.t(key, code), st.menuButton())
}

// maskName shows the first letter of each word of a name and hides the
// rest: "Siti Aminah" is "S*** A*****".
func maskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(r) + strings.Repeat("*", utf8.RuneCountInString(w[size:]))
	}
	return strings.Join(words, " ")
}
