package conversations

import (
	"errors"
	"strconv"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
)

// Check-in: a kader, bidan, PKB or admin types a booking code (or gives it
// with /checkin CODE), sees the booking, picks the method given (the one
// booked unless changed) and the category of the national KB register,
// and saves. The booking becomes Attended; the resident's aftercare and
// method reminders start from then. A booking at a facility outside the
// member's area is answered exactly like an unknown code.
//
// Opened from the day list (daylist.go, fromList), it offers the way back
// to that list on every screen. The pregnancy checklist's result on the
// card is shown to staff with a provider's right (cadre.ActProvide) only.
//
// Buttons: chk:list:<n> (the methods to give), chk:m:<method>:<n> (the
// method given), chk:cat:<category>:<n> (the register category),
// chk:card:<n> (back to the booking), chk:save:<n> (save the check-in).
type checkinFlow struct{}

// Steps of the check-in.
const (
	stepCICode    = "ci_code" // waiting for a booking code
	stepCIShow    = "ci_show" // a booking shown: method and category
	stepCIConfirm = "ci_ok"   // asked to save
)

// checkinState is the booking being checked in and the answers so far.
type checkinState struct {
	Code  string           `json:"code,omitempty"`
	Given booking.Method   `json:"given,omitempty"` // the method given
	Cat   booking.Category `json:"cat,omitempty"`   // the register category
	// List is the facility of the day list the check-in came from.
	List string `json:"list,omitempty"`
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
	checking := []string{stepCIShow, stepCIConfirm}
	return []Route{
		{Op: "list", Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.methods)},
		{Op: "m", Args: 1, Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.method)},
		{Op: "cat", Args: 1, Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.category)},
		{Op: "card", Steps: checking, Right: cadre.ActCheckIn, Do: staffDo(f.method)},
		{Op: "save", Steps: []string{stepCIConfirm}, Right: cadre.ActCheckIn, Do: staffDo(f.save)},
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
				st.e.svc.Log.Warn("count check-in code miss", "error", err)
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

// card shows the booking, with the method given and the category buttons.
// The pregnancy checklist's result is health data: only a provider
// (cadre.ActProvide at the facility) reads it.
func (f checkinFlow) card(st *step, m cadre.Member, b booking.Booking, sl booking.Slot, given booking.Method) {
	st.s.Step = stepCIShow
	screening := ""
	if sc := f.screening(st, b); sc != "" && canAt(m, cadre.ActProvide, sl.Facility) {
		screening = "\n" + sc
	}
	text := st.t("checkin_card", b.Code, b.Name, st.methodName(b.Method),
		sl.Facility.Name, st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility),
		screening, st.methodName(given))
	rows := [][]kbbot.Button{}
	for _, c := range booking.Categories() {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_cat_"+string(c)), "cat", string(c))})
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

// methods lists the methods that can be recorded as given.
func (f checkinFlow) methods(st *step, m cadre.Member, _ []string) {
	_, _, s, ok := f.current(st, m)
	if !ok {
		return
	}
	var rows [][]kbbot.Button
	var row []kbbot.Button
	for _, meth := range booking.Methods() {
		row = append(row, st.flowButton(st.methodName(meth), "m", string(meth)))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_checkin_back"), "card")})
	st.show(st.t("checkin_pick_method", s.Code), rows)
}

// method records the method given (chk:m) or keeps it (chk:card), and
// shows the booking again.
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
	s.Cat = ""
	saveState(st, s)
	f.card(st, m, b, sl, s.Given)
}

// category asks to confirm the check-in with the category.
func (f checkinFlow) category(st *step, m cadre.Member, args []string) {
	c := booking.Category(args[0])
	if !c.Valid() {
		st.expired()
		return
	}
	b, _, s, ok := f.current(st, m)
	if !ok {
		return
	}
	s.Cat = c
	saveState(st, s)
	st.s.Step = stepCIConfirm
	text := st.t("checkin_confirm", b.Name, b.Code, st.methodName(s.Given), st.t("cat_"+string(c)))
	if s.Given != b.Method {
		text += "\n" + st.t("checkin_other_method", st.methodName(b.Method))
	}
	st.show(text, [][]kbbot.Button{
		{st.flowButton(st.t("btn_checkin_save"), "save")},
		{st.flowButton(st.t("btn_checkin_back"), "card")},
	})
}

// save records the check-in, audits it and starts the resident's
// reminders.
func (f checkinFlow) save(st *step, m cadre.Member, _ []string) {
	var s checkinState
	loadState(st, &s)
	code, given, cat := s.Code, s.Given, s.Cat
	if code == "" || !given.Valid() || !cat.Valid() {
		st.expired()
		return
	}
	// The booking, its area and its state, read again now.
	b, ci, done, sl, ok := f.find(st, m, code)
	if !ok {
		return
	}
	// A check-in by this member of this very flow is one whose step was
	// retried after a store failure: it is this save, not a second one.
	mine := done && ci.By == st.ev.ChatID && ci.Method == given && ci.Category == cat
	switch {
	case done && !mine:
		f.next(st, f.already(st, ci, sl))
		return
	case !done && b.Status == booking.NotServed:
		f.next(st, st.t("checkin_not_served", code))
		return
	case !done && b.Status != booking.Active:
		f.next(st, st.t("checkin_cancelled", code))
		return
	}
	if !done {
		r, err := st.e.svc.Reports.CheckIn(st.ctx, booking.CheckIn{Code: code, By: st.ev.ChatID, At: st.now.UTC(), Method: given, Category: cat})
		switch {
		case errors.Is(err, booking.ErrCancelled):
			f.next(st, st.t("checkin_cancelled", code))
			return
		case errors.Is(err, booking.ErrNotFound):
			f.toCode(st)
			st.show(st.t("checkin_not_found", code), f.buttons(st))
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
		st.auditStaff(m, cadre.ActCheckIn, facilityArea(sl.Facility), code)
	}
	note := st.t("checkin_no_telegram")
	if b.Resident != 0 {
		if !f.reminders(st, b, ci, sl) {
			return
		}
		note = st.t("checkin_reminders_set")
	}
	f.next(st, st.t("checkin_done", b.Name, code, st.methodName(ci.Method), st.t("cat_"+string(ci.Category)))+"\n"+note)
}

// reminders schedules the aftercare check and the follow-ups of the
// method given, from the time of the check-in, so that scheduling them
// again (a retried step) plans the same items. On a store failure the
// step is retried; it reports whether it went on.
func (checkinFlow) reminders(st *step, b booking.Booking, ci booking.CheckIn, sl booking.Slot) bool {
	if st.e.svc.Reminders == nil {
		return true
	}
	loc := sl.Facility.Location
	// The method course is the resident's: the check-in goes to their own
	// chat, which replaces the course on their record and re-plans it.
	items := []reminders.Item{reminders.AfterCare(b.Resident, b.Code, ci.At, loc),
		CourseSetItem(b.Resident, b.Code, string(ci.Method), ci.At, loc)}
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
		strconv.FormatInt(int64(ci.By), 10), st.methodName(ci.Method), st.t("cat_"+string(ci.Category)))
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
