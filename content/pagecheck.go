package content

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// CheckHTML reports whether s is safe Telegram HTML as the renderers make
// it: only <b> and <i> tags, properly nested and closed, and every '&'
// starting an entity.
func CheckHTML(s string) error {
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return fmt.Errorf("offset %d: '<' without '>'", i)
			}
			tag := s[i+1 : i+end]
			switch tag {
			case "b", "i":
				stack = append(stack, tag)
			case "/b", "/i":
				if len(stack) == 0 || stack[len(stack)-1] != tag[1:] {
					return fmt.Errorf("offset %d: <%s> closes nothing open", i, tag)
				}
				stack = stack[:len(stack)-1]
			default:
				return fmt.Errorf("offset %d: tag <%s> is not allowed", i, tag)
			}
			i += end + 1
		case '>':
			return fmt.Errorf("offset %d: stray '>'", i)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || !isEntity(s[i+1:i+end]) {
				return fmt.Errorf("offset %d: '&' does not start an entity", i)
			}
			i += end + 1
		default:
			i++
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("<%s> is not closed", stack[len(stack)-1])
	}
	return nil
}

func isEntity(name string) bool {
	switch name {
	case "amp", "lt", "gt", "quot":
		return true
	}
	if len(name) < 2 || name[0] != '#' {
		return false
	}
	for _, r := range name[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkMessage reports a rendered message that is too long or not valid HTML.
func checkMessage(p *problems, file, field, msg, hint string) {
	if n := utf8.RuneCountInString(msg); n > MaxMessageChars {
		p.add(file, field, "rendered page is %d characters, over Telegram's %d; shorten %s", n, MaxMessageChars, hint)
	}
	if err := CheckHTML(msg); err != nil {
		p.add(file, field, "rendered page is not valid Telegram HTML: %v", err)
	}
}

// checkPage reports a page whose whole text does not fit one message or is
// not valid HTML, or whose first screen is too long.
func checkPage(p *problems, file, field string, pg Page, hint string) {
	checkMessage(p, file, field, pg.Full(), hint)
	if err := CheckFirstScreen(pg.First); err != nil {
		p.add(file, field, "first screen: %v; shorten or split into short lines %s", err, hint)
	}
}

// checkPages renders every page in every language and checks it.
func (l *Library) checkPages(p *problems) {
	sectionFields := map[string]string{
		SectionOverview: "summary, duration_short or visits_short (first screen); what, how, duration, return_to_fertility, sti or where",
		SectionSafety:   "side_effects or tell_bidan_first",
		SectionTiming:   "after_childbirth or visits",
	}
	for _, lang := range Langs {
		for _, m := range l.methods {
			for _, s := range Sections {
				pg, err := l.MethodSection(m.Code, s, lang)
				if err != nil {
					p.add(methodFile(m.Code), "page "+s, "%v", err)
					continue
				}
				checkPage(p, methodFile(m.Code), fmt.Sprintf("page %s (%s)", s, lang), pg, sectionFields[s])
			}
		}
		checkPage(p, "data/methods/*.yaml", fmt.Sprintf("compare page (%s)", lang), l.ComparePage(lang), "duration_short or visits_short")
		checkPage(p, mythsFile, fmt.Sprintf("myths list (%s)", lang), l.MythsPage(lang), "the titles")
		for i, m := range l.myths {
			pg, _ := l.MythPage(m.ID, lang)
			checkPage(p, mythsFile, fmt.Sprintf("myths[%d] (%s) page (%s)", i, m.ID, lang), pg, "myth or fact")
		}
		for _, t := range l.topics {
			pg, _ := l.TopicPage(t.ID, lang)
			checkPage(p, topicFile(t.ID), fmt.Sprintf("page (%s)", lang), pg, "the first section")
		}
		for i, msg := range l.SourcesPages(lang) {
			checkMessage(p, sourcesFile, fmt.Sprintf("sources page %d (%s)", i+1, lang), msg, "the titles")
		}
		nm := l.NoMatchPage(lang)
		checkMessage(p, labelsFile, fmt.Sprintf("search.no_match (%s)", lang), nm, "the text")
		if err := CheckFirstScreen(nm); err != nil {
			p.add(labelsFile, fmt.Sprintf("search.no_match (%s)", lang), "%v", err)
		}
		checkPage(p, quizFile, fmt.Sprintf("result page (%s)", lang), l.RecommendationPage(l.longestResult(lang), lang), "the reasons, tradeoffs or cautions")
	}
}

// longestResult builds the longest possible result page: the
// RecommendCount methods with the longest reasons, each with every
// trade-off note and caution, and every note.
func (l *Library) longestResult(lang Lang) QuizResult {
	var tradeoffs []Text
	var cautions []Fact
	for _, r := range l.quiz.Rules {
		if len(r.Exclude) > 0 && !r.Hard {
			tradeoffs = append(tradeoffs, r.Tradeoff)
		}
		for _, code := range sortedKeys(r.Caution) {
			cautions = append(cautions, r.Caution[code])
		}
	}
	var recs []Recommendation
	for _, m := range l.methods {
		var longest Fact
		for _, r := range l.quiz.Reasons[m.Code] {
			if len(r.Text.In(lang)) > len(longest.In(lang)) {
				longest = r.Text
			}
		}
		recs = append(recs, Recommendation{Method: m.Code, Name: m.Name, Reason: longest, Tradeoffs: tradeoffs, Cautions: cautions})
	}
	sort.SliceStable(recs, func(i, j int) bool {
		return len(recs[i].Name.In(lang))+len(recs[i].Reason.In(lang)) > len(recs[j].Name.In(lang))+len(recs[j].Reason.In(lang))
	})
	if len(recs) > RecommendCount {
		recs = recs[:RecommendCount]
	}
	r := QuizResult{Recommendations: recs, Closing: l.quiz.Closing}
	for _, c := range l.quiz.ClosingAlt {
		if len(c.Text.In(lang)) > len(r.Closing.In(lang)) {
			r.Closing = c.Text
		}
	}
	for _, t := range l.quiz.Title {
		if len(t.Text.In(lang)) > len(r.Title.In(lang)) {
			r.Title = t.Text.Text
		}
	}
	for _, n := range l.quiz.Notes {
		r.Notes = append(r.Notes, n.Text)
	}
	return r
}
