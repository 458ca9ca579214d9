package conversations

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// Staff roles: joining with an invite code, inviting, the team, the audit
// log and the staff menu.
//
//	/kader CODE, /start k-CODE   redeem an invite code
//	/kader                       the staff menu (members only)
//	/undang                      create an invite (admin, PKB)
//	/tim                         the members of one's area (admin, PKB)
//	/audit                       the latest audit entries (admin)
//
// For a chat that is not staff, every staff command but "/kader CODE"
// answers exactly like an unknown command, and every "k:" button is
// expired: residents never see that the commands exist.
//
//	k:menu            the staff menu            k:inv          start an invite
//	k:team            the team of one's area    k:aud          the audit log
//	k:r:<role>:<n>    the invitee's role        k:kab:<i>:<n>  kabupaten i of the list
//	k:kec:<i>:<n>     kecamatan i of the list   k:all:<n>      the whole kecamatan / kelurahan
//	k:x:<days>:<n>    the invite's validity     k:rm:<i>:<n>   ask to remove member i of the list
//	k:rmy:<n>         remove that member
//
// Buttons carry no identity: the tapper's membership is read from the
// store on every step and every action is checked with cadre.Can or
// cadre.CanInvite against it. Invites, redemptions and removals are written
// to the audit log by the store, in the same atomic step as the change.
const flowRole = "role"

// Steps of flowRole.
const (
	stepInvRole = "inv_role"
	stepInvKab  = "inv_kab"
	stepInvKec  = "inv_kec"
	stepInvKel  = "inv_kel"
	stepInvKKB  = "inv_kkb"
	stepInvExp  = "inv_exp"
	stepTeam    = "team"
	stepRemove  = "rm"
)

// Keys of Session.Data in flowRole.
const (
	rdRole   = "role"   // the invitee's role
	rdKab    = "ikab"   // the invite's kabupaten (when the inviter has none)
	rdKec    = "ikec"   // its kecamatan
	rdKel    = "ikel"   // its kelurahan; present and empty: the whole kecamatan
	rdKKB    = "ikkb"   // its Kampung KB; present and empty: the whole kelurahan
	rdTeam   = "team"   // the chat ids of the team list, comma separated
	rdTarget = "target" // the member to remove
)

// Role operations in callback data.
const (
	rkMenu      = "menu"
	rkInvite    = "inv"
	rkTeam      = "team"
	rkAudit     = "aud"
	rkRole      = "r"
	rkKab       = "kab"
	rkKec       = "kec"
	rkAll       = "all"
	rkExpiry    = "x"
	rkRemove    = "rm"
	rkRemoveYes = "rmy"
)

// The callback data of the other staff flows the staff menu opens.
const (
	staffOpBroadcast = "new" // s:new  compose a broadcast (broadcast.go)
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

// inviteDays are the validities an inviter can choose.
var inviteDays = []int{1, 3, 7}

const (
	// auditShown is how many audit entries /audit shows.
	auditShown = 20
	// teamButtons bounds the remove buttons of the team list.
	teamButtons = 20
	// maxPlaceLen bounds a typed area name.
	maxPlaceLen = 60
	// maxListButtons bounds a list of kabupaten or kecamatan buttons.
	maxListButtons = 30
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

// roleCommand handles the role commands (/kader CODE, /kader, /undang,
// /tim, /audit); it reports whether cmd was one of them. For a chat that
// is not staff only "/kader CODE" is one: everything else falls through to
// the unknown-command answer.
func (st *step) roleCommand(cmd, args string) bool {
	switch cmd {
	case "kader", "cadre", "undang", "invite", "tim", "team", "audit":
	default:
		return false
	}
	if (cmd == "kader" || cmd == "cadre") && args != "" {
		st.s.resetFlow()
		st.redeem(args)
		return true
	}
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok {
		return false
	}
	st.s.resetFlow()
	switch cmd {
	case "kader", "cadre":
		st.staffMenu(m)
	case "undang", "invite":
		st.inviteStart(m)
	case "tim", "team":
		st.team(m)
	case "audit":
		st.audit(m)
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
	st.redeem(code)
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
		rows = append(rows, []kbbot.Button{st.btn("staff_menu_button", data(cbRole, rkMenu))})
	}
	return rows
}

// roleText takes typed input of a role flow.
func (st *step) roleText(t string) bool {
	if st.s.Flow != flowRole {
		return false
	}
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok || !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.s.resetFlow()
		return false
	}
	switch st.s.Step {
	case stepInvKab, stepInvKec, stepInvKel, stepInvKKB:
	case stepInvRole, stepInvExp:
		st.send(st.t("invite_use_buttons"), nil)
		return true
	default:
		return false
	}
	place, ok := cleanPlace(t)
	if !ok {
		st.send(st.t("invite_place_invalid"), nil)
		return true
	}
	switch st.s.Step {
	case stepInvKab:
		st.s.set(rdKab, canonical(place, st.kabupatens()))
	case stepInvKec:
		st.s.set(rdKec, canonical(place, st.kecamatans(st.inviteArea(m).Kabupaten)))
	case stepInvKel:
		st.s.set(rdKel, place)
	case stepInvKKB:
		st.s.set(rdKKB, place)
	}
	st.inviteNext(m)
	return true
}

// roleCallback handles "k:..." buttons. A chat that is not staff gets
// "this button has expired", whatever the data.
func (st *step) roleCallback(args []string) {
	m, ok := st.staffOrExpired()
	if !ok {
		return
	}
	op := args[0]
	if len(args) == 1 {
		st.s.resetFlow()
		switch op {
		case rkMenu:
			st.staffMenu(m)
		case rkInvite:
			st.inviteStart(m)
		case rkTeam:
			st.team(m)
		case rkAudit:
			st.audit(m)
		default:
			st.expired()
		}
		return
	}
	// Everything else belongs to a running role flow: the last argument is
	// its nonce.
	arg, ok := st.flowArg(flowRole, args)
	if !ok {
		st.expired()
		return
	}
	inviting := strings.HasPrefix(st.s.Step, "inv_")
	if inviting && !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.expired()
		return
	}
	switch {
	case op == rkRole && st.s.Step == stepInvRole:
		r := cadre.Role(arg)
		if !cadre.CanInvite(m, r, m.Area) {
			st.expired()
			return
		}
		st.s.set(rdRole, string(r))
		st.inviteNext(m)
	case op == rkKab && st.s.Step == stepInvKab:
		kabs := st.kabupatens()
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(kabs) {
			st.expired()
			return
		}
		st.s.set(rdKab, kabs[i])
		st.inviteNext(m)
	case op == rkKec && st.s.Step == stepInvKec:
		kecs := st.kecamatans(st.inviteArea(m).Kabupaten)
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(kecs) {
			st.expired()
			return
		}
		st.s.set(rdKec, kecs[i])
		st.inviteNext(m)
	case op == rkAll && len(args) == 2 && st.s.Step == stepInvKel:
		st.s.set(rdKel, "")
		st.inviteNext(m)
	case op == rkAll && len(args) == 2 && st.s.Step == stepInvKKB:
		st.s.set(rdKKB, "")
		st.inviteNext(m)
	case op == rkExpiry && st.s.Step == stepInvExp:
		days, err := strconv.Atoi(arg)
		if err != nil || !validDays(days) {
			st.expired()
			return
		}
		st.createInvite(m, days)
	case op == rkRemove && st.s.Step == stepTeam && m.Role == cadre.Admin:
		st.askRemove(m, arg)
	case op == rkRemoveYes && len(args) == 2 && st.s.Step == stepRemove && m.Role == cadre.Admin:
		st.removeMember(m)
	default:
		st.expired()
	}
}

func validDays(d int) bool {
	for _, x := range inviteDays {
		if d == x {
			return true
		}
	}
	return false
}

// redeem uses an invite code for the chat.
func (st *step) redeem(code string) {
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
		{st.btn("staff_menu_button", data(cbRole, rkMenu))},
		{st.btn("btn_menu", data(cbMenu))},
	}
}

// staffMenu lists what the member's role may do, with a button for each.
func (st *step) staffMenu(m cadre.Member) {
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
	add(cadre.ActCheckIn, "staff_can_checkin", st.btn("btn_staff_checkin", data(cbReport, staffOpCheckIn)))
	add(cadre.ActReport, "staff_can_report", st.btn("btn_staff_report", data(cbReport, staffOpRekap)))
	add(cadre.ActPoster, "staff_can_poster", st.btn("btn_staff_poster", data(cbReport, staffOpPoster)))
	add(cadre.ActInvite, "staff_can_invite", st.btn("btn_staff_invite", data(cbRole, rkInvite)), st.btn("btn_staff_team", data(cbRole, rkTeam)))
	add(cadre.ActAudit, "staff_can_audit", st.btn("btn_staff_audit", data(cbRole, rkAudit)))
	rows = append(rows, st.menuButton()...)
	st.show(st.t("staff_menu", st.roleName(m.Role), st.areaName(m.Area), strings.Join(lines, "\n")), rows)
}

// notAllowed tells a member their role cannot do what they asked.
func (st *step) notAllowed(m cadre.Member) {
	st.s.resetFlow()
	st.show(st.t("role_not_allowed", st.roleName(m.Role)), st.staffButtons())
}

// inviteStart asks for the invitee's role.
func (st *step) inviteStart(m cadre.Member) {
	if !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.notAllowed(m)
		return
	}
	if st.e.svc.Roles == nil {
		st.show(st.t("staff_unavailable"), st.menuButton())
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Step, st.s.Nonce = flowRole, stepInvRole, st.e.nonce()
	var rows [][]kbbot.Button
	for _, r := range []cadre.Role{cadre.PKB, cadre.Kader, cadre.TPK, cadre.Bidan} {
		if cadre.CanInvite(m, r, m.Area) {
			rows = append(rows, []kbbot.Button{{Label: st.roleName(r), Data: data(cbRole, rkRole, string(r), st.s.Nonce)}})
		}
	}
	st.show(st.t("invite_role", st.areaName(m.Area)), append(rows, st.staffButtons()...))
}

// inviteArea is the invite's area so far: the inviter's own area, narrowed
// by the answers given.
func (st *step) inviteArea(m cadre.Member) cadre.Area {
	a := m.Area
	fill := func(dst *string, key string) {
		if *dst == "" {
			*dst = st.s.Data[key]
		}
	}
	fill(&a.Kabupaten, rdKab)
	fill(&a.Kecamatan, rdKec)
	fill(&a.Kelurahan, rdKel)
	fill(&a.KampungKB, rdKKB)
	return a
}

// inviteNext asks the next question of the invite: kabupaten, kecamatan,
// kelurahan, Kampung KB (each only when the inviter's area leaves it
// open), then the validity.
func (st *step) inviteNext(m cadre.Member) {
	a := st.inviteArea(m)
	n := st.s.Nonce
	_, askedKel := st.s.Data[rdKel]
	_, askedKKB := st.s.Data[rdKKB]
	switch {
	case a.Kabupaten == "":
		st.s.Step = stepInvKab
		var rows [][]kbbot.Button
		for i, k := range st.kabupatens() {
			if i == maxListButtons {
				break
			}
			rows = append(rows, []kbbot.Button{{Label: k, Data: data(cbRole, rkKab, strconv.Itoa(i), n)}})
		}
		st.show(st.t("invite_kab"), append(rows, st.staffButtons()...))
	case a.Kecamatan == "":
		st.s.Step = stepInvKec
		var rows [][]kbbot.Button
		for i, k := range st.kecamatans(a.Kabupaten) {
			if i == maxListButtons {
				break
			}
			rows = append(rows, []kbbot.Button{{Label: k, Data: data(cbRole, rkKec, strconv.Itoa(i), n)}})
		}
		st.show(st.t("invite_kec", a.Kabupaten), append(rows, st.staffButtons()...))
	case m.Area.Kelurahan == "" && !askedKel:
		st.s.Step = stepInvKel
		st.show(st.t("invite_kel", a.Kecamatan), append([][]kbbot.Button{
			{st.btn("btn_invite_whole_kec", data(cbRole, rkAll, n))},
		}, st.staffButtons()...))
	case a.Kelurahan != "" && m.Area.KampungKB == "" && !askedKKB:
		st.s.Step = stepInvKKB
		st.show(st.t("invite_kkb", a.Kelurahan), append([][]kbbot.Button{
			{st.btn("btn_invite_whole_kel", data(cbRole, rkAll, n))},
		}, st.staffButtons()...))
	default:
		role := cadre.Role(st.s.Data[rdRole])
		if !cadre.CanInvite(m, role, a) {
			st.s.resetFlow()
			st.show(st.t("invite_outside", st.areaName(m.Area)), st.staffButtons())
			return
		}
		st.s.Step = stepInvExp
		var row []kbbot.Button
		for _, d := range inviteDays {
			row = append(row, kbbot.Button{Label: st.t("btn_invite_" + strconv.Itoa(d) + "d"), Data: data(cbRole, rkExpiry, strconv.Itoa(d), n)})
		}
		st.show(st.t("invite_expiry", st.roleName(role), st.areaName(a)), append([][]kbbot.Button{row}, st.staffButtons()...))
	}
}

// createInvite makes the code and shows it, once.
func (st *step) createInvite(m cadre.Member, days int) {
	role := cadre.Role(st.s.Data[rdRole])
	a := st.inviteArea(m)
	if a.Kabupaten == "" || a.Kecamatan == "" || !cadre.CanInvite(m, role, a) {
		st.expired()
		return
	}
	expires := st.now.Add(time.Duration(days) * 24 * time.Hour)
	code, err := st.e.svc.Roles.CreateInvite(st.ctx, m, role, a, expires, st.now)
	if err != nil {
		st.storeFailed("create invite", err)
		return
	}
	st.s.resetFlow()
	text := st.t("invite_created", st.roleName(role), st.areaName(a), groupCode(code), st.staffTime(expires), code)
	if u := st.e.svc.BotUsername; u != "" {
		text += "\n\n" + st.t("invite_link", "https://t.me/"+u+"?start=k-"+code)
	}
	st.show(text, st.staffButtons())
}

// groupCode writes a code in two halves for reading aloud: "ABCDE-FGHJK".
func groupCode(code string) string {
	if len(code) < 8 {
		return code
	}
	h := (len(code) + 1) / 2
	return code[:h] + "-" + code[h:]
}

// team lists the members of the member's area; admins can remove them.
func (st *step) team(m cadre.Member) {
	if !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.notAllowed(m)
		return
	}
	if st.e.svc.Roles == nil {
		st.show(st.t("staff_unavailable"), st.menuButton())
		return
	}
	ms, err := st.e.svc.Roles.Members(st.ctx, m.Area)
	if err != nil {
		st.storeFailed("list members", err)
		return
	}
	if len(ms) == 0 {
		st.show(st.t("team_empty", st.areaName(m.Area)), st.staffButtons())
		return
	}
	var b strings.Builder
	b.WriteString(st.t("team_title", st.areaName(m.Area), len(ms)))
	shown := 0
	for _, x := range ms {
		line := "\n" + st.t("team_line", st.memberName(x), st.roleName(x.Role), st.areaName(x.Area), st.staffDay(x.Since))
		if b.Len()+len(line) > 3500 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if shown < len(ms) {
		b.WriteString("\n" + st.t("team_more", len(ms)-shown))
	}
	var rows [][]kbbot.Button
	if m.Role == cadre.Admin {
		st.s.Flow, st.s.Step, st.s.Nonce = flowRole, stepTeam, st.e.nonce()
		var ids []string
		for _, x := range ms {
			if x.Role == cadre.Admin || len(ids) == teamButtons {
				continue
			}
			rows = append(rows, []kbbot.Button{{Label: st.t("btn_team_remove", st.plainName(x)), Data: data(cbRole, rkRemove, strconv.Itoa(len(ids)), st.s.Nonce)}})
			ids = append(ids, strconv.FormatInt(int64(x.Chat), 10))
		}
		st.s.set(rdTeam, strings.Join(ids, ","))
		if len(ids) > 0 {
			b.WriteString("\n\n" + st.t("team_remove_hint"))
		}
	}
	st.show(b.String(), append(rows, st.staffButtons()...))
}

// askRemove asks the admin to confirm removing member i of the list shown.
func (st *step) askRemove(m cadre.Member, arg string) {
	ids := strings.Split(st.s.Data[rdTeam], ",")
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(ids) || ids[i] == "" {
		st.expired()
		return
	}
	id, err := strconv.ParseInt(ids[i], 10, 64)
	if err != nil {
		st.expired()
		return
	}
	x, ok, err := st.e.svc.Staff.Member(st.ctx, kbbot.ChatID(id))
	if err != nil {
		st.storeFailed("staff lookup", err)
		return
	}
	if !ok || x.Role == cadre.Admin || !m.Area.Contains(x.Area) {
		st.s.resetFlow()
		st.show(st.t("team_remove_gone"), st.staffButtons())
		return
	}
	st.s.Step = stepRemove
	st.s.set(rdTarget, ids[i])
	st.show(st.t("team_remove_confirm", st.memberName(x), st.roleName(x.Role), st.areaName(x.Area)), [][]kbbot.Button{
		{st.btn("btn_team_remove_yes", data(cbRole, rkRemoveYes, st.s.Nonce))},
		{st.btn("btn_staff_team", data(cbRole, rkTeam))},
	})
}

// removeMember ends the membership the admin confirmed.
func (st *step) removeMember(m cadre.Member) {
	id, err := strconv.ParseInt(st.s.Data[rdTarget], 10, 64)
	if err != nil {
		st.expired()
		return
	}
	removed, err := st.e.svc.Roles.Remove(st.ctx, kbbot.ChatID(id), m, st.now)
	if err != nil {
		st.storeFailed("remove member", err)
		return
	}
	st.s.resetFlow()
	if !removed {
		st.show(st.t("team_remove_gone"), st.staffButtons())
		return
	}
	st.show(st.t("team_removed"), [][]kbbot.Button{
		{st.btn("btn_staff_team", data(cbRole, rkTeam))},
		{st.btn("staff_menu_button", data(cbRole, rkMenu))},
	})
}

// audit shows the latest audit entries of the member's area.
func (st *step) audit(m cadre.Member) {
	if !cadre.Can(m, cadre.ActAudit, m.Area) {
		st.notAllowed(m)
		return
	}
	if st.e.svc.Roles == nil {
		st.show(st.t("staff_unavailable"), st.menuButton())
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
	var b strings.Builder
	b.WriteString(st.t("audit_title", len(es)))
	for _, e := range es {
		line := "\n" + st.auditLine(e)
		if b.Len()+len(line) > 3900 {
			break
		}
		b.WriteString(line)
	}
	st.show(b.String(), st.staffButtons())
}

// auditLine is one entry: "<b>23/11 09.00</b> · 8302 (Kader KB) · what · where".
func (st *step) auditLine(e cadre.AuditEntry) string {
	var what string
	switch e.Action {
	case cadre.ActInvite:
		what = st.t("audit_invite", st.roleName(cadre.Role(e.Detail)))
	case auditRedeem:
		what = st.t("audit_redeem", e.Detail)
	case auditRemove:
		if e.Detail == auditErased {
			what = st.t("audit_left")
		} else {
			what = st.t("audit_remove", e.Detail)
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
	return st.t("audit_line", when, strconv.FormatInt(int64(e.Actor), 10), st.roleName(e.Role), markup(what), st.areaName(e.Area))
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

// staffDay is "23/11/2026".
func (st *step) staffDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	lt := t.In(staffZone)
	return strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month())) + "/" + strconv.Itoa(lt.Year())
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

// memberName is "Wati (8302)".
func (st *step) memberName(m cadre.Member) string {
	return st.plainName(m)
}

// plainName is "Wati (8302)" for a button label (not HTML).
func (st *step) plainName(m cadre.Member) string {
	id := strconv.FormatInt(int64(m.Chat), 10)
	if m.Name == "" {
		return id
	}
	return clip(m.Name, 40) + " (" + id + ")"
}

// cleanPlace accepts a typed area name: 2-60 characters, letters, digits
// and the punctuation of place names, with the spaces tidied.
func cleanPlace(t string) (string, bool) {
	t = strings.Join(strings.Fields(t), " ")
	n := utf8.RuneCountInString(t)
	if n < 2 || n > maxPlaceLen {
		return "", false
	}
	letters := 0
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r), r == ' ', r == '.', r == '\'', r == '-', r == '/', r == '(', r == ')':
		default:
			return "", false
		}
	}
	return t, letters >= 2
}

// canonical returns the name in names equal to place but for case, or
// place itself.
func canonical(place string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, place) {
			return n
		}
	}
	return place
}

// places returns the kabupaten/kota of the catalog's facilities, each with
// its kecamatan, sorted. Without a catalog the lists are empty and the
// inviter types the names.
func (st *step) places() map[string][]string {
	out := map[string][]string{}
	if st.e.svc.Catalog == nil {
		return out
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil || c == nil {
		if err != nil {
			st.e.svc.Log.Warn("read catalog for invite areas", "error", err)
		}
		return out
	}
	seen := map[[2]string]bool{}
	for _, f := range c.Facilities() {
		if f.Kabupaten == "" {
			continue
		}
		if _, ok := out[f.Kabupaten]; !ok {
			out[f.Kabupaten] = nil
		}
		if k := [2]string{f.Kabupaten, f.Kecamatan}; f.Kecamatan != "" && !seen[k] {
			seen[k] = true
			out[f.Kabupaten] = append(out[f.Kabupaten], f.Kecamatan)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func (st *step) kabupatens() []string {
	var out []string
	for k := range st.places() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (st *step) kecamatans(kab string) []string {
	for k, v := range st.places() {
		if strings.EqualFold(k, kab) {
			return v
		}
	}
	return nil
}
