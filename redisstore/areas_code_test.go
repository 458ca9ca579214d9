package redisstore_test

import (
	"context"
	"testing"

	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

// TestAudiencesByCode: residents whose area has a Kemendagri code are
// indexed by code, so two spellings of a place are one audience; an
// audience with a code also reaches residents not yet migrated, by the
// official names; the places below an area carry their codes.
func TestAudiencesByCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	panjang := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}
	bcSetProfile(t, s, 1, panjang, cadre.IbuHamil)
	// The same kelurahan as spelt by someone else: the code decides.
	bcSetProfile(t, s, 2, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}, "")
	// Not migrated yet: the official names, no code.
	bcSetProfile(t, s, 3, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "panjang wetan"}, "")
	bcSetProfile(t, s, 4, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon", Code: "33.75.01.1006"}, "")

	utara := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Code: "33.75.03"}
	kota := cadre.Area{Kabupaten: "Kota Pekalongan", Code: "33.75"}
	for name, c := range map[string]struct {
		a    broadcast.Audience
		want int
	}{
		"kelurahan by code":   {broadcast.Audience{Area: panjang}, 3},
		"kecamatan by code":   {broadcast.Audience{Area: utara}, 3},
		"kota by code":        {broadcast.Audience{Area: kota}, 4},
		"group":               {broadcast.Audience{Area: kota, Group: cadre.IbuHamil}, 1},
		"another kabupaten":   {broadcast.Audience{Area: cadre.Area{Kabupaten: "Kabupaten Pekalongan", Code: "33.26"}}, 0},
		"kota by name (old)":  {broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Pekalongan"}}, 1},
		"everyone in country": {broadcast.Audience{}, 4},
	} {
		if got := bcCount(t, s, c.a); got != c.want {
			t.Errorf("%s: %d recipients, want %d", name, got, c.want)
		}
	}
	places, err := s.Places(ctx, kota)
	if err != nil {
		t.Fatal(err)
	}
	want := []broadcast.Place{{Name: "Pekalongan Barat", Code: "33.75.01", Residents: 1}, {Name: "Pekalongan Utara", Code: "33.75.03", Residents: 2}}
	if len(places) != 2 || places[0] != want[0] || places[1] != want[1] {
		t.Errorf("places below Kota Pekalongan = %+v, want %+v", places, want)
	}
	root, err := s.Places(ctx, cadre.Area{})
	if err != nil {
		t.Fatal(err)
	}
	var coded bool
	for _, p := range root {
		coded = coded || p.Code == "33.75" && p.Residents == 3
	}
	if !coded {
		t.Errorf("places of the country = %+v, want Kota Pekalongan by code with 3 residents", root)
	}
	// Moving a resident to the same place by code leaves the name sets.
	bcSetProfile(t, s, 3, panjang, "")
	if got := bcCount(t, s, broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Pekalongan"}}); got != 0 {
		t.Errorf("after migration, %d residents left under the names", got)
	}
	if got := bcCount(t, s, broadcast.Audience{Area: panjang}); got != 3 {
		t.Errorf("after migration, %d in Panjang Wetan, want 3", got)
	}
}
