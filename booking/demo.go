package booking

import (
	_ "embed"
	"fmt"
	"time"
)

//go:embed demo/demo.yaml
var demoYAML []byte

// DemoYAML returns the embedded demo events file as written (dates from
// July 2023).
func DemoYAML() []byte { return append([]byte(nil), demoYAML...) }

// DemoDaysAhead is how many days after now Demo puts every event.
const DemoDaysAhead = 3

// Demo returns the embedded demo catalog: the Kota Pekalongan KB serentak
// (8 facilities in 4 kecamatan, targets IUD 104, implan 77, MOW 18, MOP 5)
// and one small event each in a WITA and a WIT zone. Every event is moved
// to DemoDaysAhead days after now's date in its first site's zone, and a
// booking_closes with it; the result depends only on now.
func Demo(now time.Time) (*Catalog, error) {
	raw, probs := decodeFile(demoYAML)
	if len(probs) > 0 {
		return nil, &ParseError{File: "demo.yaml", Problems: probs}
	}
	zones := map[string]string{}
	for _, f := range raw.Facilities {
		zones[f.ID] = f.TimeZone
	}
	for i := range raw.Events {
		e := &raw.Events[i]
		if len(e.Sites) == 0 {
			continue
		}
		loc, err := LoadZone(zones[e.Sites[0].Facility])
		if err != nil {
			return nil, fmt.Errorf("booking: demo event %s: %w", e.ID, err)
		}
		old, err := ParseDate(e.Date)
		if err != nil {
			return nil, fmt.Errorf("booking: demo event %s: %w", e.ID, err)
		}
		date := DateOf(now, loc).AddDays(DemoDaysAhead)
		e.Date = date.String()
		if e.BookingCloses != "" {
			c, err := parseCloses(e.BookingCloses)
			if err != nil {
				return nil, fmt.Errorf("booking: demo event %s: %w", e.ID, err)
			}
			shift := old.DaysUntil(date)
			if c.hasLocal {
				c.local = c.local.AddDate(0, 0, shift)
			} else {
				c.instant = c.instant.AddDate(0, 0, shift)
			}
			e.BookingCloses = c.String()
		}
	}
	return Build(raw, "demo.yaml")
}
