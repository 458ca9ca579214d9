package booking

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// FacilityType is the kind of a health facility.
type FacilityType string

// The facility types of an events file.
const (
	Puskesmas FacilityType = "puskesmas" // community health centre
	PMB       FacilityType = "pmb"       // praktik mandiri bidan, a midwife's practice
	Klinik    FacilityType = "klinik"    // clinic
	RS        FacilityType = "rs"        // rumah sakit, a hospital
)

// Valid reports whether t is one of the facility types.
func (t FacilityType) Valid() bool {
	switch t {
	case Puskesmas, PMB, Klinik, RS:
		return true
	}
	return false
}

// Facility is a place where KB services are given.
type Facility struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Type      FacilityType `json:"type"`
	Address   string       `json:"address"`
	Kelurahan string       `json:"kelurahan,omitempty"`
	Kecamatan string       `json:"kecamatan"`
	Kabupaten string       `json:"kabupaten"`
	Provinsi  string       `json:"provinsi"`
	Lat       float64      `json:"lat"`
	Lon       float64      `json:"lon"`
	// TimeZone is the IANA zone name, e.g. "Asia/Jakarta".
	TimeZone string `json:"timezone"`
	// Location is TimeZone loaded; NewCatalog and Parse set it.
	Location *time.Location `json:"-"`
	// Demo marks illustrative data (the embedded demo set): names of real
	// places, but addresses and coordinates that are only approximate.
	Demo bool `json:"demo,omitempty"`
}

// Zone returns the facility's zone label: WIB, WITA or WIT.
func (f *Facility) Zone() string { return ZoneLabel(f.Location) }

// Event is one KB serentak service day at one or more sites.
type Event struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Date is the service day, in each site's local calendar.
	Date Date `json:"date"`
	// Targets are the programme's targets per method, for reports.
	Targets map[Method]int `json:"targets,omitempty"`
	Sites   []Site         `json:"sites"`
	// Cancelled says the whole event is called off (the file's
	// cancelled: true, dibatalkan "ya"): every site is then cancelled too
	// (Build marks them), and an import tells every resident booked there.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Site is one facility's part of an event.
type Site struct {
	// Facility is the facility id.
	Facility string `json:"facility"`
	// Closes is the booking cut-off (UTC): by default the day before the
	// event at 20:00 in the facility's zone.
	Closes time.Time `json:"closes"`
	// Sessions are the service periods, ordered by start.
	Sessions []Session `json:"sessions"`
	// Quota is the number of places per method; a method without a
	// positive quota is not offered at this site.
	Quota map[Method]int `json:"quota"`
	// Oversubscribe says the quotas add up to more places than the
	// sessions hold on purpose (the file's oversubscribe), which an import
	// would refuse otherwise.
	Oversubscribe bool `json:"oversubscribe,omitempty"`
	// Cancelled says the site is called off (the file's cancelled: true
	// under the site, dibatalkan "ya" in the lokasi sheet): it takes no
	// booking, and an import cancels the bookings it holds and tells their
	// residents. Removing a site's row is not a cancellation: an import
	// refuses to remove a site that holds bookings.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Session is one service period of a site.
type Session struct {
	// ID is derived from the local start time: "0800" for 08:00.
	ID       string    `json:"id"`
	Start    time.Time `json:"start"` // UTC
	End      time.Time `json:"end"`   // UTC
	Capacity int       `json:"capacity"`
	// MovedFrom is, in a file being imported, the local start time
	// ("HH:MM") the session had before it was moved (the file's
	// moved_from, pindah_dari in the sesi sheet): the import keeps the
	// moved session's id, so its bookings follow it, and tells their
	// residents. The store clears it (Reconcile); it is never stored.
	MovedFrom string `json:"moved_from,omitempty"`
}

// Site returns the event's site at facilityID.
func (e *Event) Site(facilityID string) (*Site, bool) {
	for i := range e.Sites {
		if e.Sites[i].Facility == facilityID {
			return &e.Sites[i], true
		}
	}
	return nil, false
}

// Open reports whether any site of the event still takes bookings at now.
func (e *Event) Open(now time.Time) bool {
	for i := range e.Sites {
		if e.Sites[i].Open(now) {
			return true
		}
	}
	return false
}

// Open reports whether the site still takes bookings at now: booking
// closes exactly at the cut-off, and a cancelled site takes none.
func (s *Site) Open(now time.Time) bool { return !s.Cancelled && now.Before(s.Closes) }

// Session returns the site's session with id.
func (s *Site) Session(id string) (*Session, bool) {
	for i := range s.Sessions {
		if s.Sessions[i].ID == id {
			return &s.Sessions[i], true
		}
	}
	return nil, false
}

// Methods returns the methods the site offers (a positive quota), in the
// order of Methods.
func (s *Site) Methods() []Method {
	var out []Method
	for m, q := range s.Quota {
		if q > 0 {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rank() < out[j].rank() })
	return out
}

// Capacity returns the sum of the site's session capacities.
func (s *Site) Capacity() int {
	n := 0
	for _, x := range s.Sessions {
		n += x.Capacity
	}
	return n
}

// SiteRef is a site together with its event and facility.
type SiteRef struct {
	Event    *Event
	Site     *Site
	Facility *Facility
}

// Slot is everything a booking's place refers to.
type Slot struct {
	Event    *Event
	Site     *Site
	Facility *Facility
	Session  *Session
}

// Region is a kabupaten/kota and its kecamatan.
type Region struct {
	Provinsi  string
	Kabupaten string
	Kecamatan []string // sorted
}

// Catalog is a validated set of facilities and events, with lookups. Treat
// everything it returns as read-only.
type Catalog struct {
	facilities []*Facility
	events     []*Event
	facByID    map[string]*Facility
	evByID     map[string]*Event
}

// NewCatalog checks that facilities and events fit together (unique ids,
// known facilities, supported zones) and indexes them. It loads each
// facility's Location from its TimeZone. Parse does the full validation of
// an events file; NewCatalog is for data already validated once, e.g. read
// back from a store.
func NewCatalog(facilities []Facility, events []Event) (*Catalog, error) {
	c := &Catalog{facByID: map[string]*Facility{}, evByID: map[string]*Event{}}
	var problems []string
	for i := range facilities {
		f := facilities[i]
		if _, dup := c.facByID[f.ID]; dup {
			problems = append(problems, fmt.Sprintf("facility %q: duplicate id", f.ID))
			continue
		}
		loc, err := LoadZone(f.TimeZone)
		if err != nil {
			problems = append(problems, fmt.Sprintf("facility %q: %v", f.ID, err))
			continue
		}
		f.Location = loc
		c.facilities = append(c.facilities, &f)
		c.facByID[f.ID] = &f
	}
	for i := range events {
		e := events[i]
		if _, dup := c.evByID[e.ID]; dup {
			problems = append(problems, fmt.Sprintf("event %q: duplicate id", e.ID))
			continue
		}
		for _, s := range e.Sites {
			if _, ok := c.facByID[s.Facility]; !ok {
				problems = append(problems, fmt.Sprintf("event %q: unknown facility %q", e.ID, s.Facility))
			}
		}
		c.events = append(c.events, &e)
		c.evByID[e.ID] = &e
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("booking: inconsistent catalog: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Facilities returns every facility, in file order.
func (c *Catalog) Facilities() []*Facility { return c.facilities }

// Events returns every event, in file order.
func (c *Catalog) Events() []*Event { return c.events }

// Facility returns the facility with id.
func (c *Catalog) Facility(id string) (*Facility, bool) {
	f, ok := c.facByID[id]
	return f, ok
}

// Event returns the event with id.
func (c *Catalog) Event(id string) (*Event, bool) {
	e, ok := c.evByID[id]
	return e, ok
}

// Slot resolves a place: it fails with ErrUnknownEvent, ErrUnknownSite or
// ErrUnknownSession. An empty sessionID leaves Slot.Session nil.
func (c *Catalog) Slot(eventID, facilityID, sessionID string) (Slot, error) {
	e, ok := c.Event(eventID)
	if !ok {
		return Slot{}, fmt.Errorf("booking: event %q: %w", eventID, ErrUnknownEvent)
	}
	s, ok := e.Site(facilityID)
	if !ok {
		return Slot{}, fmt.Errorf("booking: event %q has no site %q: %w", eventID, facilityID, ErrUnknownSite)
	}
	out := Slot{Event: e, Site: s, Facility: c.facByID[facilityID]}
	if sessionID != "" {
		if out.Session, ok = s.Session(sessionID); !ok {
			return Slot{}, fmt.Errorf("booking: event %q site %q has no session %q: %w", eventID, facilityID, sessionID, ErrUnknownSession)
		}
	}
	return out, nil
}

// OpenEvents returns the events with at least one site still taking
// bookings at now, soonest first.
func (c *Catalog) OpenEvents(now time.Time) []*Event {
	var out []*Event
	for _, e := range c.events {
		if e.Open(now) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// OpenSites returns every site still taking bookings at now, by event date
// then facility name.
func (c *Catalog) OpenSites(now time.Time) []SiteRef {
	var out []SiteRef
	for _, e := range c.OpenEvents(now) {
		for i := range e.Sites {
			s := &e.Sites[i]
			if s.Open(now) {
				out = append(out, SiteRef{Event: e, Site: s, Facility: c.facByID[s.Facility]})
			}
		}
	}
	return out
}

// Regions returns the kabupaten/kota with a site open for booking at now,
// each with its kecamatan that have one, sorted by name.
func (c *Catalog) Regions(now time.Time) []Region {
	byKab := map[string]*Region{}
	seen := map[[2]string]bool{}
	for _, r := range c.OpenSites(now) {
		f := r.Facility
		reg, ok := byKab[f.Kabupaten]
		if !ok {
			reg = &Region{Provinsi: f.Provinsi, Kabupaten: f.Kabupaten}
			byKab[f.Kabupaten] = reg
		}
		if k := [2]string{f.Kabupaten, f.Kecamatan}; !seen[k] {
			seen[k] = true
			reg.Kecamatan = append(reg.Kecamatan, f.Kecamatan)
		}
	}
	out := make([]Region, 0, len(byKab))
	for _, r := range byKab {
		sort.Strings(r.Kecamatan)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kabupaten < out[j].Kabupaten })
	return out
}

// SitesIn returns the sites open for booking at now in one kecamatan of
// one kabupaten/kota (compared case-insensitively), by event date then
// facility name.
func (c *Catalog) SitesIn(kabupaten, kecamatan string, now time.Time) []SiteRef {
	var out []SiteRef
	for _, r := range c.OpenSites(now) {
		if strings.EqualFold(r.Facility.Kabupaten, kabupaten) && strings.EqualFold(r.Facility.Kecamatan, kecamatan) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Event.Date.Equal(out[j].Event.Date) {
			return out[i].Event.Date.Before(out[j].Event.Date)
		}
		return out[i].Facility.Name < out[j].Facility.Name
	})
	return out
}

// SitesAt returns the sites open for booking at now at one facility,
// soonest event first (for a deep link naming a facility).
func (c *Catalog) SitesAt(facilityID string, now time.Time) []SiteRef {
	var out []SiteRef
	for _, r := range c.OpenSites(now) {
		if r.Facility.ID == facilityID {
			out = append(out, r)
		}
	}
	return out
}
