package conversations

import (
	"context"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content/wilayah"
)

// Check-in at the facility, rekaps and QR posters (staff), one flow each:
//
//	/checkin [CODE]  check a client in (cadre.ActCheckIn: kader, bidan, PKB, admin)   reports_checkin.go, flow "chk"
//	/rekap           an event's rekap as a chart, CSV and XLSX, and its per-client
//	                 register (cadre.ActReport)                                        reports_rekap.go, flow "rk"
//	/qr              a QR poster of one's area or of an event (cadre.ActPoster)        reports_poster.go, flow "qr"
//
// The staff menu opens them with q:ci, q:rk and q:qr (reportDoors). For a
// chat that is not staff the commands answer like unknown commands and
// every button is expired. Buttons carry no identity: the tapper's
// membership is read on every step, the engine checks the route's right
// against the member's area, and each action is checked with cadre.Can
// against the area of the facility (check-in, rekap) or of the poster.

// ReportStore is what check-in and rekap need of the booking store
// (redisstore.BookingStore implements it). The rekap's figures, chart and
// files are made by package report from what it returns.
type ReportStore interface {
	// CheckIn records that the client of an active booking came; a second
	// check-in changes nothing and returns the first with Already set.
	// Errors wrap booking.ErrNotFound, booking.ErrCancelled.
	CheckIn(ctx context.Context, ci booking.CheckIn) (booking.CheckedIn, error)
	// CheckInOf returns a booking and its check-in (ok false: none yet);
	// booking.ErrNotFound for an unknown code.
	CheckInOf(ctx context.Context, code string) (booking.Booking, booking.CheckIn, bool, error)
	// EventTally counts an event's bookings, waitlist, check-ins,
	// walk-ins and not-served marks.
	EventTally(ctx context.Context, eventID string) (booking.Tally, error)
	// EventRegister returns the check-ins at one site of an event with
	// their bookings, for the per-client register; purged counts those
	// left out because their personal data was purged.
	EventRegister(ctx context.Context, eventID, facilityID string) (list []booking.CheckedIn, purged int, err error)
}

// reportDoors are the staff menu's buttons to the report flows (roles.go,
// staffMenu): q:ci, q:rk and q:qr. They work anywhere; the flow they open
// checks that the tapper is staff, and their right.
type reportDoors struct{}

func (reportDoors) Name() string             { return cbReport }
func (reportDoors) Commands() []string       { return nil }
func (reportDoors) Start(st *step, _ string) { st.menu() }
func (reportDoors) Text(*step, string) bool  { return false }

func (reportDoors) Routes() []Route {
	var routes []Route
	for _, door := range []struct {
		op string
		f  Flow
	}{{staffOpCheckIn, checkinFlow{}}, {staffOpRekap, rekapFlow{}}, {staffOpPoster, posterFlow{}}} {
		routes = append(routes, Route{Op: door.op, Do: func(st *step, _ []string) { st.open(door.f.Name(), "") }})
	}
	return routes
}

// staffOpen is the member opening a staff flow that needs right act, by
// its command or by a door of the staff menu. For a chat that is not staff
// the command does not exist and the button has expired; a member without
// the right is told so; a staff store that cannot be reached gets the
// store-failed answer.
func staffOpen(st *step, act cadre.Action) (cadre.Member, bool) {
	m, ok, err := st.staffLookup()
	switch {
	case err != nil:
		st.storeFailed("staff lookup", err)
		return m, false
	case !ok && st.ev.Kind == kbbot.EventCommand:
		st.unknownCommand("/" + st.ev.Command)
		return m, false
	case !ok:
		st.expired()
		return m, false
	case !cadre.Can(m, act, m.Area):
		st.notAllowed(m)
		return m, false
	}
	return m, true
}

// staffTyping runs typed text of a staff flow with the member who typed
// it. A chat that is no longer staff leaves the flow, and its text goes to
// the search (false).
func staffTyping(st *step, typed func(m cadre.Member)) bool {
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok {
		st.s.resetFlow()
		return false
	}
	typed(m)
	return true
}

// staffDo is a route handler of a staff flow, run with the tapper's
// membership (the engine has checked the route's right).
func staffDo(do func(st *step, m cadre.Member, args []string)) func(*step, []string) {
	return func(st *step, args []string) {
		if m, ok := st.staffOrExpired(); ok {
			do(st, m, args)
		}
	}
}

// reportReady reports whether the stores check-in and rekap need are
// there, and says so when not.
func reportReady(st *step) bool {
	if st.e.svc.Reports == nil || st.e.svc.Catalog == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return false
	}
	return true
}

// staffEvent returns the catalog and its event id, where member m may do
// act (open: only while the event takes bookings). An unknown event, or one
// outside the member's area, has expired.
func staffEvent(st *step, m cadre.Member, act cadre.Action, id string, open bool) (*booking.Catalog, *booking.Event, bool) {
	c := st.catalog()
	if c == nil {
		return nil, nil, false
	}
	ev, ok := c.Event(id)
	if !ok || open && !ev.Open(st.now) || len(eventsIn(c, []*booking.Event{ev}, m, act)) == 0 {
		st.expired()
		return nil, nil, false
	}
	return c, ev, true
}

// facilityArea is where a facility lies, for cadre.Can: with its
// Kemendagri code when its kabupaten/kota, kecamatan and kelurahan are on
// the official list (so staff whose area has a code are compared by
// code), else by its names as the catalog writes them.
func facilityArea(f *booking.Facility) cadre.Area {
	a := cadre.Area{Kabupaten: f.Kabupaten, Kecamatan: f.Kecamatan, Kelurahan: f.Kelurahan}
	if l, err := wilayah.Load(); err == nil {
		if r, ok := l.Resolve(a); ok {
			return r
		}
	}
	return a
}

// canAt reports whether m may do act at facility f: cadre.Can with the
// facility's kabupaten, kecamatan and kelurahan. A facility lies in a
// kelurahan, never in a Kampung KB, so a member of a Kampung KB acts at the
// facilities of its kelurahan.
func canAt(m cadre.Member, act cadre.Action, f *booking.Facility) bool {
	m.Area.KampungKB = ""
	return cadre.Can(m, act, facilityArea(f))
}

// eventsIn returns the events with a site at a facility where m may do
// act, among evs.
func eventsIn(c *booking.Catalog, evs []*booking.Event, m cadre.Member, act cadre.Action) []*booking.Event {
	var out []*booking.Event
	for _, ev := range evs {
		for _, s := range ev.Sites {
			if f, ok := c.Facility(s.Facility); ok && canAt(m, act, f) {
				out = append(out, ev)
				break
			}
		}
	}
	return out
}

// auditStaff writes a staff action to the audit log. A failure is logged:
// the action is done and the member told so.
func (st *step) auditStaff(m cadre.Member, act cadre.Action, area cadre.Area, detail string) {
	if st.e.svc.Audit == nil {
		st.log().Warn("no audit log for a staff action", "action", string(act))
		return
	}
	err := st.e.svc.Audit.Audit(st.ctx, cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: act, Area: area, Detail: detail})
	if err != nil {
		st.log().Error("write audit entry", "action", string(act), "error", err)
	}
}

// idDay writes a date in Indonesian, for posters: "Kamis, 26 November 2026".
func idDay(d booking.Date) string {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%s, %d %s %d", daysID[t.Weekday()], d.Day, monthsID[d.Month-1], d.Year)
}

// sendFile sends a photo or a document.
func (st *step) sendFile(kind kbbot.ReplyKind, name string, file []byte, caption string, buttons [][]kbbot.Button) {
	st.out = append(st.out, kbbot.Reply{Kind: kind, ChatID: st.ev.ChatID, FileName: name, File: file, Text: caption, Buttons: buttons})
}
