package content

import (
	"fmt"
	"testing"
)

// searchCases are realistic resident questions, in their own words, with the
// expected best hit (and, for methods, the section it should open).
// urgentCases are everyday phrasings (Indonesian, chat spelling, typos,
// some English) of the urgent questions of issue 13, with the page each
// must open: emergency contraception, missed pills, pain after insertion,
// a husband who objects, cost and JKN.
var urgentCases = []struct {
	query string
	id    string // topic id
}{
	// Emergency contraception.
	{"pil kb darurat", "darurat"},
	{"kondom bocor", "darurat"},
	{"kondom robek gimana ini", "darurat"},
	{"kondomnya sobek tadi malam", "darurat"},
	{"kondom lepas pas berhubungan", "darurat"},
	{"morning after pill", "darurat"},
	{"lupa pakai kondom semalam", "darurat"},
	{"gak pake kondom kemarin takut hamil", "darurat"},
	{"tadi berhubungan tanpa pengaman", "darurat"},
	{"KB darurat apa aja", "darurat"},
	{"pil darurat dimana belinya", "darurat"},
	{"kontrasepsi darurat", "darurat"},
	{"takut hamil habis berhubungan", "darurat"},
	{"the condom broke", "darurat"},
	{"emergency contraception", "darurat"},
	{"kondom bocorr", "darurat"},
	// Missed pills.
	{"lupa minum pil kb", "lupa-pil"},
	{"kelupaan minum pil 2 hari", "lupa-pil"},
	{"telat minum pil kb semalam", "lupa-pil"},
	{"lupa minum minipil", "lupa-pil"},
	{"habis minum pil muntah", "lupa-pil"},
	{"i forgot to take my pill", "lupa-pil"},
	{"lupa pil 3 butir", "lupa-pil"},
	// Pain after insertion.
	{"nyeri setelah pasang iud", "nyeri-pasang"},
	{"perut kram habis pasang spiral", "nyeri-pasang"},
	{"lengan sakit setelah pasang susuk", "nyeri-pasang"},
	{"bekas pasang implan bengkak", "nyeri-pasang"},
	{"sakit ga pasang iud", "nyeri-pasang"},
	{"pain after iud insertion", "nyeri-pasang"},
	// A husband who objects.
	{"suami tidak setuju kb", "pasangan"},
	{"suami gak ngizinin kb", "pasangan"},
	{"suami melarang saya kb", "pasangan"},
	{"dilarang suami pakai kb gimana", "pasangan"},
	{"suami marah kalau saya kb", "pasangan"},
	{"my husband does not allow family planning", "pasangan"},
	// Cost and JKN.
	{"kb ditanggung bpjs ga", "biaya"},
	{"biaya pasang implan berapa", "biaya"},
	{"harga suntik kb", "biaya"},
	{"kb pakai kis bisa?", "biaya"},
	{"berapa biaya iud", "biaya"},
	{"apakah kb gratis pakai jkn", "biaya"},
	{"how much does an implant cost", "biaya"},
}

// Every urgent phrasing opens its page first.
func TestSearchFindsUrgentAnswers(t *testing.T) {
	l := mustLoad(t)
	if len(urgentCases) < 40 {
		t.Fatalf("only %d urgent phrasings; issue 13 asks for 40", len(urgentCases))
	}
	for _, c := range urgentCases {
		hits := l.Search(c.query, ID)
		if len(hits) == 0 {
			t.Errorf("%q: no hit; want topic %s", c.query, c.id)
			continue
		}
		if top := hits[0]; top.Kind != KindTopic || top.ID != c.id {
			t.Errorf("%q: top hit %s %s (%.1f); want topic %s; all: %s", c.query, top.Kind, top.ID, top.Score, c.id, describe(hits))
		}
	}
}

var searchCases = []struct {
	query   string
	kind    string
	id      string
	section string // for methods; "" = not checked
}{
	// The examples.
	{"efek samping suntik", KindMethod, "suntik3", SectionSafety},
	{"spiral bisa pindah ke jantung?", KindMyth, "iud-jantung", ""},
	{"steril pria", KindMethod, "mop", ""},
	{"kb yg aman buat ibu menyusui", KindTopic, "menyusui", ""},

	// Methods by their many names, slang and typos.
	{"apa itu IUD", KindMethod, "iud", SectionOverview},
	{"akdr itu apa", KindMethod, "iud", ""},
	{"pasang spiral sakit gak", KindTopic, "nyeri-pasang", ""},
	{"susuk kb brp thn", KindMethod, "implan", SectionOverview},
	{"impaln", KindMethod, "implan", ""},
	{"KB implant di lengan", KindMethod, "implan", ""},
	{"akbk", KindMethod, "implan", ""},
	{"vasektomi", KindMethod, "mop", ""},
	{"vasektomy itu apa", KindMethod, "mop", ""},
	{"tubektomi", KindMethod, "mow", ""},
	{"steril wanita caranya gimana", KindMethod, "mow", ""},
	{"suntik 3 bln telat 2 minggu gmn", KindMethod, "suntik3", SectionTiming},
	{"suntik sebulan sekali", KindMethod, "suntik1", ""},
	{"sunti kb 1 bulan", KindMethod, "suntik1", ""},
	{"kb suntik tiga bulan bikin gemuk ga", KindMethod, "suntik3", SectionSafety},
	{"pil kb lupa minum 2 hari", KindTopic, "lupa-pil", ""},
	{"minipil", KindMethod, "minipil", ""},
	{"kondom", KindMethod, "kondom", ""},
	{"pakai karet aman ga", KindMethod, "kondom", ""},
	{"MAL itu apa", KindMethod, "mal", ""},
	{"metode amenore laktasi", KindMethod, "mal", ""},
	{"kapan bisa pasang iud setelah melahirkan", KindMethod, "iud", SectionTiming},
	{"haid tidak teratur setelah pasang susuk", KindMethod, "implan", SectionSafety},
	{"gak mens setelah suntik bahaya ga?", KindMethod, "suntik3", SectionSafety},
	{"KB untuk suami apa aja", KindMethod, "mop", ""},
	{"spiral bisa kebobolan?", KindMethod, "iud", SectionOverview},

	// Myths.
	{"benarkah spiral bisa nempel di kepala bayi", KindMyth, "iud-kepala-bayi", ""},
	{"kb bikin mandul ya?", KindMyth, "kb-mandul", ""},
	{"vasektomi sama dengan dikebiri?", KindMyth, "vasektomi-kebiri", ""},
	{"setelah vasektomi jadi loyo", KindMyth, "vasektomi-impoten", ""},
	{"tubektomi rahimnya diangkat?", KindMyth, "tubektomi-rahim", ""},
	{"ga haid pas kb suntik, darah kotor numpuk", KindMyth, "darah-kotor", ""},
	{"suntik kb bikin rahim kering", KindMyth, "suntik-rahim-kering", ""},
	{"hormon pil numpuk di badan", KindMyth, "pil-menumpuk", ""},
	{"pil kb menyebabkan kanker?", KindMyth, "pil-kanker", ""},
	{"kb itu cuma urusan istri", KindMyth, "kb-urusan-istri", ""},
	{"suntik kb bisa bikin keguguran", KindMyth, "suntik-gugur", ""},
	{"iud bikin infeksi rahim", KindMyth, "iud-infeksi", ""},
	{"apakah semua KB bikin gemuk", KindMyth, "kb-gemuk", ""},

	// Topics.
	{"jarak kehamilan yang ideal berapa tahun", KindTopic, "jarak-kelahiran", ""},
	{"cara cegah stunting", KindTopic, "jarak-kelahiran", ""},
	{"apa itu 4 terlalu", KindTopic, "empat-terlalu", ""},
	{"hamil di umur 40 bahaya gak", KindTopic, "empat-terlalu", ""},
	{"kb habis lahiran", KindTopic, "pasca-persalinan", ""},
	{"KB pasca persalinan", KindTopic, "pasca-persalinan", ""},
	{"busui boleh kb apa", KindTopic, "menyusui", ""},
	{"kb tanpa hormon apa saja", KindTopic, "tanpa-hormon", ""},
	{"efek samping kb", KindTopic, "efek-samping", ""},
	{"kb yang bisa cegah hiv", KindTopic, "ims", ""},
	{"dimana bisa pasang kb gratis", KindTopic, "layanan", ""},
	{"kapan ada kb serentak", KindTopic, "layanan", ""},
	{"syarat ikut kb bawa ktp?", KindTopic, "layanan", ""},
	{"mau konsultasi sama bidan", KindTopic, "bidan", ""},

	// Fixed pages.
	{"kb apa yang cocok untuk saya", KindPage, PageQuiz, ""},
	{"bagus mana pil atau suntik", KindPage, PageCompare, ""},
	{"mitos kb", KindPage, PageMyths, ""},

	// English.
	{"side effects of the injection", KindMethod, "suntik3", SectionSafety},
	{"can the iud move to my heart", KindMyth, "iud-jantung", ""},
	{"is the pill safe while breastfeeding", KindTopic, "menyusui", ""},
	{"vasectomy", KindMethod, "mop", ""},
	{"birth spacing", KindTopic, "jarak-kelahiran", ""},
}

func TestSearchFindsExpectedTopic(t *testing.T) {
	l := mustLoad(t)
	if len(searchCases) < 40 {
		t.Fatalf("only %d search cases; want at least 40", len(searchCases))
	}
	for _, c := range searchCases {
		hits := l.Search(c.query, ID)
		if len(hits) == 0 {
			t.Errorf("%q: no hit; want %s %s", c.query, c.kind, c.id)
			continue
		}
		top := hits[0]
		if top.Kind != c.kind || top.ID != c.id {
			t.Errorf("%q: top hit %s %s (%.1f); want %s %s; all: %s", c.query, top.Kind, top.ID, top.Score, c.kind, c.id, describe(hits))
			continue
		}
		if c.section != "" && top.Section != c.section {
			t.Errorf("%q: section %q; want %q", c.query, top.Section, c.section)
		}
		if top.Title.ID == "" || top.Title.EN == "" {
			t.Errorf("%q: hit has no title: %+v", c.query, top)
		}
		if len(hits) > SearchMaxHits {
			t.Errorf("%q: %d hits; want at most %d", c.query, len(hits), SearchMaxHits)
		}
	}
}

// Questions the content cannot answer must get no hit: the bot then shows
// the topic menu and how to reach a health worker, and never guesses.
func TestSearchNoMatch(t *testing.T) {
	l := mustLoad(t)
	for _, q := range []string{
		"harga cabai hari ini",
		"asdfgh",
		"halo",
		"selamat pagi bu",
		"terima kasih ya",
		"",
		"   ???  ",
		"jadwal bola malam ini",
		"resep rendang padang",
		"pindah rumah ke jakarta",
		"bahaya", // generic word alone
		"harga",
		"yang di dan ke dari", // stop words only
		"kb",                  // too vague: the menu is the right answer
		"kb haram gak",        // not in the content: ask a health worker
		"apakah saya hamil",   // the bot never answers this
		"puskesmas buka jam berapa",
		"ganti bahasa",
	} {
		if hits := l.Search(q, ID); len(hits) != 0 {
			t.Errorf("%q: want no hit, got %s", q, describe(hits))
		}
	}
}

func TestSearchNormalisation(t *testing.T) {
	l := mustLoad(t)
	ix := l.search
	for _, c := range []struct{ in, want string }{
		{"Yg AMAAAN bgt!!!", "yang aman banget"},
		{"k.b. suntik", "kb suntik"},
		{"gak bs", "tidak bisa"},
		{"suntik 3bln", "suntik 3 bulan"},
		{"laki2", "laki"},
		{"spiralnya", "spiral"},
		{"busui", "ibu menyusui"},
		{"pill", "pil"},
	} {
		got := fmt.Sprint(ix.tokens(c.in, true))
		if want := fmt.Sprint(splitWords(c.want)); got != want {
			t.Errorf("tokens(%q) = %s; want %s", c.in, got, want)
		}
	}
}

func TestSearchTypoTolerance(t *testing.T) {
	l := mustLoad(t)
	for _, c := range []struct{ q, id string }{
		{"impaln", "implan"}, // transposition
		{"sepiral", "iud"},   // insertion
		{"vasektomy", "mop"}, // substitution
		{"tubektomy", "mow"}, // substitution
		{"kontrasepsi spiral", "iud"},
		{"kontrasespi iud", "iud"}, // misspelled "kontrasepsi" is still fine
	} {
		hits := l.Search(c.q, ID)
		if len(hits) == 0 || hits[0].ID != c.id {
			t.Errorf("%q: got %s; want %s", c.q, describe(hits), c.id)
		}
	}
	// Short words and stop words never match with a typo.
	ix := l.search
	if d := ix.dist("pil", "pul"); d != -1 {
		t.Errorf("dist(pil, pul) = %d; short words need an exact match", d)
	}
	if d := ix.dist("yang", "yank"); d != -1 {
		t.Errorf("dist(yang, yank) = %d; stop words never match", d)
	}
}

func TestSearchIsDeterministic(t *testing.T) {
	l := mustLoad(t)
	for _, c := range searchCases {
		a := describe(l.Search(c.query, ID))
		for i := 0; i < 5; i++ {
			if b := describe(l.Search(c.query, EN)); a != b {
				t.Fatalf("%q: results differ between runs: %s vs %s", c.query, a, b)
			}
		}
	}
}

func TestOSA(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"implan", "impaln", 1}, {"implan", "implan", 0}, {"spiral", "sepiral", 1},
		{"suntik", "sunti", 1}, {"abc", "", 3}, {"kondom", "kandum", 2},
	} {
		if got := osa([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("osa(%q, %q) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
}

func describe(hits []Hit) string {
	s := "["
	for i, h := range hits {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s:%s/%s %.1f", h.Kind, h.ID, h.Section, h.Score)
	}
	return s + "]"
}

func splitWords(s string) []string {
	var out []string
	word := ""
	for _, r := range s + " " {
		if r == ' ' {
			if word != "" {
				out = append(out, word)
			}
			word = ""
			continue
		}
		word += string(r)
	}
	return out
}
