package conversations

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/resident"
)

// TestReportAreas: who may act at which facility of the demo data. A
// facility lies in a kelurahan, so a Kampung KB's kader acts at the
// facilities of its kelurahan, and nowhere else.
func TestReportAreas(t *testing.T) {
	t.Parallel()
	c, err := booking.Demo(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	bendan, _ := c.Facility("pkm-bendan")   // kelurahan Bendan Kergon, Pekalongan Barat
	rs, _ := c.Facility("rs-bhakti-ibu")    // Pekalongan Barat, no kelurahan
	timur, _ := c.Facility("pkm-noyontaan") // Pekalongan Timur
	barat := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	kkb := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon", KampungKB: "Kampung KB Melati"}
	for _, tc := range []struct {
		m    cadre.Member
		act  cadre.Action
		f    *booking.Facility
		want bool
	}{
		{cadre.Member{Role: cadre.Bidan, Area: barat}, cadre.ActCheckIn, bendan, true},
		{cadre.Member{Role: cadre.Bidan, Area: barat}, cadre.ActCheckIn, rs, true},
		{cadre.Member{Role: cadre.Bidan, Area: barat}, cadre.ActCheckIn, timur, false},
		{cadre.Member{Role: cadre.Bidan, Area: barat}, cadre.ActPoster, bendan, false},
		{cadre.Member{Role: cadre.TPK, Area: barat}, cadre.ActCheckIn, bendan, false},
		{cadre.Member{Role: cadre.Kader, Area: kkb}, cadre.ActCheckIn, bendan, true},
		{cadre.Member{Role: cadre.Kader, Area: kkb}, cadre.ActReport, rs, false},
		{cadre.Member{Role: cadre.Admin}, cadre.ActReport, timur, true},
	} {
		if got := canAt(tc.m, tc.act, tc.f); got != tc.want {
			t.Errorf("%s of %s: %s at %s = %v, want %v", tc.m.Role, tc.m.Area, tc.act, tc.f.ID, got, tc.want)
		}
	}
	evs := eventsIn(c, c.Events(), cadre.Member{Role: cadre.Kader, Area: barat}, cadre.ActReport)
	if len(evs) != 1 || evs[0].ID != "kbs-pekalongan-demo" {
		t.Fatalf("events of Pekalongan Barat: %v", evs)
	}
	if evs := eventsIn(c, c.Events(), cadre.Member{Role: cadre.Admin}, cadre.ActReport); len(evs) != 3 {
		t.Fatalf("an admin sees %d events, want 3", len(evs))
	}
}

// TestReportCallbackShapes: the report buttons fit Telegram's 64 bytes with
// the longest event id, and malformed ones are refused (by the parser, or
// by the registry's arity check).
func TestReportCallbackShapes(t *testing.T) {
	t.Parallel()
	long := "e234567890123456789012345678901234567890" // booking.MaxIDLen
	nonce := "abcdefgh"
	for _, d := range []string{
		data(rekapFlow{}.Name(), "ev", long, nonce),
		data(posterFlow{}.Name(), "ev", long, nonce),
		data(checkinFlow{}.Name(), "m", "minipil", nonce),
		data(checkinFlow{}.Name(), "cat", string(booking.Categories()[0]), nonce),
	} {
		if _, ok := parseCallback(d); !ok {
			t.Errorf("%q (%d bytes) does not parse", d, len(d))
		}
	}
	if _, ok := parseCallback("rk::n1"); ok {
		t.Errorf("%q parses", "rk::n1")
	}
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(lib, func() string { return "n1" }, Services{})
	for _, d := range []string{"q", "q:xx", "rk", "rk:ev:a:b:c", "chk:save", "qr:ev:n1"} {
		res := e.Step(context.Background(), NewSession(), resident.New("id"), kbbot.Event{Kind: kbbot.EventCallback, ChatID: 1, CallbackID: "q", Data: d}, time.Now())
		if len(res.Replies) == 0 || res.Replies[0].Text != lib.UI.T(content.ID, "button_expired") {
			t.Errorf("%q: not refused as expired: %+v", d, res.Replies)
		}
	}
}

// TestReportCommandsUnknownToResidents: for a chat that is not staff the
// report commands do not exist, whatever their name.
func TestReportCommandsUnknownToResidents(t *testing.T) {
	t.Parallel()
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(lib, func() string { return "n1" }, Services{})
	for _, cmd := range []string{"checkin", "cekin", "rekap", "qr", "poster"} {
		r := resident.New("id")
		r.Consent, r.NoticeVersion = ConsentGiven, NoticeVersion
		res := e.Step(context.Background(), NewSession(), r, kbbot.Event{Kind: kbbot.EventCommand, ChatID: 1, Command: cmd, Args: "KB-123456"}, time.Now())
		if len(res.Replies) != 1 || res.Replies[0].Text != lib.UI.T(content.ID, "unknown_command", "/"+cmd) {
			t.Errorf("/%s: %+v", cmd, res.Replies)
		}
		if res.Session.Flow != "" {
			t.Errorf("/%s: flow %q", cmd, res.Session.Flow)
		}
	}
}
