package booking

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Coordinates of a facility must lie in this box around Indonesia, which
// also catches swapped latitude and longitude.
const (
	minLat, maxLat = -11.5, 6.5
	minLon, maxLon = 94.5, 141.5
)

// Build validates a draft of an events file and turns it into a Catalog:
// every problem is reported at once, as a *ParseError whose problems name
// the entry (its Label), the field and the rule broken; name labels the
// messages. Parse builds the drafts of YAML files with it.
//
// The rules include no markup in a name or address, and no two sessions
// of a site at the same time (as any overlap). With a Check (at most
// one), it also checks as a planner would before an import (see Check).
func Build(raw Draft, name string, checks ...Check) (*Catalog, error) {
	var d decoder
	if len(checks) > 0 {
		d.check, d.planner = checks[0], true
	}
	facs := make([]Facility, 0, len(raw.Facilities))
	byID := map[string]*Facility{}
	firstFac := map[string]string{}
	for _, rf := range raw.Facilities {
		f, ok := d.checkFacility(rf)
		if f.ID != "" {
			if other, dup := firstFac[f.ID]; dup {
				d.addf(rf.Label, "id", CodeDuplicateID, []string{f.ID, other}, "duplicate id %q (also %s)", f.ID, other)
				continue
			}
			firstFac[f.ID] = rf.Label
		}
		if ok {
			facs = append(facs, f)
			byID[f.ID] = &facs[len(facs)-1]
		} else if f.ID != "" {
			// Known, so events naming it are not reported as unknown too.
			byID[f.ID] = nil
		}
	}
	events := make([]Event, 0, len(raw.Events))
	firstEv := map[string]string{}
	for _, re := range raw.Events {
		e := d.checkEvent(re, byID)
		if e.ID != "" {
			if other, dup := firstEv[e.ID]; dup {
				d.addf(re.Label, "id", CodeDuplicateID, []string{e.ID, other}, "duplicate id %q (also %s)", e.ID, other)
				continue
			}
			firstEv[e.ID] = re.Label
		}
		events = append(events, e)
	}
	if len(d.probs) > 0 {
		return nil, &ParseError{File: name, Problems: d.probs}
	}
	c, err := NewCatalog(facs, events)
	if err != nil {
		return nil, fmt.Errorf("booking: %s: %w", name, err)
	}
	return c, nil
}

// addf reports that field of the entry labelled entry breaks rule code
// (with its values args); format words it for the YAML file.
func (d *decoder) addf(entry, field string, code ProblemCode, args []string, format string, a ...any) {
	d.probs = append(d.probs, Problem{Path: join(entry, field), Msg: fmt.Sprintf(format, a...),
		Entry: entry, Field: field, Code: code, Args: args})
}

func (d *decoder) required(entry string, given map[string]bool, field, value string) bool {
	if !given[field] || strings.TrimSpace(value) == "" {
		d.addf(entry, field, CodeRequired, nil, "required")
		return false
	}
	return true
}

func (d *decoder) id(entry string, given map[string]bool, value string) bool {
	if !d.required(entry, given, "id", value) {
		return false
	}
	if !ValidID(value) {
		d.addf(entry, "id", CodeBadID, []string{value}, "%q must be 1 to %d characters of a-z, 0-9 and '-'", value, MaxIDLen)
		return false
	}
	return true
}

// The box of coordinates a facility must lie in, for readers that check a
// cell before Build: latitude MinLat..MaxLat, longitude MinLon..MaxLon.
const (
	MinLat, MaxLat = minLat, maxLat
	MinLon, MaxLon = minLon, maxLon
)

// checkFacility validates one facility; ok is false when it has problems.
func (d *decoder) checkFacility(rf DraftFacility) (Facility, bool) {
	before := len(d.probs)
	p, pr := rf.Label, rf.Given
	f := Facility{
		Name: strings.TrimSpace(rf.Name), Type: FacilityType(rf.Type), Address: strings.TrimSpace(rf.Address),
		Kelurahan: strings.TrimSpace(rf.Kelurahan), Kecamatan: strings.TrimSpace(rf.Kecamatan),
		Kabupaten: strings.TrimSpace(rf.Kabupaten), Provinsi: strings.TrimSpace(rf.Provinsi),
		Lat: rf.Lat, Lon: rf.Lon, TimeZone: rf.TimeZone, Demo: rf.Demo,
	}
	if d.id(p, pr, rf.ID) {
		f.ID = rf.ID
	}
	d.required(p, pr, "name", f.Name)
	for _, fv := range []struct{ field, v string }{{"name", f.Name}, {"address", f.Address}, {"kelurahan", f.Kelurahan},
		{"kecamatan", f.Kecamatan}, {"kabupaten", f.Kabupaten}, {"provinsi", f.Provinsi}} {
		d.plain(p, fv.field, fv.v)
	}
	if d.required(p, pr, "type", rf.Type) && !f.Type.Valid() {
		d.addf(p, "type", CodeFacilityType, []string{rf.Type}, "unknown facility type %q (one of puskesmas, pmb, klinik, rs)", rf.Type)
	}
	d.required(p, pr, "address", f.Address)
	d.required(p, pr, "kecamatan", f.Kecamatan)
	d.required(p, pr, "kabupaten", f.Kabupaten)
	d.required(p, pr, "provinsi", f.Provinsi)
	d.coordinate(p, pr, "lat", f.Lat, minLat, maxLat)
	d.coordinate(p, pr, "lon", f.Lon, minLon, maxLon)
	if d.required(p, pr, "timezone", rf.TimeZone) {
		loc, err := LoadZone(rf.TimeZone)
		if err != nil {
			d.addf(p, "timezone", CodeTimeZone, []string{rf.TimeZone}, "%v", err)
		}
		f.Location = loc
	}
	return f, len(d.probs) == before
}

// coordinate checks a required latitude or longitude against its bounds.
func (d *decoder) coordinate(entry string, given map[string]bool, field string, v, lo, hi float64) {
	if !given[field] {
		d.addf(entry, field, CodeRequired, nil, "required")
	} else if v < lo || v > hi {
		d.addf(entry, field, CodeOutside, []string{num(v), num(lo), num(hi)}, "%v is outside Indonesia (%v to %v)", v, lo, hi)
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkEvent validates one event against the file's facilities (nil entries are
// facilities with problems of their own).
func (d *decoder) checkEvent(re DraftEvent, facs map[string]*Facility) Event {
	p, pr := re.Label, re.Given
	e := Event{Name: strings.TrimSpace(re.Name)}
	if d.id(p, pr, re.ID) {
		e.ID = re.ID
	}
	d.required(p, pr, "name", e.Name)
	d.plain(p, "name", e.Name)
	dateOK := false
	if d.required(p, pr, "date", re.Date) {
		date, err := ParseDate(re.Date)
		if err != nil {
			d.addf(p, "date", CodeDate, []string{re.Date}, "%v", err)
		} else {
			e.Date, dateOK = date, true
		}
	}
	var closes closesAt
	if pr["booking_closes"] {
		var err error
		if closes, err = parseCloses(re.BookingCloses); err != nil {
			d.addf(p, "booking_closes", CodeCloses, []string{re.BookingCloses}, "%v", err)
		}
	}
	if len(re.Targets) > 0 {
		e.Targets = d.methodMap(p, "targets", re.Targets)
	}
	if !pr["sites"] || len(re.Sites) == 0 {
		d.addf(p, "sites", CodeNoSites, nil, "required: at least one site")
	}
	if dateOK && d.planner && !d.check.Now.IsZero() && !d.check.AllowPast {
		d.past(p, re, e.Date, facs)
	}
	e.Cancelled = re.Cancelled
	seen := map[string]string{}
	for _, rs := range re.Sites {
		s := d.checkSite(rs, facs, e.Date, dateOK, closes, p)
		// A cancelled event cancels every site.
		s.Cancelled = s.Cancelled || re.Cancelled
		if s.Facility != "" {
			if other, dup := seen[s.Facility]; dup {
				d.addf(rs.Label, "facility", CodeSiteTwice, []string{s.Facility, other}, "facility %q has a site already (%s)", s.Facility, other)
				continue
			}
			seen[s.Facility] = rs.Label
		}
		e.Sites = append(e.Sites, s)
	}
	return e
}

// plain reports a name or address holding markup or control characters:
// they are shown to residents as text, and nobody means them in a name.
func (d *decoder) plain(entry, field, v string) {
	if strings.ContainsAny(v, "<>") || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		d.addf(entry, field, CodeMarkup, []string{v}, "%q holds markup or control characters: names and addresses are plain text", v)
	}
}

// past reports an event whose day is over at its first site (Asia/Jakarta
// when no site names a known facility).
func (d *decoder) past(entry string, re DraftEvent, date Date, facs map[string]*Facility) {
	loc, err := LoadZone("Asia/Jakarta")
	if err != nil {
		loc = time.UTC
	}
	for _, rs := range re.Sites {
		if f := facs[rs.Facility]; f != nil && f.Location != nil {
			loc = f.Location
			break
		}
	}
	now := d.check.Now.In(loc)
	today := Date{Year: now.Year(), Month: now.Month(), Day: now.Day()}
	if date.Before(today) {
		d.addf(entry, "date", CodePast, []string{date.String(), today.String()},
			"%s has passed (today is %s there); import a past event only for the record, with --allow-past", date, today)
	}
}

// methodMap checks the method codes and counts of the map field of entry.
func (d *decoder) methodMap(entry, field string, m map[string]int) map[Method]int {
	out := map[Method]int{}
	codes := make([]string, 0, len(m))
	for code := range m {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		n := m[code]
		switch {
		case !Method(code).Valid():
			d.addf(entry, field+"."+code, CodeMethod, []string{code}, "unknown method code %q (known: %s)", code, knownMethods())
		case n < 0:
			d.addf(entry, field+"."+code, CodeNegative, []string{strconv.Itoa(n)}, "%d is negative", n)
		default:
			out[Method(code)] = n
		}
	}
	return out
}

func knownMethods() string {
	s := make([]string, len(methods))
	for i, m := range methods {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func (d *decoder) checkSite(rs DraftSite, facs map[string]*Facility, date Date, dateOK bool, closes closesAt, evLabel string) Site {
	p, pr := rs.Label, rs.Given
	s := Site{Oversubscribe: rs.Oversubscribe, Cancelled: rs.Cancelled}
	var fac *Facility
	if d.required(p, pr, "facility", rs.Facility) {
		f, ok := facs[rs.Facility]
		if !ok {
			d.addf(p, "facility", CodeUnknownFacility, []string{rs.Facility}, "unknown facility %q", rs.Facility)
		}
		s.Facility, fac = rs.Facility, f
	}
	if !pr["quota"] || len(rs.Quota) == 0 {
		d.addf(p, "quota", CodeNoQuota, nil, "required: places per method, e.g. {iud: 10}")
	} else {
		s.Quota = d.methodMap(p, "quota", rs.Quota)
		if len(s.Quota) > 0 && len(s.Methods()) == 0 {
			d.addf(p, "quota", CodeNoPlace, nil, "no method has a place")
		}
	}
	if !pr["sessions"] || len(rs.Sessions) == 0 {
		d.addf(p, "sessions", CodeNoSessions, nil, "required: at least one session")
	}
	type span struct {
		label      string
		start, end int // minutes since midnight
		hours      string
	}
	var spans []span
	for _, rx := range rs.Sessions {
		xp, xpr := rx.Label, rx.Given
		start, okS := d.clock(xp, xpr, "start", rx.Start)
		end, okE := d.clock(xp, xpr, "end", rx.End)
		moved := ""
		if xpr["moved_from"] && strings.TrimSpace(rx.MovedFrom) != "" {
			if from, ok := d.clock(xp, xpr, "moved_from", rx.MovedFrom); ok && (!okS || from != start) {
				moved = hhmm(from)
			}
		}
		if !xpr["capacity"] {
			d.addf(xp, "capacity", CodeRequired, nil, "required")
		} else if rx.Capacity <= 0 {
			d.addf(xp, "capacity", CodeCapacity, []string{strconv.Itoa(rx.Capacity)}, "%d must be more than 0", rx.Capacity)
		}
		if !okS || !okE {
			continue
		}
		if end <= start {
			d.addf(xp, "end", CodeEndBeforeStart, []string{rx.End, rx.Start}, "%s is not after start %s", rx.End, rx.Start)
			continue
		}
		spans = append(spans, span{xp, start, end, hhmm(start) + "-" + hhmm(end)})
		if fac != nil && dateOK {
			s.Sessions = append(s.Sessions, Session{
				ID:        fmt.Sprintf("%02d%02d", start/60, start%60),
				Start:     date.At(start/60, start%60, fac.Location).UTC(),
				End:       date.At(end/60, end%60, fac.Location).UTC(),
				Capacity:  rx.Capacity,
				MovedFrom: moved,
			})
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if prev := spans[i-1]; spans[i].start < prev.end {
			d.addf(spans[i].label, "start", CodeOverlap, []string{spans[i].hours, prev.label, prev.hours},
				"%s overlaps %s (%s)", spans[i].hours, strings.TrimPrefix(prev.label, p+"."), prev.hours)
		}
	}
	sort.Slice(s.Sessions, func(i, j int) bool { return s.Sessions[i].Start.Before(s.Sessions[j].Start) })
	capacity, quotas := 0, 0
	for _, rx := range rs.Sessions {
		capacity += max(rx.Capacity, 0)
	}
	for _, n := range s.Quota {
		quotas += n
	}
	if d.planner && capacity > 0 && quotas > capacity && !rs.Oversubscribe {
		d.addf(p, "quota", CodeOverCapacity, []string{strconv.Itoa(quotas), strconv.Itoa(capacity)},
			"the quotas add up to %d places, more than the sessions' %d; if that is meant, mark the site oversubscribe: true", quotas, capacity)
	}
	if fac != nil && dateOK {
		s.Closes = closes.at(date, fac.Location)
		if len(s.Sessions) > 0 && s.Closes.After(s.Sessions[0].Start) {
			at := s.Closes.In(fac.Location).Format("2006-01-02T15:04")
			d.addf(evLabel, "booking_closes", CodeClosesLate, []string{at, s.Facility, hhmm(spans[0].start)},
				"%s is after the first session at %s (%s)", at, s.Facility, hhmm(spans[0].start))
		}
	}
	return s
}

// clock parses a required "HH:MM" field into minutes since midnight.
func (d *decoder) clock(entry string, given map[string]bool, field, v string) (int, bool) {
	if !d.required(entry, given, field, v) {
		return 0, false
	}
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		d.addf(entry, field, CodeTime, []string{v}, "%q is not a time HH:MM", v)
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// closesAt is an event's booking_closes: unset (the default cut-off), a
// local wall-clock time (each site's zone) or an absolute instant.
type closesAt struct {
	local    time.Time // wall clock, zone ignored
	instant  time.Time
	hasLocal bool
}

var localLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

func parseCloses(s string) (closesAt, error) {
	for _, l := range localLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return closesAt{local: t, hasLocal: true}, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return closesAt{instant: t.UTC()}, nil
	}
	return closesAt{}, fmt.Errorf("%q is not a local time YYYY-MM-DDTHH:MM (or RFC 3339 with a zone)", s)
}

// at returns the cut-off for a site in loc of an event on date.
func (c closesAt) at(date Date, loc *time.Location) time.Time {
	switch {
	case c.hasLocal:
		l := c.local
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, loc).UTC()
	case !c.instant.IsZero():
		return c.instant
	}
	return DefaultCutoff(date, loc)
}

// String formats a wall-clock cut-off the way the file writes it.
func (c closesAt) String() string {
	switch {
	case c.hasLocal:
		return c.local.Format("2006-01-02T15:04")
	case !c.instant.IsZero():
		return c.instant.Format(time.RFC3339)
	}
	return ""
}
