package conversations

import (
	"context"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// Staff flows (cadres, PKB, bidan, admins) live in three files, each
// reached through the hooks below:
//
//	roles.go      /kader CODE, invites, the audit log, check-in   callback "k", flow "role"
//	broadcast.go  residents' area and group, broadcasts (/siaran)   flows "area", "bc", "bcx"
//	reports.go    /qr posters, /rekap charts and files            callback "q", flow "report"
//
// Every staff action is checked against the member's role and area on the
// server (cadre.Can); buttons carry no identity.

// Callback actions of the staff flows.
const (
	cbRole      = "k"
	cbBroadcast = "bc"
	cbReport    = "q"
)

// StaffStore finds who is staff. Admins named in configuration are members
// too.
type StaffStore interface {
	Member(ctx context.Context, chat kbbot.ChatID) (cadre.Member, bool, error)
}

// member returns the tapper's staff membership, if any. A store that
// cannot be reached counts as "not staff", with a log line.
func (st *step) member() (cadre.Member, bool) {
	m, ok, err := st.staffLookup()
	if err != nil {
		st.e.svc.Log.Error("staff lookup", "error", err)
		return cadre.Member{}, false
	}
	return m, ok
}

// staffLookup returns the chat's membership; unlike member it reports a
// store failure, so that a member is not told "unknown command" when Redis
// is away.
func (st *step) staffLookup() (cadre.Member, bool, error) {
	if st.e.svc.Staff == nil {
		return cadre.Member{}, false, nil
	}
	return st.e.svc.Staff.Member(st.ctx, st.ev.ChatID)
}

// staffCommand runs a staff command; it reports whether cmd was one.
func (st *step) staffCommand(cmd, args string) bool {
	return st.roleCommand(cmd, args) || st.reportCommand(cmd, args)
}

// staffText takes typed input of a staff flow; it reports whether it did.
func (st *step) staffText(t string) bool {
	return st.roleText(t) || st.reportText(t)
}

// staffCallback routes staff buttons by action.
func (st *step) staffCallback(action string, args []string) {
	switch action {
	case cbRole:
		st.roleCallback(args)
	case cbReport:
		st.reportCallback(args)
	default:
		st.expired()
	}
}

// staffOrExpired returns the tapper's membership for a staff button. A
// chat that is not staff gets "this button has expired", whatever the data;
// a store that cannot be reached gets the store-failed answer.
func (st *step) staffOrExpired() (cadre.Member, bool) {
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return m, false
	}
	if !ok {
		st.expired()
		return m, false
	}
	return m, true
}
