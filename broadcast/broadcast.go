// Package broadcast is the pure domain of cadres' announcements to the
// residents of their area: a resident's profile (where they live and,
// if they wish, their group), the audience a broadcast goes to, the life of
// a broadcast (scheduled, sending, done or cancelled) with its counts, and
// the rules on its text and its sending time.
//
// It imports the standard library and the domain packages kbbot, cadre and
// reminders only. Redis keeps the audiences and drives the sending
// (redisstore); the conversations compose every text.
package broadcast

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
)

// Errors of the domain; stores and rules wrap them.
var (
	// ErrNotFound means no broadcast has the id.
	ErrNotFound = errors.New("broadcast: not found")
	// ErrInvalid means a profile or broadcast breaks a rule.
	ErrInvalid = errors.New("broadcast: invalid")
	// ErrPast means a sending time is not in the future.
	ErrPast = errors.New("broadcast: time has passed")
	// ErrTooFar means a sending time is more than MaxAhead away.
	ErrTooFar = errors.New("broadcast: time too far ahead")
	// ErrNight means a sending time falls in quiet hours.
	ErrNight = errors.New("broadcast: time at night")
)

// Profile is what a resident told kbbot about where they live and the
// group they belong to, kept only with their consent.
type Profile struct {
	// Area is the resident's kabupaten/kota, kecamatan and (when known)
	// kelurahan; KampungKB is set only from a Kampung KB's deep link.
	Area cadre.Area `json:"area"`
	// Group is the audience group, or empty when the resident did not say.
	Group cadre.Group `json:"group,omitempty"`
	// Lang is the resident's language ("id" or "en") for the lines kbbot
	// adds around a broadcast.
	Lang string `json:"lang,omitempty"`
}

// Validate checks that the profile names a kabupaten/kota and a kecamatan
// with clean names (or, for an area of the official list, a code of a
// kecamatan or kelurahan and names without markup), and a known group or
// none.
func (p Profile) Validate() error {
	a := p.Area
	if a.Kabupaten == "" || a.Kecamatan == "" {
		return fmt.Errorf("profile without kabupaten and kecamatan: %w", ErrInvalid)
	}
	if a.KampungKB != "" && a.Kelurahan == "" {
		return fmt.Errorf("profile with a Kampung KB but no kelurahan: %w", ErrInvalid)
	}
	if a.Code != "" {
		want := 8 // a kecamatan's code: "33.75.03"
		if a.Kelurahan != "" {
			want = 13
		}
		if !validCode(a.Code) || len(a.Code) != want {
			return fmt.Errorf("profile area code %q: %w", a.Code, ErrInvalid)
		}
	}
	for _, n := range []string{a.Kabupaten, a.Kecamatan, a.Kelurahan, a.KampungKB} {
		if n == "" {
			continue
		}
		c, ok := CleanName(n)
		if a.Code != "" && n != a.KampungKB {
			c, ok = n, officialName(n) // the list's names may hold quotes and commas
		}
		if !ok || c != n {
			return fmt.Errorf("profile area name %q: %w", n, ErrInvalid)
		}
	}
	if p.Group != "" && !p.Group.Valid() {
		return fmt.Errorf("profile group %q: %w", p.Group, ErrInvalid)
	}
	return nil
}

// validCode reports whether code has the shape of a Kemendagri code of a
// kabupaten/kota or below: "33.75", "33.75.03", "33.75.03.1004".
func validCode(code string) bool {
	switch len(code) {
	case 5, 8, 13:
	default:
		return false
	}
	for i := 0; i < len(code); i++ {
		dot := i == 2 || i == 5 || i == 8
		if c := code[i]; dot != (c == '.') || !dot && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// officialName accepts a name of the official list: 1 to 100 characters,
// no markup or control characters.
func officialName(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 100 && strings.TrimSpace(s) == s &&
		!strings.ContainsFunc(s, func(r rune) bool { return r == '<' || r == '>' || r == '&' || unicode.IsControl(r) })
}

// MaxNameRunes bounds a place name a resident may type.
const MaxNameRunes = 60

// CleanName trims a typed place name and collapses its spaces; ok is false
// unless it has 2 to MaxNameRunes characters of letters, digits, spaces
// and . ' - ( ) /.
func CleanName(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	if n < 2 || n > MaxNameRunes {
		return s, false
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r), r == ' ', r == '.', r == '\'', r == '-', r == '(', r == ')', r == '/':
		default:
			return s, false
		}
	}
	return s, letters >= 2
}

// Norm is the form of a place name used to compare and index it: lower
// case, spaces collapsed.
func Norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// CodePrefix starts the index paths of areas with a Kemendagri code, so
// they never meet the paths of names (a name holds no ':').
const CodePrefix = "c:"

// Paths returns the index paths of an area, widest first, up to the first
// empty level; the whole country has none. An area with a code has the
// codes of its kabupaten/kota, kecamatan and kelurahan: "c:33.75",
// "c:33.75.03", "c:33.75.03.1004", then "c:33.75.03.1004|kampung kb
// mina bahari" for a Kampung KB (its normalized name). An area without a
// code (stored before the official list) has its NamePaths.
func Paths(a cadre.Area) []string {
	if a.Code == "" || !validCode(a.Code) {
		return NamePaths(a)
	}
	var out []string
	for _, n := range []int{5, 8, 13} {
		if len(a.Code) >= n {
			out = append(out, CodePrefix+a.Code[:n])
		}
	}
	if a.KampungKB != "" && len(a.Code) == 13 {
		out = append(out, out[len(out)-1]+"|"+Norm(a.KampungKB))
	}
	return out
}

// NamePaths returns the index paths of an area by name, as they were
// before the official list: "kab", "kab|kec", "kab|kec|kel",
// "kab|kec|kel|kampung" (normalized names), up to the first empty part.
// They are still read for residents not yet migrated.
func NamePaths(a cadre.Area) []string {
	var out []string
	path := ""
	for _, p := range []string{a.Kabupaten, a.Kecamatan, a.Kelurahan, a.KampungKB} {
		if strings.TrimSpace(p) == "" {
			break
		}
		if path != "" {
			path += "|"
		}
		path += Norm(p)
		out = append(out, path)
	}
	return out
}

// Depth is how many levels of an area are set, up to the first empty one:
// 0 for the whole country, 1 for a kabupaten/kota, 4 for a Kampung KB.
func Depth(a cadre.Area) int { return len(NamePaths(a)) }

// Child returns a with the next level below it set to name (an area by
// name: its code, if any, is dropped).
func Child(a cadre.Area, name string) cadre.Area {
	a.Code = ""
	switch Depth(a) {
	case 0:
		return cadre.Area{Kabupaten: name}
	case 1:
		a.Kecamatan, a.Kelurahan, a.KampungKB = name, "", ""
	case 2:
		a.Kelurahan, a.KampungKB = name, ""
	default:
		a.KampungKB = name
	}
	return a
}

// Trim returns a cut to its levels up to the first empty one, so that an
// area with a gap is what Contains takes it to be; its code is cut to the
// same level.
func Trim(a cadre.Area) cadre.Area {
	parts := []*string{&a.Kabupaten, &a.Kecamatan, &a.Kelurahan, &a.KampungKB}
	d := Depth(a)
	for i := d; i < len(parts); i++ {
		*parts[i] = ""
	}
	if a.Code != "" {
		n := []int{0, 5, 8, 13, 13}[d]
		if n == 0 || len(a.Code) < n {
			a.Code = ""
		} else {
			a.Code = a.Code[:n]
		}
	}
	return a
}

// Place is a place one level below another, with how many residents said
// they live there.
type Place struct {
	Name string
	// Code is the place's Kemendagri code, when it comes from the official
	// list; "" for a name residents typed before it.
	Code      string
	Residents int
}

// Audience is whom a broadcast goes to.
type Audience struct {
	// Area holds the residents whose area lies within it.
	Area cadre.Area `json:"area"`
	// Group keeps only residents of this group; empty keeps everyone,
	// residents who named no group included.
	Group cadre.Group `json:"group,omitempty"`
	// ExcludeEvent leaves out residents with an active booking for this
	// event, when set.
	ExcludeEvent string `json:"exclude_event,omitempty"`
}

// Includes reports whether a resident with profile p is in the audience
// (before opt-outs and bookings).
func (a Audience) Includes(p Profile) bool {
	return a.Area.Contains(p.Area) && (a.Group == "" || p.Group == a.Group)
}

// State is where a broadcast is in its life.
type State string

// The states of a broadcast.
const (
	// Scheduled waits for its time; its recipients are not chosen yet.
	Scheduled State = "scheduled"
	// Sending has its recipients fixed and is being sent.
	Sending State = "sending"
	// Done has been sent to every recipient.
	Done State = "done"
	// Cancelled was stopped by a cadre, before or while sending.
	Cancelled State = "cancelled"
)

// Open reports whether the broadcast may still send.
func (s State) Open() bool { return s == Scheduled || s == Sending }

// Outcome is what became of one message to one recipient.
type Outcome string

// The outcomes of a message.
const (
	Delivered Outcome = "delivered" // Telegram took it
	Blocked   Outcome = "blocked"   // the resident blocked the bot (403)
	Failed    Outcome = "failed"    // Telegram refused it for good
)

// Counts say how far a broadcast got.
type Counts struct {
	// Total is the number of recipients chosen when sending started.
	Total     int `json:"total"`
	Delivered int `json:"delivered"`
	Blocked   int `json:"blocked"`
	Failed    int `json:"failed"`
	// Skipped are recipients who said /berhenti, blocked the bot or
	// deleted their data after the recipients were chosen.
	Skipped int `json:"skipped"`
	// Unsent are recipients not reached because the broadcast was
	// cancelled.
	Unsent int `json:"unsent"`
}

// Settled is how many recipients are dealt with.
func (c Counts) Settled() int { return c.Delivered + c.Blocked + c.Failed + c.Skipped + c.Unsent }

// Left is how many recipients are still to be sent to.
func (c Counts) Left() int { return max(0, c.Total-c.Settled()) }

// Broadcast is one announcement of a cadre to residents.
type Broadcast struct {
	ID     string       `json:"id"`
	Author kbbot.ChatID `json:"author"`
	// AuthorRole is the author's role when they wrote it.
	AuthorRole cadre.Role `json:"role"`
	// Lang is the author's language, for the report.
	Lang     string   `json:"lang"`
	Audience Audience `json:"audience"`
	// Text is the message as the cadre typed it (not escaped), or the
	// caption of the photo.
	Text string `json:"text"`
	// PhotoID is Telegram's file id of a photo sent with the text.
	PhotoID string `json:"photo,omitempty"`
	// Zone is the IANA zone of the area, for times shown and quiet hours.
	Zone    string    `json:"zone"`
	Created time.Time `json:"created"`
	// At is when sending starts (UTC).
	At       time.Time `json:"at"`
	State    State     `json:"-"`
	Counts   Counts    `json:"-"`
	Started  time.Time `json:"-"`
	Finished time.Time `json:"-"`
}

// Limits of a broadcast's text, leaving room for the lines kbbot adds
// (Telegram allows 4096 characters in a message, 1024 in a caption).
const (
	MaxText    = 3500
	MaxCaption = 800
	// MaxAhead is how far ahead a broadcast may be scheduled.
	MaxAhead = 60 * 24 * time.Hour
)

// TextLimit is the longest text a broadcast may have, with or without a
// photo.
func TextLimit(photo bool) int {
	if photo {
		return MaxCaption
	}
	return MaxText
}

// Validate checks a broadcast before it is stored.
func (b Broadcast) Validate() error {
	var p []string
	if !ValidID(b.ID) {
		p = append(p, "id")
	}
	if b.Author == 0 {
		p = append(p, "author")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(b.Text))
	if (n == 0 && b.PhotoID == "") || n > TextLimit(b.PhotoID != "") {
		p = append(p, "text")
	}
	if len(b.PhotoID) > 200 {
		p = append(p, "photo")
	}
	if b.Audience.Group != "" && !b.Audience.Group.Valid() {
		p = append(p, "group")
	}
	if len(b.Audience.ExcludeEvent) > 64 {
		p = append(p, "event")
	}
	if b.At.IsZero() || b.Created.IsZero() {
		p = append(p, "time")
	}
	if _, err := time.LoadLocation(b.Zone); err != nil || b.Zone == "" {
		p = append(p, "zone")
	}
	if len(p) > 0 {
		return fmt.Errorf("broadcast: bad %s: %w", strings.Join(p, ", "), ErrInvalid)
	}
	return nil
}

// ValidID reports whether id has the shape NewID gives.
func ValidID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

const idLen = 10

// NewID derives a broadcast's id from its author and the nonce of the
// dialog that composed it, so that a step run twice (a redelivered
// update) creates the same broadcast, not a second one.
func NewID(author kbbot.ChatID, nonce string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s", author, nonce))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:idLen]
}

// MayManage reports whether member m may see the progress of b and cancel
// it: whoever may broadcast to b's audience area (its author, the PKB of a
// wider area, admins).
func MayManage(m cadre.Member, b Broadcast) bool {
	return cadre.Can(m, cadre.ActBroadcast, b.Audience.Area)
}

// Quiet are the hours when nothing is sent, local to the broadcast's area:
// the reminders' quiet hours (21:00-06:00).
var Quiet = reminders.DefaultQuiet

// SendNow returns when a broadcast asked for now starts: now, or the end
// of quiet hours when it is night in loc.
func SendNow(now time.Time, loc *time.Location) time.Time { return Quiet.Shift(now, loc) }

// CheckTime checks a chosen sending time: in the future, at most MaxAhead
// away, and not at night in loc.
func CheckTime(at, now time.Time, loc *time.Location) error {
	switch {
	case !at.After(now):
		return ErrPast
	case at.Sub(now) > MaxAhead:
		return ErrTooFar
	case Quiet.Contains(at, loc):
		return ErrNight
	}
	return nil
}

// ParseLocal reads a date and time typed by a cadre, in loc: "25-11-2026
// 08.00", "25/11/2026 8:00", "2026-11-25 08:00", or without the year
// ("25-11 08.00", the next such day from now).
func ParseLocal(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	f := strings.Fields(strings.NewReplacer(",", " ", "pukul", " ", "jam", " ", "wib", " ", "wita", " ", "wit", " ").Replace(strings.ToLower(s)))
	if len(f) != 2 {
		return time.Time{}, false
	}
	day := strings.NewReplacer("/", "-", ".", "-").Replace(f[0])
	clock := strings.Replace(f[1], ".", ":", 1)
	for _, layout := range []string{"2-1-2006 15:04", "2006-1-2 15:04"} {
		if t, err := time.ParseInLocation(layout, day+" "+clock, loc); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.ParseInLocation("2-1 15:04", day+" "+clock, loc); err == nil {
		l := now.In(loc)
		t = time.Date(l.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		if !t.After(now) {
			t = t.AddDate(1, 0, 0)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Recipient is one resident a claimed batch sends to.
type Recipient struct {
	Chat kbbot.ChatID
	// Lang is the resident's language for the lines around the text.
	Lang string
}

// Claim is a batch of recipients taken by one sender until Deadline; its
// Token proves the claim when each outcome is recorded.
type Claim struct {
	Token int64
	// Shard names the part of the store's queue the batch came from (set
	// and read by the store only).
	Shard      int
	Deadline   time.Time
	Recipients []Recipient
}
