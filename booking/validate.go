package booking

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Coordinates of a facility must lie in this box around Indonesia, which
// also catches swapped latitude and longitude.
const (
	minLat, maxLat = -11.5, 6.5
	minLon, maxLon = 94.5, 141.5
)

// build validates a decoded file and turns it into a Catalog.
func build(raw rawFile, name string) (*Catalog, error) {
	var d decoder
	facs := make([]Facility, 0, len(raw.Facilities))
	byID := map[string]*Facility{}
	firstFac := map[string]string{}
	for _, rf := range raw.Facilities {
		f, ok := d.checkFacility(rf)
		if f.ID != "" {
			if other, dup := firstFac[f.ID]; dup {
				d.add(join(rf.path, "id"), "duplicate id %q (also %s)", f.ID, other)
				continue
			}
			firstFac[f.ID] = rf.path
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
				d.add(join(re.path, "id"), "duplicate id %q (also %s)", e.ID, other)
				continue
			}
			firstEv[e.ID] = re.path
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

func (d *decoder) required(path string, present map[string]bool, field, value string) bool {
	if !present[field] || strings.TrimSpace(value) == "" {
		d.add(join(path, field), "required")
		return false
	}
	return true
}

func (d *decoder) id(path string, present map[string]bool, value string) bool {
	if !d.required(path, present, "id", value) {
		return false
	}
	if !ValidID(value) {
		d.add(join(path, "id"), "%q must be 1 to %d characters of a-z, 0-9 and '-'", value, MaxIDLen)
		return false
	}
	return true
}

// facility validates one facility; ok is false when it has problems.
func (d *decoder) checkFacility(rf rawFacility) (Facility, bool) {
	before := len(d.probs)
	p, pr := rf.path, rf.present
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
	if d.required(p, pr, "type", rf.Type) && !f.Type.Valid() {
		d.add(join(p, "type"), "unknown facility type %q (one of puskesmas, pmb, klinik, rs)", rf.Type)
	}
	d.required(p, pr, "address", f.Address)
	d.required(p, pr, "kecamatan", f.Kecamatan)
	d.required(p, pr, "kabupaten", f.Kabupaten)
	d.required(p, pr, "provinsi", f.Provinsi)
	if !pr["lat"] {
		d.add(join(p, "lat"), "required")
	} else if f.Lat < minLat || f.Lat > maxLat {
		d.add(join(p, "lat"), "%v is outside Indonesia (%v to %v)", f.Lat, minLat, maxLat)
	}
	if !pr["lon"] {
		d.add(join(p, "lon"), "required")
	} else if f.Lon < minLon || f.Lon > maxLon {
		d.add(join(p, "lon"), "%v is outside Indonesia (%v to %v)", f.Lon, minLon, maxLon)
	}
	if d.required(p, pr, "timezone", rf.TimeZone) {
		loc, err := LoadZone(rf.TimeZone)
		if err != nil {
			d.add(join(p, "timezone"), "%v", err)
		}
		f.Location = loc
	}
	return f, len(d.probs) == before
}

// event validates one event against the file's facilities (nil entries are
// facilities with problems of their own).
func (d *decoder) checkEvent(re rawEvent, facs map[string]*Facility) Event {
	p, pr := re.path, re.present
	e := Event{Name: strings.TrimSpace(re.Name)}
	if d.id(p, pr, re.ID) {
		e.ID = re.ID
	}
	d.required(p, pr, "name", e.Name)
	dateOK := false
	if d.required(p, pr, "date", re.Date) {
		date, err := ParseDate(re.Date)
		if err != nil {
			d.add(join(p, "date"), "%v", err)
		} else {
			e.Date, dateOK = date, true
		}
	}
	var closes closesAt
	if pr["booking_closes"] {
		var err error
		if closes, err = parseCloses(re.BookingCloses); err != nil {
			d.add(join(p, "booking_closes"), "%v", err)
		}
	}
	if len(re.Targets) > 0 {
		e.Targets = d.methodMap(re.targetsPath, re.Targets)
	}
	if !pr["sites"] || len(re.Sites) == 0 {
		d.add(join(p, "sites"), "required: at least one site")
	}
	seen := map[string]string{}
	for _, rs := range re.Sites {
		s := d.checkSite(rs, facs, e.Date, dateOK, closes, p)
		if s.Facility != "" {
			if other, dup := seen[s.Facility]; dup {
				d.add(join(rs.path, "facility"), "facility %q has a site already (%s)", s.Facility, other)
				continue
			}
			seen[s.Facility] = rs.path
		}
		e.Sites = append(e.Sites, s)
	}
	return e
}

// methodMap checks method codes and counts.
func (d *decoder) methodMap(path string, m map[string]int) map[Method]int {
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
			d.add(join(path, code), "unknown method code %q (known: %s)", code, knownMethods())
		case n < 0:
			d.add(join(path, code), "%d is negative", n)
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

func (d *decoder) checkSite(rs rawSite, facs map[string]*Facility, date Date, dateOK bool, closes closesAt, evPath string) Site {
	p, pr := rs.path, rs.present
	s := Site{}
	var fac *Facility
	if d.required(p, pr, "facility", rs.Facility) {
		f, ok := facs[rs.Facility]
		if !ok {
			d.add(join(p, "facility"), "unknown facility %q", rs.Facility)
		}
		s.Facility, fac = rs.Facility, f
	}
	if !pr["quota"] || len(rs.Quota) == 0 {
		d.add(join(p, "quota"), "required: places per method, e.g. {iud: 10}")
	} else {
		s.Quota = d.methodMap(rs.quotaPath, rs.Quota)
		if len(s.Quota) > 0 && len(s.Methods()) == 0 {
			d.add(join(p, "quota"), "no method has a place")
		}
	}
	if !pr["sessions"] || len(rs.Sessions) == 0 {
		d.add(join(p, "sessions"), "required: at least one session")
	}
	type span struct {
		path       string
		start, end int // minutes since midnight
		label      string
	}
	var spans []span
	for _, rx := range rs.Sessions {
		xp, xpr := rx.path, rx.present
		start, okS := d.clock(xp, xpr, "start", rx.Start)
		end, okE := d.clock(xp, xpr, "end", rx.End)
		if !xpr["capacity"] {
			d.add(join(xp, "capacity"), "required")
		} else if rx.Capacity <= 0 {
			d.add(join(xp, "capacity"), "%d must be more than 0", rx.Capacity)
		}
		if !okS || !okE {
			continue
		}
		if end <= start {
			d.add(join(xp, "end"), "%s is not after start %s", rx.End, rx.Start)
			continue
		}
		spans = append(spans, span{xp, start, end, hhmm(start) + "-" + hhmm(end)})
		if fac != nil && dateOK {
			s.Sessions = append(s.Sessions, Session{
				ID:       fmt.Sprintf("%02d%02d", start/60, start%60),
				Start:    date.At(start/60, start%60, fac.Location).UTC(),
				End:      date.At(end/60, end%60, fac.Location).UTC(),
				Capacity: rx.Capacity,
			})
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if prev := spans[i-1]; spans[i].start < prev.end {
			d.add(join(spans[i].path, "start"), "%s overlaps %s (%s)", spans[i].label, strings.TrimPrefix(prev.path, p+"."), prev.label)
		}
	}
	sort.Slice(s.Sessions, func(i, j int) bool { return s.Sessions[i].Start.Before(s.Sessions[j].Start) })
	if fac != nil && dateOK {
		s.Closes = closes.at(date, fac.Location)
		if len(s.Sessions) > 0 && s.Closes.After(s.Sessions[0].Start) {
			d.add(join(evPath, "booking_closes"), "%s is after the first session at %s (%s)",
				s.Closes.In(fac.Location).Format("2006-01-02T15:04"), s.Facility, hhmm(spans[0].start))
		}
	}
	return s
}

// clock parses a required "HH:MM" field into minutes since midnight.
func (d *decoder) clock(path string, present map[string]bool, field, v string) (int, bool) {
	if !d.required(path, present, field, v) {
		return 0, false
	}
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		d.add(join(path, field), "%q is not a time HH:MM", v)
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
