package content

import (
	"strings"
	"testing"
)

// quizProfiles are resident profiles with the methods Recommend must and
// must not offer. Each cites the fact in shared/reference/kb-domain.md that
// the expectation rests on.
var quizProfiles = []struct {
	name    string
	answers map[string]string
	first   string   // expected first method; "" = not checked
	include []string // must be offered
	exclude []string // must never be offered
	caution []string // must be offered with a caution
}{
	{
		// Fully breastfeeding a baby under 6 months, no period: MAL is valid
		// only while all three hold (kb-domain 1.3 MAL [C]). Combined pill and
		// monthly injection: fully breastfeeding -> start at 6 months (1.3
		// COC, suntik 1 bulan "same timing as COC"; table 1.4). Wants children
		// later: not MOW/MOP (permanent, 1.1). Implant and copper IUD are
		// fine while breastfeeding (table 1.4).
		name:    "ibu menyusui penuh, ingin anak lagi nanti",
		answers: map[string]string{"anak": "nanti", "menyusui": "penuh", "pil": "ya", "tindakan": "ya", "hormon": "tidak", "pasangan": "ya"},
		first:   "mal",
		include: []string{"mal", "implan", "iud"},
		exclude: []string{"pil", "suntik1", "mow", "mop"},
	},
	{
		// No more children, husband willing, fine with a procedure: MOW and
		// MOP are the permanent methods, MOP needs the husband; both are the
		// most effective (0.5 and 0.15 per 100, table 1.2); long-acting next.
		name:    "tidak ingin anak lagi, suami mau",
		answers: map[string]string{"anak": "tidak", "menyusui": "tidak", "pil": "ya", "tindakan": "ya", "hormon": "tidak", "pasangan": "ya"},
		include: []string{"mop", "mow", "implan"},
		exclude: []string{"mal"},
	},
	{
		// No more children, husband not willing: MOP is done on the husband
		// (1.3 MOP), so only MOW among the permanent methods.
		name:    "tidak ingin anak lagi, suami tidak mau ikut",
		answers: map[string]string{"anak": "tidak", "menyusui": "tidak", "pil": "ya", "tindakan": "ya", "hormon": "tidak", "pasangan": "tidak"},
		first:   "mow",
		include: []string{"mow", "implan", "iud"},
		exclude: []string{"mop", "mal"},
	},
	{
		// Rather no hormones: copper IUD, condom, MOW/MOP and MAL have no
		// hormones (table 1.1). Wants children later: not MOW/MOP. Not
		// breastfeeding: not MAL. The copper IUD comes first (0.8 vs 13 per
		// 100 typical, table 1.2).
		name:    "lebih suka tanpa hormon, anak nanti",
		answers: map[string]string{"anak": "nanti", "menyusui": "tidak", "pil": "ya", "tindakan": "ya", "hormon": "ya", "pasangan": "ya"},
		first:   "iud",
		include: []string{"iud", "kondom"},
		exclude: []string{"mow", "mop", "mal", "pil", "suntik1"},
	},
	{
		// Wants a pregnancy within a year: after DMPA return to fertility is
		// delayed by several months (1.3 suntik 3 bulan [C HB18]); pills and
		// condoms have no delay (1.3 COC, kondom). No procedure: not IUD,
		// implant, MOW, MOP.
		name:    "ingin hamil dalam 1 tahun, tanpa tindakan",
		answers: map[string]string{"anak": "segera", "menyusui": "tidak", "pil": "ya", "tindakan": "tidak", "hormon": "tidak", "pasangan": "ya"},
		include: []string{"kondom", "pil", "minipil"},
		exclude: []string{"suntik3", "iud", "implan", "mow", "mop", "mal"},
	},
	{
		// Partly breastfeeding a baby under 6 months (or period back): MAL is
		// not valid (all three conditions needed, 1.3 MAL); combined methods
		// are left out before 6 months (the quiz does not ask whether the
		// baby is past 6 weeks, 1.4). Progestin-only and non-hormonal
		// methods remain (1.4).
		name:    "menyusui sebagian, suami tidak mau",
		answers: map[string]string{"anak": "nanti", "menyusui": "sebagian", "pil": "ya", "tindakan": "ya", "hormon": "tidak", "pasangan": "tidak"},
		include: []string{"implan", "iud"},
		exclude: []string{"mal", "pil", "suntik1", "mop", "mow", "kondom"},
	},
	{
		// No daily pill, no procedure, no hormones, husband unwilling: few
		// methods fit every wish, so preference rules are relaxed, with a
		// note; medical rules never are: MAL needs full breastfeeding (1.3),
		// MOW/MOP need "no more children" (1.1 permanent).
		name:    "tanpa pil, tanpa tindakan, tanpa hormon, suami tidak mau",
		answers: map[string]string{"anak": "nanti", "menyusui": "tidak", "pil": "tidak", "tindakan": "tidak", "hormon": "ya", "pasangan": "tidak"},
		include: []string{"iud"},
		exclude: []string{"mal", "mow", "mop"},
	},
	{
		// Fully breastfeeding, no hormones, no procedure, unsure about more
		// children: MAL (no hormones, no procedure, 1.1/1.3) and condom fit;
		// never the estrogen methods before 6 months (1.4), never permanent
		// methods when unsure (1.1).
		name:    "menyusui penuh, tanpa hormon, tanpa tindakan, belum tahu",
		answers: map[string]string{"anak": "ragu", "menyusui": "penuh", "pil": "tidak", "tindakan": "tidak", "hormon": "ya", "pasangan": "ragu"},
		first:   "mal",
		include: []string{"mal", "kondom"},
		exclude: []string{"pil", "suntik1", "mow", "mop"},
	},
	{
		// No answers at all: nothing unlocks a method that needs a condition
		// (MAL needs full breastfeeding; MOW/MOP need "no more children";
		// MOP needs the husband). The most effective reversible methods
		// come first (implant 0.1, IUD 0.8, table 1.2).
		name:    "tanpa jawaban",
		answers: map[string]string{},
		first:   "implan",
		include: []string{"implan", "iud"},
		exclude: []string{"mal", "mow", "mop"},
	},
	{
		// Wants children soon and fully breastfeeding: MAL first; DMPA's
		// delayed return to fertility (1.3) and the estrogen methods before 6
		// months (1.4) are left out.
		name:    "menyusui penuh, ingin hamil segera",
		answers: map[string]string{"anak": "segera", "menyusui": "penuh", "pil": "tidak", "tindakan": "ya", "hormon": "tidak", "pasangan": "tidak"},
		first:   "mal",
		exclude: []string{"suntik3", "pil", "suntik1", "mow", "mop"},
	},
	{
		// Issue 13: a smoker aged 38 got the monthly injection first and the
		// combined pill third. 35 or older and smoking: the combined pill
		// is WHO MEC category 3/4, the monthly injection 2/3 (kb-domain 1.3
		// [C MEC]): neither comes first; the pill is left out.
		name:    "umur 38 dan merokok, tanpa tindakan",
		answers: map[string]string{"siapa": "perempuan", "anak": "nanti", "menyusui": "tidak", "rokok": "ya", "pil": "ya", "jarum": "tidak", "tindakan": "tidak", "hormon": "tidak", "pasangan": "tidak"},
		first:   "suntik3",
		include: []string{"suntik3", "minipil"},
		exclude: []string{"pil", "suntik1", "mal", "mow", "mop"},
	},
	{
		// Issue 13: fear of needles put the injections first. Enough other
		// methods fit, so neither injection is offered.
		name:    "takut jarum suntik",
		answers: map[string]string{"siapa": "perempuan", "anak": "nanti", "menyusui": "tidak", "rokok": "tidak", "pil": "ya", "jarum": "ya", "tindakan": "tidak", "hormon": "tidak", "pasangan": "ya"},
		first:   "kondom",
		include: []string{"kondom", "pil", "minipil"},
		exclude: []string{"suntik1", "suntik3"},
	},
	{
		// Issue 13: wanting a child within a year could bring DMPA with no
		// note. With no pill, no procedure and no husband's help, the
		// injections remain, each with its note on the return to fertility
		// (kb-domain 1.3 suntik 3 bulan [C HB18], suntik 1 bulan [C HB18]).
		name:    "ingin anak dalam 1 tahun, tanpa pil dan tindakan",
		answers: map[string]string{"siapa": "perempuan", "anak": "segera", "menyusui": "tidak", "rokok": "tidak", "pil": "tidak", "jarum": "tidak", "tindakan": "tidak", "hormon": "tidak", "pasangan": "tidak"},
		include: []string{"suntik3", "suntik1"},
		exclude: []string{"mal", "mow", "mop"},
		caution: []string{"suntik3", "suntik1"},
	},
	{
		// Issue 13: a man answering got the IUD first. His own methods come
		// first: the vasectomy when he and his wife want no more children
		// and he is willing (1.3 MOP), then the condom; his wife's methods
		// follow as options to talk over together.
		name:    "laki-laki, tidak ingin anak lagi, mau ikut",
		answers: map[string]string{"siapa": "laki", "anak": "tidak", "menyusui": "tidak", "rokok": "tidak", "pil": "ya", "jarum": "tidak", "tindakan": "ya", "hormon": "tidak", "pasangan": "ya"},
		first:   "mop",
		include: []string{"mop", "kondom"},
	},
	{
		name:    "laki-laki, anak nanti",
		answers: map[string]string{"siapa": "laki", "anak": "nanti", "menyusui": "penuh", "rokok": "tidak", "pil": "ya", "jarum": "tidak", "tindakan": "ya", "hormon": "tidak", "pasangan": "ragu"},
		first:   "kondom",
		include: []string{"kondom"},
		exclude: []string{"mop", "pil", "suntik1"},
	},
}

func TestRecommendProfiles(t *testing.T) {
	l := mustLoad(t)
	if len(quizProfiles) < 8 {
		t.Fatalf("only %d profiles; want at least 8", len(quizProfiles))
	}
	for _, p := range quizProfiles {
		t.Run(p.name, func(t *testing.T) {
			recs := l.Recommend(p.answers)
			if len(recs) < RecommendCount {
				t.Fatalf("%d recommendations; want %d", len(recs), RecommendCount)
			}
			got := map[string]bool{}
			var codes []string
			for _, r := range recs {
				got[r.Method] = true
				codes = append(codes, r.Method)
				if r.Reason.ID == "" || r.Reason.EN == "" {
					t.Errorf("%s: reason missing in a language", r.Method)
				}
				if r.Name.ID == "" {
					t.Errorf("%s: no name", r.Method)
				}
			}
			if p.first != "" && recs[0].Method != p.first {
				t.Errorf("first %s; want %s (all: %v)", recs[0].Method, p.first, codes)
			}
			for _, c := range p.include {
				if !got[c] {
					t.Errorf("%s not offered; got %v", c, codes)
				}
			}
			for _, c := range p.exclude {
				if got[c] {
					t.Errorf("%s offered; it must not be (got %v)", c, codes)
				}
			}
			for _, c := range p.caution {
				for _, r := range recs {
					if r.Method == c && len(r.Cautions) == 0 {
						t.Errorf("%s offered without its caution", c)
					}
				}
			}
		})
	}
}

// eachProfile calls f with every combination of answers, each question
// answered or not.
func eachProfile(l *Library, f func(answers map[string]string)) int {
	qs := l.Quiz()
	answers := map[string]string{}
	n := 0
	var walk func(i int)
	walk = func(i int) {
		if i == len(qs) {
			n++
			f(answers)
			return
		}
		id := qs[i].ID
		delete(answers, id)
		walk(i + 1)
		for _, o := range qs[i].Options {
			answers[id] = o.Code
			walk(i + 1)
		}
		delete(answers, id)
	}
	walk(0)
	return n
}

// The quiz cautions of issue 13 hold for every combination of answers:
// 35 or older and smoking never puts the combined pill or the monthly
// injection first (nor offers the pill); fear of needles never puts an
// injection first; a wish for a child within a year never offers an
// injection without its note on the return to fertility; a man who does
// not refuse to take part gets his own method (condom or vasectomy) first.
func TestQuizCautionsForEveryProfile(t *testing.T) {
	l := mustLoad(t)
	fail := 0
	report := func(format string, args ...any) {
		if fail++; fail <= 10 {
			t.Errorf(format, args...)
		}
	}
	n := eachProfile(l, func(a map[string]string) {
		recs := l.Recommend(a)
		first := recs[0].Method
		if a["rokok"] == "ya" {
			if first == "pil" || first == "suntik1" {
				report("%v: %s first for a smoker aged 35 or more", a, first)
			}
			for _, r := range recs {
				if r.Method == "pil" {
					report("%v: combined pill offered to a smoker aged 35 or more", a)
				}
				if r.Method == "suntik1" && len(r.Cautions) == 0 {
					report("%v: monthly injection offered to a smoker aged 35 or more without a caution", a)
				}
			}
		}
		if a["jarum"] == "ya" && (first == "suntik1" || first == "suntik3") {
			report("%v: %s first for someone afraid of needles", a, first)
		}
		if a["anak"] == "segera" {
			for _, r := range recs {
				if (r.Method == "suntik3" || r.Method == "suntik1") && len(r.Cautions) == 0 {
					report("%v: %s offered to someone wanting a child within a year without a note", a, r.Method)
				}
			}
		}
		if a["siapa"] == "laki" && a["pasangan"] != "tidak" && first != "kondom" && first != "mop" {
			report("%v: %s first for a man", a, first)
		}
	})
	if n < 10000 {
		t.Fatalf("only %d profiles walked", n)
	}
}

// A man answering reads the questions about himself and his wife, and the
// result says the other methods are his wife's, to talk over together.
func TestQuizSpeaksToAMan(t *testing.T) {
	l := mustLoad(t)
	man := map[string]string{"siapa": "laki"}
	for _, q := range l.Quiz()[1:] {
		txt := l.QuestionText(q, man).ID
		if strings.Contains(txt, "Ibu") || (!strings.Contains(txt, "Bapak") && !strings.Contains(txt, "istri")) {
			t.Errorf("%s: to a man: %q", q.ID, txt)
		}
		if w := l.QuestionText(q, map[string]string{"siapa": "perempuan"}).ID; w != q.Text.ID {
			t.Errorf("%s: to a woman: %q", q.ID, w)
		}
	}
	r := l.QuizResult(map[string]string{"siapa": "laki", "anak": "nanti"})
	if !strings.Contains(r.Title.ID, "Bapak") || len(r.Notes) == 0 {
		t.Errorf("result for a man: %+v", r)
	}
	if r := l.QuizResult(nil); strings.Contains(r.Title.ID, "Bapak") || len(r.Notes) != 0 {
		t.Errorf("result with no answers: %+v", r)
	}
}

// The answers survive the trip through a button.
func TestEncodeAnswers(t *testing.T) {
	l := mustLoad(t)
	a := map[string]string{"siapa": "laki", "anak": "ragu", "pasangan": "tidak", "bogus": "x"}
	s := l.EncodeAnswers(a)
	if len(s) != len(l.Quiz()) {
		t.Fatalf("%q: want one character per question", s)
	}
	got, ok := l.DecodeAnswers(s)
	if !ok || len(got) != 3 || got["siapa"] != "laki" || got["anak"] != "ragu" || got["pasangan"] != "tidak" {
		t.Errorf("decoded %v, %v", got, ok)
	}
	for _, bad := range []string{"", "1", strings.Repeat("9", len(s)), strings.Repeat("x", len(s))} {
		if _, ok := l.DecodeAnswers(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRecommendIsDeterministic(t *testing.T) {
	l := mustLoad(t)
	for _, p := range quizProfiles {
		want := l.Recommend(p.answers)
		for i := 0; i < 10; i++ {
			got := l.Recommend(p.answers)
			for j := range want {
				if got[j].Method != want[j].Method {
					t.Fatalf("%s: run %d differs", p.name, i)
				}
			}
		}
	}
}

// Relaxed preference rules are visible: a method offered against a wish
// carries a trade-off note.
func TestRecommendTradeoffNotes(t *testing.T) {
	l := mustLoad(t)
	recs := l.Recommend(map[string]string{"anak": "nanti", "menyusui": "tidak", "pil": "tidak", "tindakan": "tidak", "hormon": "ya", "pasangan": "tidak"})
	for _, r := range recs {
		if len(r.Tradeoffs) == 0 {
			t.Errorf("%s: offered against the answers without a trade-off note", r.Method)
		}
	}
}

// Unknown questions and codes are ignored, never a crash or an unlock.
func TestRecommendIgnoresUnknownAnswers(t *testing.T) {
	l := mustLoad(t)
	recs := l.Recommend(map[string]string{"menyusui": "bogus", "zzz": "1", "anak": "tidak;drop"})
	for _, r := range recs {
		if r.Method == "mal" || r.Method == "mow" || r.Method == "mop" {
			t.Errorf("%s unlocked by an unknown answer", r.Method)
		}
	}
}

func TestQuizShape(t *testing.T) {
	l := mustLoad(t)
	qs := l.Quiz()
	want := []string{"siapa", "anak", "menyusui", "rokok", "pil", "jarum", "tindakan", "hormon", "pasangan"}
	if len(qs) != len(want) {
		t.Fatalf("%d questions; want %d", len(qs), len(want))
	}
	for i, q := range qs {
		if q.ID != want[i] {
			t.Errorf("question %d is %q; want %q", i, q.ID, want[i])
		}
		for _, o := range q.Options {
			// Lead's callback data, e.g. "q:<question>:<code>", must fit.
			if n := len("q:" + q.ID + ":" + o.Code); n > MaxCallbackBytes {
				t.Errorf("callback for %s/%s is %d bytes", q.ID, o.Code, n)
			}
		}
	}
	closing := l.QuizClosing()
	if !strings.Contains(strings.ToLower(closing.ID), "bidan") || !strings.Contains(strings.ToLower(closing.EN), "bidan") {
		t.Errorf("closing must remind that the bidan decides: %+v", closing)
	}
	page := l.RecommendationPage(l.QuizResult(nil), ID)
	for _, line := range strings.Split(closing.ID, "\n") {
		if !strings.Contains(page.Full(), esc(line)) {
			t.Errorf("result page lacks the closing reminder:\n%s", page.Full())
		}
	}
	if !strings.Contains(page.First, "bidan") {
		t.Errorf("the first screen must say the bidan decides:\n%s", page.First)
	}
}
