package booking_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// changeFile is a small events file: Puskesmas Bendan with two sessions
// and RS Bhakti Ibu with one, on date; site lines and session lines may
// be changed by the test.
func changeFile(date, bendanExtra, bendanSessions, rsExtra, eventExtra string) string {
	return `facilities:
  - {id: pkm-bendan, name: Puskesmas Bendan, type: puskesmas, address: Jl. Contoh, kecamatan: Pekalongan Barat,
     kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta}
  - {id: rs-bhakti-ibu, name: RS Bhakti Ibu, type: rs, address: Jl. Contoh, kecamatan: Pekalongan Barat,
     kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8921, lon: 109.6671, timezone: Asia/Jakarta}
events:
  - id: kbs-x
    name: KB Serentak
    date: ` + date + `
` + eventExtra + `    sites:
      - facility: pkm-bendan
` + bendanExtra + `        sessions:
` + bendanSessions + `        quota: {iud: 20}
      - facility: rs-bhakti-ibu
` + rsExtra + `        sessions:
          - {start: "13:00", end: "15:00", capacity: 10}
        quota: {iud: 10}
`
}

const twoSessions = `          - {start: "08:00", end: "10:00", capacity: 25}
          - {start: "10:00", end: "12:00", capacity: 25}
`

func parseEvent(t *testing.T, yaml string) *booking.Event {
	t.Helper()
	c, err := booking.Parse(strings.NewReader(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := c.Event("kbs-x")
	if !ok {
		t.Fatal("no event kbs-x")
	}
	return ev
}

func wib(t *testing.T) func(string) *time.Location {
	loc, err := booking.LoadZone("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return func(string) *time.Location { return loc }
}

func sessionIDs(s *booking.Site) string {
	var ids []string
	for _, x := range s.Sessions {
		ids = append(ids, x.ID+"@"+x.Start.Add(7*time.Hour).Format("15:04"))
	}
	return strings.Join(ids, " ")
}

// TestReconcileMovesKeepTheSessionID: a session moved with moved_from
// keeps its id (its bookings follow) and is a move; imported again (as
// the file now stands, or as it is written back without moved_from) it
// changes nothing; a new session at the time the moved one left gets an
// id of its own, not the moved one's.
func TestReconcileMovesKeepTheSessionID(t *testing.T) {
	t.Parallel()
	zone := wib(t)
	old, _ := booking.Reconcile(nil, parseEvent(t, changeFile("2026-11-26", "", twoSessions, "", "")), zone)

	moved := parseEvent(t, changeFile("2026-11-26", "", `          - {start: "09:00", end: "11:00", capacity: 25, moved_from: "08:00"}
          - {start: "11:00", end: "12:30", capacity: 25, moved_from: "10:00"}
`, "", ""))
	got, ch := booking.Reconcile(old, moved, zone)
	s, _ := got.Site("pkm-bendan")
	if ids := sessionIDs(s); ids != "0800@09:00 1000@11:00" {
		t.Fatalf("sessions after the move: %s", ids)
	}
	if len(ch.Moved) != 2 || ch.Moved[0].Session != "0800" || ch.Moved[0].Facility != "pkm-bendan" ||
		!ch.Moved[0].From.Equal(old.Sites[0].Sessions[0].Start) || !ch.Moved[0].To.Equal(s.Sessions[0].Start) || len(ch.Cancelled) != 0 {
		t.Fatalf("change %+v", ch)
	}
	for _, x := range s.Sessions {
		if x.MovedFrom != "" {
			t.Fatalf("moved_from kept: %+v", x)
		}
	}
	if _, ch := booking.Reconcile(got, moved, zone); !ch.Empty() {
		t.Fatalf("the same file again changed %+v", ch)
	}
	plain := parseEvent(t, changeFile("2026-11-26", "", `          - {start: "09:00", end: "11:00", capacity: 25}
          - {start: "11:00", end: "12:30", capacity: 25}
`, "", ""))
	again, ch := booking.Reconcile(got, plain, zone)
	if s, _ := again.Site("pkm-bendan"); sessionIDs(s) != "0800@09:00 1000@11:00" || !ch.Empty() {
		t.Fatalf("written back without moved_from: %s, %+v", sessionIDs(s), ch)
	}
	added := parseEvent(t, changeFile("2026-11-26", "", `          - {start: "07:00", end: "08:00", capacity: 5}
          - {start: "08:00", end: "09:00", capacity: 5}
          - {start: "09:00", end: "11:00", capacity: 25}
          - {start: "11:00", end: "12:30", capacity: 25}
`, "", ""))
	withNew, ch := booking.Reconcile(got, added, zone)
	if s, _ := withNew.Site("pkm-bendan"); sessionIDs(s) != "0700@07:00 0800-2@08:00 0800@09:00 1000@11:00" || !ch.Empty() {
		t.Fatalf("a new session where the moved one was: %s, %+v", sessionIDs(s), ch)
	}
	// Moving the whole event to another day moves every session.
	later, ch := booking.Reconcile(old, parseEvent(t, changeFile("2026-11-27", "", twoSessions, "", "")), zone)
	if len(ch.Moved) != 3 || later.Date.Day != 27 {
		t.Fatalf("a new date moves every session: %+v", ch)
	}
}

// TestReconcileCancellations: a site marked cancelled is a cancellation
// once; an event marked cancelled cancels every site.
func TestReconcileCancellations(t *testing.T) {
	t.Parallel()
	zone := wib(t)
	old, _ := booking.Reconcile(nil, parseEvent(t, changeFile("2026-11-26", "", twoSessions, "", "")), zone)
	cx := parseEvent(t, changeFile("2026-11-26", "        cancelled: true\n", twoSessions, "", ""))
	got, ch := booking.Reconcile(old, cx, zone)
	if len(ch.Cancelled) != 1 || ch.Cancelled[0] != "pkm-bendan" || len(ch.Moved) != 0 {
		t.Fatalf("change %+v", ch)
	}
	if s, _ := got.Site("pkm-bendan"); !s.Cancelled || s.Open(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a cancelled site is open: %+v", s)
	}
	if _, ch := booking.Reconcile(got, cx, zone); !ch.Empty() {
		t.Fatalf("cancelled twice: %+v", ch)
	}
	// A cancelled site's sessions may move: nobody is told of it.
	cxMoved := parseEvent(t, changeFile("2026-11-27", "        cancelled: true\n", twoSessions, "", ""))
	if _, ch := booking.Reconcile(got, cxMoved, zone); len(ch.Moved) != 1 || ch.Moved[0].Facility != "rs-bhakti-ibu" {
		t.Fatalf("moves of a cancelled site: %+v", ch)
	}
	ev := parseEvent(t, changeFile("2026-11-26", "", twoSessions, "", "    cancelled: true\n"))
	if !ev.Cancelled || !ev.Sites[0].Cancelled || !ev.Sites[1].Cancelled || ev.Open(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a cancelled event: %+v", ev)
	}
	if _, ch := booking.Reconcile(old, ev, zone); len(ch.Cancelled) != 2 {
		t.Fatalf("a cancelled event cancels every site: %+v", ch)
	}
}

// TestParseMovedFromIsChecked: moved_from must be a time; the same as the
// start it is no move.
func TestParseMovedFromIsChecked(t *testing.T) {
	t.Parallel()
	_, err := booking.Parse(strings.NewReader(changeFile("2026-11-26", "", `          - {start: "09:00", end: "11:00", capacity: 25, moved_from: "jam 8"}
`, "", "")), "test.yaml")
	var pe *booking.ParseError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Code != booking.CodeTime || pe.Problems[0].Field != "moved_from" {
		t.Fatalf("bad moved_from: %v", err)
	}
	ev := parseEvent(t, changeFile("2026-11-26", "", `          - {start: "09:00", end: "11:00", capacity: 25, moved_from: "09:00"}
`, "", ""))
	if ev.Sites[0].Sessions[0].MovedFrom != "" {
		t.Fatalf("moved from its own start: %+v", ev.Sites[0].Sessions[0])
	}
}
