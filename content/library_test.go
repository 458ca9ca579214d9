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
		if len(texts) != 15 {
			t.Errorf("%s: %d text fields; the test expects 15", m.Code, len(texts))
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

// allPages renders every education page of the library in lang.
func allPages(t *testing.T, l *Library, lang Lang) map[string]Page {
	t.Helper()
	pages := map[string]Page{}
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
	pages["no match"] = Page{First: l.NoMatchPage(lang)}
	for _, p := range quizProfiles {
		pages["quiz "+p.name] = l.RecommendationPage(l.QuizResult(p.answers), lang)
	}
	pages["quiz longest"] = l.RecommendationPage(l.longestResult(lang), lang)
	return pages
}

// Every page fits one Telegram message and is valid Telegram HTML, and so
// is every page of the sources list.
func TestEveryPageFitsAndIsValidHTML(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		msgs := map[string]string{}
		for name, p := range allPages(t, l, lang) {
			msgs[name] = p.Full()
			msgs[name+" (first screen)"] = p.First
		}
		for i, p := range l.SourcesPages(lang) {
			msgs[fmt.Sprintf("sources %d", i)] = p
		}
		for name, p := range msgs {
			if n := utf8.RuneCountInString(p); n > MaxMessageChars || n == 0 {
				t.Errorf("%s (%s): %d characters", name, lang, n)
			}
			if err := CheckHTML(p); err != nil {
				t.Errorf("%s (%s): %v", name, lang, err)
			}
		}
	}
}

// The first screen of every page is at most FirstScreenLines short lines;
// a page with more has the rest behind «Baca selengkapnya» (Rest).
func TestEveryFirstScreenIsShort(t *testing.T) {
	l := mustLoad(t)
	pages := 0
	for _, lang := range Langs {
		for name, p := range allPages(t, l, lang) {
			pages++
			if err := CheckFirstScreen(p.First); err != nil {
				t.Errorf("%s (%s): first screen: %v\n%s", name, lang, err, p.First)
			}
		}
	}
	if pages < 2*(3*len(MethodCodes)+12+9) {
		t.Errorf("only %d pages checked", pages)
	}
	if err := CheckFirstScreen("a\nb\nc\nd\ne\nf"); err == nil {
		t.Error("6 lines accepted")
	}
	if err := CheckFirstScreen(strings.Repeat("x", FirstScreenLineChars+1)); err == nil {
		t.Error("an over-long line accepted")
	}
	if err := CheckFirstScreen("<b>" + strings.Repeat("x", FirstScreenLineChars) + "</b>\n\n&amp;"); err != nil {
		t.Errorf("tags, entities and blank lines counted: %v", err)
	}
}

// Every method page's first screen names the method's effectiveness tier,
// and its whole page the numbers one tap away; every section ends with
// the reminder that the bot informs and the bidan decides, and the «Sumber»
// line.
func TestMethodPagesShowTierNumbersSourcesAndNote(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		note := esc(l.Labels.T(lang, "note.short"))
		for _, m := range l.Methods() {
			p, err := l.MethodPage(m.Code, lang)
			if err != nil {
				t.Fatal(err)
			}
			if tier := l.Labels.T(lang, "tier."+m.Tier()); !strings.Contains(p.First, tier) {
				t.Errorf("%s (%s): first screen does not say %q:\n%s", m.Code, lang, tier, p.First)
			}
			if p.Rest == "" {
				t.Errorf("%s (%s): no «Baca selengkapnya» part", m.Code, lang)
			}
			for _, n := range []float64{m.Effectiveness.Typical, m.Effectiveness.Perfect} {
				if !strings.Contains(p.Rest, number(n, lang)) {
					t.Errorf("%s (%s): effectiveness %s not shown", m.Code, lang, number(n, lang))
				}
			}
			for _, src := range m.Effectiveness.Sources {
				s, _ := l.Source(src)
				if !strings.Contains(p.Rest, esc(s.Short)) {
					t.Errorf("%s (%s): source %s not named", m.Code, lang, src)
				}
			}
			for _, s := range Sections {
				p, _ := l.MethodSection(m.Code, s, lang)
				if !strings.Contains(p.Full(), note) {
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

// Sources are gathered in one «Sumber» line at the end of a page, not
// after every paragraph: no "[ID]" markers in the text, and the line names
// every source of the page's facts.
func TestSourcesInOneLinePerPage(t *testing.T) {
	l := mustLoad(t)
	for _, lang := range Langs {
		prefix := "<i>" + esc(l.Labels.T(lang, "sources")) + ": "
		for name, p := range allPages(t, l, lang) {
			full := p.Full()
			for _, s := range l.Sources() {
				if strings.Contains(full, "["+s.ID+"]") || strings.Contains(full, "["+s.ID+",") {
					t.Errorf("%s (%s): source marker [%s] in the text", name, lang, s.ID)
				}
			}
			if n := strings.Count(full, prefix); n > 1 {
				t.Errorf("%s (%s): %d «Sumber» lines", name, lang, n)
			}
		}
		for _, m := range l.Methods() {
			if len(m.SideEffects.Sources)+len(m.TellBidanFirst.Sources) == 0 {
				continue
			}
			p, _ := l.MethodSection(m.Code, SectionSafety, lang)
			_, line, ok := strings.Cut(p.Full(), prefix)
			if !ok {
				t.Errorf("%s (%s): no «Sumber» line", m.Code, lang)
				continue
			}
			for _, id := range append(append(SourceIDs{}, m.SideEffects.Sources...), m.TellBidanFirst.Sources...) {
				s, _ := l.Source(id)
				if !strings.Contains(line, esc(s.Short)) {
					t.Errorf("%s efek (%s): «Sumber» line lacks %s", m.Code, lang, id)
				}
			}
		}
	}
}

// Effectiveness tiers follow the typical-use numbers: under 1 very
// effective, 1 to 9 effective, 10 and more less effective.
func TestTiers(t *testing.T) {
	l := mustLoad(t)
	want := map[string]string{"implan": TierHigh, "mop": TierHigh, "mow": TierHigh, "iud": TierHigh,
		"mal": TierMid, "suntik1": TierMid, "suntik3": TierMid, "pil": TierMid, "minipil": TierMid, "kondom": TierLow}
	for _, m := range l.Methods() {
		if got := m.Tier(); got != want[m.Code] {
			t.Errorf("%s: tier %s; want %s", m.Code, got, want[m.Code])
		}
	}
	cmp := l.ComparePage(ID)
	if !strings.Contains(cmp.First, "Sangat efektif") || !strings.Contains(cmp.First, "Kurang efektif") || !strings.Contains(cmp.Rest, "<b>13</b>") {
		t.Errorf("compare page: tiers first, numbers behind:\n%s\n--\n%s", cmp.First, cmp.Rest)
	}
}

// A topic section waiting for a bidan's review is never shown.
func TestReviewedSectionsHidden(t *testing.T) {
	l := mustLoad(t)
	pending := l.PendingReviews()
	if len(pending) == 0 {
		t.Fatal("no section waits for review; the test needs one")
	}
	for _, tp := range l.Topics() {
		p, _ := l.TopicPage(tp.ID, ID)
		for _, s := range tp.Sections {
			if s.Review != "" && strings.Contains(p.Full(), esc(s.Heading.ID)) {
				t.Errorf("%s: section %q waits for review but is shown", tp.ID, s.Heading.ID)
			}
		}
	}
	for _, r := range pending {
		t.Logf("waiting for a bidan's review: %s", r)
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
	banned := []string{"anda tidak boleh", "ibu tidak boleh", "jangan pakai", "anda hamil", "anda tidak hamil", "ibu tidak hamil",
		"you must not", "you cannot use", "you are pregnant", "you are not pregnant"}
	for _, lang := range Langs {
		for name, p := range allPages(t, l, lang) {
			low := strings.ToLower(p.Full())
			for _, b := range banned {
				if strings.Contains(low, b) {
					t.Errorf("%s (%s) contains %q", name, lang, b)
				}
			}
		}
	}
	for _, m := range l.Methods() {
		if !strings.Contains(strings.ToLower(m.TellBidanFirst.ID), "beri tahu") && !strings.Contains(strings.ToLower(m.TellBidanFirst.ID), "ceritakan") {
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
