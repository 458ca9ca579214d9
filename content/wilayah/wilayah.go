// Package wilayah is Indonesia's official list of administrative areas
// (Kemendagri codes): 38 provinsi, 514 kabupaten/kota, 7,285 kecamatan and
// 83,762 kelurahan/desa, from the npm package idn-area-data (ODbL, see
// data/SOURCE and data/LICENSE.md), embedded in the binary.
//
// A code names a place and its parents at once: "33" is the province Jawa
// Tengah, "33.75" Kota Pekalongan in it, "33.75.03" the kecamatan
// Pekalongan Utara, "33.75.03.1004" the kelurahan Panjang Wetan. The list
// is read once, on first use, and checked (codes, parents, names); it
// offers lookups by code, the children of a place, readable names, the
// time zone of a place (by its province) and a fuzzy search of what people
// type.
//
// The package imports the standard library and the domain package cadre
// only.
package wilayah

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/kbbot/kbbot/cadre"
)

//go:embed data/provinces.csv data/regencies.csv data/districts.csv data/villages.csv.gz data/LICENSE.md data/SOURCE
var files embed.FS

// Level is a level of the administrative hierarchy.
type Level int

// The levels, widest first.
const (
	Province Level = 1 // provinsi
	Regency  Level = 2 // kabupaten/kota
	District Level = 3 // kecamatan (distrik in Papua)
	Village  Level = 4 // kelurahan/desa
)

// String is the level's Indonesian name.
func (l Level) String() string {
	switch l {
	case Province:
		return "provinsi"
	case Regency:
		return "kabupaten/kota"
	case District:
		return "kecamatan"
	case Village:
		return "kelurahan/desa"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// LevelOf is the level of a code by its shape ("33" province, "33.75"
// regency, "33.75.03" district, "33.75.03.1004" village); 0 when it has
// none of these shapes. It does not look the code up.
func LevelOf(code string) Level {
	// Widths of the parts: 2, 2, 2, 4 digits, joined by dots.
	switch len(code) {
	case 2, 5, 8, 13:
	default:
		return 0
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if i == 2 || i == 5 || i == 8 {
			if c != '.' {
				return 0
			}
		} else if c < '0' || c > '9' {
			return 0
		}
	}
	return [...]Level{2: Province, 5: Regency, 8: District, 13: Village}[len(code)]
}

// ParentCode is the code of the place one level up ("" for a province or a
// code of no known shape).
func ParentCode(code string) string {
	if LevelOf(code) <= Province {
		return ""
	}
	return code[:strings.LastIndexByte(code, '.')]
}

// Within reports whether code lies in (or is) the place parent: "33.75.03"
// lies in "33.75" and "33", not in "33.7". An empty parent is the whole
// country.
func Within(code, parent string) bool {
	return parent == "" || code == parent || strings.HasPrefix(code, parent+".")
}

// Place is one place of the list.
type Place struct {
	Code  string
	Name  string // as the list writes it: "Kota Pekalongan", "Panjang Wetan"
	Level Level
}

// place is a Place with what the search needs.
type place struct {
	Place
	norm   string // normalized name: "panjang wetan"
	key    string // normalized name without spaces: "panjangwetan"
	short  string // a regency's key without "Kabupaten"/"Kota": "pekalongan"
	kind   string // a regency's kind: "kabupaten" or "kota"
	parent int32  // index of the parent, -1 for a province
	mask   uint32 // letters of key
}

// keyed is a place's key in the sorted index of keys.
type keyed struct {
	key string
	i   int32
}

// List is the loaded list of areas. It is read only, safe for concurrent
// use.
type List struct {
	places []place
	byCode []int32            // indexes of places sorted by code
	keys   []keyed            // keys (and regencies' short keys), sorted
	kids   map[int32][]int32  // parent index (-1: the country) -> children, in list order
	tokens map[string][]int32 // a word -> places whose own name has it
	vocab  []string           // every word, for fuzzy words
}

var (
	once    sync.Once
	loaded  *List
	loadErr error
)

// Load returns the embedded list, read and checked on the first call. An
// error names the file and line at fault; it is returned by every call.
func Load() (*List, error) {
	once.Do(func() { loaded, loadErr = load(files) })
	return loaded, loadErr
}

// MustLoad is Load for callers that cannot go on without the list (the
// embedded list is checked by the package's tests, so it does not fail).
func MustLoad() *List {
	l, err := Load()
	if err != nil {
		panic(err)
	}
	return l
}

// source is one embedded file of the list.
type source struct {
	file   string
	header []string
	level  Level
	gz     bool
	min    int // fewest rows a sane list has
}

var sources = []source{
	{"data/provinces.csv", []string{"code", "name"}, Province, false, 34},
	{"data/regencies.csv", []string{"code", "province_code", "name"}, Regency, false, 500},
	{"data/districts.csv", []string{"code", "regency_code", "name"}, District, false, 7000},
	{"data/villages.csv.gz", []string{"code", "district_code", "name"}, Village, true, 80000},
}

// ErrList is wrapped by every error of a bad list.
var ErrList = errors.New("wilayah: bad area list")

type fsys interface {
	ReadFile(name string) ([]byte, error)
}

func load(fs fsys) (*List, error) {
	l := &List{kids: make(map[int32][]int32, 8000), tokens: make(map[string][]int32, 40000)}
	l.places = make([]place, 0, 92000)
	codes := make(map[string]int32, 92000) // while loading: parents and duplicates
	for _, src := range sources {
		if err := l.read(fs, src, codes); err != nil {
			return nil, err
		}
	}
	l.byCode = make([]int32, len(l.places))
	l.keys = make([]keyed, 0, len(l.places)+600)
	for i := range l.places {
		p := &l.places[i]
		l.byCode[i] = int32(i)
		l.keys = append(l.keys, keyed{p.key, int32(i)})
		if p.short != "" && p.short != p.key {
			l.keys = append(l.keys, keyed{p.short, int32(i)})
		}
	}
	slices.SortFunc(l.byCode, func(a, b int32) int { return strings.Compare(l.places[a].Code, l.places[b].Code) })
	slices.SortFunc(l.keys, func(a, b keyed) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return int(a.i - b.i)
	})
	l.vocab = make([]string, 0, len(l.tokens))
	for w := range l.tokens {
		l.vocab = append(l.vocab, w)
	}
	slices.Sort(l.vocab)
	return l, nil
}

func (l *List) read(fs fsys, src source, codes map[string]int32) error {
	raw, err := fs.ReadFile(src.file)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrList, src.file, err)
	}
	var in io.Reader = bytes.NewReader(raw)
	if src.gz {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrList, src.file, err)
		}
		defer zr.Close()
		in = zr
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = len(src.header)
	r.ReuseRecord = true
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("%w: %s line %d: %s", ErrList, src.file, line, fmt.Sprintf(format, args...))
	}
	rows := 0
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrList, src.file, err)
		}
		if line == 1 {
			if strings.Join(rec, ",") != strings.Join(src.header, ",") {
				return bad(line, "header %q, want %q", strings.Join(rec, ","), strings.Join(src.header, ","))
			}
			continue
		}
		code, name := rec[0], strings.TrimSpace(rec[len(rec)-1])
		if LevelOf(code) != src.level {
			return bad(line, "code %q is not a %s code", code, src.level)
		}
		if name == "" {
			return bad(line, "code %s has no name", code)
		}
		if _, dup := codes[code]; dup {
			return bad(line, "code %s twice", code)
		}
		parent := int32(-1)
		if src.level > Province {
			pc := rec[1]
			if pc != ParentCode(code) {
				return bad(line, "code %s under parent %q, want %q", code, pc, ParentCode(code))
			}
			p, ok := codes[pc]
			if !ok {
				return bad(line, "code %s: parent %s is not in the list", code, pc)
			}
			parent = p
		}
		codes[code] = l.add(strings.Clone(code), strings.Clone(name), src.level, parent)
		rows++
	}
	if rows < src.min {
		return fmt.Errorf("%w: %s: %d rows, a full list has at least %d", ErrList, src.file, rows, src.min)
	}
	return nil
}

func (l *List) add(code, name string, lv Level, parent int32) int32 {
	p := place{Place: Place{Code: code, Name: name, Level: lv}, parent: parent}
	p.norm = Normalize(name)
	p.key = strings.ReplaceAll(p.norm, " ", "")
	p.mask = letters(p.key)
	if lv == Regency {
		p.kind, p.short = regencyKind(strings.Fields(p.norm))
	}
	i := int32(len(l.places))
	l.places = append(l.places, p)
	l.kids[parent] = append(l.kids[parent], i)
	words := strings.Fields(p.norm)
	for j, w := range words {
		if !slices.Contains(words[:j], w) {
			l.tokens[w] = append(l.tokens[w], i)
		}
	}
	return i
}

// regencyKind splits a regency's words into its kind ("kabupaten" or
// "kota") and the key of the rest ("Kota Administrasi Jakarta Selatan" ->
// "kota", "jakartaselatan").
func regencyKind(tokens []string) (kind, short string) {
	if len(tokens) < 2 || tokens[0] != "kabupaten" && tokens[0] != "kota" {
		return "", ""
	}
	rest := tokens[1:]
	if len(rest) > 1 && rest[0] == "administrasi" {
		rest = rest[1:]
	}
	return tokens[0], strings.Join(rest, "")
}

// Len is how many places the list holds at level lv.
func (l *List) Len(lv Level) int {
	n := 0
	for i := range l.places {
		if l.places[i].Level == lv {
			n++
		}
	}
	return n
}

// index finds the place of a code.
func (l *List) index(code string) (int32, bool) {
	j, ok := slices.BinarySearchFunc(l.byCode, code, func(i int32, c string) int { return strings.Compare(l.places[i].Code, c) })
	if !ok {
		return -1, false
	}
	return l.byCode[j], true
}

// Place returns the place of a code.
func (l *List) Place(code string) (Place, bool) {
	i, ok := l.index(code)
	if !ok {
		return Place{}, false
	}
	return l.places[i].Place, true
}

// Children lists the places one level below code, in the list's order
// (by code); code "" lists the provinces. An unknown code has none.
func (l *List) Children(code string) []Place {
	parent := int32(-1)
	if code != "" {
		i, ok := l.index(code)
		if !ok {
			return nil
		}
		parent = i
	}
	kids := l.kids[parent]
	out := make([]Place, len(kids))
	for j, k := range kids {
		out[j] = l.places[k].Place
	}
	return out
}

// Chain returns the place of code and its parents, widest first:
// province, regency, district, village. An unknown code has none.
func (l *List) Chain(code string) []Place {
	i, ok := l.index(code)
	if !ok {
		return nil
	}
	var out []Place
	for ; i >= 0; i = l.places[i].parent {
		out = append(out, l.places[i].Place)
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

// Province returns the province a code lies in.
func (l *List) Province(code string) (Place, bool) {
	c := l.Chain(code)
	if len(c) == 0 {
		return Place{}, false
	}
	return c[0], true
}

// FullName is a place's readable name, narrowest first, down from the
// kabupaten/kota: "Panjang Wetan, Pekalongan Utara, Kota Pekalongan"; a
// regency or province adds its province ("Kota Pekalongan, Jawa
// Tengah"). An unknown code gives "".
func (l *List) FullName(code string) string {
	c := l.Chain(code)
	if len(c) == 0 {
		return ""
	}
	return joinNames(c, len(c) <= 2)
}

// Parents is the readable name of the places above code, narrowest
// first and down from the kabupaten/kota ("Pekalongan Utara, Kota
// Pekalongan" for Panjang Wetan; "Jawa Tengah" for a regency; "" for a
// province): what tells two places of one name apart.
func (l *List) Parents(code string) string {
	c := l.Chain(code)
	if len(c) < 2 {
		return ""
	}
	return joinNames(c[:len(c)-1], len(c) <= 3)
}

// joinNames joins a chain's names narrowest first, with the province
// only when withProvince.
func joinNames(c []Place, withProvince bool) string {
	var names []string
	for i := len(c) - 1; i >= 0; i-- {
		if c[i].Level == Province && !withProvince {
			continue
		}
		names = append(names, c[i].Name)
	}
	return strings.Join(names, ", ")
}

// Zones of Indonesia (Keppres 41/1987, no daylight saving time): the IANA
// names. Kalimantan Barat and Kalimantan Tengah keep Asia/Pontianak, WIB
// like Asia/Jakarta today (it differed before 1988).
const (
	ZoneWIB       = "Asia/Jakarta"
	ZoneWIBBorneo = "Asia/Pontianak"
	ZoneWITA      = "Asia/Makassar"
	ZoneWIT       = "Asia/Jayapura"
)

// provinceZones maps a province code to its zone. Provinces follow
// Keppres 41/1987 (kb-domain.md 5.2); the four Papua provinces of 2022 are
// WIT like Papua.
var provinceZones = map[string]string{
	// WIB: Sumatra, Java.
	"11": ZoneWIB, "12": ZoneWIB, "13": ZoneWIB, "14": ZoneWIB, "15": ZoneWIB, "16": ZoneWIB,
	"17": ZoneWIB, "18": ZoneWIB, "19": ZoneWIB, "21": ZoneWIB,
	"31": ZoneWIB, "32": ZoneWIB, "33": ZoneWIB, "34": ZoneWIB, "35": ZoneWIB, "36": ZoneWIB,
	// WIB: Kalimantan Barat and Tengah.
	"61": ZoneWIBBorneo, "62": ZoneWIBBorneo,
	// WITA: Bali, Nusa Tenggara, Kalimantan Selatan, Timur, Utara, Sulawesi.
	"51": ZoneWITA, "52": ZoneWITA, "53": ZoneWITA, "63": ZoneWITA, "64": ZoneWITA, "65": ZoneWITA,
	"71": ZoneWITA, "72": ZoneWITA, "73": ZoneWITA, "74": ZoneWITA, "75": ZoneWITA, "76": ZoneWITA,
	// WIT: Maluku and Papua.
	"81": ZoneWIT, "82": ZoneWIT, "91": ZoneWIT, "92": ZoneWIT, "93": ZoneWIT, "94": ZoneWIT,
	"95": ZoneWIT, "96": ZoneWIT,
}

// Zone returns the IANA time zone of the place a code names, by its
// province; ok is false for a code of no known province. It reads only the
// code, not the list.
func Zone(code string) (zone string, ok bool) {
	if LevelOf(code) == 0 {
		return "", false
	}
	zone, ok = provinceZones[code[:2]]
	return zone, ok
}

// Area returns the area a code names, with the list's names: a
// kabupaten/kota, kecamatan or kelurahan/desa code ("33.75.03.1004" ->
// Kota Pekalongan, Pekalongan Utara, Panjang Wetan, "33.75.03.1004"); ok
// is false for a province or an unknown code.
func (l *List) Area(code string) (cadre.Area, bool) {
	c := l.Chain(code)
	if len(c) < 2 {
		return cadre.Area{}, false
	}
	a := cadre.Area{Code: code}
	for _, p := range c[1:] {
		switch p.Level {
		case Regency:
			a.Kabupaten = p.Name
		case District:
			a.Kecamatan = p.Name
		case Village:
			a.Kelurahan = p.Name
		}
	}
	return a, true
}

// Resolve finds the list's area for an area by name (one stored before
// the list, or a facility's): each level's name must be a place's name
// under the level above, the same after Normalize (a kabupaten/kota also
// without its "Kabupaten"/"Kota" word, when that is unique), and unique.
// It keeps a's Kampung KB. ok is false when a name is not on the list or
// not unique there, or when a names no kabupaten/kota; an area that
// already has a code is returned as it is when the list knows the code.
func (l *List) Resolve(a cadre.Area) (cadre.Area, bool) {
	if a.Code != "" {
		_, ok := l.Area(a.Code)
		return a, ok
	}
	if strings.TrimSpace(a.Kabupaten) == "" {
		return cadre.Area{}, false
	}
	code, ok := l.childNamed("", a.Kabupaten)
	if !ok {
		return cadre.Area{}, false
	}
	for _, name := range []string{a.Kecamatan, a.Kelurahan} {
		if strings.TrimSpace(name) == "" {
			break
		}
		if code, ok = l.childNamed(code, name); !ok {
			return cadre.Area{}, false
		}
	}
	out, ok := l.Area(code)
	if ok && out.Kelurahan != "" {
		out.KampungKB = a.KampungKB
	}
	return out, ok
}

// childNamed finds the one place named name below parent ("": the one
// regency of the country).
func (l *List) childNamed(parent, name string) (string, bool) {
	key := Key(name)
	if key == "" {
		return "", false
	}
	var cands []int32
	if parent == "" {
		// The regencies: the children of the provinces.
		for _, short := range []bool{false, true} {
			for _, pi := range l.kids[-1] {
				for _, k := range l.kids[pi] {
					if p := &l.places[k]; !short && p.key == key || short && p.short == key {
						cands = append(cands, k)
					}
				}
			}
			if len(cands) > 0 {
				break
			}
		}
	} else {
		pi, ok := l.index(parent)
		if !ok {
			return "", false
		}
		for _, k := range l.kids[pi] {
			if l.places[k].key == key {
				cands = append(cands, k)
			}
		}
	}
	if len(cands) != 1 {
		return "", false
	}
	return l.places[cands[0]].Code, true
}
