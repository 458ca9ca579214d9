package conversations

import (
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/resident"
)

// dataFlow is /dataku: it shows a resident everything kbbot holds about
// them (their record and their bookings) and lets them correct their name
// and area, or delete everything. It is how the rights of access and
// correction in the privacy notice are used.
//
// Buttons: me:name:<nonce> (type a new name), me:area (the area flow),
// me:del (the /hapusdata question).
type dataFlow struct{}

const (
	stepMeShow = "show"
	stepMeName = "name"
)

func (dataFlow) Name() string       { return "me" }
func (dataFlow) Commands() []string { return []string{"dataku", "mydata"} }

// Start shows the data.
func (f dataFlow) Start(st *step, _ string) {
	st.enter(f, stepMeShow)
	if !st.r.Consented() {
		st.show(st.t("me_none", st.langName(), st.sapaanName()), [][]kbbot.Button{
			{st.otherSapaanButton()},
			{st.btn("btn_privacy_full", data(cbMenu, itemPriv))},
			{st.btn("btn_menu", data(cbMenu))},
		})
		return
	}
	st.show(st.dataText(), [][]kbbot.Button{
		{st.flowButton(st.t("btn_me_name"), "name")},
		{st.btn("btn_me_area", data("me", "area"))},
		{st.otherSapaanButton()},
		{st.btn("btn_me_delete", data("me", "del"))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

func (f dataFlow) Routes() []Route {
	return []Route{
		{Op: "name", Steps: []string{stepMeShow}, Consent: true, Do: func(st *step, _ []string) {
			st.s.Step = stepMeName
			st.inPlace = false
			st.send(st.t("me_ask_name"), [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}})
		}},
		{Op: "area", Consent: true, Do: func(st *step, _ []string) { st.open(flowArea, "") }},
		{Op: "del", Do: func(st *step, _ []string) {
			st.inPlace = false
			st.askErase()
		}},
	}
}

// Text takes the corrected name.
func (f dataFlow) Text(st *step, t string) bool {
	if st.s.Step != stepMeName {
		return false
	}
	name, ok := cleanName(t)
	if !ok {
		st.send(st.t("book_name_invalid"), nil)
		return true
	}
	st.r.Name = name
	st.send(st.t("me_name_saved", name), nil)
	f.Start(st, "")
	return true
}

// dataText lists what the record and the booking store hold.
func (st *step) dataText() string {
	r := st.r
	none := st.t("me_empty")
	or := func(s string) string {
		if s == "" {
			return none
		}
		return s
	}
	lines := []string{st.t("me_title"),
		st.t("me_lang", st.langName()),
		st.t("me_sapaan", st.sapaanName()),
		st.t("me_consent", st.fmtDate(r.ConsentAt.In(loadZone("Asia/Jakarta"))), strconv.Itoa(r.NoticeVersion)),
		st.t("me_name", or(r.Name)),
		st.t("me_phone", or(r.Phone)),
	}
	area, group := markup(none), none
	if r.Area != nil {
		area = st.wilArea(*r.Area)
	}
	if r.Group != "" {
		group = st.wilGroup(r.Group)
	}
	lines = append(lines, st.t("me_area", area), st.t("me_group", group))
	switch {
	case r.RemindersOff:
		reason := ""
		if resident.ValidStopReason(r.StopReason) {
			reason = st.t("why_" + r.StopReason)
		}
		lines = append(lines, st.t("me_reminders_off", or(reason)))
	case len(r.OffKinds) > 0:
		var kinds []string
		for _, k := range r.OffKinds {
			kinds = append(kinds, st.t("kind_"+k))
		}
		lines = append(lines, st.t("me_reminders_some", strings.Join(kinds, ", ")))
	default:
		lines = append(lines, st.t("me_reminders_on"))
	}
	if len(r.Courses) == 0 {
		lines = append(lines, st.t("me_courses", none))
	} else {
		var cs []string
		for i := len(r.Courses) - 1; i >= 0; i-- {
			c := r.Courses[i]
			line := "• " + st.methodName(booking.Method(c.Method)) + ", " + st.fmtDate(c.GivenAt.In(loadZone(c.Zone)))
			if !c.Ended.IsZero() {
				line += " " + st.t("me_course_ended", st.fmtDate(c.Ended.In(loadZone(c.Zone))))
			}
			cs = append(cs, line)
		}
		lines = append(lines, st.t("me_courses", "\n"+strings.Join(cs, "\n")))
	}
	if len(r.History) == 0 {
		lines = append(lines, st.t("me_history", none))
	} else {
		var hs []string
		for i := len(r.History) - 1; i >= 0 && len(hs) < 10; i-- {
			h := r.History[i]
			hs = append(hs, "• "+escape(h.Code)+" · "+st.t("me_entry_"+h.Kind)+" · "+st.fmtDate(h.At.In(loadZone("Asia/Jakarta"))))
		}
		lines = append(lines, st.t("me_history", "\n"+strings.Join(hs, "\n")))
	}
	return strings.Join(lines, "\n") + "\n\n" + st.t("me_foot")
}

// langName names the resident's language in that language.
func (st *step) langName() string {
	if st.lang() == "en" {
		return "English"
	}
	return "Bahasa Indonesia"
}
