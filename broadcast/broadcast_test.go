package broadcast_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

var (
	wib, _ = time.LoadLocation("Asia/Jakarta")
	wit, _ = time.LoadLocation("Asia/Jayapura")
	now    = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // Monday 09:00 WIB
	barat  = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	bendan = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"  Bendan   Kergon ": "Bendan Kergon",
		"Kel. Podosugih":     "Kel. Podosugih",
		"Tanjung Pinang (2)": "Tanjung Pinang (2)",
	} {
		if got, ok := broadcast.CleanName(in); !ok || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "a", "<b>x</b>", "Bendan|Kergon", "12", strings.Repeat("x", 61), "x@y"} {
		if _, ok := broadcast.CleanName(bad); ok {
			t.Errorf("CleanName(%q) accepted", bad)
		}
	}
}

// The index paths and Audience.Includes agree with cadre.Area.Contains.
func TestPathsAndAudience(t *testing.T) {
	if got := broadcast.Paths(cadre.Area{Kabupaten: "KOTA  Pekalongan", Kecamatan: "Pekalongan Barat", KampungKB: "skipped"}); len(got) != 2 || got[1] != "kota pekalongan|pekalongan barat" {
		t.Fatalf("paths stop at the first empty level and normalize: %q", got)
	}
	if broadcast.Depth(cadre.Area{}) != 0 || broadcast.Depth(bendan) != 3 {
		t.Fatal("depth")
	}
	if c := broadcast.Child(barat, "Bendan Kergon"); c != bendan {
		t.Fatalf("child: %+v", c)
	}
	p := broadcast.Profile{Area: bendan, Group: cadre.IbuHamil}
	for _, c := range []struct {
		a    broadcast.Audience
		want bool
	}{
		{broadcast.Audience{}, true},
		{broadcast.Audience{Area: barat}, true},
		{broadcast.Audience{Area: cadre.Area{Kabupaten: "kota pekalongan", Kecamatan: "pekalongan barat", Kelurahan: "bendan kergon"}}, true},
		{broadcast.Audience{Area: barat, Group: cadre.IbuHamil}, true},
		{broadcast.Audience{Area: barat, Group: cadre.Catin}, false},
		{broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}}, false},
	} {
		if got := c.a.Includes(p); got != c.want {
			t.Errorf("%+v includes %+v: %v, want %v", c.a, p, got, c.want)
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []broadcast.Profile{
		{Area: cadre.Area{Kabupaten: "Kota Pekalongan"}},
		{Area: bendan, Group: "vip"},
		{Area: cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "<b>"}},
	} {
		if err := bad.Validate(); !errors.Is(err, broadcast.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestSendingTimes(t *testing.T) {
	if got := broadcast.SendNow(now, wib); !got.Equal(now) {
		t.Errorf("09:00 WIB is sent at once, got %v", got)
	}
	night := time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC) // 22:30 WIB
	if got := broadcast.SendNow(night, wib); !got.Equal(time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("22:30 WIB waits for 06:00 WIB, got %v", got)
	}
	for _, c := range []struct {
		at   time.Time
		loc  *time.Location
		want error
	}{
		{now.Add(time.Hour), wib, nil},
		{now.Add(-time.Minute), wib, broadcast.ErrPast},
		{now.Add(61 * 24 * time.Hour), wib, broadcast.ErrTooFar},
		{night, wib, broadcast.ErrNight},
		{now.Add(11 * time.Hour), wib, nil},                // 20:00 WIB
		{now.Add(11 * time.Hour), wit, broadcast.ErrNight}, // the same instant is 22:00 WIT
	} {
		if err := broadcast.CheckTime(c.at, now, c.loc); !errors.Is(err, c.want) {
			t.Errorf("CheckTime(%v in %v): %v, want %v", c.at, c.loc, err, c.want)
		}
	}
}

func TestParseLocal(t *testing.T) {
	want := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) // 08:00 WIB
	for _, s := range []string{"25-11-2026 08.00", "25/11/2026 8:00", "2026-11-25 08:00", "25-11 08.00", "25-11-2026, pukul 08.00 WIB"} {
		got, ok := broadcast.ParseLocal(s, now, wib)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseLocal(%q) = %v %v, want %v", s, got, ok, want)
		}
	}
	if got, ok := broadcast.ParseLocal("20-11 08.00", now, wib); !ok || got.Year() != 2027 {
		t.Errorf("a day already past this year is next year: %v %v", got, ok)
	}
	for _, s := range []string{"besok", "31-02-2026 08.00", "25-11-2026", "25-11-2026 25.00"} {
		if _, ok := broadcast.ParseLocal(s, now, wib); ok {
			t.Errorf("ParseLocal(%q) accepted", s)
		}
	}
}

func TestBroadcastRules(t *testing.T) {
	id := broadcast.NewID(42, "n1")
	if !broadcast.ValidID(id) || id != broadcast.NewID(42, "n1") || id == broadcast.NewID(43, "n1") {
		t.Fatalf("ids must be valid, stable per author and nonce, distinct per author: %q", id)
	}
	b := broadcast.Broadcast{ID: id, Author: 42, Audience: broadcast.Audience{Area: bendan}, Text: "Halo",
		Zone: "Asia/Jakarta", Created: now, At: now}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	long := b
	long.Text = strings.Repeat("x", broadcast.MaxCaption+1)
	if err := long.Validate(); err != nil {
		t.Fatalf("a long text without a photo is fine: %v", err)
	}
	long.PhotoID = "photo-1"
	if err := long.Validate(); !errors.Is(err, broadcast.ErrInvalid) {
		t.Fatalf("a caption over the limit: %v", err)
	}
	kader := cadre.Member{Role: cadre.Kader, Area: bendan}
	pkb := cadre.Member{Role: cadre.PKB, Area: barat}
	other := cadre.Member{Role: cadre.Kader, Area: cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}}
	bidan := cadre.Member{Role: cadre.Bidan, Area: bendan}
	if !broadcast.MayManage(kader, b) || !broadcast.MayManage(pkb, b) || broadcast.MayManage(other, b) || broadcast.MayManage(bidan, b) {
		t.Fatal("MayManage: the area's kader and PKB may; another area's kader and a bidan may not")
	}
	c := broadcast.Counts{Total: 10, Delivered: 5, Blocked: 1, Failed: 1, Skipped: 1}
	if c.Left() != 2 || c.Settled() != 8 {
		t.Fatalf("counts: %+v", c)
	}
}
