package conversations

import (
	"context"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// Staff flows (cadres, PKB, bidan, admins):
//
//	roles.go      /kader CODE, the staff menu                     flow "k"
//	invite.go     /undang, invites                                flow "inv"
//	team.go       /tim, the team                                  flow "team"
//	areacontact.go /kontakwilayah, the area's contact             flow "ac"
//	audit.go      /audit, the audit log                           flow "audit"
//	broadcast.go  broadcasts (/siaran)                            flows "bc", "bcx"
//	reports.go    the staff menu's report doors                   flow "q"
//	reports_checkin.go  /checkin, the bidan's table               flow "chk"
//	daylist.go          /hariini, today's clients at a facility   flow "hr"
//	reports_rekap.go    /rekap charts and files                   flow "rk"
//	reports_poster.go   /qr posters                               flow "qr"
//	erasebooked.go      /hapuspeserta                             flow "eb"
//	book.go       /daftarkan, booking for a resident              flow "daftarkan"
//	followup.go   /tindaklanjut, follow-up by name                flow "tl"
//
// Every staff action is checked against the member's role and area on the
// server (cadre.Can); buttons carry no identity.

// Callback actions of the staff flows.
const (
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
		st.log().Error("staff lookup", "error", err)
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
