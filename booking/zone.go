package booking

import (
	"fmt"
	"time"
	_ "time/tzdata" // facilities' zones must load on minimal images too
)

// zoneLabels maps the IANA zones a facility may use to their Indonesian
// labels.
var zoneLabels = map[string]string{
	"Asia/Jakarta":   "WIB",
	"Asia/Pontianak": "WIB",
	"Asia/Makassar":  "WITA",
	"Asia/Jayapura":  "WIT",
}

// ZoneLabel returns the Indonesian label of loc: "WIB" for Asia/Jakarta and
// Asia/Pontianak, "WITA" for Asia/Makassar, "WIT" for Asia/Jayapura, and ""
// for any other zone (which Parse rejects).
func ZoneLabel(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	return zoneLabels[loc.String()]
}

// LoadZone loads one of the four zones ZoneLabel knows.
func LoadZone(name string) (*time.Location, error) {
	if _, ok := zoneLabels[name]; !ok {
		return nil, fmt.Errorf("time zone %q is not one of Asia/Jakarta, Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("load time zone %q: %w", name, err)
	}
	return loc, nil
}

// Clock formats t as a local wall-clock time with its zone label, the way
// Indonesians write it: "08.00 WIB".
func Clock(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	s := fmt.Sprintf("%02d.%02d", l.Hour(), l.Minute())
	if lab := ZoneLabel(loc); lab != "" {
		s += " " + lab
	}
	return s
}
