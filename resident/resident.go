// Package resident holds the resident record: what kbbot keeps about one
// resident for the length of their KB journey (consent, language, the name
// and phone they gave, area and group, reminder choices, blocked state, the
// method courses and the history of bookings and services).
//
// The record lives apart from the chat session. A session says only where a
// dialog stands and expires after days of silence; a record lives as long
// as consent and the retention rules allow: until /hapusdata, or until
// RecordRetention has passed without activity and without a planned
// reminder. A record without consent holds no personal data (only the
// language and the consent answer) and expires like a session.
//
// The package imports only the standard library and the domain packages.
package resident

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kbbot/kbbot/cadre"
)

// Version is the version of the record encoding.
const Version = 1

// Consent answers.
const (
	ConsentUnknown  = ""         // not asked yet, or not answered
	ConsentGiven    = "given"    // agreed to the privacy notice
	ConsentDeclined = "declined" // said no: education only
)

// Stop reasons a resident may give after /berhenti (one tap, optional).
const (
	StopPregnant    = "hamil"   // sudah hamil
	StopElsewhere   = "lain"    // sudah ber-KB di tempat lain
	StopWantChild   = "anak"    // ingin punya anak
	StopNotNeeded   = "perlu"   // tidak perlu
	StopOther       = "lainnya" // lainnya
	StopUnspecified = "-"       // stopped, no reason given
)

// StopReasons lists the reasons a resident can pick, in the order shown.
var StopReasons = []string{StopPregnant, StopElsewhere, StopWantChild, StopNotNeeded, StopOther}

// ValidStopReason reports whether r is one of StopReasons.
func ValidStopReason(r string) bool { return slices.Contains(StopReasons, r) }

// Record is everything kept about one resident beyond the current dialog.
type Record struct {
	V    int    `json:"v"`
	Lang string `json:"lang,omitempty"`
	// Sapaan is how the bot addresses the resident in Indonesian: "ibu",
	// "bapak", or "" when not told (texts say "Ibu"). Like Lang, a
	// preference kept without consent; set by a tap, or inferred once from
	// an answer (a man answering the quiz, the group "ibu hamil").
	Sapaan string `json:"sapaan,omitempty"`

	// Consent is the answer to the privacy notice NoticeVersion, given at
	// ConsentAt. A notice changed since asks again.
	Consent       string    `json:"consent,omitempty"`
	NoticeVersion int       `json:"notice,omitempty"`
	ConsentAt     time.Time `json:"consent_at,omitzero"`

	// Name and Phone are what the resident gave when booking, offered again
	// for the next booking.
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Area and Group are what the resident told for cadres of their area
	// (the broadcast audience index follows them).
	Area  *cadre.Area `json:"area,omitempty"`
	Group cadre.Group `json:"group,omitempty"`
	// AreaAsked is set once the resident was asked to choose her place
	// again because the area she gave before the official list of areas
	// is not on it (asked once only).
	AreaAsked bool `json:"area_asked,omitempty"`

	// RemindersOff is set by /berhenti (with StopReason and StoppedAt) and
	// cleared by /mulai; OffKinds lists reminder kinds stopped one by one.
	RemindersOff bool      `json:"off,omitempty"`
	OffKinds     []string  `json:"off_kinds,omitempty"`
	StopReason   string    `json:"stop_reason,omitempty"`
	StoppedAt    time.Time `json:"stopped_at,omitzero"`

	// Blocked is set while the resident has blocked the bot, since BlockedAt.
	Blocked   bool      `json:"blocked,omitempty"`
	BlockedAt time.Time `json:"blocked_at,omitzero"`

	// Courses are the methods received, as the resident told us or as a
	// bidan checked them in, oldest first; the last one is current.
	Courses []Course `json:"courses,omitempty"`
	// History lists bookings and services, oldest first.
	History []Entry `json:"history,omitempty"`

	// Flow names the dialog flow the resident was in when the record was
	// last written, so that a flow whose session expired can be told.
	Flow string `json:"flow,omitempty"`

	// Pregnancy is the KB pasca persalinan pathway the resident asked for:
	// health data, kept only with her consent, and deleted when she stops
	// the pathway or says the pregnancy did not continue.
	Pregnancy *Pregnancy `json:"pregnancy,omitempty"`

	// EventNews is the kabupaten/kota whose new KB serentak events the
	// resident asked to be told of ("Kabari saya"); "" for none.
	EventNews string `json:"event_news,omitempty"`

	// ButtonKey binds to this resident the buttons that outlive a
	// conversation (a reminder's "stop this kind of reminder"): a random
	// token, set when the first such button is made, that the button
	// carries and its tap must match. A forged button, or one from before
	// /hapusdata, does not. Not personal data.
	ButtonKey string `json:"bkey,omitempty"`

	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Course is a contraceptive method received.
type Course struct {
	Method  string    `json:"method"`
	GivenAt time.Time `json:"given_at"`
	Zone    string    `json:"zone"`
	// Source says who recorded it: "resident" or "checkin".
	Source string `json:"source,omitempty"`
	// Ended is when the course ended before its time (the method was
	// removed, or the client was found pregnant, at a check-in): no
	// reminder follows it any more. Zero while it goes on.
	Ended time.Time `json:"ended,omitzero"`
}

// Entry is one event of the resident's booking history.
type Entry struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // booked, changed, cancelled, served, released
	Code   string    `json:"code"`
	Method string    `json:"method,omitempty"`
}

// History kinds.
const (
	EntryBooked    = "booked"
	EntryCancelled = "cancelled"
	EntryServed    = "served"
	EntryReleased  = "released" // freed by the block rule
)

// historyKeep bounds History: the newest entries are kept.
const historyKeep = 50

// coursesKeep bounds Courses: the newest are kept.
const coursesKeep = 20

// New returns the record of a resident never seen before.
func New(lang string) *Record { return &Record{V: Version, Lang: lang} }

// Consented reports whether the resident agreed to some version of the
// notice (an older one included: it covered what is kept until they
// answer the new one).
func (r *Record) Consented() bool { return r != nil && r.Consent == ConsentGiven }

// NeedsRenewal reports whether the resident agreed to an older notice than
// current and has not answered the current one.
func (r *Record) NeedsRenewal(current int) bool {
	return r.Consented() && r.NoticeVersion < current
}

// Course returns the current method course, or nil: none was recorded,
// or the last one ended (EndCourse).
func (r *Record) Course() *Course {
	if len(r.Courses) == 0 || !r.Courses[len(r.Courses)-1].Ended.IsZero() {
		return nil
	}
	return &r.Courses[len(r.Courses)-1]
}

// EndCourse ends the current course at at, when there is one and method
// is its method or "" (any): it stays in Courses, but Course no longer
// returns it. It reports whether a course ended.
func (r *Record) EndCourse(method string, at time.Time) bool {
	c := r.Course()
	if c == nil || method != "" && c.Method != method {
		return false
	}
	c.Ended = at.UTC()
	return true
}

// SetCourse makes c the current course. A course of the same method and
// day as the current one replaces it.
func (r *Record) SetCourse(c Course) {
	if cur := r.Course(); cur != nil && cur.Method == c.Method && cur.GivenAt.Equal(c.GivenAt) {
		r.Courses[len(r.Courses)-1] = c
		return
	}
	r.Courses = append(r.Courses, c)
	if len(r.Courses) > coursesKeep {
		r.Courses = r.Courses[len(r.Courses)-coursesKeep:]
	}
}

// Log appends an entry to the history, once: an entry of the same kind and
// code is not added twice (steps are retried).
func (r *Record) Log(e Entry) {
	for _, h := range r.History {
		if h.Kind == e.Kind && h.Code == e.Code {
			return
		}
	}
	e.At = e.At.UTC()
	r.History = append(r.History, e)
	if len(r.History) > historyKeep {
		r.History = r.History[len(r.History)-historyKeep:]
	}
}

// StopKind reports whether reminders of kind must not be sent.
func (r *Record) StopKind(kind string) bool {
	return r.RemindersOff || slices.Contains(r.OffKinds, kind)
}

// Personal reports whether the record holds personal data, which needs
// consent and is kept by the retention rules rather than for a chat's life.
func (r *Record) Personal() bool {
	return r.Consented() || r.Name != "" || r.Phone != "" || r.Area != nil || r.Group != "" ||
		len(r.Courses) > 0 || len(r.History) > 0 || r.StopReason != "" || r.EventNews != "" || r.Pregnancy != nil
}

// ForgetPersonal drops every personal field, keeping language and the
// consent answer.
func (r *Record) ForgetPersonal() {
	*r = Record{V: r.V, Lang: r.Lang, Consent: r.Consent, NoticeVersion: r.NoticeVersion, ConsentAt: r.ConsentAt, UpdatedAt: r.UpdatedAt}
}

// Encode serializes r for the store.
func (r *Record) Encode() ([]byte, error) {
	r.V = Version
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode resident record: %w", err)
	}
	return b, nil
}

// Decode reads a stored record; nil or empty input gives nil.
func Decode(b []byte) (*Record, error) {
	if len(b) == 0 {
		return nil, nil
	}
	r := &Record{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("decode resident record: %w", err)
	}
	if r.V > Version {
		return nil, fmt.Errorf("decode resident record: version %d is newer than %d", r.V, Version)
	}
	return r, nil
}

// Pregnancy is where a resident stands on the way from pregnancy to KB
// pasca persalinan (KB-PP).
type Pregnancy struct {
	// Due is the month the baby is expected, "YYYY-MM" ("" when she did
	// not know).
	Due string `json:"due,omitempty"`
	// Born is the baby's day of birth, once she told it.
	Born time.Time `json:"born,omitzero"`
	// Breastfeeding is "full" (the baby has breast milk only), "partial"
	// or "no", once she told it.
	Breastfeeding string `json:"bf,omitempty"`
	// Since is when she started the pathway.
	Since time.Time `json:"since"`
}
