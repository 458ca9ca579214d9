package reminders

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
)

// Reminder kinds. A kind names one message template of the conversations
// and is what "stop reminders of this kind" stops.
const (
	// KindH1 is the day-before reminder of a booking: where, when, what to
	// bring, with the buttons Hadir, Ubah and Batal.
	KindH1 = "h1"
	// KindH0 is the reminder on the day, two hours before the session.
	KindH0 = "h0"
	// KindFollowup is the day after the event. The conversation decides when
	// it arrives whether the resident was served (then it may stay silent) or
	// not (then it asks and offers the next event nearby).
	KindFollowup = "followup"
	// KindAftercare comes three days after the resident was served: side
	// effects, and when to see the bidan.
	KindAftercare = "aftercare"
	// KindSuntik3 is the next DMPA (suntik 3 bulan) injection.
	KindSuntik3 = "suntik3"
	// KindSuntik1 is the next monthly injection (suntik 1 bulan).
	KindSuntik1 = "suntik1"
	// KindPil is a pill refill (pil or minipil), monthly.
	KindPil = "pil"
	// KindCheckup is the check-up a month after an IUD (implants need no
	// routine check-up).
	KindCheckup = "checkup"
	// KindImplanEnd announces that an implant's protection is about to end.
	KindImplanEnd = "implan_end"
	// KindOffer tells a resident on a waitlist that a place is held for
	// them until a deadline; Ref is the event id.
	KindOffer = "offer"
	// KindCourseSet carries a check-in to the resident's own chat: a bidan
	// gave the method that Ref (a CourseRef) names, which replaces the
	// course on the resident's record and re-plans its reminders. It sends
	// no message and cannot be stopped.
	KindCourseSet = "course_set"
	// KindCourseEnd carries to the resident's own chat a check-in that ends
	// their method course: an IUD or implant removed (Ref, a CourseRef,
	// names the method) or a failure (the method named "semua": whatever
	// the course). The course's reminders are cancelled. It sends no
	// message and cannot be stopped.
	KindCourseEnd = "course_end"
	// KindRelease applies the block rule at a booking's cut-off: if the
	// resident still blocks the bot, the booking (Ref, its code) is
	// cancelled and its place offered to the waitlist. It sends no message
	// and cannot be stopped.
	KindRelease = "release"
	// KB pasca persalinan (conversations/kbpp.go): Ref is "kbpp". Due
	// reminds of the plan a few weeks before the expected month; Week1,
	// Nifas (40 days) and Week6 follow the birth; MAL warns before the
	// baby is 6 months old. Each is silent when the pathway ended.
	KindKBPPDue   = "kbpp_due"
	KindKBPPWeek1 = "kbpp_w1"
	KindKBPPNifas = "kbpp_nifas"
	KindKBPPWeek6 = "kbpp_w6"
	KindKBPPMAL   = "kbpp_mal"
	// KindEventNews tells a resident who asked ("Kabari saya") of a new KB
	// serentak event in her kabupaten/kota; Ref is the event id.
	KindEventNews = "event_news"
	// KindTicket tells a staff member of a Tanya bidan question waiting in
	// their area; Ref is the ticket id. Silent once it is answered.
	KindTicket = "ticket"
	// KindTicketAnswer brings a staff member's answer to the resident;
	// Ref is the ticket id, and the item's ID ends with the answer's
	// number.
	KindTicketAnswer = "ticket_answer"
	// KindTicketEscalate sends a question still unanswered to the next
	// level (bidan, PKB, admin); Ref is the ticket id. It sends the
	// resident no message and cannot be stopped.
	KindTicketEscalate = "ticket_escalate"
	// KindCadreH1 and KindCadreH0 are the day-before and on-the-day
	// reminders of a booking a cadre made for a resident without a phone
	// (Ref, its code), sent to that cadre: the resident's name, the place,
	// the time and the queue number.
	KindCadreH1 = "kader_h1"
	KindCadreH0 = "kader_h0"
	// KindEventChange tells a resident (or the cadre who booked for one
	// without a phone) that an import moved their session or cancelled
	// their site. Its ID names the change: "evchg:<code>:<n>[:<from>]"
	// (Ref the booking code; from, the session's old start in Unix
	// seconds, when it moved) or "evwait:<event>:<facility>:<n>" (Ref the
	// event: a resident waiting at a cancelled site). Not stopped by kind:
	// /berhenti alone silences it.
	KindEventChange = "ev_change"
	// KindNudge is a cadre's personal reminder from the follow-up list
	// (Ref the booking concerned): a fixed text, chosen by the booking's
	// state (not come, cancelled). A resident may stop the kind.
	KindNudge = "kader_msg"
)

// KBPPKinds are the kinds of the KB pasca persalinan pathway.
var KBPPKinds = []string{KindKBPPDue, KindKBPPWeek1, KindKBPPNifas, KindKBPPWeek6, KindKBPPMAL}

// BookingKinds are the kinds planned from a booking; cancelling a booking
// removes them.
var BookingKinds = []string{KindH1, KindH0, KindFollowup, KindAftercare, KindCadreH1, KindCadreH0}

// MethodKinds are the kinds planned from a method received.
var MethodKinds = []string{KindSuntik3, KindSuntik1, KindPil, KindCheckup, KindImplanEnd}

// Kinds returns every reminder kind a resident may stop one by one.
func Kinds() []string {
	return append(append(append([]string(nil), BookingKinds...), MethodKinds...), KindNudge)
}

// KnownKind reports whether k is one of Kinds.
func KnownKind(k string) bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Item is one due reminder: what the planner computes, the store keeps and
// the scheduler hands on when it is due.
type Item struct {
	// ID is deterministic, "<kind>:<ref>[:<occurrence>]", so scheduling the
	// same fact twice is a no-op.
	ID   string
	Chat kbbot.ChatID
	Kind string
	// Ref is what the reminder is about: a booking code, or a method
	// course (see CourseRef). Cancelling a ref removes its items.
	Ref string
	// Due is when to send, in UTC, already out of quiet hours.
	Due time.Time
	// NotAfter is when the item stops being useful, in UTC: an item still
	// unsent then is dropped with a log line instead of sent late.
	NotAfter time.Time
	// Zone is the IANA zone of the facility or resident, for quiet hours at
	// send time.
	Zone string

	// Version is set by the store when it hands the item out: it names this
	// incarnation of the ID, so an acknowledgement of an item that was
	// cancelled and scheduled anew does not remove the new one.
	Version string
	// Attempt is set by the store when it hands the item out: how many
	// times it was claimed, this time included.
	Attempt int
}

// Stale reports whether the item is too late to help at now.
func (it Item) Stale(now time.Time) bool { return now.After(it.NotAfter) }

// Event returns the event the scheduler feeds the dispatcher for it. Its
// Key, "rem:<id>#<version>", names this incarnation of the item: the
// dispatcher's commit records it, so the item delivered twice (a process
// killed mid-sweep, the item claimed again by another) is handled once,
// while an item cancelled and scheduled anew under the same id is not
// taken for a repeat.
func (it Item) Event() kbbot.Event {
	return kbbot.Event{
		Kind:     kbbot.EventReminder,
		ChatID:   it.Chat,
		Key:      "rem:" + it.ID + "#" + it.Version,
		Reminder: &kbbot.Reminder{ID: it.ID, Kind: it.Kind, Ref: it.Ref},
	}
}

// ErrInvalid means an item cannot be stored as it is.
var ErrInvalid = errors.New("invalid reminder item")

// maxIDLen bounds IDs and refs, which are stored in Redis index members.
const maxIDLen = 200

// Validate checks what the store relies on: an ID, kind and ref made of
// printable characters without spaces or '|', a chat, both times, and a
// NotAfter not before Due.
func (it Item) Validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s (id %q)", ErrInvalid, what, it.ID) }
	switch {
	case !token(it.ID):
		return bad("id")
	case !token(it.Kind):
		return bad("kind")
	case it.Ref != "" && !token(it.Ref):
		return bad("ref")
	case strings.ContainsAny(it.Zone, "|\t\n"):
		return bad("zone")
	case it.Chat == 0:
		return bad("no chat")
	case it.Due.IsZero() || it.NotAfter.IsZero():
		return bad("no due time or no deadline")
	case it.NotAfter.Before(it.Due):
		return bad("deadline before due time")
	}
	return nil
}

// token reports whether s is non-empty, short, and printable ASCII without
// space or '|' (the store's field separator).
func token(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '|' {
			return false
		}
	}
	return true
}

// itemID joins the parts of an ID with ':'.
func itemID(parts ...string) string { return strings.Join(parts, ":") }
