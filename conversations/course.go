package conversations

import (
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/content/wilayah"
	"github.com/kbbot/kbbot/reminders"
)

// courseFlow is "Pengingat KB saya" (/pengingat): which method the
// resident received, in which time zone and when, so that the reminders
// follow the course (the next injection, pill pack, check-up or implant
// end). Method and date are health data: consent first. It also takes the
// "stop these reminders" button of every reminder.
//
//	course:m:<method>:<nonce>  the method
//	course:z:<zone>:<nonce>    the time zone
//	course:w:<days>:<nonce>    when (days ago); a typed date works too
//	course:off:<kind>          stop reminders of this kind (any reminder)
type courseFlow struct{}

const (
	// courseName is the course flow's name and callback action.
	courseName = "course"

	// Operations of its buttons.
	courseMethod = "m"
	courseZone   = "z"
	courseWhen   = "w"
	courseOff    = "off"

	// Its steps: the question asked.
	stepCourseMethod = "method"
	stepCourseZone   = "zone"
	stepCourseWhen   = "when"
)

// courseState is the answers so far.
type courseState struct {
	Method string `json:"method,omitempty"`
	Zone   string `json:"zone,omitempty"`
}

// courseMethods are the methods whose continuation the reminders follow.
var courseMethods = []booking.Method{booking.Suntik3, booking.Suntik1, booking.Pil, booking.MiniPil, booking.Implan, booking.IUD}

// zones a resident can pick for their reminders, with Indonesia's labels.
var zones = []struct{ Label, Name string }{
	{"WIB", "Asia/Jakarta"}, {"WITA", "Asia/Makassar"}, {"WIT", "Asia/Jayapura"},
}

func (courseFlow) Name() string       { return courseName }
func (courseFlow) Commands() []string { return []string{"pengingat", "reminders"} }

// Start asks which method the resident received.
func (f courseFlow) Start(st *step, _ string) {
	if !st.r.Consented() {
		st.needConsent(courseName)
		return
	}
	st.enter(f, stepCourseMethod)
	var rows [][]kbbot.Button
	for _, m := range courseMethods {
		rows = append(rows, []kbbot.Button{st.flowButton(st.methodName(m), courseMethod, string(m))})
	}
	text := st.t("course_ask_method")
	if n := len(st.r.Courses); n > 0 && st.r.Courses[n-1].Ended.IsZero() {
		// What is recorded already (by her, or by the bidan at check-in)
		// comes first: she picks a method only when it changed.
		c := st.r.Courses[n-1]
		by := "course_by_resident"
		if c.Source == "checkin" {
			by = "course_by_bidan"
		}
		text = st.t("course_current", st.methodName(booking.Method(c.Method)), st.fmtDate(c.GivenAt.In(loadZone(c.Zone))), st.t(by))
	}
	st.show(text, append(rows, st.menuButton()...))
}

func (f courseFlow) Routes() []Route {
	return []Route{
		// An earlier question's buttons still work while the flow runs.
		{Op: courseMethod, Args: 1, Steps: []string{stepCourseMethod, stepCourseZone, stepCourseWhen}, Do: f.method},
		{Op: courseZone, Args: 1, Steps: []string{stepCourseZone, stepCourseWhen}, Do: f.zone},
		{Op: courseWhen, Args: 1, Steps: []string{stepCourseWhen}, Do: func(st *step, args []string) {
			var s courseState
			loadState(st, &s)
			days, err := strconv.Atoi(args[0])
			if err != nil || days < 0 || days > 31 {
				st.expired()
				return
			}
			loc := loadZone(s.Zone)
			local := st.now.In(loc)
			f.set(st, s, time.Date(local.Year(), local.Month(), local.Day(), 9, 0, 0, 0, loc).AddDate(0, 0, -days))
		}},
		// Bound to the resident, not to a flow: reminders come long after
		// any conversation (residentKey).
		{Op: courseOff, Args: 2, Do: f.off},
	}
}

func (courseFlow) method(st *step, args []string) {
	if !contains(methodCodes(courseMethods), args[0]) {
		st.expired()
		return
	}
	// Her area's province gives the zone: no need to ask it.
	if st.r.Area != nil {
		if z, ok := wilayah.Zone(st.r.Area.Code); ok && validZone(z) {
			saveState(st, courseState{Method: args[0], Zone: z})
			courseAskWhen(st)
			return
		}
	}
	st.s.Step = stepCourseZone
	saveState(st, courseState{Method: args[0]})
	var row []kbbot.Button
	for i, z := range zones {
		row = append(row, st.flowButton(z.Label, courseZone, strconv.Itoa(i)))
	}
	st.show(st.t("course_ask_zone"), [][]kbbot.Button{row, {st.btn("btn_menu", data(cbMenu))}})
}

func (courseFlow) zone(st *step, args []string) {
	i, err := strconv.Atoi(args[0])
	if err != nil || i < 0 || i >= len(zones) {
		st.expired()
		return
	}
	var s courseState
	loadState(st, &s)
	s.Zone = zones[i].Name
	saveState(st, s)
	courseAskWhen(st)
}

// courseAskWhen asks when the method was given.
func courseAskWhen(st *step) {
	st.s.Step = stepCourseWhen
	st.show(st.t("course_ask_when"), [][]kbbot.Button{
		{st.flowButton(st.t("when_today"), courseWhen, "0"), st.flowButton(st.t("when_yesterday"), courseWhen, "1")},
		{st.flowButton(st.t("when_week"), courseWhen, "7"), st.flowButton(st.t("when_month"), courseWhen, "30")},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// Text takes a typed date (e.g. 15-11-2026) for when the method was given.
func (f courseFlow) Text(st *step, t string) bool {
	if st.s.Step != stepCourseWhen {
		return false
	}
	var s courseState
	loadState(st, &s)
	loc := loadZone(s.Zone)
	for _, layout := range []string{"2-1-2006", "2/1/2006", "2.1.2006", "2006-01-02"} {
		if d, err := time.ParseInLocation(layout, strings.TrimSpace(t), loc); err == nil {
			given := d.Add(9 * time.Hour)
			if given.After(st.now) || st.now.Sub(given) > 3*365*24*time.Hour {
				st.send(st.t("course_date_range"), nil)
				return true
			}
			f.set(st, s, given)
			return true
		}
	}
	st.send(st.t("course_date_invalid"), nil)
	return true
}

// set records the method the resident told us and plans its reminders.
func (courseFlow) set(st *step, s courseState, given time.Time) {
	if s.Method == "" || s.Zone == "" {
		// A state that lacks an answer (a session of an older version).
		st.expired()
		return
	}
	c := Course{Method: s.Method, GivenAt: given.UTC(), Zone: s.Zone, Source: "resident"}
	st.s.resetFlow()
	items, ok := st.replaceCourse(c)
	if !ok {
		return
	}
	var lines []string
	loc := loadZone(c.Zone)
	for _, it := range items {
		lines = append(lines, "• "+st.t("kind_"+it.Kind)+": "+st.fmtTime(it.Due, &booking.Facility{Location: loc}))
	}
	text := st.t("course_set", st.methodName(booking.Method(c.Method)), st.fmtDate(given.In(loc)))
	if len(lines) > 0 {
		text += "\n\n" + strings.Join(lines, "\n")
	} else {
		text += "\n\n" + st.t("course_nothing")
	}
	if st.r.RemindersOff {
		text += "\n\n" + st.t("course_but_stopped")
	}
	st.show(text+"\n\n"+st.t("course_note"), st.menuButton())
}

// off stops the reminders of one kind (the button on every reminder).
func (courseFlow) off(st *step, args []string) {
	kind := args[0]
	if !reminders.KnownKind(kind) || st.r.ButtonKey == "" || args[1] != st.r.ButtonKey {
		st.expired()
		return
	}
	if !contains(st.r.OffKinds, kind) {
		st.r.OffKinds = append(st.r.OffKinds, kind)
	}
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.CancelResident(st.ctx, st.ev.ChatID, kind); err != nil {
			st.mustRetry("cancel reminders of a kind", err)
			return
		}
	}
	st.toast(st.t("reminder_off_toast"))
	st.inPlace = false
	st.send(st.t("reminder_off_done"), st.menuButton())
}

func methodCodes(ms []booking.Method) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}
