package booking

import "time"

// Draft is a facilities and events file as read, before validation: Parse
// fills it from YAML, package booking/sheet from a spreadsheet, and Build
// checks it against the rules of an events file and makes the Catalog.
// Values are as written (dates, times and cut-offs as text in the file
// format of DESIGN.md); Given says which fields the file gave, so that a
// missing one is reported as required.
type Draft struct {
	Facilities []DraftFacility
	Events     []DraftEvent
}

// DraftFacility is one facility as written. Label names it in problems
// (Problem.Entry and the start of Problem.Path).
type DraftFacility struct {
	Label                                                                        string
	Given                                                                        map[string]bool
	ID, Name, Type, Address, Kelurahan, Kecamatan, Kabupaten, Provinsi, TimeZone string
	Lat, Lon                                                                     float64
	Demo                                                                         bool
}

// DraftEvent is one event as written; Targets are per method code.
type DraftEvent struct {
	Label                         string
	Given                         map[string]bool
	ID, Name, Date, BookingCloses string
	Targets                       map[string]int
	Sites                         []DraftSite
	// Cancelled calls the whole event off.
	Cancelled bool
}

// DraftSite is one site of an event as written; Quota is per method code.
// Oversubscribe says the quotas may add up to more places than the
// sessions hold, on purpose; Cancelled calls the site off.
type DraftSite struct {
	Label         string
	Given         map[string]bool
	Facility      string
	Sessions      []DraftSession
	Quota         map[string]int
	Oversubscribe bool
	Cancelled     bool
}

// DraftSession is one session of a site as written ("HH:MM"). MovedFrom
// is the start it had before it was moved ("" when it was not).
type DraftSession struct {
	Label      string
	Given      map[string]bool
	Start, End string
	Capacity   int
	MovedFrom  string
}

// ProblemCode names the rule a Problem breaks. The Args of each are listed
// with it; labels in Args are Draft labels.
type ProblemCode string

// The rules of an events file.
const (
	CodeSyntax          ProblemCode = "syntax"            // the YAML is malformed, has unknown fields or wrong types (YAML only; no Entry)
	CodeRequired        ProblemCode = "required"          // the field is missing or blank
	CodeBadID           ProblemCode = "bad_id"            // [id]: not 1 to MaxIDLen of a-z, 0-9, '-'
	CodeDuplicateID     ProblemCode = "duplicate_id"      // [id, label of the first]
	CodeFacilityType    ProblemCode = "facility_type"     // [type]
	CodeOutside         ProblemCode = "outside_indonesia" // [value, min, max]
	CodeTimeZone        ProblemCode = "time_zone"         // [zone]
	CodeDate            ProblemCode = "date"              // [date]: not YYYY-MM-DD
	CodeCloses          ProblemCode = "closes"            // [value]: not a local date and time
	CodeMethod          ProblemCode = "method"            // [code]: unknown method code (Field ends with it)
	CodeNegative        ProblemCode = "negative"          // [value]
	CodeNoSites         ProblemCode = "no_sites"          // the event has no site
	CodeSiteTwice       ProblemCode = "site_twice"        // [facility, label of the first site]
	CodeUnknownFacility ProblemCode = "unknown_facility"  // [facility]
	CodeNoQuota         ProblemCode = "no_quota"          // the site has no quota
	CodeNoPlace         ProblemCode = "no_place"          // no method of the site has a place
	CodeNoSessions      ProblemCode = "no_sessions"       // the site has no session
	CodeCapacity        ProblemCode = "capacity"          // [value]: not more than 0
	CodeTime            ProblemCode = "time"              // [value]: not HH:MM
	CodeEndBeforeStart  ProblemCode = "end_before_start"  // [end, start]
	CodeOverlap         ProblemCode = "overlap"           // [this "HH:MM-HH:MM", label of the other session, its "HH:MM-HH:MM"]
	CodeClosesLate      ProblemCode = "closes_late"       // [cut-off "YYYY-MM-DDTHH:MM" local, facility, first session "HH:MM"]
	CodeMarkup          ProblemCode = "markup"            // [value]: a name or address holds <, > or a control character
	CodeOverCapacity    ProblemCode = "over_capacity"     // [quotas' sum, sessions' capacity]: without oversubscribe
	CodePast            ProblemCode = "past"              // [date, today at the first site]: the event's day is over (Check.Now, unless AllowPast)
)

// Check asks Build for the checks a planner makes on a file being
// imported, beyond the rules of the format: no site whose quotas add up
// to more places than its sessions hold (unless it is marked
// oversubscribe), and, with Now set, no event whose day is over (unless
// AllowPast). Test catalogs and the demo are built without it.
type Check struct {
	// Now is the time of the import; an event whose day is before the
	// day of Now at its first site is refused (CodePast). Zero: no check.
	Now time.Time
	// AllowPast lets past events in, for a historical import.
	AllowPast bool
}
