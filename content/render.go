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

// page builds one Telegram HTML message. Every data string is escaped; the
// only tags used are <b> and <i>. Sources cited on the page are collected
// for its footer.
type page struct {
	l    *Library
	lang Lang
	b    strings.Builder
	used []string
	seen map[string]bool
}

func (l *Library) newPage(lang Lang) *page {
	return &page{l: l, lang: lang, seen: map[string]bool{}}
}

// label returns the label key in the page language, escaped.
func (pg *page) label(key string, args ...any) string {
	return html.EscapeString(pg.l.Labels.T(pg.lang, key, args...))
}

func (pg *page) raw(s string) { pg.b.WriteString(s) }

func (pg *page) bold(s string)   { pg.b.WriteString("<b>" + html.EscapeString(s) + "</b>") }
func (pg *page) italic(s string) { pg.b.WriteString("<i>" + html.EscapeString(s) + "</i>") }

// heading writes a bold line.
func (pg *page) heading(s string) { pg.bold(s); pg.raw("\n") }

// cite records sources and writes their ids as a marker, e.g. " [HB18, CT21]".
func (pg *page) cite(ids SourceIDs) {
	if len(ids) == 0 {
		return
	}
	for _, id := range ids {
		if !pg.seen[id] {
			pg.seen[id] = true
			pg.used = append(pg.used, id)
		}
	}
	pg.raw(" <i>[" + html.EscapeString(strings.Join(ids, ", ")) + "]</i>")
}

// fact writes a fact with its source marker.
func (pg *page) fact(f Fact) {
	pg.raw(html.EscapeString(strings.TrimSpace(f.In(pg.lang))))
	pg.cite(f.Sources)
}

// block writes a heading and a fact, then a blank line.
func (pg *page) block(headingKey string, f Fact) {
	pg.heading(pg.l.Labels.T(pg.lang, headingKey))
	pg.fact(f)
	pg.raw("\n\n")
}

// finish writes the bidan note (when note is set) and the sources footer and
// returns the message.
func (pg *page) finish(note bool) string {
	out := strings.TrimRight(pg.b.String(), "\n")
	var tail strings.Builder
	if note {
		tail.WriteString("\n\n<i>" + pg.label("note.short") + "</i>")
	}
	if len(pg.used) > 0 {
		parts := make([]string, 0, len(pg.used))
		for _, id := range pg.used {
			s := pg.l.sourceIdx[id]
			parts = append(parts, "["+s.ID+"] "+s.Short)
		}
		tail.WriteString("\n<i>" + pg.label("sources") + ": " + html.EscapeString(strings.Join(parts, "; ")) + "</i>")
	}
	return out + tail.String()
}

// number formats a per-100 number: "0,3" in Indonesian, "0.3" in English.
func number(v float64, lang Lang) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang == ID {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// MethodPage returns the first page of a method (its overview section), in
// Telegram HTML. The other sections are in MethodSection. Every section
// shows the one-line reminder that the bot informs and the bidan decides;
// the full note is TopicPage(NoteTopicID).
func (l *Library) MethodPage(code string, lang Lang) (string, error) {
	return l.MethodSection(code, SectionOverview, lang)
}

// MethodSection returns one section (see Sections) of a method page, in
// Telegram HTML.
func (l *Library) MethodSection(code, section string, lang Lang) (string, error) {
	m, ok := l.Method(code)
	if !ok {
		return "", fmt.Errorf("%w: method %q", ErrNotFound, code)
	}
	pg := l.newPage(lang)
	pg.bold(m.Name.In(lang) + " · " + l.Labels.T(lang, "section."+section))
	pg.raw("\n")
	switch section {
	case SectionOverview:
		tags := []string{l.Labels.T(lang, "hormones."+string(m.Hormones))}
		if m.LongActing {
			tags = append(tags, l.Labels.T(lang, "long_acting"))
		}
		if m.Permanent {
			tags = append(tags, l.Labels.T(lang, "permanent"))
		}
		pg.italic(strings.Join(tags, " · "))
		pg.raw("\n")
		pg.italic(l.Labels.T(lang, "method.also_called") + ": " + m.AlsoCalled.In(lang))
		pg.raw("\n\n")
		pg.block("method.what", m.What)
		pg.block("method.how", m.How)
		pg.heading(l.Labels.T(lang, "method.effectiveness"))
		e := m.Effectiveness
		pg.raw(pg.label("method.eff.intro") + "\n")
		pg.raw("• " + pg.label("method.eff.typical", number(e.Typical, lang)) + "\n")
		pg.raw("• " + pg.label("method.eff.perfect", number(e.Perfect, lang)))
		pg.cite(e.Sources)
		if e.Note.In(lang) != "" {
			pg.raw("\n")
			pg.fact(e.Note)
		}
		pg.raw("\n\n")
		pg.block("method.duration", m.Duration)
		pg.block("method.return_to_fertility", m.ReturnToFertility)
		pg.block("method.sti", m.STI)
		pg.block("method.where", m.Where)
		pg.italic(l.Labels.T(lang, "method.more"))
	case SectionSafety:
		pg.raw("\n")
		pg.block("method.side_effects", m.SideEffects)
		pg.block("method.tell_bidan_first", m.TellBidanFirst)
	case SectionTiming:
		pg.raw("\n")
		pg.block("method.after_childbirth", m.AfterChildbirth)
		pg.block("method.visits", m.Visits)
	default:
		return "", fmt.Errorf("%w: method section %q", ErrNotFound, section)
	}
	return pg.finish(true), nil
}

// ComparePage returns the methods side by side, most effective first: first-
// year pregnancies per 100 women (typical / perfect use), hormones, how long
// each protects and how often to come back, with sources.
func (l *Library) ComparePage(lang Lang) string {
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
	pg.heading(l.Labels.T(lang, "compare.title"))
	pg.italic(l.Labels.T(lang, "compare.intro"))
	pg.raw("\n\n")
	for i, m := range ms {
		e := m.Effectiveness
		pg.raw(fmt.Sprintf("%d. ", i+1))
		pg.bold(m.Name.In(lang))
		pg.raw(" — <b>" + number(e.Typical, lang) + "</b> / " + number(e.Perfect, lang))
		pg.cite(e.Sources)
		pg.raw("\n")
		pg.raw(pg.label("hormones."+string(m.Hormones)) + "\n")
		pg.raw(pg.label("compare.duration") + ": ")
		pg.fact(m.DurationShort)
		pg.raw("\n" + pg.label("compare.visits") + ": ")
		pg.fact(m.VisitsShort)
		pg.raw("\n\n")
	}
	return pg.finish(true)
}

// MythsPage returns the list of myths (numbered, each with its title), to be
// shown with one button per myth leading to MythPage.
func (l *Library) MythsPage(lang Lang) string {
	pg := l.newPage(lang)
	pg.heading(l.Labels.T(lang, "myths.title"))
	pg.raw(pg.label("myths.intro") + "\n\n")
	for i, m := range l.myths {
		pg.raw(fmt.Sprintf("%d. ", i+1) + html.EscapeString(m.Title.In(lang)) + "\n")
	}
	return pg.finish(false)
}

// MythPage returns one myth with its correction and sources.
func (l *Library) MythPage(id string, lang Lang) (string, error) {
	m, ok := l.Myth(id)
	if !ok {
		return "", fmt.Errorf("%w: myth %q", ErrNotFound, id)
	}
	pg := l.newPage(lang)
	pg.heading(m.Title.In(lang))
	pg.raw("\n❌ <b>" + pg.label("myth.myth") + ":</b> " + html.EscapeString(m.Myth.In(lang)) + "\n\n")
	pg.raw("✅ <b>" + pg.label("myth.fact") + ":</b> ")
	pg.fact(m.Fact)
	return pg.finish(true), nil
}

// TopicPage returns a topic page with its sources.
func (l *Library) TopicPage(id string, lang Lang) (string, error) {
	t, ok := l.Topic(id)
	if !ok {
		return "", fmt.Errorf("%w: topic %q", ErrNotFound, id)
	}
	pg := l.newPage(lang)
	pg.heading(t.Title.In(lang))
	pg.raw("\n")
	for _, s := range t.Sections {
		pg.heading(s.Heading.In(lang))
		pg.fact(s.Body)
		pg.raw("\n\n")
	}
	return pg.finish(id != NoteTopicID), nil
}

// SourcesPages lists every source with its id, short name and address, in
// as many messages as needed (each fits MaxMessageChars).
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

// RecommendationPage renders the result of Recommend: each method with its
// one-line reason (and trade-off, if any), then the reminder that the bidan
// decides. The menus add one booking button per method.
func (l *Library) RecommendationPage(recs []Recommendation, lang Lang) string {
	pg := l.newPage(lang)
	pg.heading(l.Labels.T(lang, "quiz.result.title"))
	pg.raw("\n")
	for i, r := range recs {
		pg.raw(fmt.Sprintf("%d. ", i+1))
		pg.bold(r.Name.In(lang))
		pg.raw(" — ")
		pg.fact(r.Reason)
		for _, t := range r.Tradeoffs {
			pg.raw(" <i>(" + pg.label("quiz.tradeoff") + ": " + html.EscapeString(t.In(lang)) + ")</i>")
		}
		pg.raw("\n")
	}
	pg.raw("\n")
	pg.fact(l.quiz.Closing)
	return pg.finish(false)
}
