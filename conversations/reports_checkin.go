package conversations

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
)

// Check-in: a kader, bidan, PKB or admin types a booking code (or gives it
// with /checkin CODE, or taps a client in the day list), sees the booking
// and records the client's line of the national KB register (R/I/KB):
// the method given (the one booked unless changed) and the category,
// then the register's other columns, and saves. The booking becomes
// Attended; the category decides the resident's reminders (save). A
// booking at a facility outside the member's area is answered exactly
// like an unknown code.
//
// Kept short for a busy table: one tap picks the category (KB baru, KB
// baru pasca persalinan or pasca keguguran, KB ulang / lama, ganti cara,
// pencabutan saja, kegagalan); ganti cara, pencabutan and kegagalan ask
// one more question, the method before (or removed, or failed); the last
// screen has the informed consent tick (shown for the methods that take
// one, and required for a new or switching client: booking.NeedsConsent),
// the removal and complication ticks, and saves with the JKN answer in
// the same tap. A usual check-in is three taps.
//
// Opened from the day list (daylist.go, fromList), it offers the way back
// to that list on every screen. The pregnancy checklist's result on the
// card is shown to staff with a provider's right (cadre.ActProvide) only.
//
// Buttons: chk:list:<n> (the methods to give), chk:m:<method>:<n> (the
// method given), chk:cat:<choice>:<n> (the category: a booking.Category,
// or pp / pk for a new acceptor pasca persalinan / keguguran),
// chk:prev:<method>:<n> (the method before, removed or failed),
// chk:ic:<n>, chk:rm:<n>, chk:kx:<n> (tick informed consent, removal,
// complication), chk:card:<n> (back to the booking), chk:save:<jkn>:<n>
// (save, with the JKN answer).
type checkinFlow struct{}

// Steps of the check-in.
const (
	stepCICode    = "ci_code" // waiting for a booking code
	stepCIShow    = "ci_show" // a booking shown: method and category
	stepCIPrev    = "ci_prev" // asked for the method before (removed, failed)
	stepCIConfirm = "ci_ok"   // the register's ticks, and save
)

// The category choices that are not a booking.Category: a new acceptor
// right after a delivery or a miscarriage.
const (
	choicePostPartum  = "pp"
	choicePostAbortus = "pk"
)

// checkinState is the booking being checked in and the answers so far.
type checkinState struct {
	Code  string           `json:"code,omitempty"`
	Given booking.Method   `json:"given,omitempty"` // the method given (removed, failed)
	Cat   booking.Category `json:"cat,omitempty"`   // the register category
	Post  booking.Post     `json:"post,omitempty"`
	// From is the method before a switch.
	From booking.Method `json:"from,omitempty"`
	// Removed, Complication and Consent are the ticks.
	Removed      bool `json:"rm,omitempty"`
	Complication bool `json:"kx,omitempty"`
	Consent      bool `json:"ic,omitempty"`
	// List is the facility of the day list the check-in came from.
	List string `json:"list,omitempty"`
}

// removable is the method a removal would be of, "" when none can be
// recorded with the answers so far.
func (s checkinState) removable() booking.Method {
	var m booking.Method
	switch s.Cat {
	case booking.Continuing, booking.Failure, booking.RemovalOnly:
		m = s.Given
	case booking.Switching:
		m = s.From
	}
	if booking.Removable(m) {
		return m
	}
	return ""
}

// consentAsked reports whether the screen offers the informed consent
// tick: for a method that takes one, given to a client (not a removal or
// a failure).
func (s checkinState) consentAsked() bool {
	return s.Cat.Acceptor() && booking.ConsentMethod(s.Given)
}

// checkIn is the check-in the answers make, with jkn.
func (s checkinState) checkIn(by kbbot.ChatID, at time.Time, jkn booking.JKN) booking.CheckIn {
	r := booking.Register{Post: s.Post, Complication: s.Complication, Consent: s.Consent && s.consentAsked(), JKN: jkn}
	if s.Cat == booking.Switching {
		r.From = s.From
	}
	if s.Removed || s.Cat == booking.RemovalOnly {
		r.Removed = s.removable()
	}
	return booking.CheckIn{Code: s.Code, By: by, At: at, Method: s.Given, Category: s.Cat, Register: r}
}

func (checkinFlow) Name() string       { return "chk" }
func (checkinFlow) Commands() []string { return []string{"checkin", "cekin"} }

// Start asks for a booking code, or takes the one given.
func (f checkinFlow) Start(st *step, code string) {
	m, ok := staffOpen(st, cadre.ActCheckIn)
	if !ok || !reportReady(st) {
		return
	}
	st.enter(f, stepCICode)
	if code != "" {
		f.code(st, m, code)
		return
	}
	st.show(st.t("checkin_ask_code"), st.staffButtons())
}

// fromList checks in booking code, tapped in the day list of facility
// fac: the flow comes back to that list.
func (f checkinFlow) fromList(st *step, m cadre.Member, code, fac string) {
	st.enter(f, stepCICode)
	saveState(st, checkinState{List: fac})
	f.code(st, m, code)
}

// buttons end every screen of the flow: back to the day list it came
// from, if any, then the staff menu.
func (checkinFlow) buttons(st *step) [][]kbbot.Button {
	var s checkinState
	loadState(st, &s)
	rows := st.staffButtons()
	if s.List != "" && booking.ValidID(s.List) {
		rows = append([][]kbbot.Button{{st.btn("btn_day_back", data(flowDay, "o", s.List))}}, rows...)
	}
	return rows
}

func (f checkinFlow) Routes() []Route {
	checking := []string{stepCIShow, stepCIPrev, stepCIConfirm}
	confirming := []string{stepCIConfirm}
	return []Route{
		{Op: "list", Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.methods)},
		{Op: "m", Args: 1, Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.method)},
		{Op: "cat", Args: 1, Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.category)},
		{Op: "prev", Args: 1, Steps: []string{stepCIPrev}, Right: cadre.ActCheckIn, Do: staffDo(f.previous)},
		{Op: "ic", Steps: confirming, Right: cadre.ActCheckIn, Do: staffDo(f.tick(func(s *checkinState) { s.Consent = !s.Consent }))},
		{Op: "rm", Steps: confirming, Right: cadre.ActCheckIn, Do: staffDo(f.tick(func(s *checkinState) { s.Removed = !s.Removed }))},
		{Op: "kx", Steps: confirming, Right: cadre.ActCheckIn, Do: staffDo(f.tick(func(s *checkinState) { s.Complication = !s.Complication }))},
		{Op: "card", Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.method)},
		{Op: "save", Args: 1, Steps: confirming, Right: cadre.ActCheckIn, Do: staffDo(f.save)},
	}
}

// Text takes a typed booking code, at any step of the check-in.
func (f checkinFlow) Text(st *step, t string) bool {
	return staffTyping(st, func(m cadre.Member) { f.code(st, m, t) })
}

// find finds the booking of code for member m: the booking, its
// check-in if any, and its slot. It tells the member and returns ok false
// when there is none they may check in (unknown code, or a facility
// outside their area: the same answer, so that codes cannot be probed).
func (f checkinFlow) find(st *step, m cadre.Member, code string) (b booking.Booking, ci booking.CheckIn, done bool, sl booking.Slot, ok bool) {
	c := st.catalog()
	if c == nil {
		return b, ci, false, sl, false
	}
	if g := st.e.svc.Guesses; g != nil {
		allowed, err := g.Allow(st.ctx, cadre.CodeCheckIn, st.ev.ChatID)
		if err != nil {
			st.storeFailed("check code guesses", err)
			return b, ci, false, sl, false
		}
		if !allowed {
			f.toCode(st)
			st.show(st.t("checkin_too_many"), st.staffButtons())
			return b, ci, false, sl, false
		}
	}
	b, ci, done, err := st.e.svc.Reports.CheckInOf(st.ctx, code)
	if err == nil {
		sl, err = c.Slot(b.EventID, b.FacilityID, b.SessionID)
		if err == nil && (sl.Session == nil || !canAt(m, cadre.ActCheckIn, sl.Facility)) {
			err = booking.ErrNotFound
		}
	}
	switch {
	case err == nil:
		return b, ci, done, sl, true
	case errors.Is(err, booking.ErrNotFound), errors.Is(err, booking.ErrUnknownEvent),
		errors.Is(err, booking.ErrUnknownSite), errors.Is(err, booking.ErrUnknownSession):
		if g := st.e.svc.Guesses; g != nil {
			if err := g.Miss(st.ctx, cadre.CodeCheckIn, st.ev.ChatID); err != nil {
				st.log().Warn("count check-in code miss", "error", err)
			}
		}
		f.toCode(st)
		st.show(st.t("checkin_not_found", code), f.buttons(st))
	default:
		st.storeFailed("find booking for check-in", err)
	}
	return b, ci, false, sl, false
}

// toCode goes back to waiting for a code, within the check-in flow (and
// the day list it came from).
func (checkinFlow) toCode(st *step) {
	var s checkinState
	loadState(st, &s)
	st.s.Step = stepCICode
	st.s.Data = nil
	if s.List != "" {
		saveState(st, checkinState{List: s.List})
	}
}

// next ends the check-in of one booking with text, and waits for the next
// code.
func (f checkinFlow) next(st *step, text string) {
	f.toCode(st)
	st.show(text+"\n\n"+st.t("checkin_next"), f.buttons(st))
}

// code takes a typed booking code.
func (f checkinFlow) code(st *step, m cadre.Member, text string) {
	if !cadre.Can(m, cadre.ActCheckIn, m.Area) {
		st.notAllowed(m)
		return
	}
	if !reportReady(st) {
		return
	}
	code, ok := booking.NormalizeCode(text)
	if !ok {
		f.toCode(st)
		st.send(st.t("checkin_bad_code"), f.buttons(st))
		return
	}
	b, ci, done, sl, ok := f.find(st, m, code)
	if !ok {
		return
	}
	switch {
	case done:
		f.next(st, f.already(st, ci, sl))
		return
	case b.Status == booking.NotServed:
		f.next(st, st.t("checkin_not_served", code))
		return
	case b.Status != booking.Active:
		f.next(st, st.t("checkin_cancelled", code))
		return
	case booking.DateOf(st.now, sl.Facility.Location).Before(sl.Event.Date):
		f.next(st, st.t("checkin_too_early", code, st.fmtDay(sl.Event.Date)))
		return
	}
	var s checkinState
	loadState(st, &s)
	saveState(st, checkinState{Code: b.Code, Given: b.Method, List: s.List})
	f.card(st, m, b, sl, b.Method)
}

// card shows the booking, with the method given and the category buttons:
// at most five lines. The pregnancy checklist's result is health data:
// only a provider (cadre.ActProvide at the facility) reads it.
func (f checkinFlow) card(st *step, m cadre.Member, b booking.Booking, sl booking.Slot, given booking.Method) {
	st.s.Step = stepCIShow
	screening := ""
	if sc := f.screening(st, b); sc != "" && canAt(m, cadre.ActProvide, sl.Facility) {
		screening = "\n" + sc
	}
	text := st.t("checkin_card", b.Code, b.Name, st.methodName(b.Method),
		sl.Facility.Name+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility),
		screening, st.methodName(given))
	choices := []string{string(booking.NewAcceptor), string(booking.Continuing), choicePostPartum, choicePostAbortus,
		string(booking.Switching), string(booking.RemovalOnly), string(booking.Failure)}
	var rows [][]kbbot.Button
	for i := 0; i < len(choices); i += 2 {
		row := []kbbot.Button{st.flowButton(st.t("btn_cat_"+choices[i]), "cat", choices[i])}
		if i+1 < len(choices) {
			row = append(row, st.flowButton(st.t("btn_cat_"+choices[i+1]), "cat", choices[i+1]))
		}
		rows = append(rows, row)
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_checkin_method", st.methodName(given)), "list")})
	st.show(text, append(rows, f.buttons(st)...))
}

// current reads the booking of the flow again, checking that the member
// may still check it in and that it is still to be checked in.
func (f checkinFlow) current(st *step, m cadre.Member) (booking.Booking, booking.Slot, checkinState, bool) {
	var s checkinState
	loadState(st, &s)
	if s.Code == "" {
		st.expired()
		return booking.Booking{}, booking.Slot{}, s, false
	}
	b, ci, done, sl, ok := f.find(st, m, s.Code)
	switch {
	case !ok:
		return b, sl, s, false
	case done:
		f.next(st, f.already(st, ci, sl))
		return b, sl, s, false
	case b.Status == booking.NotServed:
		f.next(st, st.t("checkin_not_served", s.Code))
		return b, sl, s, false
	case b.Status != booking.Active:
		f.next(st, st.t("checkin_cancelled", s.Code))
		return b, sl, s, false
	}
	return b, sl, s, true
}

// methodRows lists methods as buttons of op, two a row, leaving out skip.
func methodRows(st *step, op string, methods []booking.Method, skip booking.Method) [][]kbbot.Button {
	var rows [][]kbbot.Button
	var row []kbbot.Button
	for _, meth := range methods {
		if meth == skip {
			continue
		}
		row = append(row, st.flowButton(st.methodName(meth), op, string(meth)))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return append(rows, []kbbot.Button{st.flowButton(st.t("btn_checkin_back"), "card")})
}

// methods lists the methods that can be recorded as given.
func (f checkinFlow) methods(st *step, m cadre.Member, _ []string) {
	_, _, s, ok := f.current(st, m)
	if !ok {
		return
	}
	st.s.Step = stepCIShow
	st.show(st.t("checkin_pick_method", s.Code), methodRows(st, "m", booking.Methods(), ""))
}

// method records the method given (chk:m) or keeps it (chk:card), and
// shows the booking again; the register answers start over.
func (f checkinFlow) method(st *step, m cadre.Member, args []string) {
	var meth booking.Method
	if len(args) == 1 {
		if meth = booking.Method(args[0]); !meth.Valid() {
			st.expired()
			return
		}
	}
	b, sl, s, ok := f.current(st, m)
	if !ok {
		return
	}
	if meth != "" {
		s.Given = meth
	}
	saveState(st, checkinState{Code: s.Code, Given: s.Given, List: s.List})
	f.card(st, m, b, sl, s.Given)
}

// category takes the category tapped: a switch, a removal and a failure
// ask for the method before (removed, failed); the others go to the last
// screen.
func (f checkinFlow) category(st *step, m cadre.Member, args []string) {
	cat, post := booking.Category(args[0]), booking.PostNone
	switch args[0] {
	case choicePostPartum:
		cat, post = booking.NewAcceptor, booking.PostPartum
	case choicePostAbortus:
		cat, post = booking.NewAcceptor, booking.PostAbortion
	}
	if !cat.Valid() {
		st.expired()
		return
	}
	b, _, s, ok := f.current(st, m)
	if !ok {
		return
	}
	given := s.Given
	if !given.Valid() {
		given = b.Method
	}
	s = checkinState{Code: s.Code, Given: given, Cat: cat, Post: post, List: s.List}
	saveState(st, s)
	var text string
	var rows [][]kbbot.Button
	switch cat {
	case booking.Switching:
		text, rows = st.t("checkin_ask_from", s.Code, st.methodName(given)), methodRows(st, "prev", booking.Methods(), given)
	case booking.RemovalOnly:
		text, rows = st.t("checkin_ask_removed", s.Code), methodRows(st, "prev", []booking.Method{booking.IUD, booking.Implan}, "")
	case booking.Failure:
		text, rows = st.t("checkin_ask_failed", s.Code), methodRows(st, "prev", booking.Methods(), "")
	default:
		f.confirm(st, b, s, "")
		return
	}
	st.s.Step = stepCIPrev
	st.show(text, rows)
}

// previous takes the method before a switch, the method removed or the
// one that failed, and goes to the last screen. A switch from an IUD or
// implant ticks its removal.
func (f checkinFlow) previous(st *step, m cadre.Member, args []string) {
	meth := booking.Method(args[0])
	b, _, s, ok := f.current(st, m)
	if !ok {
		return
	}
	switch {
	case !meth.Valid(), s.Cat == booking.Switching && meth == s.Given, s.Cat == booking.RemovalOnly && !booking.Removable(meth):
		st.expired()
		return
	case s.Cat == booking.Switching:
		s.From, s.Removed = meth, booking.Removable(meth)
	case s.Cat == booking.RemovalOnly, s.Cat == booking.Failure:
		s.Given, s.Removed = meth, s.Cat == booking.RemovalOnly
	default:
		st.expired()
		return
	}
	saveState(st, s)
	f.confirm(st, b, s, "")
}

// tick turns one of the last screen's ticks over and shows it again.
func (f checkinFlow) tick(turn func(*checkinState)) func(st *step, m cadre.Member, args []string) {
	return func(st *step, m cadre.Member, _ []string) {
		b, _, s, ok := f.current(st, m)
		if !ok {
			return
		}
		turn(&s)
		saveState(st, s)
		f.confirm(st, b, s, "")
	}
}

// confirm is the last screen, at most five lines with a warning: the
// client and the register line so far, the informed consent (required or
// not), and the ticks; the save buttons carry the JKN answer. warn, when
// set, heads the text (what is missing).
func (f checkinFlow) confirm(st *step, b booking.Booking, s checkinState, warn string) {
	st.s.Step = stepCIConfirm
	lines := []string{st.t("checkin_confirm", b.Name, b.Code, f.summary(st, s))}
	if warn != "" {
		lines = append([]string{warn}, lines...)
	}
	if s.Given != b.Method && s.Cat.Acceptor() {
		lines = append(lines, st.t("checkin_other_method", st.methodName(b.Method)))
	}
	var rows [][]kbbot.Button
	box := func(on bool) string {
		if on {
			return "☑"
		}
		return "☐"
	}
	if s.consentAsked() {
		key := "checkin_consent_optional"
		if booking.NeedsConsent(s.Given, s.Cat) {
			key = "checkin_consent_required"
		}
		if s.Consent {
			key = "checkin_consent_done"
		}
		lines = append(lines, st.t(key))
		rows = append(rows, []kbbot.Button{st.flowButton(box(s.Consent)+" "+st.t("btn_checkin_consent"), "ic")})
	}
	if rm := s.removable(); rm != "" && s.Cat != booking.RemovalOnly {
		rows = append(rows, []kbbot.Button{st.flowButton(box(s.Removed)+" "+st.t("btn_checkin_removed", st.methodName(rm)), "rm")})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(box(s.Complication)+" "+st.t("btn_checkin_complication"), "kx")})
	lines = append(lines, st.t("checkin_pick_jkn"))
	rows = append(rows,
		[]kbbot.Button{st.flowButton(st.t("btn_save_jkn_pbi"), "save", string(booking.JKNPBI)), st.flowButton(st.t("btn_save_jkn_nonpbi"), "save", string(booking.JKNNonPBI))},
		[]kbbot.Button{st.flowButton(st.t("btn_save_jkn_tidak"), "save", string(booking.JKNNone))},
		[]kbbot.Button{st.flowButton(st.t("btn_checkin_back"), "card")})
	st.show(strings.Join(lines, "\n"), rows)
}

// summary is the register line in words: "Implan · KB baru, pasca
// persalinan · IUD dicabut".
func (checkinFlow) summary(st *step, s checkinState) markup {
	parts := []string{escape(st.methodName(s.Given)), st.t("cat_" + string(s.Cat))}
	switch s.Cat {
	case booking.RemovalOnly:
		parts[0] = st.t("checkin_removed_line", st.methodName(s.Given))
	case booking.Failure:
		parts = []string{st.t("checkin_failed_line", st.methodName(s.Given))}
	case booking.Switching:
		parts[1] += " " + st.t("checkin_from", st.methodName(s.From))
	}
	if s.Post != booking.PostNone {
		parts[len(parts)-1] += ", " + st.t("post_"+string(s.Post))
	}
	if rm := s.removable(); s.Removed && rm != "" && s.Cat != booking.RemovalOnly {
		parts = append(parts, st.t("checkin_removed_line", st.methodName(rm)))
	}
	if s.Complication {
		parts = append(parts, st.t("checkin_complication_line"))
	}
	return markup("<b>" + strings.Join(parts, " · ") + "</b>")
}

// register describes a saved register line: the summary, and the JKN.
func (f checkinFlow) register(st *step, ci booking.CheckIn) markup {
	s := checkinState{Given: ci.Method, Cat: ci.Category, Post: ci.Register.Post, From: ci.Register.From,
		Removed: ci.Register.Removed != "", Complication: ci.Register.Complication}
	line := f.summary(st, s)
	if ci.Register.JKN.Valid() {
		line += markup(" · " + st.t("jkn_"+string(ci.Register.JKN)))
	}
	return line
}

// save records the check-in with the JKN answer, audits it and plans the
// resident's reminders. A check-in that needs an informed consent and has
// none is not saved: the last screen says so.
func (f checkinFlow) save(st *step, m cadre.Member, args []string) {
	jkn := booking.JKN(args[0])
	var s checkinState
	loadState(st, &s)
	if s.Code == "" || !s.Given.Valid() || !s.Cat.Valid() || !jkn.Valid() {
		st.expired()
		return
	}
	// The booking, its area and its state, read again now.
	b, ci, done, sl, ok := f.find(st, m, s.Code)
	if !ok {
		return
	}
	// A check-in by this member of this very flow is one whose step was
	// retried after a store failure: it is this save, not a second one.
	mine := done && ci.By == st.ev.ChatID && ci.Method == s.Given && ci.Category == s.Cat
	switch {
	case done && !mine:
		f.next(st, f.already(st, ci, sl))
		return
	case !done && b.Status == booking.NotServed:
		f.next(st, st.t("checkin_not_served", s.Code))
		return
	case !done && b.Status != booking.Active:
		f.next(st, st.t("checkin_cancelled", s.Code))
		return
	}
	if !done {
		want := s.checkIn(st.ev.ChatID, st.now.UTC(), jkn)
		if booking.NeedsConsent(want.Method, want.Category) && !want.Register.Consent {
			st.toast(st.t("checkin_consent_missing_toast"))
			f.confirm(st, b, s, st.t("checkin_consent_missing", st.methodName(want.Method)))
			return
		}
		r, err := st.e.svc.Reports.CheckIn(st.ctx, want)
		switch {
		case errors.Is(err, booking.ErrCancelled):
			f.next(st, st.t("checkin_cancelled", s.Code))
			return
		case errors.Is(err, booking.ErrNotFound):
			f.toCode(st)
			st.show(st.t("checkin_not_found", s.Code), f.buttons(st))
			return
		case err != nil:
			st.storeFailed("check in", err)
			return
		case r.Already && r.CheckIn.By != st.ev.ChatID:
			// Someone else was quicker.
			f.next(st, f.already(st, r.CheckIn, sl))
			return
		}
		b, ci = r.Booking, r.CheckIn
		st.auditStaff(m, cadre.ActCheckIn, facilityArea(sl.Facility), s.Code)
	}
	var note string
	switch {
	case b.Resident != 0:
		if !f.reminders(st, b, ci, sl) {
			return
		}
		note = st.t("checkin_reminders_" + string(ci.Category))
	case ci.Category.Acceptor():
		note = st.t("checkin_no_telegram")
	}
	text := st.t("checkin_done", b.Name, s.Code, f.register(st, ci))
	if note != "" {
		text += "\n" + note
	}
	f.next(st, text)
}

// reminders plans what the category calls for, from the time of the
// check-in, so that planning it again (a retried step) plans the same
// items. On a store failure the step is retried; it reports whether it
// went on.
//
//   - KB baru (pasca persalinan and keguguran too), KB ulang, ganti cara:
//     the aftercare check of the method given and its course (the next
//     injection, pill pack, check-up, implant's end), which replaces the
//     course on the resident's record (CourseSetItem).
//   - Pencabutan saja: no aftercare (its text is about using a method)
//     and no continuation: the resident's course of the method removed
//     ends and its reminders go (CourseEndItem).
//   - Kegagalan: the client is pregnant: no aftercare, and whatever their
//     course, it ends and its reminders go.
//
// A serious complication or a removal beside a new method changes
// nothing here: the aftercare check matters all the more.
func (checkinFlow) reminders(st *step, b booking.Booking, ci booking.CheckIn, sl booking.Slot) bool {
	if st.e.svc.Reminders == nil {
		return true
	}
	loc := sl.Facility.Location
	var items []reminders.Item
	switch ci.Category {
	case booking.RemovalOnly:
		items = []reminders.Item{CourseEndItem(b.Resident, b.Code, string(ci.Method), ci.At, loc)}
	case booking.Failure:
		items = []reminders.Item{CourseEndItem(b.Resident, b.Code, anyMethod, ci.At, loc)}
	default:
		// The method course is the resident's: the check-in goes to their
		// own chat, which replaces the course on their record and
		// re-plans it.
		items = []reminders.Item{reminders.AfterCare(b.Resident, b.Code, ci.At, loc),
			CourseSetItem(b.Resident, b.Code, string(ci.Method), ci.At, loc)}
	}
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
		// The check-in is saved; the event comes again and this member's
		// own check-in is found and finished (save).
		st.mustRetry("schedule reminders after check-in", err)
		return false
	}
	return true
}

// already says that a booking was checked in, when and by whom.
func (checkinFlow) already(st *step, ci booking.CheckIn, sl booking.Slot) string {
	return st.t("checkin_already", ci.Code, st.fmtTime(ci.At, sl.Facility),
		staffNames{}.of(st, strconv.FormatInt(int64(ci.By), 10)), checkinFlow{}.register(st, ci))
}

// screening is what the resident answered before the service,
// for the bidan at the table: the pregnancy checklist's result, or that a
// permanent method was explained. Empty when there is nothing.
func (checkinFlow) screening(st *step, b booking.Booking) string {
	if b.Screening["permanent_explained"] == "yes" {
		return st.t("checkin_permanent_explained")
	}
	answers := b.Screening["checklist_answers"]
	if answers == "" {
		return ""
	}
	yes := make([]bool, len(answers))
	for i, r := range answers {
		yes[i] = r == 'y'
	}
	res := st.e.lib.Checklist().Evaluate(yes)
	return st.t("checkin_checklist", res.Summary.In(st.lang()))
}
