package wilayah

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kbbot/kbbot/cadre"
)

func list(t testing.TB) *List {
	t.Helper()
	l, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestCounts: the embedded list is idn-area-data 4.0.1 whole.
func TestCounts(t *testing.T) {
	l := list(t)
	got := [4]int{l.Len(Province), l.Len(Regency), l.Len(District), l.Len(Village)}
	t.Logf("counts: %d provinces, %d kabupaten/kota, %d kecamatan, %d kelurahan/desa", got[0], got[1], got[2], got[3])
	if want := [4]int{38, 514, 7285, 83762}; got != want {
		t.Errorf("counts %v, want %v (idn-area-data 4.0.1)", got, want)
	}
	src, err := files.ReadFile("data/SOURCE")
	if err != nil || !strings.Contains(string(src), "idn-area-data 4.0.1") || !strings.Contains(string(src), "ODbL") {
		t.Errorf("data/SOURCE must name the package, its version and the licence: %q %v", src, err)
	}
	lic, err := files.ReadFile("data/LICENSE.md")
	if err != nil || !strings.Contains(string(lic), "Open Database License") {
		t.Errorf("data/LICENSE.md must be the ODbL: %v", err)
	}
}

func TestLookups(t *testing.T) {
	l := list(t)
	p, ok := l.Place("33.75.03.1004")
	if !ok || p.Name != "Panjang Wetan" || p.Level != Village {
		t.Fatalf("Place = %+v %v", p, ok)
	}
	if got := l.FullName("33.75.03.1004"); got != "Panjang Wetan, Pekalongan Utara, Kota Pekalongan" {
		t.Errorf("FullName = %q", got)
	}
	if got := l.FullName("33.75"); got != "Kota Pekalongan, Jawa Tengah" {
		t.Errorf("FullName of a regency = %q", got)
	}
	if got := l.Parents("33.75.03.1004"); got != "Pekalongan Utara, Kota Pekalongan" {
		t.Errorf("Parents = %q", got)
	}
	if got := l.Parents("33.75.03"); got != "Kota Pekalongan, Jawa Tengah" {
		t.Errorf("Parents of a district = %q", got)
	}
	if pr, _ := l.Province("33.75.03.1004"); pr.Name != "Jawa Tengah" {
		t.Errorf("Province = %+v", pr)
	}
	kids := l.Children("33.75")
	if len(kids) != 4 || kids[0].Code != "33.75.01" || kids[2].Name != "Pekalongan Utara" {
		t.Errorf("Children(33.75) = %+v", kids)
	}
	if n := len(l.Children("")); n != 38 {
		t.Errorf("Children(\"\") = %d provinces", n)
	}
	if c := l.Chain("33.75.03.1004"); len(c) != 4 || c[0].Code != "33" || c[3].Code != "33.75.03.1004" {
		t.Errorf("Chain = %+v", c)
	}
	if _, ok := l.Place("33.75.09"); ok || l.Children("99") != nil || l.FullName("x") != "" {
		t.Error("an unknown code must find nothing")
	}
	for code, lv := range map[string]Level{"33": Province, "33.75": Regency, "33.75.03": District, "33.75.03.1004": Village,
		"3": 0, "33.7": 0, "33.75.03.104": 0, "33.75.03.1004.1": 0, "ab": 0, "": 0} {
		if LevelOf(code) != lv {
			t.Errorf("LevelOf(%q) = %v, want %v", code, LevelOf(code), lv)
		}
	}
	if !Within("33.75.03", "33.75") || !Within("33.75", "33.75") || Within("33.75", "33.7") || !Within("11", "") {
		t.Error("Within")
	}
}

// TestZones: the zone follows the province (Keppres 41/1987).
func TestZones(t *testing.T) {
	cases := map[string]string{
		"33.75.03.1004": ZoneWIB,       // Jawa Tengah
		"11.71":         ZoneWIB,       // Aceh: Kota Banda Aceh
		"31":            ZoneWIB,       // DKI Jakarta
		"61.71":         ZoneWIBBorneo, // Kalimantan Barat: Kota Pontianak
		"62":            ZoneWIBBorneo, // Kalimantan Tengah
		"63":            ZoneWITA,      // Kalimantan Selatan
		"64.72":         ZoneWITA,      // Kalimantan Timur: Kota Samarinda
		"65":            ZoneWITA,      // Kalimantan Utara
		"51.71.01":      ZoneWITA,      // Bali: Denpasar Selatan
		"52":            ZoneWITA,      // NTB
		"73.71":         ZoneWITA,      // Sulawesi Selatan: Kota Makassar
		"81":            ZoneWIT,       // Maluku
		"91.71":         ZoneWIT,       // Papua: Kota Jayapura
		"96":            ZoneWIT,       // Papua Barat Daya
	}
	for code, want := range cases {
		if got, ok := Zone(code); !ok || got != want {
			t.Errorf("Zone(%s) = %q %v, want %s", code, got, ok, want)
		}
	}
	for _, p := range list(t).Children("") {
		if _, ok := Zone(p.Code); !ok {
			t.Errorf("province %s %s has no zone", p.Code, p.Name)
		}
	}
	if _, ok := Zone("99"); ok {
		t.Error("Zone of an unknown province")
	}
}

// TestSearchSpellings: 20 typed spellings resolve to the right codes.
func TestSearchSpellings(t *testing.T) {
	l := list(t)
	cases := []struct {
		typed string
		opt   Options
		want  string // the first candidate
	}{
		{"panjang wetan", Options{}, "33.75.03.1004"},
		{"Panjang Wetan", Options{}, "33.75.03.1004"},
		{"PANJANG WETAN", Options{}, "33.75.03.1004"},
		{"panjangwetan", Options{}, "33.75.03.1004"},        // missing space
		{"  panjang   wetan. ", Options{}, "33.75.03.1004"}, // spaces, a dot
		{"kel. panjang wetan", Options{}, "33.75.03.1004"},  // prefix
		{"Kelurahan Panjang Wetan", Options{}, "33.75.03.1004"},
		{"panjang wetn", Options{}, "33.75.03.1004"},             // a letter missing
		{"panjnag wetan", Options{}, "33.75.03.1004"},            // two letters swapped
		{"panjang wetan pekalongan", Options{}, "33.75.03.1004"}, // with the city's name
		{"bendan kergon", Options{}, "33.75.01.1006"},
		{"kota pekalongan", Options{}, "33.75"},
		{"kab pekalongan", Options{}, "33.26"},
		{"kec. pekalongan utara", Options{}, "33.75.03"}, // a kecamatan
		{"pekalongan utara", Options{Levels: []Level{District}}, "33.75.03"},
		{"ubud", Options{Levels: []Level{District}}, "51.04.05"},             // Bali
		{"desa ubud", Options{}, "51.04.05.1005"},                            // Bali, the desa
		{"kecamatan kuta alam", Options{}, "11.71.02"},                       // Aceh
		{"abepura", Options{Levels: []Level{District}}, "91.71.03"},          // Papua
		{"sentani kota", Options{Levels: []Level{Village}}, "91.03.01.1001"}, // Papua, a kelurahan
	}
	for _, c := range cases {
		got := l.Search(c.typed, c.opt)
		if len(got) == 0 || got[0].Code != c.want {
			p, _ := l.Place(c.want)
			t.Errorf("Search(%q) = %v, want first %s %s", c.typed, got, c.want, p.Name)
		}
	}
	if len(cases) != 20 {
		t.Fatalf("%d spellings, the issue asks for 20", len(cases))
	}
}

func TestSearchAmbiguous(t *testing.T) {
	l := list(t)
	got := l.Search("sukamaju", Options{Levels: []Level{Village}, Limit: 6})
	if len(got) != 6 {
		t.Fatalf("Search(sukamaju) = %d candidates, want 6 (the limit)", len(got))
	}
	for _, m := range got {
		if Key(m.Name) != "sukamaju" || m.Parents == "" || m.Score < scoreExact {
			t.Errorf("candidate %+v: want an exact Sukamaju with its parents", m)
		}
	}
	if got[0].Parents == got[1].Parents {
		t.Errorf("two Sukamaju must be told apart by their parents: %q", got[0].Parents)
	}
	// A parent after a comma, or as a further word, puts that one first.
	for _, typed := range []string{"sukamaju, cibungbulang", "sukamaju cibungbulang", "desa sukamaju kec cibungbulang"} {
		got = l.Search(typed, Options{Levels: []Level{Village}})
		if len(got) == 0 || got[0].Code != "32.01.16.2013" {
			t.Errorf("Search(%q) = %v, want first 32.01.16.2013", typed, got)
		}
	}
	// Scoped under a kecamatan.
	got = l.Search("sukamaju", Options{Under: "32.01.16"})
	if len(got) != 1 || got[0].Code != "32.01.16.2013" {
		t.Errorf("Search under 32.01.16 = %v", got)
	}
}

func TestSearchNothing(t *testing.T) {
	l := list(t)
	for _, typed := range []string{"", "x", "!!", "qqqqzzzzxxxx", "kel."} {
		if got := l.Search(typed, Options{}); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", typed, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Ra\"as": "raas", "Udek Du’en": "udek duen", "Lubuk Pakam I,II": "lubuk pakam i ii",
		"  Kel.  Panjang-Wetan ": "kel panjang wetan", "Sei/Mencirim": "sei mencirim",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLoadErrors: a broken list fails with the file and line at fault.
func TestLoadErrors(t *testing.T) {
	good := fstest.MapFS{}
	for _, s := range sources {
		b, err := files.ReadFile(s.file)
		if err != nil {
			t.Fatal(err)
		}
		good[s.file] = &fstest.MapFile{Data: b}
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	cases := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"orphan", "data/districts.csv", []byte("code,regency_code,name\n33.75.01,33.75,Pekalongan Barat\n99.01.01,99.01,Nowhere\n"),
			"data/districts.csv line 3: code 99.01.01: parent 99.01 is not in the list"},
		{"parent mismatch", "data/regencies.csv", []byte("code,province_code,name\n33.75,34,Kota Pekalongan\n"),
			`data/regencies.csv line 2: code 33.75 under parent "34", want "33"`},
		{"bad code", "data/provinces.csv", []byte("code,name\n3x,Jawa\n"), `data/provinces.csv line 2: code "3x" is not a provinsi code`},
		{"header", "data/provinces.csv", []byte("kode,nama\n33,Jawa Tengah\n"), "data/provinces.csv line 1: header"},
		{"too few", "data/villages.csv.gz", gz("code,district_code,name\n33.75.03.1004,33.75.03,Panjang Wetan\n"),
			"data/villages.csv.gz: 1 rows, a full list has at least 80000"},
		{"no name", "data/provinces.csv", []byte("code,name\n33, \n"), "data/provinces.csv line 2: code 33 has no name"},
	}
	for _, c := range cases {
		fs := fstest.MapFS{}
		for k, v := range good {
			fs[k] = v
		}
		fs[c.file] = &fstest.MapFile{Data: c.data}
		_, err := load(fs)
		if !errors.Is(err, ErrList) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %q", c.name, err, c.want)
		}
	}
}

// TestRefreshScriptWritesWhatIsEmbedded: the script writes the embedded
// files, and nothing else is embedded.
func TestRefreshScriptWritesWhatIsEmbedded(t *testing.T) {
	b, err := os.ReadFile("../../scripts/refresh-wilayah.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"provinces.csv", "regencies.csv", "districts.csv", "villages.csv.gz", "LICENSE.md", "SOURCE"} {
		if !strings.Contains(string(b), f) {
			t.Errorf("scripts/refresh-wilayah.sh does not write %s", f)
		}
	}
}

// BenchmarkLoad reads and checks the whole list, and reports the heap it
// keeps.
func BenchmarkLoad(b *testing.B) {
	var keep *List
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		l, err := load(files)
		if err != nil {
			b.Fatal(err)
		}
		keep = l
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-kept")
	runtime.KeepAlive(keep)
}

// BenchmarkSearch is one typed kelurahan with a typo, over the whole list.
func BenchmarkSearch(b *testing.B) {
	l := list(b)
	for b.Loop() {
		if got := l.Search("panjang wetn", Options{Levels: []Level{District, Village}}); len(got) == 0 {
			b.Fatal("nothing found")
		}
	}
}

// BenchmarkSearchWords is a kelurahan with its kecamatan's name.
func BenchmarkSearchWords(b *testing.B) {
	l := list(b)
	for b.Loop() {
		if got := l.Search("sukamaju cibungbulang", Options{}); len(got) == 0 {
			b.Fatal("nothing found")
		}
	}
}

func TestAreaAndResolve(t *testing.T) {
	l := list(t)
	panjang := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}
	if a, ok := l.Area("33.75.03.1004"); !ok || a != panjang {
		t.Errorf("Area = %+v %v", a, ok)
	}
	if a, ok := l.Area("33.75"); !ok || a != (cadre.Area{Kabupaten: "Kota Pekalongan", Code: "33.75"}) {
		t.Errorf("Area of a regency = %+v %v", a, ok)
	}
	if _, ok := l.Area("33"); ok {
		t.Error("a province is no cadre area")
	}
	withKKB := panjang
	withKKB.KampungKB = "Kampung KB Mina Bahari"
	cases := []struct {
		in   cadre.Area
		want cadre.Area
		ok   bool
	}{
		{cadre.Area{Kabupaten: "kota pekalongan", Kecamatan: "PEKALONGAN UTARA", Kelurahan: " panjang  wetan "}, panjang, true},
		{cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", KampungKB: "Kampung KB Mina Bahari"}, withKKB, true},
		{cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara"}, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Code: "33.75.03"}, true},
		{cadre.Area{Kabupaten: "Kota Jayapura"}, cadre.Area{Kabupaten: "Kota Jayapura", Code: "91.71"}, true},
		{cadre.Area{Kabupaten: "Bogor", Kecamatan: "Cibungbulang"}, cadre.Area{}, false},                                          // Kabupaten or Kota Bogor
		{cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "panjang wetn"}, cadre.Area{}, false}, // a typo: asked, not guessed
		{cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Panjang Wetan"}, cadre.Area{}, false},
		{cadre.Area{Kecamatan: "Pekalongan Utara"}, cadre.Area{}, false},
		{panjang, panjang, true},
		{cadre.Area{Kabupaten: "X", Code: "33.99"}, cadre.Area{}, false},
	}
	for _, c := range cases {
		got, ok := l.Resolve(c.in)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("Resolve(%+v) = %+v %v, want %+v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
