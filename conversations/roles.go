package conversations

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// Staff roles: joining with an invite code, the staff menu, and the doors
// to inviting (invite.go), the team (team.go) and the audit log
// (audit.go), each a flow of its own.
//
//	/kader CODE, /start k-CODE   redeem an invite code
//	/kader                       the staff menu (members only)
//	/undang                      create an invite (admin, PKB)      invite.go
//	/tim                         the members of one's area          team.go
//	/audit                       the latest audit entries (admin)   audit.go
//	/impor                       import events from a file (admin)  import.go
//
// For a chat that is not staff, every staff command but "/kader CODE"
// answers exactly like an unknown command, and every staff button is
// expired: residents never see that the commands exist.
//
// staffFlow ("k") is the staff menu and its doors; it keeps no state. Its
// buttons work anywhere: k:menu (the staff menu), k:inv (start an invite),
// k:team (the team), k:aud (the audit log).
//
// Buttons carry no identity: the tapper's membership is read from the
// store on every step and every action is checked with cadre.Can or
// cadre.CanInvite against it. Invites, redemptions and removals are written
// to the audit log by the store, in the same atomic step as the change.
type staffFlow struct{}

// flowStaff is the staff menu's name and callback action.
const flowStaff = "k"

// The staff menu's doors (k:<door>).
const (
	staffMenuOp = "menu"
	staffInvite = "inv"
	staffTeam   = "team"
	staffAudit  = "aud"
	// staffAreaContact opens /kontakwilayah (areacontact.go).
	staffAreaContact = "ac"
)

// The callback data of the other staff flows the staff menu opens.
const (
	staffOpBroadcast = "new" // bc:new compose a broadcast (broadcast.go)
	staffOpCheckIn   = "ci"  // q:ci   check a client in (reports.go)
	staffOpRekap     = "rk"  // q:rk   rekap of an event (reports.go)
	staffOpPoster    = "qr"  // q:qr   QR poster (reports.go)
)

// The audit actions the staff store writes itself besides cadre.ActInvite
// (redisstore.ActRedeem, ActRemove and DetailErased): shown by /audit.
const (
	auditRedeem cadre.Action = "redeem" // joined with an invite; Detail: the inviter's chat id
	auditRemove cadre.Action = "remove" // membership ended; Detail: the removed chat id, or auditErased
	auditErased              = "hapusdata"
)

// The refusals of RoleStore.Redeem; the store's errors wrap them.
var (
	// ErrInviteUnknown means no invite has the code.
	ErrInviteUnknown = errors.New("invite code unknown")
	// ErrInviteUsed means the code was redeemed before.
	ErrInviteUsed = errors.New("invite code already used")
	// ErrInviteExpired means the invite's time ran out.
	ErrInviteExpired = errors.New("invite code expired")
	// ErrInviteTries means the chat tried too many unknown codes lately.
	ErrInviteTries = errors.New("too many unknown invite codes tried")
	// ErrInviteOwn means the creator of an invite tried to redeem it.
	ErrInviteOwn = errors.New("invite code redeemed by its creator")
)

// RoleStore is what the role flows need: invites, members and the audit
// log. The staff membership itself is read through StaffStore.
type RoleStore interface {
	// CreateInvite stores a one-time invite for role in area, valid until
	// expires, audits it, and returns the code, which cannot be read back.
	CreateInvite(ctx context.Context, by cadre.Member, role cadre.Role, area cadre.Area, expires, now time.Time) (string, error)
	// Redeem uses code once, making chat (named name) a member with the
	// invite's role and area, and audits it. Its refusals wrap
	// ErrInviteUnknown, ErrInviteUsed, ErrInviteExpired, ErrInviteTries or
	// ErrInviteOwn.
	Redeem(ctx context.Context, code string, chat kbbot.ChatID, name string, now time.Time) (cadre.Member, error)
	// Members lists the members whose area lies within area.
	Members(ctx context.Context, area cadre.Area) ([]cadre.Member, error)
	// Remove ends chat's membership and audits it with by as the actor.
	Remove(ctx context.Context, chat kbbot.ChatID, by cadre.Member, now time.Time) (bool, error)
	// AuditLog returns up to limit entries of actions within area, newest
	// first.
	AuditLog(ctx context.Context, area cadre.Area, limit int) ([]cadre.AuditEntry, error)
}

func (staffFlow) Name() string            { return flowStaff }
func (staffFlow) Commands() []string      { return []string{"kader", "cadre"} }
func (staffFlow) Text(*step, string) bool { return false }

// Start redeems "/kader CODE"; "/kader" alone opens the staff menu.
func (f staffFlow) Start(st *step, code string) {
	if code != "" {
		f.redeem(st, code)
		return
	}
	if m, ok := staffFromCommand(st); ok {
		f.menu(st, m)
	}
}

// staffDoors open the staff menu and the flows it leads to, for a member.
var staffDoors = map[string]func(st *step, m cadre.Member){
	staffMenuOp:      staffFlow{}.menu,
	staffInvite:      inviteFlow{}.open,
	staffTeam:        teamFlow{}.open,
	staffAudit:       auditFlow{}.open,
	staffAreaContact: areaContactFlow{}.open,
}

// Routes are the doors. A chat that is not staff gets "this button has
// expired"; a member whose role may not go through a door is told so.
func (staffFlow) Routes() []Route {
	var routes []Route
	for op, open := range staffDoors {
		routes = append(routes, Route{Op: op, Do: staffDo(func(st *step, m cadre.Member, _ []string) {
			st.s.resetFlow()
			open(st, m)
		})})
	}
	return routes
}

// staffFromCommand returns the membership of the chat that sent a staff
// command. A chat that is not staff gets the answer to an unknown command.
func staffFromCommand(st *step) (cadre.Member, bool) {
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return m, false
	}
	if !ok {
		st.unknownCommand("/" + st.ev.Command)
		return m, false
	}
	return m, true
}

// staffMay reports whether m may act with the role store; if not, m is
// told why.
func staffMay(st *step, m cadre.Member, act cadre.Action) bool {
	if !cadre.Can(m, act, m.Area) {
		st.notAllowed(m)
		return false
	}
	if st.e.svc.Roles == nil {
		st.show(st.t("staff_unavailable"), st.menuButton())
		return false
	}
	return true
}

// startInvite redeems the code of an invite link (/start k-<code>); it
// reports whether payload was one.
func (st *step) startInvite(payload string) bool {
	code, ok := strings.CutPrefix(payload, "k-")
	if !ok || sanitizePayload(payload) == "" {
		return false
	}
	st.s.resetFlow()
	staffFlow{}.redeem(st, code)
	return true
}

// staffMenuRows are the main menu's rows for staff: the staff menu, and
// the cadre booking of the configured cadre list. One store lookup.
func (st *step) staffMenuRows() [][]kbbot.Button {
	var rows [][]kbbot.Button
	if st.e.svc.IsCadre != nil && st.e.svc.IsCadre(st.ev.ChatID) {
		rows = append(rows, []kbbot.Button{st.btn("menu_cadre_book", data(flowBookFor))})
	}
	if _, ok := st.member(); ok {
		rows = append(rows, []kbbot.Button{st.btn("staff_menu_button", data(flowStaff, staffMenuOp))})
	}
	return rows
}

// redeem uses an invite code for the chat.
func (staffFlow) redeem(st *step, code string) {
	if st.e.svc.Roles == nil || st.e.svc.Staff == nil {
		st.send(st.t("staff_unavailable"), st.menuButton())
		return
	}
	if !plausibleCode(code) {
		st.send(st.t("redeem_unknown"), st.menuButton())
		return
	}
	if m, ok, err := st.staffLookup(); err != nil {
		st.storeFailed("staff lookup", err)
		return
	} else if ok && m.Role == cadre.Admin {
		st.send(st.t("redeem_admin"), st.staffButtons())
		return
	}
	name := staffName(st.ev.FirstName)
	m, err := st.e.svc.Roles.Redeem(st.ctx, code, st.ev.ChatID, name, st.now)
	switch {
	case err == nil:
		st.send(st.t("redeem_ok", st.roleName(m.Role), st.areaName(m.Area)), st.staffButtons())
	case errors.Is(err, ErrInviteUnknown):
		st.send(st.t("redeem_unknown"), st.menuButton())
	case errors.Is(err, ErrInviteUsed):
		st.send(st.t("redeem_used"), st.menuButton())
	case errors.Is(err, ErrInviteExpired):
		st.send(st.t("redeem_expired"), st.menuButton())
	case errors.Is(err, ErrInviteTries):
		st.send(st.t("redeem_tries"), st.menuButton())
	case errors.Is(err, ErrInviteOwn):
		st.send(st.t("redeem_own"), st.staffButtons())
	default:
		st.storeFailed("redeem invite", err)
	}
}

// plausibleCode reports whether code can be an invite code at all (letters
// and digits, with the dashes and spaces people add), so that a typo does
// not count against the chat's tries.
func plausibleCode(code string) bool {
	n := 0
	for _, r := range code {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			n++
		case r == '-' || r == ' ':
		default:
			return false
		}
	}
	return n >= 6 && n <= 20
}

// staffName is the Telegram first name kept with a membership, so that the
// team list is readable.
func staffName(first string) string {
	name := strings.Join(strings.Fields(first), " ")
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64])
	}
	return name
}

// staffButtons open the staff menu, or the main menu.
func (st *step) staffButtons() [][]kbbot.Button {
	return [][]kbbot.Button{
		{st.btn("staff_menu_button", data(flowStaff, staffMenuOp))},
		{st.btn("btn_menu", data(cbMenu))},
	}
}

// menu lists what the member's role may do, with a button for each.
func (staffFlow) menu(st *step, m cadre.Member) {
	var lines []string
	var rows [][]kbbot.Button
	add := func(act cadre.Action, line string, buttons ...kbbot.Button) {
		if !cadre.Can(m, act, m.Area) {
			return
		}
		lines = append(lines, "• "+st.t(line))
		for _, b := range buttons {
			rows = append(rows, []kbbot.Button{b})
		}
	}
	add(cadre.ActBroadcast, "staff_can_broadcast", st.btn("btn_staff_broadcast", data(cbBroadcast, staffOpBroadcast)))
	add(cadre.ActBookFor, "staff_can_book_for", st.btn("btn_staff_book_for", data(flowBookFor)))
	add(cadre.ActCheckIn, "staff_can_daylist", st.btn("btn_staff_daylist", data(flowDay)))
	add(cadre.ActCheckIn, "staff_can_checkin", st.btn("btn_staff_checkin", data(cbReport, staffOpCheckIn)))
	add(cadre.ActProvide, "staff_can_provide")
	add(cadre.ActAnswer, "staff_can_answer", st.btn("btn_staff_answer", data(flowAnswer)))
	add(cadre.ActFollowUp, "staff_can_followup", st.btn("btn_staff_followup", data(flowFollowUp)))
	add(cadre.ActReport, "staff_can_report", st.btn("btn_staff_report", data(cbReport, staffOpRekap)))
	add(cadre.ActPoster, "staff_can_poster", st.btn("btn_staff_poster", data(cbReport, staffOpPoster)))
	add(cadre.ActInvite, "staff_can_invite", st.btn("btn_staff_invite", data(flowStaff, staffInvite)), st.btn("btn_staff_team", data(flowStaff, staffTeam)))
	add(cadre.ActInvite, "staff_can_area_contact", st.btn("btn_staff_area_contact", data(flowStaff, staffAreaContact)))
	add(cadre.ActAudit, "staff_can_audit", st.btn("btn_staff_audit", data(flowStaff, staffAudit)))
	add(cadre.ActImport, "staff_can_import", st.btn("btn_staff_import", data(flowImport, impOpen)))
	rows = append(rows, st.menuButton()...)
	st.show(st.t("staff_menu", st.roleName(m.Role), st.areaName(m.Area), strings.Join(lines, "\n")), rows)
}

// notAllowed tells a member their role cannot do what they asked.
func (st *step) notAllowed(m cadre.Member) {
	st.s.resetFlow()
	st.show(st.t("role_not_allowed", st.roleName(m.Role)), st.staffButtons())
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// staffZone is where staff times are shown: WIB. Staff areas have no zone
// of their own; most of Indonesia's people live in WIB.
var staffZone = func() *time.Location {
	if loc, err := booking.LoadZone("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600)
}()

// staffTime is "Kamis, 26 November 2026, 09.00 WIB".
func (st *step) staffTime(t time.Time) string {
	lt := t.In(staffZone)
	return st.fmtDate(lt) + ", " + st.clock(lt) + " WIB"
}

// roleName is the role's label in the chat's language.
func (st *step) roleName(r cadre.Role) string {
	if !r.Valid() {
		return string(r)
	}
	return st.t("role_" + string(r))
}

// areaName is the area (plain text); the whole country is said in words.
func (st *step) areaName(a cadre.Area) string {
	if a.IsZero() {
		return st.t("area_everywhere")
	}
	return a.String()
}
