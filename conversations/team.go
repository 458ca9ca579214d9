package conversations

import (
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// teamFlow is /tim (admin, PKB): the members whose area lies within one's
// own. An admin may remove a member, after a confirmation; the store
// audits it. It opens from the staff menu (k:team).
//
// Buttons, for admins: team:rm:<i>:<n> (ask to remove member i of the
// list), team:yes:<n> (remove them).
type teamFlow struct{}

// Steps of teamFlow (an admin's list; a PKB's list runs no flow).
const (
	stepTeamList   = "list"
	stepTeamRemove = "remove"
)

// teamState holds the list an admin saw and the member to remove.
type teamState struct {
	// Members are the chats of the remove buttons, in order.
	Members []kbbot.ChatID `json:"members,omitempty"`
	Target  kbbot.ChatID   `json:"target,omitempty"`
}

// teamButtons bounds the remove buttons of the team list.
const teamButtons = 20

func (teamFlow) Name() string            { return "team" }
func (teamFlow) Commands() []string      { return []string{"tim", "team"} }
func (teamFlow) Text(*step, string) bool { return false }

// Start lists the team for a member; anyone else gets the answer to an
// unknown command.
func (f teamFlow) Start(st *step, _ string) {
	if m, ok := staffFromCommand(st); ok {
		f.open(st, m)
	}
}

func (f teamFlow) Routes() []Route {
	return []Route{
		{Op: "rm", Args: 1, Steps: []string{stepTeamList}, Right: cadre.ActInvite, Do: staffDo(f.askRemove)},
		{Op: "yes", Steps: []string{stepTeamRemove}, Right: cadre.ActInvite, Do: staffDo(f.remove)},
	}
}

// open lists the members of the member's area; admins can remove them.
func (f teamFlow) open(st *step, m cadre.Member) {
	if !staffMay(st, m, cadre.ActInvite) {
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
		line := "\n" + st.t("team_line", st.memberName(x), st.roleName(x.Role), st.areaName(x.Area), staffDay(x.Since))
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
		st.enter(f, stepTeamList)
		var s teamState
		for _, x := range ms {
			if x.Role == cadre.Admin || len(s.Members) == teamButtons {
				continue
			}
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_team_remove", st.memberName(x)+" ("+st.roleName(x.Role)+")"), "rm", strconv.Itoa(len(s.Members)))})
			s.Members = append(s.Members, x.Chat)
		}
		saveState(st, s)
		if len(s.Members) > 0 {
			b.WriteString("\n\n" + st.t("team_remove_hint"))
		}
	}
	st.show(b.String(), append(rows, st.staffButtons()...))
}

// askRemove asks the admin to confirm removing member i of the list shown.
func (teamFlow) askRemove(st *step, m cadre.Member, args []string) {
	var s teamState
	loadState(st, &s)
	i, err := strconv.Atoi(args[0])
	if m.Role != cadre.Admin || err != nil || i < 0 || i >= len(s.Members) {
		st.expired()
		return
	}
	x, ok, err := st.e.svc.Staff.Member(st.ctx, s.Members[i])
	if err != nil {
		st.storeFailed("staff lookup", err)
		return
	}
	if !ok || x.Role == cadre.Admin || !m.Area.Contains(x.Area) {
		st.s.resetFlow()
		st.show(st.t("team_remove_gone"), st.staffButtons())
		return
	}
	st.s.Step = stepTeamRemove
	s.Target = x.Chat
	saveState(st, s)
	st.show(st.t("team_remove_confirm", st.memberName(x), st.roleName(x.Role), st.areaName(x.Area)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_team_remove_yes"), "yes")},
		{st.btn("btn_staff_team", data(flowStaff, staffTeam))},
	})
}

// remove ends the membership the admin confirmed.
func (teamFlow) remove(st *step, m cadre.Member, _ []string) {
	var s teamState
	loadState(st, &s)
	if m.Role != cadre.Admin || s.Target == 0 {
		st.expired()
		return
	}
	removed, err := st.e.svc.Roles.Remove(st.ctx, s.Target, m, st.now)
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
		{st.btn("btn_staff_team", data(flowStaff, staffTeam))},
		{st.btn("staff_menu_button", data(flowStaff, staffMenuOp))},
	})
}

// staffDay is "23/11/2026".
func staffDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	lt := t.In(staffZone)
	return strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month())) + "/" + strconv.Itoa(lt.Year())
}

// memberName is the member's name, shortened at a word, or their role
// when they gave none: staff screens name people, never show Telegram ids.
func (st *step) memberName(m cadre.Member) string {
	if m.Name == "" {
		return st.roleName(m.Role)
	}
	return shortLabel(m.Name, 40)
}
