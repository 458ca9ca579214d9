package content

import (
	"fmt"
	"html"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Method pages are split into sections so that each fits one Telegram
// message with room to spare. MethodPage returns the overview; the menus
// offer buttons to the other sections.
const (
	// SectionOverview: what it is, how it is used, effectiveness, how long
	// it protects, return to fertility, STI protection, where it is given.
	SectionOverview = "umum"
	// SectionSafety: common side effects and "tell the bidan first if ...".
	SectionSafety = "efek"
	// SectionTiming: start after childbirth and while breastfeeding, and
	// how often to come back.
	SectionTiming = "jadwal"
)

// Sections lists the method page sections in display order.
var Sections = []string{SectionOverview, SectionSafety, SectionTiming}

// The first screen of a page: a resident on a small phone reads it at a
// glance, and the rest waits behind the «Baca selengkapnya» button.
const (
	// FirstScreenLines is the most lines (not counting blank ones) the
	// first screen of a page may have.
	FirstScreenLines = 5
	// FirstScreenLineChars is the most characters a line of the first
	// screen may show (tags and entities not counted): about two lines on
	// a phone.
	FirstScreenLineChars = 100
)

// Page is an education page as a resident reads it. First is its first
// screen: at most FirstScreenLines lines of at most FirstScreenLineChars
// characters (CheckFirstScreen). Rest is what follows, shown behind the
// «Baca selengkapnya» button together with First (Full); it is empty when
// the whole page fits its first screen. Both are Telegram HTML.
type Page struct {
	First string `json:"first"`
	Rest  string `json:"rest,omitempty"`
	// cont marks a Rest that goes on with the last paragraph of First (a
	// section cut at the first screen's end): Full joins them with a line
	// break, not a blank line.
	cont bool
}

// Full returns the whole page: the first screen, then the rest.
func (p Page) Full() string {
	switch {
	case p.Rest == "":
		return p.First
	case p.cont:
		return p.First + "\n" + p.Rest
	}
	return p.First + "\n\n" + p.Rest
}

// CheckFirstScreen reports a first screen with more than FirstScreenLines
// lines or a line longer than FirstScreenLineChars characters.
func CheckFirstScreen(s string) error {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		vis := visible(line)
		if strings.TrimSpace(vis) == "" {
			continue
		}
		n++
		if c := utf8.RuneCountInString(vis); c > FirstScreenLineChars {
			return fmt.Errorf("line %d has %d characters, more than the %d of a first screen: %q", n, c, FirstScreenLineChars, vis)
		}
	}
	if n > FirstScreenLines {
		return fmt.Errorf("%d lines, more than the %d of a first screen", n, FirstScreenLines)
	}
	return nil
}

// visible returns a line of Telegram HTML as it is shown: without tags,
// with entities decoded.
func visible(line string) string {
	var b strings.Builder
	in := false
	for _, r := range line {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// page builds one education page from blocks of lines (Telegram HTML; the
// only tags are <b> and <i>). Every data string is escaped. The sources of
// its facts are gathered for one «Sumber» line at the end; the first
// blocks that fit make its first screen (finish).
type page struct {
	l      *Library
	lang   Lang
	blocks [][]string
	used   []string
	seen   map[string]bool
	// firstN, when above zero, is how many blocks make the first screen,
	// chosen by the renderer instead of by finish.
	firstN int
}

func (l *Library) newPage(lang Lang) *page {
	return &page{l: l, lang: lang, seen: map[string]bool{}}
}

// label returns the label key in the page language, escaped.
func (pg *page) label(key string, args ...any) string {
	return html.EscapeString(pg.l.Labels.T(pg.lang, key, args...))
}

// add appends a block of lines (already HTML).
func (pg *page) add(lines ...string) { pg.blocks = append(pg.blocks, lines) }

// cite records the sources of a fact for the page's «Sumber» line.
func (pg *page) cite(ids SourceIDs) {
	for _, id := range ids {
		if !pg.seen[id] {
			pg.seen[id] = true
			pg.used = append(pg.used, id)
		}
	}
}

// factLines returns a fact's text as escaped lines (a data file writes one
// line per short sentence) and records its sources.
func (pg *page) factLines(f Fact) []string {
	pg.cite(f.Sources)
	return textLines(f.In(pg.lang))
}

// textLines splits a text into escaped, trimmed, non-empty lines.
func textLines(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, html.EscapeString(line))
		}
	}
	return out
}

// bold returns s escaped in <b>.
func bold(s string) string { return "<b>" + html.EscapeString(s) + "</b>" }

// italic returns s escaped in <i>.
func italic(s string) string { return "<i>" + html.EscapeString(s) + "</i>" }

// block adds a heading (a label key) and a fact as one block.
func (pg *page) block(headingKey string, f Fact) {
	pg.add(append([]string{bold(pg.l.Labels.T(pg.lang, headingKey))}, pg.factLines(f)...)...)
}

// sourcesLine is the page's one «Sumber» line, or "" when it cites none.
func (pg *page) sourcesLine() string {
	if len(pg.used) == 0 {
		return ""
	}
	parts := make([]string, 0, len(pg.used))
	for _, id := range pg.used {
		parts = append(parts, pg.l.sourceIdx[id].Short)
	}
	return "<i>" + pg.label("sources") + ": " + html.EscapeString(strings.Join(parts, "; ")) + "</i>"
}

// finish splits the page into its first screen and the rest. The first
// screen takes the first block (the title) and then whole blocks while
// they fit FirstScreenLines short lines; when the first block after the
// title does not fit whole, its leading lines that fit are taken (a
// heading is never left alone at the bottom). The bidan note (when note
// is set) and the «Sumber» line end the page.
func (pg *page) finish(note bool) Page {
	var tail []string
	if note {
		tail = append(tail, "<i>"+pg.label("note.short")+"</i>")
	}
	if s := pg.sourcesLine(); s != "" {
		tail = append(tail, s)
	}
	first, rest, cont := pg.split()
	if len(rest) == 0 && len(first) > 2 && countLines(first)+len(tail) > FirstScreenLines {
		// Only the note and «Sumber» would be left behind «Baca
		// selengkapnya»: the last section goes with them.
		first, rest = first[:len(first)-1], first[len(first)-1:]
	}
	if len(rest) > 0 || countLines(first)+len(tail) > FirstScreenLines {
		rest = append(rest, tail)
	} else if len(tail) > 0 {
		first = append(first, tail)
	}
	return Page{First: joinBlocks(first), Rest: joinBlocks(rest), cont: cont}
}

// split divides the blocks into those of the first screen and the rest;
// cont reports that the rest begins in the middle of a block.
func (pg *page) split() (first, rest [][]string, cont bool) {
	if len(pg.blocks) == 0 {
		return nil, nil, false
	}
	if pg.firstN > 0 {
		n := min(pg.firstN, len(pg.blocks))
		return pg.blocks[:n], pg.blocks[n:], false
	}
	first = [][]string{pg.blocks[0]}
	n := countLines(first)
	i := 1
	for ; i < len(pg.blocks); i++ {
		b := pg.blocks[i]
		if n+len(b) > FirstScreenLines || !shortLines(b) {
			break
		}
		first = append(first, b)
		n += len(b)
	}
	if i == 1 && i < len(pg.blocks) {
		// The first block after the title is too long: take the lines
		// that fit, and at least one line after a heading.
		b := pg.blocks[1]
		k := 0
		for k < len(b) && n+k < FirstScreenLines && shortLines(b[k:k+1]) {
			k++
		}
		if k >= 2 || (k == 1 && !strings.HasPrefix(b[0], "<b>")) {
			first = append(first, b[:k])
			rest = append(rest, b[k:])
			cont = k < len(b)
			i = 2
		}
	}
	return first, append(rest, pg.blocks[i:]...), cont
}

// shortLines reports whether every line fits a first screen.
func shortLines(lines []string) bool {
	for _, l := range lines {
		if utf8.RuneCountInString(visible(l)) > FirstScreenLineChars {
			return false
		}
	}
	return true
}

func countLines(blocks [][]string) int {
	n := 0
	for _, b := range blocks {
		n += len(b)
	}
	return n
}

// joinBlocks writes blocks with a blank line between them.
func joinBlocks(blocks [][]string) string {
	parts := make([]string, 0, len(blocks))
	for _, b := range blocks {
		if len(b) > 0 {
			parts = append(parts, strings.Join(b, "\n"))
		}
	}
	return strings.Join(parts, "\n\n")
}

// number formats a per-100 number: "0,3" in Indonesian, "0.3" in English.
func number(v float64, lang Lang) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang == ID {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// Effectiveness tiers, by first-year pregnancies per 100 women as commonly
// used. The WHO Handbook's key (HB11 Appendix A; the 2018 effectiveness
// chart) calls under 1 "very effective" and 1 to 9 "effective"; the bot
// shows 10 and more, WHO's "moderately" and "less effective", as the
// third tier, "kurang efektif".
const (
	// TierHigh is "sangat efektif": fewer than 1 pregnancy per 100 women.
	TierHigh = "high"
	// TierMid is "efektif": 1 to 9.
	TierMid = "mid"
	// TierLow is "kurang efektif": 10 or more.
	TierLow = "low"
)

// tierSources are the sources of the tiers' limits.
var tierSources = SourceIDs{"HB11"}

// Tier returns the effectiveness tier of a method: TierHigh, TierMid or
// TierLow.
func (m Method) Tier() string {
	switch t := m.Effectiveness.Typical; {
	case t < 1:
		return TierHigh
	case t < 10:
		return TierMid
	}
	return TierLow
}

// tierLabel is a method's tier in words, e.g. "sangat efektif".
func (l *Library) tierLabel(m Method, lang Lang) string {
	return l.Labels.T(lang, "tier."+m.Tier())
}

// MethodPage returns the overview of a method: its first screen says what
// it is, how effective (as a tier), how long it protects and when to come
// back; the rest has the details and the effectiveness numbers. The other
// sections are in MethodSection.
func (l *Library) MethodPage(code string, lang Lang) (Page, error) {
	return l.MethodSection(code, SectionOverview, lang)
}

// MethodSection returns one section (see Sections) of a method page. Every
// section ends with the one-line reminder that the bot informs and the
// bidan decides; the full note is TopicPage(NoteTopicID).
func (l *Library) MethodSection(code, section string, lang Lang) (Page, error) {
	m, ok := l.Method(code)
	if !ok {
		return Page{}, fmt.Errorf("%w: method %q", ErrNotFound, code)
	}
	pg := l.newPage(lang)
	switch section {
	case SectionOverview:
		pg.add(bold(m.Name.In(lang)),
			strings.Join(pg.factLines(m.Summary), " "),
			pg.label("method.tier", l.tierLabel(m, lang)),
			pg.label("method.protects")+": "+strings.Join(pg.factLines(m.DurationShort), " "),
			pg.label("method.comeback")+": "+strings.Join(pg.factLines(m.VisitsShort), " "))
		pg.firstN = 1
		tags := []string{l.Labels.T(lang, "hormones."+string(m.Hormones))}
		if m.LongActing {
			tags = append(tags, l.Labels.T(lang, "long_acting"))
		}
		if m.Permanent {
			tags = append(tags, l.Labels.T(lang, "permanent"))
		}
		pg.add(italic(strings.Join(tags, " · ")), italic(l.Labels.T(lang, "method.also_called")+": "+m.AlsoCalled.In(lang)))
		pg.block("method.what", m.What)
		pg.block("method.how", m.How)
		e := m.Effectiveness
		pg.cite(e.Sources)
		eff := []string{bold(l.Labels.T(lang, "method.effectiveness")),
			pg.label("method.eff.tier_is", l.tierLabel(m, lang)),
			pg.label("method.eff.intro"),
			"• " + pg.label("method.eff.typical", number(e.Typical, lang)),
			"• " + pg.label("method.eff.perfect", number(e.Perfect, lang))}
		if e.Note.In(lang) != "" {
			eff = append(eff, pg.factLines(e.Note)...)
		}
		pg.cite(tierSources)
		eff = append(eff, italic(l.Labels.T(lang, "method.eff.tiers")))
		pg.add(eff...)
		pg.block("method.duration", m.Duration)
		pg.block("method.return_to_fertility", m.ReturnToFertility)
		pg.block("method.sti", m.STI)
		pg.block("method.where", m.Where)
	case SectionSafety:
		pg.add(bold(m.Name.In(lang) + " · " + l.Labels.T(lang, "section."+section)))
		pg.add(pg.factLines(m.SideEffects)...)
		pg.block("method.tell_bidan_first", m.TellBidanFirst)
	case SectionTiming:
		pg.add(bold(m.Name.In(lang) + " · " + l.Labels.T(lang, "section."+section)))
		pg.block("method.after_childbirth", m.AfterChildbirth)
		pg.block("method.visits", m.Visits)
	default:
		return Page{}, fmt.Errorf("%w: method section %q", ErrNotFound, section)
	}
	return pg.finish(true), nil
}

// ComparePage returns the methods side by side. Its first screen groups
// them by effectiveness tier; the rest lists them most effective first
// with first-year pregnancies per 100 women (typical / perfect use),
// hormones, how long each protects and how often to come back.
func (l *Library) ComparePage(lang Lang) Page {
	ms := slices.Clone(l.Methods())
	order := make(map[string]int, len(MethodCodes))
	for i, c := range MethodCodes {
		order[c] = i
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i].Effectiveness, ms[j].Effectiveness
		if a.Typical != b.Typical {
			return a.Typical < b.Typical
		}
		if a.Perfect != b.Perfect {
			return a.Perfect < b.Perfect
		}
		return order[ms[i].Code] < order[ms[j].Code]
	})
	pg := l.newPage(lang)
	byTier := map[string][]string{}
	for _, m := range ms {
		byTier[m.Tier()] = append(byTier[m.Tier()], shortName(m.Name.In(lang)))
	}
	first := []string{bold(l.Labels.T(lang, "compare.title"))}
	for _, t := range []string{TierHigh, TierMid, TierLow} {
		if len(byTier[t]) > 0 {
			first = append(first, bold(capitalize(l.Labels.T(lang, "tier."+t)))+": "+html.EscapeString(strings.Join(byTier[t], ", ")))
		}
	}
	pg.add(first...)
	pg.firstN = 1
	pg.cite(tierSources)
	pg.add(italic(l.Labels.T(lang, "compare.intro")))
	for i, m := range ms {
		e := m.Effectiveness
		pg.cite(e.Sources)
		pg.add(fmt.Sprintf("%d. ", i+1)+bold(m.Name.In(lang))+" — <b>"+number(e.Typical, lang)+"</b> / "+number(e.Perfect, lang),
			pg.label("hormones."+string(m.Hormones)),
			pg.label("compare.duration")+": "+strings.Join(pg.factLines(m.DurationShort), " "),
			pg.label("compare.visits")+": "+strings.Join(pg.factLines(m.VisitsShort), " "))
	}
	return pg.finish(true)
}

// shortName is a method's name without its explanation in brackets:
// "Implan (susuk KB)" is "Implan".
func shortName(name string) string {
	if i := strings.Index(name, " ("); i > 0 {
		return name[:i]
	}
	return name
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// MythsPage returns the myths' title and introduction; the menus add one
// button per myth leading to MythPage.
func (l *Library) MythsPage(lang Lang) Page {
	pg := l.newPage(lang)
	pg.add(bold(l.Labels.T(lang, "myths.title")), pg.label("myths.intro"))
	return pg.finish(false)
}

// MythPage returns one myth with its correction and sources.
func (l *Library) MythPage(id string, lang Lang) (Page, error) {
	m, ok := l.Myth(id)
	if !ok {
		return Page{}, fmt.Errorf("%w: myth %q", ErrNotFound, id)
	}
	pg := l.newPage(lang)
	pg.add(bold(m.Title.In(lang)))
	// The myth and its correction are one block: the first screen shows
	// the myth with the first lines of the fact.
	fact := pg.factLines(m.Fact)
	if len(fact) > 0 {
		fact[0] = "✅ <b>" + pg.label("myth.fact") + ":</b> " + fact[0]
	}
	pg.add(append([]string{"❌ <b>" + pg.label("myth.myth") + ":</b> " + html.EscapeString(strings.TrimSpace(m.Myth.In(lang)))}, fact...)...)
	return pg.finish(true), nil
}

// TopicPage returns a topic page with its sources. A section still
// waiting for a bidan's review (its `review` field) is not shown.
func (l *Library) TopicPage(id string, lang Lang) (Page, error) {
	t, ok := l.Topic(id)
	if !ok {
		return Page{}, fmt.Errorf("%w: topic %q", ErrNotFound, id)
	}
	pg := l.newPage(lang)
	pg.add(bold(t.Title.In(lang)))
	for _, s := range t.Sections {
		if s.Review != "" {
			continue
		}
		pg.add(append([]string{bold(s.Heading.In(lang))}, pg.factLines(s.Body)...)...)
	}
	return pg.finish(id != NoteTopicID), nil
}

// SourcesPages lists every source with its id, short name and address, in
// as many messages as needed (each fits MaxMessageChars). It is a
// reference list opened from the «Sumber informasi» button, not an
// education page: it has no first-screen limit.
func (l *Library) SourcesPages(lang Lang) []string {
	head := "<b>" + html.EscapeString(l.Labels.T(lang, "sources.title")) + "</b>\n\n"
	var pages []string
	cur := head
	for _, s := range l.sources {
		entry := "<b>[" + html.EscapeString(s.ID) + "]</b> " + html.EscapeString(s.Title) + "\n" + html.EscapeString(s.URL) + "\n\n"
		if utf8.RuneCountInString(cur)+utf8.RuneCountInString(entry) > MaxMessageChars && cur != head {
			pages = append(pages, strings.TrimRight(cur, "\n"))
			cur = head
		}
		cur += entry
	}
	return append(pages, strings.TrimRight(cur, "\n"))
}

// NoMatchPage is the answer to a question Search could not match: it says
// so plainly, points to the topic menu and to a health worker, and never
// guesses an answer. The menus add the topic buttons.
func (l *Library) NoMatchPage(lang Lang) string {
	return html.EscapeString(l.Labels.T(lang, "search.no_match"))
}

// RecommendationPage renders a quiz result. Its first screen names the
// methods with their effectiveness tier (⚠️ when a method carries a
// caution) and that the bidan decides; the rest gives each method's
// reason, trade-offs and cautions, the notes for these answers and the
// closing reminder. The menus add one button per method.
func (l *Library) RecommendationPage(r QuizResult, lang Lang) Page {
	pg := l.newPage(lang)
	first := []string{bold(r.Title.In(lang))}
	warn := false
	for i, rec := range r.Recommendations {
		line := fmt.Sprintf("%d. ", i+1) + bold(rec.Name.In(lang))
		if m, ok := l.Method(rec.Method); ok {
			line += " — " + html.EscapeString(l.tierLabel(m, lang))
		}
		if len(rec.Cautions) > 0 {
			line += " ⚠️"
			warn = true
		}
		first = append(first, line)
	}
	if warn {
		first = append(first, pg.label("quiz.result.warn"))
	} else {
		first = append(first, pg.label("quiz.result.more"))
	}
	pg.add(first...)
	pg.firstN = 1
	for i, rec := range r.Recommendations {
		lines := []string{fmt.Sprintf("%d. ", i+1) + bold(rec.Name.In(lang)) + " — " + strings.Join(pg.factLines(rec.Reason), " ")}
		for _, t := range rec.Tradeoffs {
			lines = append(lines, "<i>"+pg.label("quiz.tradeoff")+": "+html.EscapeString(t.In(lang))+"</i>")
		}
		for _, c := range rec.Cautions {
			lines = append(lines, "⚠️ "+strings.Join(pg.factLines(c), " "))
		}
		pg.add(lines...)
	}
	for _, n := range r.Notes {
		pg.add(pg.factLines(n)...)
	}
	pg.add(pg.factLines(r.Closing)...)
	return pg.finish(false)
}
