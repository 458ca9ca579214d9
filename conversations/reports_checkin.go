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

// reportReady reports whether the stores check-in and rekap need are
// there, and says so when not.
func (st *step) reportReady() bool {
	if st.e.svc.Reports == nil || st.e.svc.Catalog == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return false
	}
	return true
}

// checkinStart asks for a booking code, or takes the one given.
func (st *step) checkinStart(m cadre.Member, code string) {
	if !cadre.Can(m, cadre.ActCheckIn, m.Area) {
		st.notAllowed(m)
		return
	}
	if !st.reportReady() {
		return
	}
	st.s.Flow, st.s.Step, st.s.Nonce = flowReport, stepCICode, st.e.nonce()
	if code != "" {
		st.checkinCode(m, code)
		return
	}
	st.show(st.t("checkin_ask_code"), st.staffButtons())
}

// checkinBooking finds the booking of code for member m: the booking, its
// check-in if any, and its slot. It tells the member and returns ok false
// when there is none they may check in (unknown code, or a facility
// outside their area: the same answer, so that codes cannot be probed).
func (st *step) checkinBooking(m cadre.Member, code string) (b booking.Booking, ci booking.CheckIn, done bool, sl booking.Slot, ok bool) {
	c := st.catalog()
	if c == nil {
		return b, ci, false, sl, false
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
		st.toCode()
		st.show(st.t("checkin_not_found", code), st.staffButtons())
	default:
		st.storeFailed("find booking for check-in", err)
	}
	return b, ci, false, sl, false
}

// toCode goes back to waiting for a code, within the check-in flow.
func (st *step) toCode() {
	st.s.Step = stepCICode
	st.s.Data = nil
}

// checkinCode takes a typed booking code.
func (st *step) checkinCode(m cadre.Member, text string) {
	if !cadre.Can(m, cadre.ActCheckIn, m.Area) {
		st.notAllowed(m)
		return
	}
	if !st.reportReady() {
		return
	}
	st.s.Flow = flowReport
	if st.s.Nonce == "" {
		st.s.Nonce = st.e.nonce()
	}
	code, ok := booking.NormalizeCode(text)
	if !ok {
		st.toCode()
		st.send(st.t("checkin_bad_code"), st.staffButtons())
		return
	}
	b, ci, done, sl, ok := st.checkinBooking(m, code)
	if !ok {
		return
	}
	switch {
	case done:
		st.toCode()
		st.show(st.checkinAlready(ci, sl)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return
	case b.Status != booking.Active:
		st.toCode()
		st.show(st.t("checkin_cancelled", code)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return
	case booking.DateOf(st.now, sl.Facility.Location).Before(sl.Event.Date):
		st.toCode()
		st.show(st.t("checkin_too_early", code, st.fmtDay(sl.Event.Date))+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return
	}
	st.s.Data = nil
	st.s.set(qdCode, b.Code)
	st.s.set(qdBooked, string(b.Method))
	st.s.set(qdGiven, string(b.Method))
	st.checkinCard(b, sl)
}

// checkinCard shows the booking with the category buttons.
func (st *step) checkinCard(b booking.Booking, sl booking.Slot) {
	st.s.Step = stepCIShow
	n := st.s.Nonce
	given := booking.Method(st.s.Data[qdGiven])
	screening := ""
	if sc := st.screeningForProvider(b); sc != "" {
		screening = "\n" + sc
	}
	text := st.t("checkin_card", b.Code, b.Name, st.methodName(b.Method),
		sl.Facility.Name, st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility),
		screening, st.methodName(given))
	rows := [][]kbbot.Button{}
	for _, c := range booking.Categories() {
		rows = append(rows, []kbbot.Button{st.btn("btn_cat_"+string(c), data(cbReport, qCategory, string(c), n))})
	}
	rows = append(rows, []kbbot.Button{{Label: st.t("btn_checkin_method", st.methodName(given)), Data: data(cbReport, qMethods, n)}})
	st.show(text, append(rows, st.staffButtons()...))
}

// checkinCurrent reads the booking of the flow again, checking that the
// member may still check it in and that it is still to be checked in.
func (st *step) checkinCurrent(m cadre.Member) (booking.Booking, booking.Slot, bool) {
	code := st.s.Data[qdCode]
	if code == "" || !cadre.Can(m, cadre.ActCheckIn, m.Area) {
		st.expired()
		return booking.Booking{}, booking.Slot{}, false
	}
	b, ci, done, sl, ok := st.checkinBooking(m, code)
	if !ok {
		return b, sl, false
	}
	if done {
		st.toCode()
		st.show(st.checkinAlready(ci, sl)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return b, sl, false
	}
	if b.Status != booking.Active {
		st.toCode()
		st.show(st.t("checkin_cancelled", code)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return b, sl, false
	}
	return b, sl, true
}

// checkinMethods lists the methods that can be recorded as given.
func (st *step) checkinMethods(m cadre.Member) {
	if _, _, ok := st.checkinCurrent(m); !ok {
		return
	}
	n := st.s.Nonce
	var rows [][]kbbot.Button
	var row []kbbot.Button
	for _, meth := range booking.Methods() {
		row = append(row, kbbot.Button{Label: st.methodName(meth), Data: data(cbReport, qMethod, string(meth), n)})
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_checkin_back", data(cbReport, qView, n))})
	st.show(st.t("checkin_pick_method", st.s.Data[qdCode]), rows)
}

// checkinMethod records the method given and shows the booking again.
func (st *step) checkinMethod(m cadre.Member, meth booking.Method) {
	if !meth.Valid() {
		st.expired()
		return
	}
	b, sl, ok := st.checkinCurrent(m)
	if !ok {
		return
	}
	st.s.set(qdGiven, string(meth))
	delete(st.s.Data, qdCat)
	st.checkinCard(b, sl)
}

// checkinView shows the booking again.
func (st *step) checkinView(m cadre.Member) {
	b, sl, ok := st.checkinCurrent(m)
	if !ok {
		return
	}
	delete(st.s.Data, qdCat)
	st.checkinCard(b, sl)
}

// checkinCategory asks to confirm the check-in with category c.
func (st *step) checkinCategory(m cadre.Member, c booking.Category) {
	if !c.Valid() {
		st.expired()
		return
	}
	b, _, ok := st.checkinCurrent(m)
	if !ok {
		return
	}
	st.s.set(qdCat, string(c))
	st.s.Step = stepCIConfirm
	n := st.s.Nonce
	given := booking.Method(st.s.Data[qdGiven])
	text := st.t("checkin_confirm", b.Name, b.Code, st.methodName(given), st.t("cat_"+string(c)))
	if given != b.Method {
		text += "\n" + st.t("checkin_other_method", st.methodName(b.Method))
	}
	st.show(text, [][]kbbot.Button{
		{st.btn("btn_checkin_save", data(cbReport, qSave, n))},
		{st.btn("btn_checkin_back", data(cbReport, qView, n))},
	})
}

// checkinSave records the check-in, audits it and starts the resident's
// reminders.
func (st *step) checkinSave(m cadre.Member) {
	code := st.s.Data[qdCode]
	given, cat := booking.Method(st.s.Data[qdGiven]), booking.Category(st.s.Data[qdCat])
	if code == "" || !given.Valid() || !cat.Valid() || !cadre.Can(m, cadre.ActCheckIn, m.Area) {
		st.expired()
		return
	}
	// The booking, its area and its state, read again now.
	b, ci, done, sl, ok := st.checkinBooking(m, code)
	if !ok {
		return
	}
	// A check-in by this member of this very flow is one whose step was
	// retried after a store failure: it is this save, not a second one.
	mine := done && ci.By == st.ev.ChatID && ci.Method == given && ci.Category == cat
	switch {
	case done && !mine:
		st.toCode()
		st.show(st.checkinAlready(ci, sl)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return
	case !done && b.Status != booking.Active:
		st.toCode()
		st.show(st.t("checkin_cancelled", code)+"\n\n"+st.t("checkin_next"), st.staffButtons())
		return
	}
	if !done {
		r, err := st.e.svc.Reports.CheckIn(st.ctx, booking.CheckIn{Code: code, By: st.ev.ChatID, At: st.now.UTC(), Method: given, Category: cat})
		switch {
		case errors.Is(err, booking.ErrCancelled):
			st.toCode()
			st.show(st.t("checkin_cancelled", code)+"\n\n"+st.t("checkin_next"), st.staffButtons())
			return
		case errors.Is(err, booking.ErrNotFound):
			st.toCode()
			st.show(st.t("checkin_not_found", code), st.staffButtons())
			return
		case err != nil:
			st.storeFailed("check in", err)
			return
		case r.Already && r.CheckIn.By != st.ev.ChatID:
			// Someone else was quicker.
			st.toCode()
			st.show(st.checkinAlready(r.CheckIn, sl)+"\n\n"+st.t("checkin_next"), st.staffButtons())
			return
		}
		b, ci = r.Booking, r.CheckIn
		st.auditStaff(m, cadre.ActCheckIn, facilityArea(sl.Facility), code)
	}
	note := st.t("checkin_no_telegram")
	if b.Resident != 0 {
		if !st.checkinReminders(b, ci, sl) {
			return
		}
		note = st.t("checkin_reminders_set")
	}
	st.toCode()
	st.show(st.t("checkin_done", b.Name, code, st.methodName(ci.Method), st.t("cat_"+string(ci.Category)))+
		"\n"+note+"\n\n"+st.t("checkin_next"), st.staffButtons())
}

// checkinReminders schedules the aftercare check and the follow-ups of the
// method given, from the time of the check-in, so that scheduling them
// again (a retried step) plans the same items. On a store failure the
// step is retried; it reports whether it went on.
func (st *step) checkinReminders(b booking.Booking, ci booking.CheckIn, sl booking.Slot) bool {
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
		// own check-in is found and finished (checkinSave).
		st.mustRetry("schedule reminders after check-in", err)
		return false
	}
	return true
}

// checkinAlready says that a booking was checked in, when and by whom.
func (st *step) checkinAlready(ci booking.CheckIn, sl booking.Slot) string {
	return st.t("checkin_already", ci.Code, st.fmtTime(ci.At, sl.Facility),
		strconv.FormatInt(int64(ci.By), 10), st.methodName(ci.Method), st.t("cat_"+string(ci.Category)))
}

// screeningForProvider is what the resident answered before the service,
// for the bidan at the table: the pregnancy checklist's result, or that a
// permanent method was explained. Empty when there is nothing.
func (st *step) screeningForProvider(b booking.Booking) string {
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
