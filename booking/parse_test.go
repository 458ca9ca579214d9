package booking_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

func TestParseValidFile(t *testing.T) {
	t.Parallel()
	c, err := booking.ParseFile(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Event("kbs-pekalongan-2023-07-20")
	if !ok {
		t.Fatal("event missing")
	}
	if e.Date != (booking.Date{Year: 2023, Month: time.July, Day: 20}) {
		t.Errorf("date %v", e.Date)
	}
	if e.Targets[booking.IUD] != 104 || e.Targets[booking.MOP] != 5 {
		t.Errorf("targets %v", e.Targets)
	}
	rs, ok := e.Site("rs-bhakti-ibu")
	if !ok {
		t.Fatal("site missing")
	}
	// Sessions are sorted by start and get ids from their local start.
	if len(rs.Sessions) != 2 || rs.Sessions[0].ID != "0800" || rs.Sessions[1].ID != "1300" {
		t.Fatalf("sessions %+v", rs.Sessions)
	}
	// 08:00 WIB is 01:00 UTC.
	if got := rs.Sessions[0].Start; !got.Equal(time.Date(2023, 7, 20, 1, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("start %v, want 2023-07-20 01:00 UTC", got)
	}
	// booking_closes 2023-07-19T20:00 local = 13:00 UTC.
	if !rs.Closes.Equal(time.Date(2023, 7, 19, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("closes %v", rs.Closes)
	}
	if got := rs.Methods(); len(got) != 3 || got[0] != booking.IUD || got[1] != booking.MOW || got[2] != booking.MOP {
		t.Errorf("methods %v", got)
	}
	f, _ := c.Facility("pkm-bendan")
	if f.Zone() != "WIB" || f.Kelurahan != "Bendan Kergon" {
		t.Errorf("facility %+v", f)
	}
}

// TestParseBrokenFiles checks that each broken fixture fails with the
// entry and field named.
func TestParseBrokenFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		want []string
	}{
		{"unknown_facility.yaml", []string{`events[0] (kbs-pekalongan-2023-07-20).sites[1].facility: unknown facility "pkm-x"`}},
		{"bad_timezone.yaml", []string{`facilities[0] (pkm-bendan).timezone: time zone "Asia/Singapore" is not one of`}},
		{"overlap.yaml", []string{`events[0] (kbs-pekalongan-2023-07-20).sites[0].sessions[1].start: 09:30-12:00 overlaps sessions[0] (08:00-10:00)`}},
		{"unknown_method.yaml", []string{`events[0] (kbs-pekalongan-2023-07-20).sites[1].quota.vasektomi: unknown method code "vasektomi"`}},
		{"duplicate_id.yaml", []string{`facilities[1] (pkm-bendan).id: duplicate id "pkm-bendan" (also facilities[0] (pkm-bendan))`,
			`events[0] (kbs-pekalongan-2023-07-20).sites[1].facility: unknown facility "pkm-bendan-2"`}},
		{"malformed.yaml", []string{`malformed.yaml: malformed YAML: line 27:`}},
		{"unknown_field.yaml", []string{`facilities[1] (rs-bhakti-ibu).latitude: unknown field`}},
		{"end_before_start.yaml", []string{
			`events[0] (kbs-pekalongan-2023-07-20).sites[1].sessions[0].end: 12:00 is not after start 13:00`,
			`events[0] (kbs-pekalongan-2023-07-20).sites[1].sessions[0].capacity: 0 must be more than 0`}},
		{"late_cutoff.yaml", []string{`events[0] (kbs-pekalongan-2023-07-20).booking_closes: 2023-07-20T09:00 is after the first session at pkm-bendan (08:00)`}},
		{"many.yaml", []string{
			"5 problems:",
			`facilities[0] (pkm-bendan).lat: 109.6596 is outside Indonesia`,
			`facilities[1] (rs-bhakti-ibu).type: unknown facility type "hospital"`,
			`events[0] (kbs-pekalongan-2023-07-20).date: date "2023-07-32" is not YYYY-MM-DD`,
			`events[0] (kbs-pekalongan-2023-07-20).booking_closes: "tomorrow" is not a local time`,
			`events[0] (kbs-pekalongan-2023-07-20).sites[1].quota.iud: -1 is negative`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			_, err := booking.ParseFile(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatal("no error")
			}
			var pe *booking.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v, want *ParseError", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseEmptyAndWrongShapes(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                    "the file is empty",
		"facilities: {id: x}": "facilities: must be a list",
		"events: [{id: e1, name: E, date: 2023-07-20}]": "events[0] (e1).sites: required: at least one site",
		"facilities: [{id: Bad_ID}]":                    `facilities[0] (Bad_ID).id: "Bad_ID" must be 1 to 40 characters`,
		"facilities: [{id: a, lat: utara}]":             "facilities[0] (a).lat: invalid value:",
		"colour: red":                                   "colour: unknown field",
	}
	for in, want := range cases {
		_, err := booking.Parse(strings.NewReader(in), "x.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestParseDefaultCutoffPerSite(t *testing.T) {
	t.Parallel()
	in := `
facilities:
  - {id: a, name: A, type: pmb, address: x, kecamatan: k, kabupaten: Kota Makassar, provinsi: p, lat: -5.1, lon: 119.4, timezone: Asia/Makassar}
  - {id: b, name: B, type: pmb, address: x, kecamatan: k, kabupaten: Kota Jayapura, provinsi: p, lat: -2.5, lon: 140.7, timezone: Asia/Jayapura}
  - {id: c, name: C, type: pmb, address: x, kecamatan: k, kabupaten: Kota Pontianak, provinsi: p, lat: -0.03, lon: 109.3, timezone: Asia/Pontianak}
events:
  - id: e
    name: E
    date: 2024-03-05
    sites:
      - {facility: a, sessions: [{start: "08:00", end: "09:00", capacity: 1}], quota: {iud: 1}}
      - {facility: b, sessions: [{start: "08:00", end: "09:00", capacity: 1}], quota: {iud: 1}}
      - {facility: c, sessions: [{start: "08:00", end: "09:00", capacity: 1}], quota: {iud: 1}}
`
	c, err := booking.Parse(strings.NewReader(in), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Event("e")
	want := map[string]time.Time{
		"a": time.Date(2024, 3, 4, 12, 0, 0, 0, time.UTC), // 20:00 WITA (UTC+8)
		"b": time.Date(2024, 3, 4, 11, 0, 0, 0, time.UTC), // 20:00 WIT (UTC+9)
		"c": time.Date(2024, 3, 4, 13, 0, 0, 0, time.UTC), // 20:00 WIB (UTC+7)
	}
	for fac, w := range want {
		s, _ := e.Site(fac)
		if !s.Closes.Equal(w) {
			t.Errorf("site %s closes %v, want %v", fac, s.Closes, w)
		}
	}
}

// TestImportChecks: an import (a Check at 5 December 2026) refuses, naming
// entry and field, each fixture a planner would refuse: a past event
// (unless AllowPast), quotas beyond the sessions' capacity (unless the
// site is marked oversubscribe), markup in a name, and two sessions at the
// same time. Without a Check (test catalogs, the demo) only the format's
// rules apply.
func TestImportChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	imp := booking.Check{Now: now}
	for _, tc := range []struct {
		file  string
		check booking.Check
		want  []string // "" for accepted
	}{
		{"import_past.yaml", imp, []string{`events[0] (kbs-pekalongan-2023-07-20).date: 2023-07-20 has passed (today is 2026-12-05 there)`}},
		{"import_past.yaml", booking.Check{Now: now, AllowPast: true}, nil},
		{"import_past.yaml", booking.Check{}, nil},
		{"import_over_capacity.yaml", imp, []string{`events[0] (kbs-2031-03-01).sites[0].quota: the quotas add up to 65 places, more than the sessions' 50`}},
		{"import_oversubscribed.yaml", imp, nil},
		{"import_markup.yaml", imp, []string{
			`facilities[0] (pkm-bendan).name: "Puskesmas <b>Bendan</b>" holds markup`,
			`events[0] (kbs-2031-03-01).name: "KB Serentak <script>alert(1)</script>" holds markup`}},
		{"import_same_session.yaml", imp, []string{`events[0] (kbs-2031-03-01).sites[0].sessions[1].start: 08:00-10:00 overlaps sessions[0] (08:00-10:00)`}},
	} {
		_, err := booking.ParseFile(filepath.Join("testdata", tc.file), tc.check)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s with %+v: %v, want accepted", tc.file, tc.check, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s with %+v: accepted, want refused", tc.file, tc.check)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\nwant it to say %q", tc.file, err, w)
			}
		}
	}
}
