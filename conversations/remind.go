package conversations

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// The reminders: a due reminder becomes a message in the resident's chat
// (reminder), stop and resume (/berhenti, /mulai), and the planning of the
// reminders of a booking and of a method course. This is not a flow: the
// buttons of the messages are routes of the flows they lead to (course:off
// of the course flow, ord:... of the orders flow, learn:... pages, the
// offer flow).

// reminder turns a due reminder into a message. It stays silent when the
// reminder no longer applies (booking cancelled, kind stopped, /berhenti,
// blocked); the scheduler never composes text itself.
func (st *step) reminder(r *kbbot.Reminder) {
	if r == nil {
		return
	}
	// Consent and choices are read from the resident record, which
	// outlives the chat session.
	switch r.Kind {
	case reminders.KindRelease:
		st.release(r.Ref)
		return
	case reminders.KindCourseSet:
		st.courseFromCheckin(r.Ref)
		return
	case reminders.KindCourseEnd:
		st.courseEndFromCheckin(r.Ref)
		return
	case reminders.KindTicketEscalate:
		if st.e.svc.Tickets != nil {
			st.escalateTicket(r.Ref)
		}
		return
	case reminders.KindTicket:
		// To a staff member, who need not be a resident who consented.
		if !st.r.Blocked {
			st.ticketNotice(r.Ref)
		}
		return
	}
	if st.r.Blocked {
		return
	}
	if r.Kind == reminders.KindOffer {
		offerFlow{}.held(st, r.Ref)
		return
	}
	if r.Kind == reminders.KindEventNews {
		st.eventNews(r.Ref)
		return
	}
	if r.Kind == reminders.KindTicketAnswer {
		// The answer to her own question: /berhenti does not hold it back.
		st.ticketAnswer(r)
		return
	}
	off := []kbbot.Button{st.btn("btn_reminder_off", data(courseName, courseOff, r.Kind, st.residentKey()))}
	switch r.Kind {
	case reminders.KindEventChange:
		// To a resident, or to the cadre who booked for one without a
		// phone: eventChange checks whose booking it is.
		st.eventChange(r)
		return
	case reminders.KindCadreH1, reminders.KindCadreH0:
		// A cadre's reminder of a booking made for a resident: the
		// cadre's own consent as a resident does not matter, their
		// choices do.
		if !st.r.StopKind(r.Kind) {
			st.cadreReminder(r, off)
		}
		return
	}
	if st.r.StopKind(r.Kind) || !st.r.Consented() {
		return
	}
	if r.Kind == reminders.KindNudge {
		st.nudge(r, off)
		return
	}
	switch r.Kind {
	case reminders.KindH1, reminders.KindH0, reminders.KindFollowup, reminders.KindAftercare:
		st.bookingReminder(r, off)
	case reminders.KindKBPPDue, reminders.KindKBPPWeek1, reminders.KindKBPPNifas, reminders.KindKBPPWeek6, reminders.KindKBPPMAL:
		st.kbppReminder(r.Kind)
	case reminders.KindSuntik3, reminders.KindSuntik1, reminders.KindPil, reminders.KindCheckup, reminders.KindImplanEnd:
		course, ok := st.courseOf(r.Ref)
		if !ok {
			return
		}
		loc := loadZone(course.Zone)
		due := st.now.In(loc)
		text := st.t("rem_"+r.Kind, st.methodName(booking.Method(course.Method)), st.fmtDate(course.GivenAt.In(loc)), st.fmtDate(due))
		st.send(text, [][]kbbot.Button{
			{st.btn("btn_learn_more", methodData(course.Method, "jadwal"))},
			{st.btn("btn_book_new", data(cbMenu, itemEvents))},
			off,
		})
	}
}

// courseOf tells which method course a reminder is about: the resident's
// current course when the reminder's ref names it. A reminder of an
// earlier course (replaced since, e.g. by a check-in) is stale: ok is
// false. Only a resident whose record has no course yet (items planned
// before the record existed) gets the course the ref names
// ("<method>-<chat>-<date>", reminders.CourseRef).
func (st *step) courseOf(ref string) (Course, bool) {
	if len(st.r.Courses) > 0 && st.r.Course() == nil {
		return Course{}, false // the last course ended: nothing follows it
	}
	if cur := st.r.Course(); cur != nil {
		if reminders.CourseRef(st.ev.ChatID, cur.Method, cur.GivenAt, loadZone(cur.Zone)) != ref {
			return Course{}, false
		}
		return *cur, true
	}
	method, day, ok := reminders.ParseCourseRef(ref, loadZone("Asia/Jakarta"))
	if !ok || !booking.Method(method).Valid() {
		return Course{}, false
	}
	return Course{Method: method, GivenAt: day, Zone: "Asia/Jakarta"}, true
}

// bookingReminder is a reminder about one booking.
func (st *step) bookingReminder(r *kbbot.Reminder, off []kbbot.Button) {
	if st.e.svc.Bookings == nil || st.e.svc.Catalog == nil {
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, r.Ref)
	if errors.Is(err, booking.ErrNotFound) {
		return
	}
	if err != nil {
		// Unavailable store: let the scheduler try again.
		st.log().Error("reminder: get booking", "error", err)
		st.retry = true
		return
	}
	if !b.Owner(st.ev.ChatID) || (b.Status != booking.Active && r.Kind != reminders.KindAftercare && b.Status != booking.Attended) {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.retry = true
		return
	}
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		return
	}
	details := st.bookingDetails(sl, b)
	mapBtn := []kbbot.Button{{Label: st.t("btn_map"), URL: booking.MapLink(sl.Facility)}}
	switch r.Kind {
	case reminders.KindH1:
		st.send(st.t("rem_h1", b.Code)+"\n\n"+details, [][]kbbot.Button{
			{orderButton(st, "btn_attend", orderAttend, b.Code)},
			{orderButton(st, "btn_change", orderChange, b.Code), orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
			mapBtn, off,
		})
	case reminders.KindH0:
		st.send(st.t("rem_h0", b.Code, st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility))+"\n\n"+details, [][]kbbot.Button{
			mapBtn,
			{orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
			off,
		})
	case reminders.KindFollowup:
		if b.Status == booking.Attended {
			return // served: the aftercare reminder follows
		}
		st.send(st.t("rem_followup", sl.Facility.Name), [][]kbbot.Button{
			{orderButton(st, "btn_served", orderServed, b.Code)},
			{orderButton(st, "btn_not_served", orderNotYet, b.Code)},
			off,
		})
	case reminders.KindAftercare:
		// Aftercare is per method: what is common and what is a danger
		// sign differ (no "irregular bleeding" for a vasectomy).
		// The method is the one given at the check-in, which may differ
		// from the one booked.
		method := b.Method
		if st.e.svc.Reports != nil {
			if _, ci, ok, err := st.e.svc.Reports.CheckInOf(st.ctx, b.Code); err == nil && ok && ci.Method.Valid() {
				method = ci.Method
			}
		}
		key := "rem_aftercare"
		if k := key + "_" + string(method); st.e.lib.UI.Has(k) {
			key = k
		}
		st.send(st.t(key, st.methodName(method)), [][]kbbot.Button{
			{st.btn("btn_learn_more", methodData(string(method), "efek"))},
			{st.btn("btn_bidan_note", data(cbLearn, learnTopic, "bidan"))},
			off,
		})
	}
}

// stopReminders is /berhenti (or the plain word stop or berhenti): no
// reminder and no cadre announcement until /mulai. Then the stop-reason
// flow (stopreason.go) asks, optionally, why.
func (st *step) stopReminders() {
	st.r.RemindersOff = true
	st.r.StoppedAt = st.now.UTC()
	if st.r.StopReason == "" && st.r.Consented() {
		st.r.StopReason = resident.StopUnspecified
	}
	if !st.cancelReminders() || !st.audienceStopped(true) {
		return
	}
	st.s.resetFlow()
	if resident.ValidStopReason(st.r.StopReason) {
		// Asked and answered before: no second question.
		st.send(st.t("reminders_stopped"), st.menuButton())
		return
	}
	st.send(st.t("reminders_stopped"), nil)
	st.askStopReason()
}

// resumeReminders is /mulai (or the plain word mulai): every kind again,
// planned anew from the active bookings and the method course.
func (st *step) resumeReminders() {
	st.r.RemindersOff, st.r.OffKinds, st.r.StopReason, st.r.StoppedAt = false, nil, "", time.Time{}
	if !st.audienceStopped(false) {
		return
	}
	if st.r.Consented() && !st.replanAll() {
		return
	}
	st.send(st.t("reminders_resumed"), st.menuButton())
}

// cancelReminders cancels every pending reminder of the resident; false
// when the store failed (the step is then retried).
func (st *step) cancelReminders() bool {
	if st.e.svc.Reminders == nil {
		return true
	}
	if _, err := st.e.svc.Reminders.CancelResident(st.ctx, st.ev.ChatID); err != nil {
		st.mustRetry("cancel reminders", err)
		return false
	}
	return true
}

// replaceCourse makes c the resident's current course: the reminders of
// every earlier course are cancelled and c's are planned. ok is false when
// the reminder store failed: the step is retried, nothing is half done.
func (st *step) replaceCourse(c Course) (items []reminders.Item, ok bool) {
	if st.e.svc.Reminders != nil {
		for _, old := range st.r.Courses {
			ref := reminders.CourseRef(st.ev.ChatID, old.Method, old.GivenAt, loadZone(old.Zone))
			if _, err := st.e.svc.Reminders.CancelRef(st.ctx, st.ev.ChatID, ref); err != nil {
				st.mustRetry("cancel old course reminders", err)
				return nil, false
			}
		}
	}
	st.r.SetCourse(c)
	items, ok = st.planCourse()
	return items, ok
}

// planCourse schedules the reminders of the current method course, if any.
// ok is false when the store failed (the step is then retried).
func (st *step) planCourse() ([]reminders.Item, bool) {
	c := st.r.Course()
	if c == nil || st.e.svc.Reminders == nil || st.r.RemindersOff {
		return nil, true
	}
	items := st.keepWanted(reminders.PlanMethod(st.ev.ChatID, c.Method, c.GivenAt, loadZone(c.Zone), st.now))
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
		st.mustRetry("schedule course reminders", err)
		return nil, false
	}
	return items, true
}

func loadZone(name string) *time.Location {
	if loc, err := booking.LoadZone(name); err == nil {
		return loc
	}
	loc, _ := booking.LoadZone("Asia/Jakarta")
	return loc
}

// Dates and times, in the facility's zone with its WIB/WITA/WIT label.

var (
	daysID   = []string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	monthsID = []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
)

// fmtDay is a calendar day: "Kamis, 26 November 2026".
func (st *step) fmtDay(d booking.Date) string {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	return st.fmtDate(t)
}

func (st *step) fmtDate(t time.Time) string {
	if st.lang() == "en" {
		return t.Format("Monday, 2 January 2006")
	}
	return fmt.Sprintf("%s, %d %s %d", daysID[t.Weekday()], t.Day(), monthsID[t.Month()-1], t.Year())
}

func (st *step) clock(t time.Time) string {
	if st.lang() == "en" {
		return t.Format("15:04")
	}
	return t.Format("15.04")
}

// fmtSpan is a session's hours: "08.00–10.00 WIB".
func (st *step) fmtSpan(start, end time.Time, f *booking.Facility) string {
	return st.clock(start.In(f.Location)) + "–" + st.clock(end.In(f.Location)) + " " + booking.ZoneLabel(f.Location)
}

// fmtTime is an instant: "Rabu, 25 November 2026, 20.00 WIB".
func (st *step) fmtTime(t time.Time, f *booking.Facility) string {
	lt := t.In(f.Location)
	return st.fmtDate(lt) + ", " + st.clock(lt) + " " + booking.ZoneLabel(f.Location)
}

// fmtShortDay is "26/11 08.00" for buttons.
func (st *step) fmtShortDay(t time.Time, f *booking.Facility) string {
	lt := t.In(f.Location)
	return fmt.Sprintf("%d/%d %s", lt.Day(), lt.Month(), st.clock(lt))
}

// courseFromCheckin is a check-in carried to the resident's chat: the
// method the bidan gave replaces the course the resident reported, the old
// course's reminders go and the new one's are planned. It sends nothing.
func (st *step) courseFromCheckin(ref string) {
	if !st.r.Consented() {
		return
	}
	method, day, ok := reminders.ParseCourseRef(ref, loadZone("Asia/Jakarta"))
	if !ok || !booking.Method(method).Valid() {
		return
	}
	// The item's id ends with the facility's zone (CourseSetItem).
	zone := "Asia/Jakarta"
	if id := st.ev.Reminder.ID; strings.LastIndex(id, ":") > 0 {
		if z := id[strings.LastIndex(id, ":")+1:]; validZone(z) {
			zone = z
		}
	}
	if cur := st.r.Course(); cur != nil && cur.Method == method && reminders.CourseRef(st.ev.ChatID, cur.Method, cur.GivenAt, loadZone(cur.Zone)) == ref {
		return // this check-in was applied before
	}
	st.replaceCourse(Course{Method: method, GivenAt: day.UTC(), Zone: zone, Source: "checkin"})
}

// anyMethod names, in a course-end item's ref, any method: the course
// ends whatever it is (a failure: the client is pregnant).
const anyMethod = "semua"

// courseEndFromCheckin is a check-in carried to the resident's chat that
// ends their course: a removal of the method the ref names, or a failure
// (anyMethod). The current course, if it is of that method (any, for a
// failure), ends and its reminders are cancelled. It sends nothing; a
// repeat finds no course to end.
func (st *step) courseEndFromCheckin(ref string) {
	if !st.r.Consented() {
		return
	}
	method, _, ok := reminders.ParseCourseRef(ref, loadZone("Asia/Jakarta"))
	if !ok || method != anyMethod && !booking.Method(method).Valid() {
		return
	}
	cur := st.r.Course()
	if cur == nil || method != anyMethod && cur.Method != method {
		return
	}
	if st.e.svc.Reminders != nil {
		old := reminders.CourseRef(st.ev.ChatID, cur.Method, cur.GivenAt, loadZone(cur.Zone))
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, st.ev.ChatID, old); err != nil {
			st.mustRetry("cancel the reminders of an ended course", err)
			return
		}
	}
	if method == anyMethod {
		method = ""
	}
	st.r.EndCourse(method, st.now)
}

// CourseEndItem is the item that carries to the resident's chat a
// check-in at time at, at the facility in loc, that ends their course of
// method (anyMethod: whatever it is) (KindCourseEnd).
func CourseEndItem(chat kbbot.ChatID, code, method string, at time.Time, loc *time.Location) reminders.Item {
	return reminders.Item{
		ID:   reminders.KindCourseEnd + ":" + code + ":" + loc.String(),
		Chat: chat, Kind: reminders.KindCourseEnd,
		Ref: reminders.CourseRef(chat, method, at, loc),
		Due: at.UTC(), NotAfter: at.Add(7 * 24 * time.Hour).UTC(), Zone: loc.String(),
	}
}

// CourseSetItem is the item that carries a check-in of method at the
// facility in loc, at time at, to the resident's chat (KindCourseSet).
func CourseSetItem(chat kbbot.ChatID, code, method string, at time.Time, loc *time.Location) reminders.Item {
	return reminders.Item{
		ID:   reminders.KindCourseSet + ":" + code + ":" + loc.String(),
		Chat: chat, Kind: reminders.KindCourseSet,
		Ref: reminders.CourseRef(chat, method, at, loc),
		Due: at.UTC(), NotAfter: at.Add(7 * 24 * time.Hour).UTC(), Zone: loc.String(),
	}
}

// validZone reports whether name is one of Indonesia's zones kbbot knows.
func validZone(name string) bool {
	_, err := booking.LoadZone(name)
	return err == nil
}
