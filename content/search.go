package content

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kinds of search hits.
const (
	KindMethod = "method"
	KindMyth   = "myth"
	KindTopic  = "topic"
	// KindPage is one of the fixed pages: PageCompare, PageQuiz, PageMyths.
	KindPage = "page"
)

// Ids of the fixed pages a search can lead to (Hit.Kind == KindPage).
const (
	PageCompare = "compare" // ComparePage
	PageQuiz    = "quiz"    // the "Pilih metode" quiz
	PageMyths   = "myths"   // MythsPage
)

// Pages lists the fixed page ids.
var Pages = []string{PageCompare, PageQuiz, PageMyths}

// Search thresholds: the best hit needs SearchMinScore, further hits need
// SearchMinSecondary and at least half the best score; at most
// SearchMaxHits are returned.
const (
	SearchMinScore     = 3
	SearchMinSecondary = 2
	SearchMaxHits      = 3
)

// Hit is one search result.
type Hit struct {
	// Kind is KindMethod, KindMyth, KindTopic or KindPage.
	Kind string `json:"kind"`
	// ID is the method code, myth, topic or page id.
	ID string `json:"id"`
	// Section is, for a method, the section that best answers the question
	// (SectionOverview unless the question is about e.g. side effects).
	Section string `json:"section,omitempty"`
	// Title is the method name or the myth, topic or page title.
	Title Text `json:"title"`
	// Score orders the hits; higher is better.
	Score float64 `json:"score"`
}

const searchFile = "data/search.yaml"

type searchConcept struct {
	Generic bool     `yaml:"generic"`
	Words   []string `yaml:"words"`
}

type searchSection struct {
	Section string  `yaml:"section"`
	Bonus   float64 `yaml:"bonus"`
}

type searchDoc struct {
	Stopwords []string                 `yaml:"stopwords"`
	Spelling  map[string]string        `yaml:"spelling"`
	Concepts  map[string]searchConcept `yaml:"concepts"`
	Sections  map[string]searchSection `yaml:"sections"`
	Targets   struct {
		Methods map[string]map[string]float64 `yaml:"methods"`
		Topics  map[string]map[string]float64 `yaml:"topics"`
		Myths   map[string]map[string]float64 `yaml:"myths"`
		Pages   map[string]map[string]float64 `yaml:"pages"`
	} `yaml:"targets"`
}

type phrase struct {
	words   []string
	concept string
}

type searchTarget struct {
	kind, id string
	title    Text
	weights  map[string]float64
}

type searchIndex struct {
	stop     map[string]bool
	spelling map[string][]string
	vocab    map[string]bool
	phrases  []phrase
	generic  map[string]bool
	sections map[string]searchSection
	targets  []searchTarget
}

// Search finds the topics that best answer a resident's question in their
// own words: at most SearchMaxHits, best first, and none when nothing
// matches well (then show NoMatchPage and the topic menu; never guess).
//
// The query is normalised (lower case, punctuation dropped, repeated letters
// collapsed, chat spellings such as "yg", "gak", "kb" variants replaced,
// suffixes "-nya"/"-kah" dropped), then matched against the words and
// phrases of the concepts in data/search.yaml, exactly or, for words of 5 or
// more letters, with one typo. Stop words never match. A query made only of
// generic words (e.g. "bahaya", "harga") matches nothing. Residents mix
// languages, so Indonesian and English words are always both matched; lang
// is the resident's language and does not narrow the search.
func (l *Library) Search(query string, lang Lang) []Hit {
	_ = lang
	ix := l.search
	if ix == nil {
		return nil
	}
	found := ix.concepts(query)
	anchor := false
	for c := range found {
		if !ix.generic[c] {
			anchor = true
		}
	}
	if !anchor {
		return nil
	}
	names := sortedKeys(found)
	type scored struct {
		Hit
		order int
	}
	var hits []scored
	for i, t := range ix.targets {
		score := 0.0
		for _, c := range names {
			score += t.weights[c]
		}
		if score <= 0 {
			continue
		}
		h := Hit{Kind: t.kind, ID: t.id, Title: t.title}
		if t.kind == KindMethod {
			h.Section = SectionOverview
			best := 0.0
			for _, c := range names {
				if s, ok := ix.sections[c]; ok {
					score += s.Bonus
					if s.Bonus > best {
						best, h.Section = s.Bonus, s.Section
					}
				}
			}
		}
		h.Score = score
		hits = append(hits, scored{h, i})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].order < hits[j].order
	})
	if len(hits) == 0 || hits[0].Score < SearchMinScore {
		return nil
	}
	out := []Hit{hits[0].Hit}
	for _, h := range hits[1:] {
		if len(out) == SearchMaxHits {
			break
		}
		if h.Score >= SearchMinSecondary && h.Score >= hits[0].Score/2 {
			out = append(out, h.Hit)
		}
	}
	return out
}

// concepts returns the concepts found in a query.
func (ix *searchIndex) concepts(query string) map[string]bool {
	toks := ix.tokens(query, true)
	found := map[string]bool{}
	for i := 0; i < len(toks); {
		m, n := ix.match(toks, i)
		if n == 0 {
			i++
			continue
		}
		found[m] = true
		i += n
	}
	return found
}

// match finds the longest phrase starting at toks[i], exact matches before
// typo matches; it returns the concept and the number of tokens used.
func (ix *searchIndex) match(toks []string, i int) (string, int) {
	bestN, bestEdits, concept := 0, 0, ""
	for _, ph := range ix.phrases {
		n := len(ph.words)
		if n > len(toks)-i || n < bestN {
			continue
		}
		edits := 0
		ok := true
		for k, w := range ph.words {
			e := ix.dist(toks[i+k], w)
			if e < 0 {
				ok = false
				break
			}
			edits += e
		}
		if !ok {
			continue
		}
		if n > bestN || edits < bestEdits {
			bestN, bestEdits, concept = n, edits, ph.concept
		}
	}
	return concept, bestN
}

// dist is 0 for the same word, 1 for one typo (only for words of 5 or more
// letters that are neither stop words nor known words), -1 otherwise.
func (ix *searchIndex) dist(tok, w string) int {
	if tok == w {
		return 0
	}
	if ix.stop[tok] || ix.vocab[tok] || hasDigit(tok) || hasDigit(w) {
		return -1
	}
	if utf8.RuneCountInString(tok) < 5 || utf8.RuneCountInString(w) < 5 {
		return -1
	}
	if osa([]rune(tok), []rune(w)) <= 1 {
		return 1
	}
	return -1
}

// osa is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each cost 1.
func osa(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// kbDots turns "k.b." and "k. b" into "kb" before punctuation is dropped.
var kbDots = regexp.MustCompile(`(^|[^\pL])k\s*\.\s*b(\s*\.)?($|[^\pL])`)

// tokens normalises text into words. strip drops "-nya"/"-kah" from unknown
// words (queries only; data phrases are written without them).
func (ix *searchIndex) tokens(text string, strip bool) []string {
	text = strings.ToLower(text)
	text = kbDots.ReplaceAllString(text, "${1} kb ${3}")
	var b strings.Builder
	const (
		other = iota
		letter
		digit
	)
	prev := other
	runes := []rune(text)
	for i, r := range runes {
		// "laki2", "anak2": a 2 right after a word marks reduplication.
		if r == '2' && prev == letter && (i+1 == len(runes) || !unicode.IsDigit(runes[i+1])) {
			b.WriteByte(' ')
			prev = other
			continue
		}
		switch {
		case unicode.IsLetter(r):
			if prev == digit {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prev = letter
		case unicode.IsDigit(r):
			if prev == letter {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prev = digit
		default:
			b.WriteByte(' ')
			prev = other
		}
	}
	var out []string
	for _, w := range strings.Fields(b.String()) {
		out = append(out, ix.word(w, strip)...)
	}
	return out
}

// word normalises one word: chat spellings, repeated letters, suffixes.
func (ix *searchIndex) word(w string, strip bool) []string {
	if rep, ok := ix.spelling[w]; ok {
		return rep
	}
	c := collapse(w)
	if rep, ok := ix.spelling[c]; ok {
		return rep
	}
	if strip && !ix.stop[c] && !ix.vocab[c] {
		for _, suf := range []string{"nya", "kah"} {
			if base, ok := strings.CutSuffix(c, suf); ok && utf8.RuneCountInString(base) >= 2 {
				if rep, ok := ix.spelling[base]; ok {
					return rep
				}
				return []string{base}
			}
		}
	}
	return []string{c}
}

// collapse reduces runs of the same letter to one ("amaaan" -> "aman",
// "pill" -> "pil"); digits are kept.
func collapse(w string) string {
	var b strings.Builder
	var last rune = -1
	for _, r := range w {
		if r == last && unicode.IsLetter(r) {
			continue
		}
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// loadSearch reads and validates data/search.yaml and builds the index.
func loadSearch(fsys fs.FS, p *problems, l *Library) *searchIndex {
	var doc searchDoc
	if !decodeFile(fsys, searchFile, &doc, p) {
		return nil
	}
	f := searchFile
	ix := &searchIndex{
		stop:     map[string]bool{},
		spelling: map[string][]string{},
		vocab:    map[string]bool{},
		generic:  map[string]bool{},
		sections: map[string]searchSection{},
	}
	for _, w := range doc.Stopwords {
		ix.stop[collapse(strings.ToLower(w))] = true
	}
	if len(ix.stop) == 0 {
		p.add(f, "stopwords", "missing")
	}
	for _, k := range sortedKeys(doc.Spelling) {
		var rep []string
		for _, w := range strings.Fields(strings.ToLower(doc.Spelling[k])) {
			rep = append(rep, collapse(w))
		}
		key := strings.ToLower(k)
		ix.spelling[key] = rep
		if _, ok := ix.spelling[collapse(key)]; !ok {
			ix.spelling[collapse(key)] = rep
		}
	}
	owner := map[string]string{}
	for _, name := range sortedKeys(doc.Concepts) {
		c := doc.Concepts[name]
		field := "concepts." + name
		if len(c.Words) == 0 {
			p.add(f, field+".words", "missing")
		}
		ix.generic[name] = c.Generic
		for _, w := range c.Words {
			toks := ix.tokens(w, false)
			if len(toks) == 0 {
				p.add(f, field+".words", "%q has no letters or digits", w)
				continue
			}
			if len(toks) == 1 && ix.stop[toks[0]] {
				p.add(f, field+".words", "%q is a stop word and would never match", w)
				continue
			}
			key := strings.Join(toks, " ")
			if o, ok := owner[key]; ok && o != name {
				p.add(f, field+".words", "%q is also a word of concept %q", w, o)
				continue
			}
			if _, ok := owner[key]; ok {
				continue
			}
			owner[key] = name
			ix.phrases = append(ix.phrases, phrase{words: toks, concept: name})
		}
	}
	for _, ph := range ix.phrases {
		for _, w := range ph.words {
			ix.vocab[w] = true
		}
	}
	sort.SliceStable(ix.phrases, func(i, j int) bool { return len(ix.phrases[i].words) > len(ix.phrases[j].words) })
	validSection := map[string]bool{}
	for _, s := range Sections {
		validSection[s] = true
	}
	for _, name := range sortedKeys(doc.Sections) {
		s := doc.Sections[name]
		if _, ok := doc.Concepts[name]; !ok {
			p.add(f, "sections."+name, "unknown concept %q", name)
		}
		if !validSection[s.Section] {
			p.add(f, "sections."+name+".section", "unknown method section %q; want one of %s", s.Section, strings.Join(Sections, ", "))
		}
		ix.sections[name] = s
	}

	addTargets := func(kind, group string, ids []string, titles []Text, weights map[string]map[string]float64) {
		known := map[string]bool{}
		for i, id := range ids {
			known[id] = true
			field := "targets." + group + "." + id
			w, ok := weights[id]
			if !ok {
				p.add(f, field, "missing: every %s needs search words", kind)
				continue
			}
			sum := 0.0
			for _, c := range sortedKeys(w) {
				if _, ok := doc.Concepts[c]; !ok {
					p.add(f, field+"."+c, "unknown concept %q", c)
				}
				if w[c] > 0 {
					sum += w[c]
				}
			}
			if sum < SearchMinScore {
				p.add(f, field, "weights add up to %v; below %v this %s can never be found", sum, float64(SearchMinScore), kind)
			}
			ix.targets = append(ix.targets, searchTarget{kind: kind, id: id, title: titles[i], weights: w})
		}
		for _, id := range sortedKeys(weights) {
			if !known[id] && !p.isBroken(kind+":"+id) && !p.isBroken(kind+":*") {
				p.add(f, "targets."+group+"."+id, "unknown %s %q", kind, id)
			}
		}
	}
	// Targets are kept in tie-break order: myths, topics, pages, methods
	// (the more specific answer first when scores are equal).
	var ids []string
	var titles []Text
	for _, m := range l.myths {
		ids, titles = append(ids, m.ID), append(titles, m.Title)
	}
	addTargets(KindMyth, "myths", ids, titles, doc.Targets.Myths)
	ids, titles = nil, nil
	for _, t := range l.topics {
		ids, titles = append(ids, t.ID), append(titles, t.Title)
	}
	addTargets(KindTopic, "topics", ids, titles, doc.Targets.Topics)
	ids, titles = nil, nil
	for _, id := range Pages {
		ids, titles = append(ids, id), append(titles, l.pageTitle(id))
	}
	addTargets(KindPage, "pages", ids, titles, doc.Targets.Pages)
	ids, titles = nil, nil
	for _, m := range l.methods {
		ids, titles = append(ids, m.Code), append(titles, m.Name)
	}
	addTargets(KindMethod, "methods", ids, titles, doc.Targets.Methods)
	return ix
}

// pageTitle returns the title of a fixed page from the labels.
func (l *Library) pageTitle(id string) Text {
	if l.Labels == nil {
		return Text{}
	}
	t, _ := l.Labels.texts["page."+id]
	return t
}

// PageTitle returns the title of a fixed page (PageCompare, PageQuiz,
// PageMyths), for buttons.
func (l *Library) PageTitle(id string) (Text, error) {
	for _, p := range Pages {
		if p == id {
			return l.pageTitle(id), nil
		}
	}
	return Text{}, fmt.Errorf("%w: page %q", ErrNotFound, id)
}
