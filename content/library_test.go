package content

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLoadEmbedded(t *testing.T) {
	l := mustLoad(t)
	if l.UI == nil || !l.UI.Has("welcome") {
		t.Error("UI catalog not loaded")
	}
	var codes []string
	for _, m := range l.Methods() {
		codes = append(codes, m.Code)
	}
	if !slices.Equal(codes, MethodCodes) {
		t.Errorf("methods %v; want %v", codes, MethodCodes)
	}
	if n := len(l.Myths()); n < 12 {
		t.Errorf("%d myths; want at least 12", n)
	}
	for _, id := range []string{"jarak-kelahiran", "empat-terlalu", "pasca-persalinan", "menyusui", NoteTopicID, "layanan"} {
		if _, ok := l.Topic(id); !ok {
			t.Errorf("topic %q missing", id)
		}
	}
}

// Every method has every field in both languages.
func TestMethodsComplete(t *testing.T) {
	l := mustLoad(t)
	for _, m := range l.Methods() {
		texts := map[string]Text{"name": m.Name, "also_called": m.AlsoCalled}
		for _, nf := range m.facts() {
			texts[nf.name] = nf.fact.Text
		}
		if len(texts) != 14 {
			t.Errorf("%s: %d text fields; the test expects 14", m.Code, len(texts))
		}
		for name, tx := range texts {
			if strings.TrimSpace(tx.ID) == "" || strings.TrimSpace(tx.EN) == "" {
				t.Errorf("%s.%s: missing a language: %+v", m.Code, name, tx)
			}
		}
		if len(m.Effectiveness.Sources) == 0 {
			t.Errorf("%s: effectiveness without source", m.Code)
		}
	}
}

// The effectiveness numbers are exactly those of kb-domain.md table 1.2
// (HB18 column set), with the source id the table names for each row.
func TestEffectivenessMatchesDomainTable(t *testing.T) {
	l := mustLoad(t)
	want := map[string]struct {
		typical, perfect float64
		source           string
	}{
		"implan":  {0.1, 0.1, "HB18"},
		"mop":     {0.15, 0.1, "CT21"},
		"mow":     {0.5, 0.5, "CT21"},
		"iud":     {0.8, 0.6, "HB18"},
		"mal":     {2, 0.9, "HB11"},
		"suntik1": {3, 0.05, "HB18"},
		"suntik3": {4, 0.2, "CT21"},
		"pil":     {7, 0.3, "HB18"},
		"minipil": {7, 0.3, "CT21"},
		"kondom":  {13, 2, "CT21"},
	}
	for _, m := range l.Methods() {
		w := want[m.Code]
		e := m.Effectiveness
		if e.Typical != w.typical || e.Perfect != w.perfect {
			t.Errorf("%s: %v/%v; want %v/%v", m.Code, e.Typical, e.Perfect, w.typical, w.perfect)
		}
		if !slices.Contains(e.Sources, w.source) {
			t.Errorf("%s: sources %v; want %s", m.Code, e.Sources, w.source)
		}
	}
}

// allPages renders every page of the library in lang.
func allPages(t *testing.T, l *Library, lang Lang) map[string]string {
	t.Helper()
	pages := map[string]string{}
	for _, m := range l.Methods() {
		for _, s := range Sections {
			p, err := l.MethodSection(m.Code, s, lang)
			if err != nil {
				t.Fatal(err)
			}
			pages["method "+m.Code+" "+s] = p
		}
	}
	for _, m := range l.Myths() {
		p, err := l.MythPage(m.ID, lang)
		if err != nil {
			t.Fatal(err)
		}
		pages["myth "+m.ID] = p
	}
	for _, tp := range l.Topics() {
		p, err := l.TopicPage(tp.ID, lang)
		if err != nil {
			t.Fatal(err)
		}
		pages["topic "+tp.ID] = p
	}
	pages["compare"] = l.ComparePage(lang)
	pages["myths"] = l.MythsPage(lang)
	pages["no match"] = l.NoMatchPage(lang)
	for i, p := range l.SourcesPages(lang) {
		pages[fmt.Sprintf("sources %d", i)] = p
	}
	for _, p := range quizProfiles {
		pages["quiz "+p.name] = l.RecommendationPage(l.Recommend(p.answers), lang)
	}
	return pages
}

// Every page fits one Telegram message and is valid Telegram HTML.
func TestEveryPageFitsAndIsValidHTML(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		for name, p := range allPages(t, l, lang) {
			if n := utf8.RuneCountInString(p); n > MaxMessageChars || n == 0 {
				t.Errorf("%s (%s): %d characters", name, lang, n)
			}
			if err := CheckHTML(p); err != nil {
				t.Errorf("%s (%s): %v", name, lang, err)
			}
		}
	}
}

// Every method page shows the effectiveness numbers with their source and
// the reminder that the bot informs and the bidan decides.
func TestMethodPagesShowNumbersSourcesAndNote(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		note := esc(l.Labels.T(lang, "note.short"))
		for _, m := range l.Methods() {
			p, err := l.MethodPage(m.Code, lang)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []float64{m.Effectiveness.Typical, m.Effectiveness.Perfect} {
				if !strings.Contains(p, number(n, lang)) {
					t.Errorf("%s (%s): effectiveness %s not shown", m.Code, lang, number(n, lang))
				}
			}
			for _, src := range m.Effectiveness.Sources {
				s, _ := l.Source(src)
				if !strings.Contains(p, "["+src) || !strings.Contains(p, esc(s.Short)) {
					t.Errorf("%s (%s): source %s not named", m.Code, lang, src)
				}
			}
			for _, s := range Sections {
				p, _ := l.MethodSection(m.Code, s, lang)
				if !strings.Contains(p, note) {
					t.Errorf("%s %s (%s): bidan note missing", m.Code, s, lang)
				}
			}
		}
	}
	if _, err := l.MethodPage("nope", ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown method: %v", err)
	}
	if _, err := l.MethodSection("iud", "nope", ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown section: %v", err)
	}
	if _, err := l.TopicPage("nope", ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown topic: %v", err)
	}
	if _, err := l.MythPage("nope", ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown myth: %v", err)
	}
}

// Every source id cited on a page is explained in that page's footer.
func TestEveryCitedSourceIsInTheFooter(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		for name, p := range allPages(t, l, lang) {
			body, footer, _ := strings.Cut(p, "<i>"+esc(l.Labels.T(lang, "sources"))+":")
			for _, s := range l.Sources() {
				if strings.Contains(body, s.ID+"]") || strings.Contains(body, s.ID+",") {
					if !strings.Contains(footer, "["+s.ID+"] ") && !strings.HasPrefix(name, "sources") {
						t.Errorf("%s (%s): cites %s but the footer does not name it", name, lang, s.ID)
					}
				}
			}
		}
	}
}

// Ids fit the callback data the menus build from them.
func TestIDsFitCallbackData(t *testing.T) {
	l := mustLoad(t)
	var ids []string
	for _, m := range l.Methods() {
		for _, s := range Sections {
			ids = append(ids, "m:"+m.Code+":"+s)
		}
		ids = append(ids, "book:"+m.Code)
	}
	for _, m := range l.Myths() {
		ids = append(ids, "myth:"+m.ID)
	}
	for _, tp := range l.Topics() {
		ids = append(ids, "topic:"+tp.ID)
	}
	for _, id := range ids {
		if len(id) > MaxCallbackBytes {
			t.Errorf("%q is %d bytes", id, len(id))
		}
	}
}

// The bot never tells a resident what she must not do or that she is or is
// not pregnant: cautions are "tell the bidan first".
func TestNoProhibitionsOrDiagnoses(t *testing.T) {
	l := mustLoad(t)
	banned := []string{"anda tidak boleh", "jangan pakai", "anda hamil", "anda tidak hamil", "you must not", "you cannot use", "you are pregnant", "you are not pregnant"}
	for _, lang := range Langs {
		for name, p := range allPages(t, l, lang) {
			low := strings.ToLower(p)
			for _, b := range banned {
				if strings.Contains(low, b) {
					t.Errorf("%s (%s) contains %q", name, lang, b)
				}
			}
		}
	}
	for _, m := range l.Methods() {
		if !strings.Contains(strings.ToLower(m.TellBidanFirst.ID), "beritahu") && !strings.Contains(strings.ToLower(m.TellBidanFirst.ID), "ceritakan") {
			t.Errorf("%s: tell_bidan_first should ask to tell the bidan: %q", m.Code, m.TellBidanFirst.ID)
		}
	}
}

func TestRelatedItemsResolve(t *testing.T) {
	l := mustLoad(t)
	for _, m := range l.Methods() {
		for _, id := range m.Myths {
			if _, ok := l.Myth(id); !ok {
				t.Errorf("%s: myth %s", m.Code, id)
			}
		}
		for _, id := range m.Topics {
			if _, ok := l.Topic(id); !ok {
				t.Errorf("%s: topic %s", m.Code, id)
			}
		}
	}
	for _, m := range l.Myths() {
		if len(m.Fact.Sources) == 0 {
			t.Errorf("myth %s without source", m.ID)
		}
		for _, c := range m.Methods {
			if _, ok := l.Method(c); !ok {
				t.Errorf("myth %s: method %s", m.ID, c)
			}
		}
	}
}

func TestPageTitles(t *testing.T) {
	l := mustLoad(t)
	for _, p := range Pages {
		tx, err := l.PageTitle(p)
		if err != nil || tx.ID == "" || tx.EN == "" {
			t.Errorf("page %s: %+v %v", p, tx, err)
		}
	}
	if _, err := l.PageTitle("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown page: %v", err)
	}
}

func TestCheckHTML(t *testing.T) {
	for _, ok := range []string{"", "plain", "<b>x</b> <i>y</i>", "<b><i>x</i></b>", "a &amp; b &lt;c&gt; &#39; &quot;"} {
		if err := CheckHTML(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"<b>x", "x</b>", "<b><i>x</b></i>", "<a href=x>y</a>", "a & b", "a < b", "a > b", "<u>x</u>", "&nbsp"} {
		if err := CheckHTML(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestNumberFormat(t *testing.T) {
	for _, c := range []struct {
		v      float64
		id, en string
	}{{0.3, "0,3", "0.3"}, {13, "13", "13"}, {0.05, "0,05", "0.05"}, {0.15, "0,15", "0.15"}} {
		if got := number(c.v, ID); got != c.id {
			t.Errorf("number(%v, id) = %q", c.v, got)
		}
		if got := number(c.v, EN); got != c.en {
			t.Errorf("number(%v, en) = %q", c.v, got)
		}
	}
}

// TestMethodsNotCopiedPerRender: a render reads the method list without
// copying it (it was 11 % of the bytes allocated per update), and the
// comparison page, which sorts, leaves the library's order alone.
func TestMethodsNotCopiedPerRender(t *testing.T) {
	l := mustLoad(t)
	if n := testing.AllocsPerRun(20, func() { _ = l.Methods(); _ = l.Myths() }); n != 0 {
		t.Errorf("Methods and Myths allocate %v times per call", n)
	}
	before := l.Methods()[0].Code
	_ = l.ComparePage(ID)
	if after := l.Methods()[0].Code; after != before {
		t.Errorf("ComparePage reordered the library: first method %s, was %s", after, before)
	}
}
