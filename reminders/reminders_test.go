package reminders_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// zones are the three Indonesian time zones, with their UTC offsets.
var zones = []struct {
	name   string
	label  string
	offset time.Duration
}{
	{"Asia/Jakarta", "WIB", 7 * time.Hour},
	{"Asia/Makassar", "WITA", 8 * time.Hour},
	{"Asia/Jayapura", "WIT", 9 * time.Hour},
}

func load(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local parses "2006-01-02 15:04" as wall time in loc.
func local(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// byKind indexes items by kind, failing on duplicates of a kind.
func byKind(t *testing.T, items []reminders.Item) map[string]reminders.Item {
	t.Helper()
	m := map[string]reminders.Item{}
	for _, it := range items {
		if _, dup := m[it.Kind]; dup {
			t.Fatalf("two items of kind %s", it.Kind)
		}
		if err := it.Validate(); err != nil {
			t.Fatalf("planned item invalid: %v", err)
		}
		if it.Due.Location() != time.UTC || it.NotAfter.Location() != time.UTC {
			t.Fatalf("%s: times not stored in UTC: %v %v", it.ID, it.Due, it.NotAfter)
		}
		m[it.Kind] = it
	}
	return m
}

// want checks one item's due time and deadline as local wall times.
func want(t *testing.T, it reminders.Item, loc *time.Location, due, notAfter string) {
	t.Helper()
	if got := it.Due.In(loc).Format("2006-01-02 15:04"); got != due {
		t.Errorf("%s due: got %s local, want %s", it.ID, got, due)
	}
	if got := it.NotAfter.In(loc).Format("2006-01-02 15:04"); got != notAfter {
		t.Errorf("%s not after: got %s local, want %s", it.ID, got, notAfter)
	}
	if it.Zone != loc.String() {
		t.Errorf("%s zone %q, want %q", it.ID, it.Zone, loc.String())
	}
}

func TestPlanBookingEveryKindInEachZone(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			start := local(t, loc, "2024-07-20 08:00")
			end := local(t, loc, "2024-07-20 10:00")
			now := local(t, loc, "2024-07-10 10:00")
			items := byKind(t, reminders.PlanBooking(42, "KB-7QH4XM", start, end, loc, now))
			if len(items) != 3 {
				t.Fatalf("got %d items, want h1, h0, followup", len(items))
			}
			want(t, items[reminders.KindH1], loc, "2024-07-19 16:00", "2024-07-20 00:00")
			want(t, items[reminders.KindH0], loc, "2024-07-20 06:00", "2024-07-20 08:00")
			want(t, items[reminders.KindFollowup], loc, "2024-07-21 09:00", "2024-07-24 09:00")
			// The zone math, checked against the fixed offset: 16:00 local
			// is 09:00Z in WIB, 08:00Z in WITA, 07:00Z in WIT.
			wantUTC := time.Date(2024, 7, 19, 16, 0, 0, 0, time.UTC).Add(-z.offset)
			if !items[reminders.KindH1].Due.Equal(wantUTC) {
				t.Errorf("h1 due %v UTC, want %v", items[reminders.KindH1].Due, wantUTC)
			}
			for _, it := range items {
				if it.Ref != "KB-7QH4XM" || it.Chat != 42 {
					t.Errorf("%s: ref %q chat %d", it.ID, it.Ref, it.Chat)
				}
			}
			if id := items[reminders.KindH1].ID; id != "h1:KB-7QH4XM:"+start.UTC().Format("200601021504") {
				t.Errorf("h1 id %q", id)
			}
		})
	}
}

func TestH0TwoHoursBeforeButNeverBefore0600(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			now := local(t, loc, "2024-07-01 10:00")
			cases := []struct {
				start, due string // "" = no H-0
			}{
				{"2024-07-20 13:00", "2024-07-20 11:00"},
				{"2024-07-20 08:30", "2024-07-20 06:30"},
				{"2024-07-20 07:00", "2024-07-20 06:00"}, // 05:00 is before the floor
				{"2024-07-20 06:30", "2024-07-20 06:00"},
				{"2024-07-20 06:00", ""}, // the floor is the start itself
			}
			for _, c := range cases {
				start := local(t, loc, c.start)
				items := byKind(t, reminders.PlanBooking(1, "KB-AAAAAA", start, start.Add(2*time.Hour), loc, now))
				h0, ok := items[reminders.KindH0]
				if c.due == "" {
					if ok {
						t.Errorf("start %s: unexpected h0 at %v", c.start, h0.Due.In(loc))
					}
					continue
				}
				if !ok {
					t.Errorf("start %s: no h0", c.start)
					continue
				}
				want(t, h0, loc, c.due, c.start)
				if reminders.DefaultQuiet.Contains(h0.Due, loc) {
					t.Errorf("start %s: h0 in quiet hours", c.start)
				}
			}
		})
	}
}

func TestBookingMadeLate(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			start := local(t, loc, "2024-07-20 10:00")
			end := start.Add(2 * time.Hour)
			kinds := func(now string) map[string]reminders.Item {
				return byKind(t, reminders.PlanBooking(1, "KB-AAAAAA", start, end, loc, local(t, loc, now)))
			}
			// After 16:00 the day before: no H-1 (the confirmation just said it all).
			got := kinds("2024-07-19 18:00")
			if _, ok := got[reminders.KindH1]; ok {
				t.Error("h1 planned after its time")
			}
			want(t, got[reminders.KindH0], loc, "2024-07-20 08:00", "2024-07-20 10:00")
			// Less than MinLead before 16:00: skipped too.
			if _, ok := kinds("2024-07-19 15:30")[reminders.KindH1]; ok {
				t.Error("h1 planned 30 minutes after booking")
			}
			if _, ok := kinds("2024-07-19 14:59")[reminders.KindH1]; !ok {
				t.Error("h1 missing when booked an hour ahead")
			}
			// Booked on the day: H-0 only when it is at least MinLead away.
			if _, ok := kinds("2024-07-20 06:30")[reminders.KindH0]; !ok {
				t.Error("h0 missing when booked 06:30 for 10:00")
			}
			got = kinds("2024-07-20 07:30")
			if _, ok := got[reminders.KindH0]; ok {
				t.Error("h0 planned 30 minutes after booking")
			}
			// The follow-up comes anyway.
			want(t, got[reminders.KindFollowup], loc, "2024-07-21 09:00", "2024-07-24 09:00")
		})
	}
}

func TestAfterCare(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			it := reminders.AfterCare(7, "KB-AAAAAA", local(t, loc, "2024-07-20 10:15"), loc)
			if it.Kind != reminders.KindAftercare || it.ID != "aftercare:KB-AAAAAA" || it.Ref != "KB-AAAAAA" {
				t.Fatalf("got %+v", it)
			}
			want(t, it, loc, "2024-07-23 09:00", "2024-07-27 09:00")
			// Served late in the evening: still three days later at 09:00.
			it = reminders.AfterCare(7, "KB-AAAAAA", local(t, loc, "2024-07-20 23:59"), loc)
			want(t, it, loc, "2024-07-23 09:00", "2024-07-27 09:00")
		})
	}
}

func TestPlanMethodEveryKindInEachZone(t *testing.T) {
	type exp struct{ id, kind, due, notAfter string }
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			given := local(t, loc, "2024-03-01 10:00")
			ref := func(m string) string { return m + "-9-20240301" }
			cases := map[string][]exp{
				"suntik3": {{"suntik3:" + ref("suntik3"), reminders.KindSuntik3, "2024-05-24 08:00", "2024-06-22 00:00"}},
				"suntik1": {{"suntik1:" + ref("suntik1"), reminders.KindSuntik1, "2024-03-29 08:00", "2024-04-06 00:00"}},
				"pil": {
					{"pil:" + ref("pil") + ":1", reminders.KindPil, "2024-03-26 08:00", "2024-03-29 00:00"},
					{"pil:" + ref("pil") + ":2", reminders.KindPil, "2024-04-23 08:00", "2024-04-26 00:00"},
					{"pil:" + ref("pil") + ":3", reminders.KindPil, "2024-05-21 08:00", "2024-05-24 00:00"},
				},
				"minipil": {
					{"pil:" + ref("minipil") + ":1", reminders.KindPil, "2024-03-26 08:00", "2024-03-29 00:00"},
					{"pil:" + ref("minipil") + ":2", reminders.KindPil, "2024-04-23 08:00", "2024-04-26 00:00"},
					{"pil:" + ref("minipil") + ":3", reminders.KindPil, "2024-05-21 08:00", "2024-05-24 00:00"},
				},
				"iud": {{"checkup:" + ref("iud"), reminders.KindCheckup, "2024-04-01 08:00", "2024-04-29 08:00"}},
				// Implants need no routine check-up (HB18, issue 13).
				"implan": {
					{"implan_end:" + ref("implan"), reminders.KindImplanEnd, "2027-02-01 08:00", "2027-03-31 00:00"},
				},
				"kondom": nil, "mow": nil, "mop": nil, "mal": nil,
			}
			for method, exps := range cases {
				items := reminders.PlanMethod(9, method, given, loc, given)
				if len(items) != len(exps) {
					t.Errorf("%s: got %d items, want %d", method, len(items), len(exps))
					continue
				}
				for i, e := range exps {
					it := items[i]
					if err := it.Validate(); err != nil {
						t.Errorf("%s: %v", method, err)
					}
					if it.ID != e.id || it.Kind != e.kind || it.Ref != ref(method) || it.Chat != 9 {
						t.Errorf("%s: got id %q kind %q ref %q, want %q %q %q", method, it.ID, it.Kind, it.Ref, e.id, e.kind, ref(method))
					}
					want(t, it, loc, e.due, e.notAfter)
				}
				// Planning the same report again gives the same items.
				if again := reminders.PlanMethod(9, method, given, loc, given); !reflect.DeepEqual(items, again) {
					t.Errorf("%s: planning is not deterministic", method)
				}
			}
		})
	}
}

func TestPlanMethodReportedLate(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			given := local(t, loc, "2024-03-01 10:00")
			// Told at 22:00 in week 13: the injection is overdue but the
			// window is open, so the reminder goes at 06:00 the next morning.
			now := local(t, loc, "2024-05-31 22:00")
			items := reminders.PlanMethod(9, "suntik3", given, loc, now)
			if len(items) != 1 {
				t.Fatalf("got %d items", len(items))
			}
			want(t, items[0], loc, "2024-06-01 06:00", "2024-06-22 00:00")
			// Told after the window closed: nothing.
			if items := reminders.PlanMethod(9, "suntik3", given, loc, local(t, loc, "2024-06-22 00:01")); len(items) != 0 {
				t.Fatalf("stale suntik3 planned: %+v", items)
			}
			// Pills reported 40 days late: the first refill is stale, the
			// next two remain.
			items = reminders.PlanMethod(9, "pil", given, loc, local(t, loc, "2024-04-10 12:00"))
			if len(items) != 2 || items[0].ID != "pil:pil-9-20240301:2" {
				t.Fatalf("got %+v", items)
			}
		})
	}
}

func TestQuietHoursInEachZone(t *testing.T) {
	for _, z := range zones {
		t.Run(z.label, func(t *testing.T) {
			loc := load(t, z.name)
			cases := []struct{ in, out string }{
				{"2024-07-19 20:59", "2024-07-19 20:59"},
				{"2024-07-19 21:00", "2024-07-20 06:00"},
				{"2024-07-19 23:30", "2024-07-20 06:00"},
				{"2024-07-20 00:10", "2024-07-20 06:00"},
				{"2024-07-20 05:59", "2024-07-20 06:00"},
				{"2024-07-20 06:00", "2024-07-20 06:00"},
				{"2024-07-20 12:00", "2024-07-20 12:00"},
				{"2024-12-31 22:00", "2025-01-01 06:00"}, // across the year
			}
			for _, c := range cases {
				got := reminders.ShiftOutOfQuietHours(local(t, loc, c.in), loc)
				if got.Location() != time.UTC {
					t.Errorf("%s: result not UTC", c.in)
				}
				if s := got.In(loc).Format("2006-01-02 15:04"); s != c.out {
					t.Errorf("shift %s: got %s, want %s", c.in, s, c.out)
				}
			}
		})
	}
}

func TestQuietHoursSameInstantDiffersByZone(t *testing.T) {
	// One UTC instant is evening in Jakarta but night in Makassar and Jayapura.
	at := time.Date(2024, 7, 19, 13, 30, 0, 0, time.UTC) // 20:30 WIB, 21:30 WITA, 22:30 WIT
	wantQuiet := map[string]bool{"Asia/Jakarta": false, "Asia/Makassar": true, "Asia/Jayapura": true}
	for _, z := range zones {
		loc := load(t, z.name)
		if got := reminders.DefaultQuiet.Contains(at, loc); got != wantQuiet[z.name] {
			t.Errorf("%s: quiet %v, want %v", z.label, got, wantQuiet[z.name])
		}
		if got := reminders.ShiftOutOfQuietHours(at, loc); wantQuiet[z.name] {
			// 06:00 local the next morning.
			if want := time.Date(2024, 7, 20, 6, 0, 0, 0, time.UTC).Add(-z.offset); !got.Equal(want) {
				t.Errorf("%s: shifted to %v, want %v", z.label, got, want)
			}
		} else if !got.Equal(at) {
			t.Errorf("%s: moved a time outside quiet hours", z.label)
		}
	}
	// 22:30Z is 05:30 WIB (quiet), 06:30 WITA and 07:30 WIT (not).
	dawn := time.Date(2024, 7, 19, 22, 30, 0, 0, time.UTC)
	for _, z := range zones {
		if got, want := reminders.DefaultQuiet.Contains(dawn, load(t, z.name)), z.label == "WIB"; got != want {
			t.Errorf("%s at dawn: quiet %v, want %v", z.label, got, want)
		}
	}
}

func TestQuietHoursConfigurable(t *testing.T) {
	loc := load(t, "Asia/Makassar")
	q := reminders.QuietHours{Start: 22 * time.Hour, End: 7 * time.Hour}
	if got := q.Shift(local(t, loc, "2024-07-20 06:30"), loc).In(loc).Format("15:04"); got != "07:00" {
		t.Errorf("06:30 with quiet until 07:00: got %s", got)
	}
	if q.Contains(local(t, loc, "2024-07-20 21:30"), loc) {
		t.Error("21:30 quiet with quiet from 22:00")
	}
	noon := reminders.QuietHours{Start: 12 * time.Hour, End: 13 * time.Hour} // not spanning midnight
	if !noon.Contains(local(t, loc, "2024-07-20 12:30"), loc) || noon.Contains(local(t, loc, "2024-07-20 13:00"), loc) {
		t.Error("daytime span")
	}
	if got := noon.Shift(local(t, loc, "2024-07-20 12:30"), loc).In(loc).Format("15:04"); got != "13:00" {
		t.Errorf("daytime shift: %s", got)
	}
	if (reminders.QuietHours{}).Contains(local(t, loc, "2024-07-20 03:00"), loc) {
		t.Error("zero quiet hours are quiet")
	}

	// A planner with later quiet hours moves H-0 to their end, and skips it
	// when that is the session start.
	p := reminders.DefaultPlanner
	p.Quiet = q
	now := local(t, loc, "2024-07-01 10:00")
	start := local(t, loc, "2024-07-20 08:00")
	items := byKind(t, p.PlanBooking(1, "KB-AAAAAA", start, start.Add(time.Hour), loc, now))
	want(t, items[reminders.KindH0], loc, "2024-07-20 07:00", "2024-07-20 08:00")
	start = local(t, loc, "2024-07-20 07:00")
	if _, ok := byKind(t, p.PlanBooking(1, "KB-AAAAAA", start, start.Add(time.Hour), loc, now))[reminders.KindH0]; ok {
		t.Error("h0 planned at the session start")
	}
}

func TestItemValidateAndEvent(t *testing.T) {
	now := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	ok := reminders.Item{ID: "h1:KB-A:1", Chat: 5, Kind: "h1", Ref: "KB-A", Due: now, NotAfter: now.Add(time.Hour), Zone: "Asia/Jakarta"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*reminders.Item){
		func(it *reminders.Item) { it.ID = "" },
		func(it *reminders.Item) { it.ID = "a|b" },
		func(it *reminders.Item) { it.ID = "a b" },
		func(it *reminders.Item) { it.Ref = "x|y" },
		func(it *reminders.Item) { it.Kind = "" },
		func(it *reminders.Item) { it.Chat = 0 },
		func(it *reminders.Item) { it.Due = time.Time{} },
		func(it *reminders.Item) { it.NotAfter = now.Add(-time.Second) },
	}
	for i, f := range bad {
		it := ok
		f(&it)
		if err := it.Validate(); !errors.Is(err, reminders.ErrInvalid) {
			t.Errorf("case %d: got %v, want ErrInvalid", i, err)
		}
	}
	ev := ok.Event()
	if ev.Kind != kbbot.EventReminder || ev.ChatID != 5 || *ev.Reminder != (kbbot.Reminder{ID: ok.ID, Kind: "h1", Ref: "KB-A"}) {
		t.Errorf("event %+v", ev)
	}
	if ok.Stale(now.Add(time.Hour)) || !ok.Stale(now.Add(time.Hour+time.Nanosecond)) {
		t.Error("Stale is not 'after NotAfter'")
	}
	for _, k := range reminders.Kinds() {
		if !reminders.KnownKind(k) {
			t.Errorf("kind %s unknown", k)
		}
	}
}

// TestPlanCadreBooking: a cadre who booked for a resident without a phone
// gets that booking's H-1 and H-0, at the resident's times, under kinds
// of their own (a cadre may stop them without stopping their own).
func TestPlanCadreBooking(t *testing.T) {
	loc := load(t, "Asia/Jakarta")
	start := local(t, loc, "2026-11-26 08:00")
	items := byKind(t, reminders.PlanCadreBooking(kbbot.ChatID(9202), "KB-7QH4XM", start, loc, local(t, loc, "2026-11-23 09:00")))
	if len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	h1, h0 := items[reminders.KindCadreH1], items[reminders.KindCadreH0]
	if h1.ID != "kader_h1:KB-7QH4XM:202611260100" || h1.Chat != 9202 || h1.Ref != "KB-7QH4XM" || !h1.Due.Equal(local(t, loc, "2026-11-25 16:00")) {
		t.Errorf("H-1 %+v", h1)
	}
	if h0.ID != "kader_h0:KB-7QH4XM:202611260100" || !h0.Due.Equal(local(t, loc, "2026-11-26 06:00")) {
		t.Errorf("H-0 %+v", h0)
	}
	if !reminders.KnownKind(reminders.KindCadreH1) || !reminders.KnownKind(reminders.KindNudge) || reminders.KnownKind(reminders.KindEventChange) {
		t.Error("stoppable kinds: the cadre's and the nudge, not an event change")
	}
}
