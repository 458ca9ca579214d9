// Package cadre is the domain of the people who serve an area: the roles
// (admin, PKB/PLKB, kader KB, Tim Pendamping Keluarga, bidan), the areas
// they serve (kabupaten/kota > kecamatan > kelurahan/desa > Kampung KB),
// what each role may do, and the audience groups residents can join.
//
// It is pure: it imports the standard library and the domain package only.
// Every cadre action is checked with Can on the server, never trusted from a
// button.
package cadre

import (
	"context"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
)

// Role is what a staff member is.
type Role string

// The roles, from the widest rights to the narrowest.
const (
	Admin Role = "admin" // named in configuration; everything, everywhere
	PKB   Role = "pkb"   // Penyuluh KB (PKB/PLKB): an area's programme officer
	Kader Role = "kader" // kader KB
	TPK   Role = "tpk"   // Tim Pendamping Keluarga member
	Bidan Role = "bidan" // midwife at a facility: check-in, the service table, reports
)

// Roles lists every role.
func Roles() []Role { return []Role{Admin, PKB, Kader, TPK, Bidan} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// Area is a place in Indonesia's administrative hierarchy. Empty fields
// mean "all of it": an Area with only Kabupaten set is the whole
// kabupaten/kota.
//
// Code is the Kemendagri code of the narrowest official level set
// ("33.75" Kota Pekalongan, "33.75.03" kecamatan Pekalongan Utara,
// "33.75.03.1004" kelurahan Panjang Wetan; content/wilayah holds the
// list), and the names are then the list's. Areas stored before the list
// have names only, as typed: they are compared by name, case-insensitively,
// until migrated.
type Area struct {
	Kabupaten string `json:"kabupaten,omitempty"`
	Kecamatan string `json:"kecamatan,omitempty"`
	Kelurahan string `json:"kelurahan,omitempty"`
	// KampungKB is a Kampung KB within the kelurahan (a name: it has no
	// official code).
	KampungKB string `json:"kampung_kb,omitempty"`
	Code      string `json:"code,omitempty"`
}

func (a Area) parts() []string {
	return []string{a.Kabupaten, a.Kecamatan, a.Kelurahan, a.KampungKB}
}

// Contains reports whether b lies within a (an empty Area contains all).
// When both have a code, the codes decide ("33.75" contains
// "33.75.03.1004"), and then the Kampung KB by name; otherwise the names
// do.
func (a Area) Contains(b Area) bool {
	if a.Code != "" && b.Code != "" {
		if b.Code != a.Code && !strings.HasPrefix(b.Code, a.Code+".") {
			return false
		}
		return a.KampungKB == "" || b.Code == a.Code && strings.EqualFold(strings.TrimSpace(a.KampungKB), strings.TrimSpace(b.KampungKB))
	}
	ap, bp := a.parts(), b.parts()
	for i := range ap {
		if ap[i] == "" {
			return true
		}
		if !strings.EqualFold(strings.TrimSpace(ap[i]), strings.TrimSpace(bp[i])) {
			return false
		}
	}
	return true
}

// IsZero reports whether a is the whole country.
func (a Area) IsZero() bool { return a == Area{} }

// String is a readable name, narrowest first: "Bendan Kergon, Pekalongan
// Barat, Kota Pekalongan".
func (a Area) String() string {
	var out []string
	p := a.parts()
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != "" {
			out = append(out, p[i])
		}
	}
	if len(out) == 0 {
		return "Indonesia"
	}
	return strings.Join(out, ", ")
}

// Member is a staff member of kbbot.
type Member struct {
	Chat  kbbot.ChatID `json:"chat"`
	Role  Role         `json:"role"`
	Area  Area         `json:"area"`
	Name  string       `json:"name,omitempty"`
	Since time.Time    `json:"since"`
}

// Action is something a staff member does.
type Action string

// The staff actions.
const (
	ActInvite    Action = "invite"    // create invite codes
	ActBroadcast Action = "broadcast" // send announcements to residents
	ActBookFor   Action = "book_for"  // book for a resident without a phone
	ActCheckIn   Action = "checkin"   // record a client's attendance
	ActReport    Action = "report"    // read bookings against targets (rekap)
	ActPoster    Action = "poster"    // make QR posters
	ActAudit     Action = "audit"     // read the audit log
	// ActProvide is a health provider's part at the service table: read
	// the pregnancy checklist a client answered (health data, so no one
	// else sees it), register a walk-in with their spoken consent, and
	// mark a client as not served, with the reason.
	ActProvide Action = "provide"
	ActImport  Action = "import" // import facilities and events from a file sent to the bot
	ActAnswer  Action = "answer" // answer residents' questions (Tanya bidan)
	// ActFollowUp is following residents up by name: the list of those
	// who did not come, cancelled, stopped or blocked the bot, and those
	// one booked without a phone; a personal reminder, a "sudah
	// dihubungi" mark, a slip.
	ActFollowUp Action = "followup"
)

// Audit actions that are not rights of their own: what staff did to a
// booking, each needing the right named.
const (
	// AuditCancelFor: a booking made for a resident (/daftarkan) was
	// cancelled by the staff member who made it (ActBookFor). Detail: the
	// code.
	AuditCancelFor Action = "cancel_for"
	// AuditChangeFor: such a booking was moved to another place. Detail:
	// the code.
	AuditChangeFor Action = "change_for"
	// AuditWalkIn: a walk-in was registered at the service table
	// (ActProvide). Detail: the code.
	AuditWalkIn Action = "walk_in"
	// AuditNotServed: a client was marked as not served (ActProvide).
	// Detail: the code; the reason, health data, is not in the log.
	AuditNotServed Action = "not_served"
	// AuditServedAgain: a not-served mark was taken back (ActProvide).
	// Detail: the code.
	AuditServedAgain Action = "not_served_undo"
	// AuditFollowUpSent: a personal reminder was sent from the follow-up
	// list (ActFollowUp). Detail: the booking's code.
	AuditFollowUpSent Action = "followup_remind"
	// AuditContacted: a resident was marked "sudah dihubungi"
	// (ActFollowUp). Detail: the booking's code, or the resident's chat id
	// when no booking is concerned (a stop or a block); both erasures
	// scrub them.
	AuditContacted Action = "followup_contacted"
	// AuditRegister: the per-client register of an event (names and
	// register lines) was exported (ActReport), for the sites in the
	// member's area. Detail: the event id. (The rekap's files, which name
	// nobody, are audited as ActReport with detail "rekap <event id>".)
	AuditRegister Action = "register_export"
)

// rights says which role may do what.
var rights = map[Role][]Action{
	Admin: {ActInvite, ActBroadcast, ActBookFor, ActCheckIn, ActReport, ActPoster, ActAudit, ActProvide, ActImport, ActAnswer, ActFollowUp},
	PKB:   {ActInvite, ActBroadcast, ActBookFor, ActCheckIn, ActReport, ActPoster, ActAnswer, ActFollowUp},
	Kader: {ActBroadcast, ActBookFor, ActCheckIn, ActReport, ActPoster, ActFollowUp},
	TPK:   {ActBroadcast, ActBookFor, ActReport, ActPoster, ActFollowUp},
	Bidan: {ActCheckIn, ActReport, ActProvide, ActAnswer},
}

// Can reports whether m may do act in target: the role must allow the
// action and target must lie within m's area (admins: everywhere).
func Can(m Member, act Action, target Area) bool {
	allowed := false
	for _, a := range rights[m.Role] {
		allowed = allowed || a == act
	}
	if !allowed {
		return false
	}
	return m.Role == Admin || m.Area.Contains(target)
}

// CanInvite reports whether m may invite someone of role r for area a: PKB
// invite kader, TPK and bidan within their own area; admins anyone.
func CanInvite(m Member, r Role, a Area) bool {
	if !Can(m, ActInvite, a) || !r.Valid() || r == Admin {
		return false
	}
	return m.Role == Admin || r == Kader || r == TPK || r == Bidan
}

// Guessable codes: the kinds of code whose guessing is limited, per
// Telegram user and for everyone per hour (Guesses).
const (
	CodeInvite  = "invite"  // an invite code, typed or opened by deep link
	CodeCheckIn = "checkin" // a booking code typed at check-in
)

// Guesses limits how many unknown codes of a kind (CodeInvite,
// CodeCheckIn) a Telegram user may try. Its counts are not a resident's
// data: erasing one's data does not reset them.
type Guesses interface {
	// Allow reports whether user may try another code of kind.
	Allow(ctx context.Context, kind string, user kbbot.ChatID) (bool, error)
	// Miss counts an unknown code of kind that user tried.
	Miss(ctx context.Context, kind string, user kbbot.ChatID) error
}

// Group is an audience group a resident may say they belong to (the target
// groups of the Tim Pendamping Keluarga, and everyone else).
type Group string

// The groups.
const (
	Catin         Group = "catin"         // calon pengantin, about to marry
	IbuHamil      Group = "ibu_hamil"     // pregnant
	PascaSalin    Group = "pasca_salin"   // after childbirth
	KeluargaBalit Group = "baduta_balita" // family with a child under two or five
	Umum          Group = "umum"          // none of these
)

// Groups lists every group.
func Groups() []Group { return []Group{Catin, IbuHamil, PascaSalin, KeluargaBalit, Umum} }

// Valid reports whether g is a known group.
func (g Group) Valid() bool {
	for _, x := range Groups() {
		if g == x {
			return true
		}
	}
	return false
}

// AuditEntry is one staff action, kept for admins to read.
type AuditEntry struct {
	At     time.Time    `json:"at"`
	Actor  kbbot.ChatID `json:"actor"`
	Role   Role         `json:"role"`
	Action Action       `json:"action"`
	// Area is where the action applied.
	Area Area `json:"area"`
	// Detail says what was done, without residents' health data: an
	// invite's role, a broadcast's id and audience size, a booking code.
	Detail string `json:"detail,omitempty"`
}

// Contacted is a "sudah dihubungi" mark of the follow-up list: the staff
// member who contacted a resident, and when.
type Contacted struct {
	By kbbot.ChatID
	At time.Time
}

// Auditor records staff actions.
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
}

// AreaLinks gives an area a short code for deep links and posters
// (t.me/<bot>?start=a-<code>), since area names do not fit Telegram's
// 64-character start payload.
type AreaLinks interface {
	// AreaLink returns the area's code, the same code every time.
	AreaLink(ctx context.Context, a Area) (string, error)
	// ResolveAreaLink returns the area of a code; ok is false for an
	// unknown code.
	ResolveAreaLink(ctx context.Context, code string) (a Area, ok bool, err error)
}

// AreaContact is where residents of an area can reach the KB service
// when no KB serentak takes bookings: a Puskesmas, a PKB's office, a
// number, as the area's PKB or an admin wrote it (no more than
// AreaContactMax characters). It is shown to the residents of the area;
// it is not a resident's data.
type AreaContact struct {
	Area Area         `json:"area"`
	Text string       `json:"text"`
	By   kbbot.ChatID `json:"by"`
	At   time.Time    `json:"at"`
}

// AreaContactMax bounds an area contact's text, in characters.
const AreaContactMax = 300

// NearestContact returns the contact of the narrowest area in cs that
// contains a; ok is false when none does.
func NearestContact(cs []AreaContact, a Area) (c AreaContact, ok bool) {
	best := -1
	for _, x := range cs {
		if !x.Area.Contains(a) {
			continue
		}
		if d := x.Area.depth(); d > best {
			best, c, ok = d, x, true
		}
	}
	return c, ok
}

// depth is how many levels of a are set.
func (a Area) depth() int {
	n := 0
	for _, p := range a.parts() {
		if p == "" {
			break
		}
		n++
	}
	return n
}
