package cadre_test

import (
	"testing"

	"github.com/kbbot/kbbot/cadre"
)

var (
	kota   = cadre.Area{Kabupaten: "Kota Pekalongan"}
	barat  = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	timur  = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}
	bendan = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	kkb    = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon", KampungKB: "Kampung KB Melati"}
	jambi  = cadre.Area{Kabupaten: "Kota Jambi", Kecamatan: "Pekalongan Barat"}
)

func TestContains(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b cadre.Area
		want bool
	}{
		{cadre.Area{}, kkb, true},
		{cadre.Area{}, cadre.Area{}, true},
		{kota, barat, true},
		{kota, kkb, true},
		{barat, bendan, true},
		{barat, kkb, true},
		{barat, barat, true},
		{bendan, kkb, true},
		{barat, timur, false},
		{barat, kota, false}, // a kecamatan does not contain its kabupaten
		{bendan, barat, false},
		{kkb, bendan, false},
		{barat, jambi, false}, // same kecamatan name, another kabupaten
		{kota, cadre.Area{}, false},
		// Case and spaces do not matter.
		{cadre.Area{Kabupaten: "kota pekalongan ", Kecamatan: " PEKALONGAN BARAT"}, bendan, true},
	}
	for _, c := range cases {
		if got := c.a.Contains(c.b); got != c.want {
			t.Errorf("%q contains %q = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestContainsByCode: areas with Kemendagri codes are compared by code, so
// a spelling does not matter; an area without one (stored before the
// list) is compared by name.
func TestContainsByCode(t *testing.T) {
	t.Parallel()
	kota := cadre.Area{Kabupaten: "Kota Pekalongan", Code: "33.75"}
	utara := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Code: "33.75.03"}
	panjang := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}
	kkb := panjang
	kkb.KampungKB = "Kampung KB Mina Bahari"
	kab := cadre.Area{Kabupaten: "Kabupaten Pekalongan", Code: "33.26"}
	typo := cadre.Area{Kabupaten: "kota pekalongan", Kecamatan: "pekalongan utara", Kelurahan: "panjang wetan"}
	cases := []struct {
		a, b cadre.Area
		want bool
	}{
		{kota, panjang, true},
		{utara, panjang, true},
		{panjang, panjang, true},
		{panjang, kkb, true},
		{kkb, panjang, false},
		{kkb, kkb, true},
		{panjang, utara, false},
		{kab, panjang, false},
		{cadre.Area{Code: "33.7"}, panjang, false}, // a code is cut at its dots
		{cadre.Area{}, panjang, true},
		// Names decide when one side has no code.
		{utara, typo, true},
		{typo, panjang, true},
		{kab, typo, false},
		// Names do not matter when both have a code.
		{cadre.Area{Kabupaten: "Pekalongan", Code: "33.75"}, panjang, true},
	}
	for _, c := range cases {
		if got := c.a.Contains(c.b); got != c.want {
			t.Errorf("%+v contains %+v = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCan(t *testing.T) {
	t.Parallel()
	admin := cadre.Member{Chat: 1, Role: cadre.Admin}
	pkb := cadre.Member{Chat: 2, Role: cadre.PKB, Area: barat}
	kader := cadre.Member{Chat: 3, Role: cadre.Kader, Area: bendan}
	tpk := cadre.Member{Chat: 4, Role: cadre.TPK, Area: barat}
	bidan := cadre.Member{Chat: 5, Role: cadre.Bidan, Area: barat}
	resident := cadre.Member{Chat: 6}
	cases := []struct {
		m    cadre.Member
		act  cadre.Action
		in   cadre.Area
		want bool
	}{
		{admin, cadre.ActAudit, cadre.Area{}, true},
		{admin, cadre.ActBroadcast, jambi, true},
		{admin, cadre.ActInvite, timur, true},
		{pkb, cadre.ActInvite, barat, true},
		{pkb, cadre.ActInvite, bendan, true},
		{pkb, cadre.ActInvite, timur, false},
		{pkb, cadre.ActInvite, kota, false},
		{pkb, cadre.ActAudit, barat, false},
		{admin, cadre.ActImport, cadre.Area{}, true},
		{pkb, cadre.ActImport, barat, false},
		{kader, cadre.ActImport, bendan, false},
		{pkb, cadre.ActBroadcast, kkb, true},
		{kader, cadre.ActBroadcast, kkb, true},
		{kader, cadre.ActBroadcast, barat, false}, // wider than their kelurahan
		{kader, cadre.ActInvite, bendan, false},
		{kader, cadre.ActCheckIn, bendan, true},
		{tpk, cadre.ActCheckIn, barat, false},
		{tpk, cadre.ActBookFor, barat, true},
		{bidan, cadre.ActCheckIn, barat, true},
		{bidan, cadre.ActBroadcast, barat, false},
		{bidan, cadre.ActReport, timur, false},
		// Only providers see the pregnancy checklist, register walk-ins and
		// mark clients not served.
		{bidan, cadre.ActProvide, barat, true},
		{bidan, cadre.ActProvide, timur, false},
		{admin, cadre.ActProvide, timur, true},
		{pkb, cadre.ActProvide, barat, false},
		{kader, cadre.ActProvide, bendan, false},
		{tpk, cadre.ActProvide, barat, false},
		{resident, cadre.ActBroadcast, barat, false},
		{resident, cadre.ActReport, cadre.Area{}, false},
		{cadre.Member{Role: "superuser"}, cadre.ActAudit, cadre.Area{}, false},
	}
	for _, c := range cases {
		if got := cadre.Can(c.m, c.act, c.in); got != c.want {
			t.Errorf("Can(%s of %q, %s, %q) = %v, want %v", c.m.Role, c.m.Area, c.act, c.in, got, c.want)
		}
	}
}

func TestCanInvite(t *testing.T) {
	t.Parallel()
	admin := cadre.Member{Chat: 1, Role: cadre.Admin}
	pkbA := cadre.Member{Chat: 2, Role: cadre.PKB, Area: barat}
	kader := cadre.Member{Chat: 3, Role: cadre.Kader, Area: barat}
	bidan := cadre.Member{Chat: 4, Role: cadre.Bidan, Area: barat}
	cases := []struct {
		m    cadre.Member
		r    cadre.Role
		in   cadre.Area
		want bool
	}{
		{admin, cadre.PKB, timur, true},
		{admin, cadre.Kader, kkb, true},
		{admin, cadre.Bidan, jambi, true},
		{admin, cadre.Admin, barat, false}, // admins come from configuration only
		{admin, "boss", barat, false},
		{pkbA, cadre.Kader, barat, true},
		{pkbA, cadre.TPK, bendan, true},
		{pkbA, cadre.Bidan, kkb, true},
		{pkbA, cadre.Kader, timur, false}, // a PKB of kecamatan A cannot invite for B
		{pkbA, cadre.Kader, jambi, false},
		{pkbA, cadre.Kader, kota, false},
		{pkbA, cadre.PKB, barat, false}, // nor make another PKB
		{pkbA, cadre.Admin, barat, false},
		{kader, cadre.Kader, barat, false}, // a kader cannot invite
		{kader, cadre.TPK, bendan, false},
		{bidan, cadre.Bidan, barat, false},
		{cadre.Member{Chat: 9}, cadre.Kader, barat, false},
	}
	for _, c := range cases {
		if got := cadre.CanInvite(c.m, c.r, c.in); got != c.want {
			t.Errorf("CanInvite(%s of %q, %s, %q) = %v, want %v", c.m.Role, c.m.Area, c.r, c.in, got, c.want)
		}
	}
}

func TestAreaString(t *testing.T) {
	t.Parallel()
	if got := kkb.String(); got != "Kampung KB Melati, Bendan Kergon, Pekalongan Barat, Kota Pekalongan" {
		t.Errorf("String = %q", got)
	}
	if !(cadre.Area{}).IsZero() || barat.IsZero() {
		t.Error("IsZero")
	}
	for _, r := range cadre.Roles() {
		if !r.Valid() {
			t.Errorf("role %q not valid", r)
		}
	}
	if cadre.Role("").Valid() || cadre.Role("Admin").Valid() {
		t.Error("unknown roles must not be valid")
	}
}
