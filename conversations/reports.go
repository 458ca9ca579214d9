package conversations

import (
	"context"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// Check-in at the facility, rekaps and QR posters (staff):
//
//	/checkin [CODE]  check a client in (cadre.ActCheckIn: kader, bidan, PKB, admin)
//	/rekap           an event's rekap as a chart, CSV and XLSX (cadre.ActReport)
//	/qr              a QR poster of one's area or of an event (cadre.ActPoster)
//
// For a chat that is not staff the commands answer like unknown commands
// and every "q:" button is expired. Buttons carry no identity: the
// tapper's membership is read on every step and each action is checked
// with cadre.Can against the area of the facility (check-in, rekap) or of
// the poster.
//
//	q:ci              start a check-in (staff menu)     q:rk            choose an event to rekap
//	q:qr              choose a poster                   q:cl:<n>        list the methods to give
//	q:cm:<method>:<n> the method given                  q:cc:<cat>:<n>  the register category
//	q:cv:<n>          back to the booking               q:cs:<n>        save the check-in
//	q:ce:<event>:<n>  the rekap of an event             q:pa:<n>        the poster of one's area
//	q:pe:<event>:<n>  the poster of an event
const flowReport = "report"

// Steps of flowReport.
const (
	stepCICode    = "ci_code" // waiting for a booking code
	stepCIShow    = "ci_show" // a booking shown: method and category
	stepCIConfirm = "ci_ok"   // asked to save
	stepRekap     = "rk_event"
	stepPoster    = "qr_pick"
)

// Keys of Session.Data in flowReport.
const (
	qdCode   = "code"  // the booking being checked in
	qdGiven  = "given" // the method given
	qdCat    = "cat"   // the register category
	qdBooked = "bm"    // the method booked
)

// Report operations in callback data.
const (
	qCheckIn  = "ci"
	qRekap    = "rk"
	qPoster   = "qr"
	qMethods  = "cl"
	qMethod   = "cm"
	qCategory = "cc"
	qView     = "cv"
	qSave     = "cs"
	qEvent    = "ce"
	qArea     = "pa"
	qPosterEv = "pe"
)

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
	// EventTally counts an event's bookings, waitlist and check-ins.
	EventTally(ctx context.Context, eventID string) (booking.Tally, error)
}

// reportCommand handles /checkin, /rekap and /qr; it reports whether cmd
// was one. For a chat that is not staff none is.
func (st *step) reportCommand(cmd, args string) bool {
	switch cmd {
	case "checkin", "cekin", "rekap", "qr", "poster":
	default:
		return false
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
	case "checkin", "cekin":
		st.checkinStart(m, args)
	case "rekap":
		st.rekapStart(m)
	default:
		st.posterStart(m)
	}
	return true
}

// reportText takes typed input of a report flow: booking codes during a
// check-in.
func (st *step) reportText(t string) bool {
	if st.s.Flow != flowReport {
		return false
	}
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok {
		st.s.resetFlow()
		return false
	}
	switch st.s.Step {
	case stepCICode, stepCIShow, stepCIConfirm:
		st.checkinCode(m, t)
	default:
		st.send(st.t("report_use_buttons"), st.staffButtons())
	}
	return true
}

// reportCallback handles "q:..." buttons. A chat that is not staff gets
// "this button has expired", whatever the data.
func (st *step) reportCallback(args []string) {
	m, ok := st.staffOrExpired()
	if !ok {
		return
	}
	op := args[0]
	if len(args) == 1 {
		st.s.resetFlow()
		switch op {
		case qCheckIn:
			st.checkinStart(m, "")
		case qRekap:
			st.rekapStart(m)
		case qPoster:
			st.posterStart(m)
		default:
			st.expired()
		}
		return
	}
	// Everything else belongs to a running report flow: the last argument
	// is its nonce.
	arg, ok := st.flowArg(flowReport, args)
	if !ok {
		st.expired()
		return
	}
	checking := st.s.Step == stepCIShow || st.s.Step == stepCIConfirm
	switch {
	case op == qMethods && len(args) == 2 && checking:
		st.checkinMethods(m)
	case op == qMethod && len(args) == 3 && checking:
		st.checkinMethod(m, booking.Method(arg))
	case op == qCategory && len(args) == 3 && checking:
		st.checkinCategory(m, booking.Category(arg))
	case op == qView && len(args) == 2 && checking:
		st.checkinView(m)
	case op == qSave && len(args) == 2 && st.s.Step == stepCIConfirm:
		st.checkinSave(m)
	case op == qEvent && len(args) == 3 && st.s.Step == stepRekap:
		st.rekapEvent(m, arg)
	case op == qArea && len(args) == 2 && st.s.Step == stepPoster:
		st.posterArea(m)
	case op == qPosterEv && len(args) == 3 && st.s.Step == stepPoster:
		st.posterEvent(m, arg)
	default:
		st.expired()
	}
}

// facilityArea is where a facility lies, for cadre.Can.
func facilityArea(f *booking.Facility) cadre.Area {
	return cadre.Area{Kabupaten: f.Kabupaten, Kecamatan: f.Kecamatan, Kelurahan: f.Kelurahan}
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
		st.e.svc.Log.Warn("no audit log for a staff action", "action", string(act))
		return
	}
	err := st.e.svc.Audit.Audit(st.ctx, cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: act, Area: area, Detail: detail})
	if err != nil {
		st.e.svc.Log.Error("write audit entry", "action", string(act), "error", err)
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
