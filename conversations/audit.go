package conversations

import (
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// auditFlow is /audit (admin): the latest entries of the audit log of
// one's area, newest first. It is one page with no buttons of its own; it
// opens from the staff menu (k:aud).
type auditFlow struct{}

// auditShown is how many audit entries /audit shows.
const auditShown = 20

func (auditFlow) Name() string            { return "audit" }
func (auditFlow) Commands() []string      { return []string{"audit"} }
func (auditFlow) Routes() []Route         { return nil }
func (auditFlow) Text(*step, string) bool { return false }

// Start shows the log to a member; anyone else gets the answer to an
// unknown command.
func (f auditFlow) Start(st *step, _ string) {
	if m, ok := staffFromCommand(st); ok {
		f.open(st, m)
	}
}

// open shows the latest audit entries of the member's area.
func (auditFlow) open(st *step, m cadre.Member) {
	if !staffMay(st, m, cadre.ActAudit) {
		return
	}
	es, err := st.e.svc.Roles.AuditLog(st.ctx, m.Area, auditShown)
	if err != nil {
		st.storeFailed("read audit log", err)
		return
	}
	if len(es) == 0 {
		st.show(st.t("audit_empty"), st.staffButtons())
		return
	}
	// Staff are named, not numbered: the log keeps chat ids (it is the
	// record of who did what), the screen shows the members' names.
	members, err := st.e.svc.Roles.Members(st.ctx, cadre.Area{})
	if err != nil {
		st.storeFailed("list staff for the audit log", err)
		return
	}
	names := staffNames{}
	for _, mb := range members {
		names[mb.Chat] = mb.Name
	}
	var b strings.Builder
	b.WriteString(st.t("audit_title", len(es)))
	for _, e := range es {
		line := "\n" + auditFlow{}.line(st, e, names)
		if b.Len()+len(line) > 3900 {
			break
		}
		b.WriteString(line)
	}
	st.show(b.String(), st.staffButtons())
}

// staffNames are the names of staff members by chat.
type staffNames map[kbbot.ChatID]string

// of names the staff member of chat id (decimal, as audit details hold
// it): by name, "Admin" for an admin of the configuration, else as a
// former member, never by number.
func (n staffNames) of(st *step, id string) string {
	c, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return id
	}
	if name, ok := n[kbbot.ChatID(c)]; ok && name != "" {
		return name
	}
	name := st.t("audit_former")
	if st.e.svc.Staff != nil {
		if m, ok, err := st.e.svc.Staff.Member(st.ctx, kbbot.ChatID(c)); err == nil && ok {
			switch {
			case m.Name != "":
				name = m.Name
			case m.Role == cadre.Admin:
				name = st.t("audit_admin")
			default:
				name = st.roleName(m.Role)
			}
		}
	}
	n[kbbot.ChatID(c)] = name
	return name
}

// line is one entry: "<b>23/11 09.00</b> · Bu Rina (Kader KB) · what · where".
func (auditFlow) line(st *step, e cadre.AuditEntry, names staffNames) string {
	var what string
	switch e.Action {
	case cadre.ActInvite:
		what = st.t("audit_invite", st.roleName(cadre.Role(e.Detail)))
	case auditRedeem:
		what = st.t("audit_redeem", names.of(st, e.Detail))
	case cadre.ActImport:
		what = auditImport(st, e.Detail)
	case cadre.ActBroadcast:
		what = auditBroadcast(st, e.Detail)
	case auditRemove:
		if e.Detail == auditErased {
			what = st.t("audit_left")
		} else {
			what = st.t("audit_remove", names.of(st, e.Detail))
		}
	default:
		what = string(e.Action)
		if key := "audit_act_" + string(e.Action); st.e.lib.UI.Has(key) {
			what = st.t(key)
		}
		what = escape(what)
		if e.Detail != "" {
			what += " · " + escape(clip(e.Detail, 80))
		}
	}
	lt := e.At.In(staffZone)
	when := strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month())) + " " + st.clock(lt)
	return st.t("audit_line", when, names.of(st, strconv.FormatInt(int64(e.Actor), 10)), st.roleName(e.Role), markup(what), st.areaName(e.Area))
}

// auditBroadcast words a broadcast entry (bcAudit's details); an entry of
// an older release is shown as it was written.
func auditBroadcast(st *step, detail string) string {
	p := strings.Split(detail, "|")
	switch {
	case len(p) == 4 && p[0] == bcAuditSent:
		when := p[3]
		if t, err := time.Parse(time.RFC3339, p[3]); err == nil {
			lt := t.In(staffZone)
			when = strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month())) + " " + st.clock(lt)
		}
		return st.t("audit_broadcast_sent", p[2], when)
	case len(p) == 2 && p[0] == bcAuditCancel:
		return st.t("audit_broadcast_cancel")
	}
	return escape(st.t("audit_act_broadcast") + " · " + clip(detail, 80))
}
