package booking_test

import (
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

func TestDemoMatchesTheNewsReport(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 22, 30, 0, 0, time.UTC) // 05:30 WIB on 11 May
	c, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Event("kbs-pekalongan-demo")
	if !ok {
		t.Fatal("no Pekalongan event")
	}
	want := map[booking.Method]int{booking.IUD: 104, booking.Implan: 77, booking.MOW: 18, booking.MOP: 5}
	sum := map[booking.Method]int{}
	kec := map[string][]string{}
	for i := range e.Sites {
		s := &e.Sites[i]
		for m, q := range s.Quota {
			sum[m] += q
		}
		f, _ := c.Facility(s.Facility)
		if f.Kabupaten != "Kota Pekalongan" || f.Provinsi != "Jawa Tengah" || f.TimeZone != "Asia/Jakarta" || !f.Demo {
			t.Errorf("facility %+v", f)
		}
		if f.Lat < -6.93 || f.Lat > -6.87 || f.Lon < 109.64 || f.Lon > 109.71 {
			t.Errorf("%s at %v,%v is not in Kota Pekalongan", f.ID, f.Lat, f.Lon)
		}
		if (s.Quota[booking.MOW] > 0 || s.Quota[booking.MOP] > 0) && f.Type != booking.RS {
			t.Errorf("%s offers MOW/MOP but is a %s", f.ID, f.Type)
		}
		for _, m := range []booking.Method{booking.Suntik3, booking.Pil, booking.Kondom} {
			if s.Quota[m] <= 0 {
				t.Errorf("%s does not offer %s", f.ID, m)
			}
		}
		total := 0
		for _, q := range s.Quota {
			total += q
		}
		if total > s.Capacity() {
			t.Errorf("%s: quotas %d exceed capacity %d", f.ID, total, s.Capacity())
		}
		kec[f.Kecamatan] = append(kec[f.Kecamatan], f.Name)
	}
	for m, n := range want {
		if sum[m] != n || e.Targets[m] != n {
			t.Errorf("%s: quotas sum to %d, target %d; want %d", m, sum[m], e.Targets[m], n)
		}
	}
	if len(e.Sites) != 8 || len(kec) != 4 {
		t.Errorf("%d sites in %d kecamatan, want 8 in 4: %v", len(e.Sites), len(kec), kec)
	}
	// The event is 3 days after now's local date (11 May in WIB).
	if e.Date != (booking.Date{Year: 2026, Month: time.May, Day: 14}) {
		t.Errorf("date %v, want 2026-05-14", e.Date)
	}
	if len(c.OpenEvents(now)) != 3 {
		t.Errorf("open events %d, want 3", len(c.OpenEvents(now)))
	}
	// Deterministic for a given now.
	c2, _ := booking.Demo(now)
	e2, _ := c2.Event("kbs-pekalongan-demo")
	if e2.Sites[3].Sessions[1].Start != e.Sites[3].Sessions[1].Start {
		t.Error("Demo is not deterministic")
	}
}

func TestTimeZonesShowLocalTimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	c, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		event, fac, zone, first string
		utcHour                 int
	}{
		{"kbs-pekalongan-demo", "pkm-bendan", "WIB", "08.00 WIB", 1},
		{"kbs-makassar-demo", "pkm-kassi-kassi", "WITA", "08.00 WITA", 0},
		{"kbs-jayapura-demo", "pkm-hamadi", "WIT", "09.00 WIT", 0},
	}
	for _, tc := range cases {
		slot, err := c.Slot(tc.event, tc.fac, "")
		if err != nil {
			t.Fatal(err)
		}
		s := slot.Site.Sessions[0]
		if got := booking.ZoneLabel(slot.Facility.Location); got != tc.zone {
			t.Errorf("%s: zone %s, want %s", tc.fac, got, tc.zone)
		}
		if got := booking.Clock(s.Start, slot.Facility.Location); got != tc.first {
			t.Errorf("%s: first session %s, want %s", tc.fac, got, tc.first)
		}
		if s.Start.UTC().Hour() != tc.utcHour || s.Start.Location() != time.UTC {
			t.Errorf("%s: stored start %v, want %02d:00 UTC", tc.fac, s.Start, tc.utcHour)
		}
		// Cut-off: the day before at 20:00 local, exactly.
		cut := slot.Site.Closes
		if got := booking.Clock(cut, slot.Facility.Location); got != "20.00 "+tc.zone {
			t.Errorf("%s: closes %s", tc.fac, got)
		}
		if !slot.Site.Open(cut.Add(-time.Nanosecond)) || slot.Site.Open(cut) {
			t.Errorf("%s: booking must close exactly at the cut-off", tc.fac)
		}
	}
}

func TestZoneLabel(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT", "Asia/Singapore": "", "UTC": ""} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := booking.ZoneLabel(loc); got != want {
			t.Errorf("ZoneLabel(%s) = %q, want %q", name, got, want)
		}
	}
	if _, err := booking.LoadZone("Asia/Singapore"); err == nil {
		t.Error("LoadZone accepted a zone outside Indonesia")
	}
}

func TestNearestRegionsAndSites(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	c, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	// Standing next to Puskesmas Noyontaan.
	near := c.Nearest(-6.8903, 109.6849, now, 3)
	if len(near) != 3 || near[0].Facility.ID != "pkm-noyontaan" {
		t.Fatalf("nearest %v", near)
	}
	if near[0].KM > 0.05 || !(near[0].KM <= near[1].KM && near[1].KM <= near[2].KM) {
		t.Errorf("distances %v %v %v", near[0].KM, near[1].KM, near[2].KM)
	}
	if near[0].Sites[0].Event.ID != "kbs-pekalongan-demo" {
		t.Errorf("sites %v", near[0].Sites)
	}
	// Pekalongan to Makassar is about 1,000 km.
	all := c.Nearest(-6.8903, 109.6849, now, 0)
	last := all[len(all)-1]
	if len(all) != 10 || last.Facility.ID != "pkm-hamadi" || last.KM < 3000 || last.KM > 3600 {
		t.Errorf("farthest %s at %.0f km of %d", last.Facility.ID, last.KM, len(all))
	}
	// After the cut-off nothing is offered.
	later := now.Add(7 * 24 * time.Hour)
	if n := c.Nearest(-6.89, 109.68, later, 5); len(n) != 0 {
		t.Errorf("closed events offered: %v", n)
	}
	regs := c.Regions(now)
	if len(regs) != 3 || regs[2].Kabupaten != "Kota Pekalongan" || len(regs[2].Kecamatan) != 4 || regs[2].Kecamatan[0] != "Pekalongan Barat" {
		t.Errorf("regions %+v", regs)
	}
	sites := c.SitesIn("kota pekalongan", "Pekalongan Barat", now)
	if len(sites) != 2 || sites[0].Facility.Name != "Puskesmas Bendan" || sites[1].Facility.Name != "RS Bhakti Ibu" {
		t.Errorf("sites in Pekalongan Barat: %v", sites)
	}
	if got := c.SitesAt("pkm-hamadi", now); len(got) != 1 || got[0].Event.ID != "kbs-jayapura-demo" {
		t.Errorf("sites at pkm-hamadi: %v", got)
	}
	f, _ := c.Facility("pkm-bendan")
	if got := booking.MapLink(f); got != "https://www.google.com/maps/search/?api=1&query=-6.8886,109.6596" {
		t.Errorf("map link %s", got)
	}
}
