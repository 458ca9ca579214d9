package conversations

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// areaContactFlow is /kontakwilayah (admins and PKB/PLKB, who lead an
// area: cadre.ActInvite): the contact the residents of the member's area
// read when no KB serentak takes bookings, e.g. "Puskesmas Bendan, buka
// Senin–Sabtu 07.30–14.00, WA 0812-…". One contact per area; the member
// writes it in one message, sees it as residents will, and saves it; it
// is audited. Residents see the contact of the narrowest area that holds
// theirs (cadre.NearestContact), in the no-event dead end (news.go).
//
// Buttons: ac:edit:<n> (write it), ac:save:<n> (save what was written),
// ac:del:<n> (delete it).
type areaContactFlow struct{}

const flowAreaContact = "ac"

// Steps of the area contact flow.
const (
	acStepShow    = "show"
	acStepWrite   = "write"
	acStepConfirm = "confirm"
)

// acState is the text written, waiting for its confirmation.
type acState struct {
	Text string `json:"text,omitempty"`
}

// AuditAreaContact is the audit action of a contact set or deleted; its
// detail is "set" or "deleted" (the text itself is in the store).
const AuditAreaContact cadre.Action = "area_contact"

// AreaContactStore keeps the contacts of areas.
type AreaContactStore interface {
	// SetAreaContact stores c as its area's contact; an empty text
	// deletes it.
	SetAreaContact(ctx context.Context, c cadre.AreaContact) error
	// AreaContacts returns every area's contact.
	AreaContacts(ctx context.Context) ([]cadre.AreaContact, error)
}

func (areaContactFlow) Name() string       { return flowAreaContact }
func (areaContactFlow) Commands() []string { return []string{"kontakwilayah", "areacontact"} }

// Start shows the member's area contact; anyone else gets the answer to
// an unknown command.
func (f areaContactFlow) Start(st *step, _ string) {
	if m, ok := staffFromCommand(st); ok {
		f.open(st, m)
	}
}

func (f areaContactFlow) Routes() []Route {
	return []Route{
		{Op: "edit", Steps: []string{acStepShow, acStepConfirm}, Right: cadre.ActInvite, Do: staffDo(f.askText)},
		{Op: "save", Steps: []string{acStepConfirm}, Right: cadre.ActInvite, Do: staffDo(f.save)},
		{Op: "del", Steps: []string{acStepShow}, Right: cadre.ActInvite, Do: staffDo(f.remove)},
	}
}

// open shows the contact of the member's area, with the buttons to write
// or delete it.
func (f areaContactFlow) open(st *step, m cadre.Member) {
	if !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.notAllowed(m)
		return
	}
	if st.e.svc.AreaContacts == nil {
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return
	}
	c, ok, err := f.current(st, m.Area)
	if err != nil {
		st.storeFailed("read area contacts", err)
		return
	}
	st.enter(f, acStepShow)
	now := st.t("ac_none")
	rows := [][]kbbot.Button{{st.flowButton(st.t("btn_ac_edit"), "edit")}}
	if ok {
		now = "<i>" + escape(c.Text) + "</i>"
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_ac_delete"), "del")})
	}
	st.show(st.t("ac_show", st.areaName(m.Area), markup(now)), append(rows, st.staffButtons()...))
}

// current is the contact set for exactly area.
func (areaContactFlow) current(st *step, area cadre.Area) (cadre.AreaContact, bool, error) {
	cs, err := st.e.svc.AreaContacts.AreaContacts(st.ctx)
	if err != nil {
		return cadre.AreaContact{}, false, err
	}
	for _, c := range cs {
		if c.Area.Contains(area) && area.Contains(c.Area) {
			return c, true, nil
		}
	}
	return cadre.AreaContact{}, false, nil
}

// askText asks for the contact in one message.
func (areaContactFlow) askText(st *step, m cadre.Member, _ []string) {
	st.s.Step = acStepWrite
	st.inPlace = false
	st.send(st.t("ac_ask", st.areaName(m.Area), cadre.AreaContactMax), st.staffButtons())
}

// Text takes the contact written, and shows it as residents will read it.
func (f areaContactFlow) Text(st *step, t string) bool {
	if st.s.Step != acStepWrite {
		return false
	}
	text, problem := cleanContact(t)
	if problem != "" {
		st.send(st.t(problem, cadre.AreaContactMax), nil)
		return true
	}
	st.s.Step = acStepConfirm
	saveState(st, acState{Text: text})
	st.send(st.t("ac_preview", markup(st.t("book_area_contact", text))), [][]kbbot.Button{
		{st.flowButton(st.t("btn_ac_save"), "save")},
		{st.flowButton(st.t("btn_ac_again"), "edit")},
		{st.btn("staff_menu_button", data(flowStaff, staffMenuOp))},
	})
	return true
}

// cleanContact trims a written contact and checks it: its text, or the
// key of the problem (empty, too long).
func cleanContact(t string) (string, string) {
	var lines []string
	for _, l := range strings.Split(t, "\n") {
		l = strings.Join(strings.FieldsFunc(l, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if l != "" {
			lines = append(lines, l)
		}
	}
	text := strings.Join(lines, "\n")
	switch {
	case text == "":
		return "", "ac_empty"
	case utf8.RuneCountInString(text) > cadre.AreaContactMax:
		return "", "ac_too_long"
	}
	return text, ""
}

// save stores the contact written for the member's area, and audits it.
func (f areaContactFlow) save(st *step, m cadre.Member, _ []string) {
	var s acState
	loadState(st, &s)
	if s.Text == "" {
		st.expired()
		return
	}
	c := cadre.AreaContact{Area: m.Area, Text: s.Text, By: st.ev.ChatID, At: st.now.UTC()}
	if err := st.e.svc.AreaContacts.SetAreaContact(st.ctx, c); err != nil {
		st.storeFailed("set area contact", err)
		return
	}
	st.auditStaff(m, AuditAreaContact, m.Area, "set")
	st.s.resetFlow()
	st.show(st.t("ac_saved", st.areaName(m.Area)), st.staffButtons())
}

// remove deletes the contact of the member's area, and audits it.
func (f areaContactFlow) remove(st *step, m cadre.Member, _ []string) {
	if err := st.e.svc.AreaContacts.SetAreaContact(st.ctx, cadre.AreaContact{Area: m.Area}); err != nil {
		st.storeFailed("delete area contact", err)
		return
	}
	st.auditStaff(m, AuditAreaContact, m.Area, "deleted")
	st.s.resetFlow()
	st.show(st.t("ac_deleted", st.areaName(m.Area)), st.staffButtons())
}

// areaContactLine is the line of the no-event dead end that names the
// contact of the resident's area; "" when she told no area, none is set,
// or the store cannot be read (logged: the rest of the answer stands).
func (st *step) areaContactLine() string {
	if st.e.svc.AreaContacts == nil || st.r.Area == nil || !st.r.Consented() {
		return ""
	}
	cs, err := st.e.svc.AreaContacts.AreaContacts(st.ctx)
	if err != nil {
		st.log().Warn("read area contacts", "error", err)
	}
	c, ok := cadre.NearestContact(cs, *st.r.Area)
	if !ok {
		return ""
	}
	return st.t("book_area_contact", c.Text)
}
