package content

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// Question is one question of the "Pilih metode" quiz.
type Question struct {
	// ID is the stable question id, the key in Recommend's answers.
	ID string `yaml:"id" json:"id"`
	// Text is the question as the resident reads it.
	Text Fact `yaml:"text" json:"text"`
	// Options are the possible answers, each with a short code.
	Options []Option `yaml:"options" json:"options"`
	// Alt are other wordings of the question for earlier answers (e.g. for
	// a man answering); the first whose condition matches is used
	// (QuestionText).
	Alt []quizReason `yaml:"alt" json:"-"`
}

// Option is one answer to a quiz question.
type Option struct {
	// Code is the answer code, the value in Recommend's answers.
	Code string `yaml:"code" json:"code"`
	// Text is the answer as shown on its button.
	Text Text `yaml:"text" json:"text"`
}

// Recommendation is one method worth discussing with a bidan.
type Recommendation struct {
	// Method is the method code, for the booking button.
	Method string `json:"method"`
	// Name is the method's name.
	Name Text `json:"name"`
	// Reason is one line on why it fits the answers.
	Reason Fact `json:"reason"`
	// Tradeoffs name the answers this method goes against, when it was
	// added because too few methods matched every answer.
	Tradeoffs []Text `json:"tradeoffs,omitempty"`
	// Cautions are notes the answers call for about this method, each with
	// its source (e.g. the delay in return to fertility after the
	// 3-monthly injection for a resident who wants a child soon).
	Cautions []Fact `json:"cautions,omitempty"`
	// Score orders the recommendations; higher is better.
	Score float64 `json:"score"`
}

// RecommendCount is how many methods Recommend returns.
const RecommendCount = 3

const quizFile = "data/quiz.yaml"

// condition maps question ids to the answer codes that satisfy it; all
// questions must be satisfied.
type condition map[string][]string

func (c condition) matches(answers map[string]string) bool {
	for q, codes := range c {
		a, ok := answers[q]
		if !ok {
			return false
		}
		found := false
		for _, code := range codes {
			if code == a {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// quizRule is one rule of the quiz: when it applies, it excludes methods
// (hard: never shown; soft: shown only with a trade-off note when fewer
// than RecommendCount methods remain) and/or changes their scores.
type quizRule struct {
	ID       string             `yaml:"id"`
	If       condition          `yaml:"if"`
	Unless   condition          `yaml:"unless"`
	Exclude  []string           `yaml:"exclude"`
	Hard     bool               `yaml:"hard"`
	Tradeoff Text               `yaml:"tradeoff"`
	Boost    map[string]float64 `yaml:"boost"`
	Sources  SourceIDs          `yaml:"source"`
	// Caution: method code -> a note shown with that method when the rule
	// applies and the method is recommended.
	Caution map[string]Fact `yaml:"caution"`
}

func (r *quizRule) applies(answers map[string]string) bool {
	if len(r.If) > 0 && !r.If.matches(answers) {
		return false
	}
	if len(r.Unless) > 0 && r.Unless.matches(answers) {
		return false
	}
	return true
}

// quizReason is a reason line for a method; the first whose condition
// matches is used, and the last one of each method has no condition.
type quizReason struct {
	If   condition `yaml:"if"`
	Text Fact      `yaml:"text"`
}

// quizNote is a line of the result page shown when its condition matches.
type quizNote struct {
	If   condition `yaml:"if"`
	Text Fact      `yaml:"text"`
}

type quizData struct {
	Questions []Question              `yaml:"questions"`
	Rules     []quizRule              `yaml:"rules"`
	Reasons   map[string][]quizReason `yaml:"reasons"`
	// Title is the result page's title: the first whose condition
	// matches; the last has none.
	Title []quizReason `yaml:"title"`
	// Notes are lines of the result page for some answers.
	Notes []quizNote `yaml:"notes"`
	// Closing is the reminder that the bidan decides, shown after the
	// recommendations; ClosingAlt are other wordings for some answers
	// (the first whose condition matches).
	Closing    Fact         `yaml:"closing"`
	ClosingAlt []quizReason `yaml:"closing_alt"`
}

// Quiz returns the quiz questions in order; like Methods, the library's
// own slice, shared by every render: read it, never change it.
func (l *Library) Quiz() []Question { return slices.Clip(l.quiz.Questions) }

// QuestionText returns a question in the words that fit the answers so far
// (its first matching Alt, else its Text).
func (l *Library) QuestionText(q Question, answers map[string]string) Fact {
	for _, a := range q.Alt {
		if a.If.matches(answers) {
			return a.Text
		}
	}
	return q.Text
}

// QuizResult is the outcome of the quiz for a set of answers: the methods
// worth discussing, the result page's title and the notes the answers
// call for.
type QuizResult struct {
	// Recommendations are Recommend's methods, best first.
	Recommendations []Recommendation `json:"recommendations"`
	// Title heads the result page.
	Title Text `json:"title"`
	// Notes are lines for these answers (e.g. to a man answering).
	Notes []Fact `json:"notes,omitempty"`
	// Closing is the reminder that the bidan decides, in the words that
	// fit the answers.
	Closing Fact `json:"closing"`
}

// QuizResult returns the result of the quiz for answers (as Recommend).
func (l *Library) QuizResult(answers map[string]string) QuizResult {
	clean := l.cleanAnswers(answers)
	r := QuizResult{Recommendations: l.Recommend(answers)}
	for _, t := range l.quiz.Title {
		if t.If.matches(clean) {
			r.Title = t.Text.Text
			break
		}
	}
	for _, n := range l.quiz.Notes {
		if n.If.matches(clean) {
			r.Notes = append(r.Notes, n.Text)
		}
	}
	r.Closing = l.quiz.Closing
	for _, c := range l.quiz.ClosingAlt {
		if c.If.matches(clean) {
			r.Closing = c.Text
			break
		}
	}
	return r
}

// EncodeAnswers writes quiz answers in a few characters, for button data:
// one character per question, the option's number (1-9) or 0 when the
// question is not answered. Unknown questions and codes are dropped.
func (l *Library) EncodeAnswers(answers map[string]string) string {
	var b strings.Builder
	for _, q := range l.quiz.Questions {
		c := byte('0')
		for i, o := range q.Options {
			if answers[q.ID] == o.Code && i < 9 {
				c = byte('1' + i)
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// DecodeAnswers reads EncodeAnswers' form; ok is false when s does not
// fit the quiz's questions.
func (l *Library) DecodeAnswers(s string) (answers map[string]string, ok bool) {
	qs := l.quiz.Questions
	if len(s) != len(qs) {
		return nil, false
	}
	answers = map[string]string{}
	for i, q := range qs {
		if s[i] == '0' {
			continue
		}
		n := int(s[i] - '1')
		if n < 0 || n >= len(q.Options) {
			return nil, false
		}
		answers[q.ID] = q.Options[n].Code
	}
	return answers, true
}

// QuizClosing returns the reminder shown after the recommendations: the
// list is a start for a talk with the bidan, who decides.
func (l *Library) QuizClosing() Fact { return l.quiz.Closing }

// Recommend returns RecommendCount methods worth discussing with a bidan,
// best first, for answers (question id -> option code; unknown ids and codes
// are ignored, missing answers never unlock a method). It is deterministic.
//
// The rules live in data/quiz.yaml, each with its source. Hard exclusions
// (e.g. no combined pill while breastfeeding a baby under 6 months, MAL only
// when all its conditions hold, MOW/MOP only for "no more children") always
// apply. Preference exclusions (no daily pill, no procedure, no hormones)
// are relaxed, fewest broken preferences first, only when fewer than
// RecommendCount methods remain; such a method carries a trade-off note.
// Among the rest, rule boosts decide, then effectiveness (fewer first-year
// pregnancies with typical use), then MethodCodes order.
func (l *Library) Recommend(answers map[string]string) []Recommendation {
	clean := l.cleanAnswers(answers)
	type cand struct {
		m     Method
		order int
		score float64
		hard  bool
		soft  []Text
		warn  []Fact
	}
	cands := make([]*cand, len(l.methods))
	byCode := make(map[string]*cand, len(l.methods))
	for i, m := range l.methods {
		c := &cand{m: m, order: i, score: 1 / (1 + m.Effectiveness.Typical)}
		cands[i] = c
		byCode[m.Code] = c
	}
	for i := range l.quiz.Rules {
		r := &l.quiz.Rules[i]
		if !r.applies(clean) {
			continue
		}
		for _, code := range r.Exclude {
			if c := byCode[code]; c != nil {
				if r.Hard {
					c.hard = true
				} else {
					c.soft = append(c.soft, r.Tradeoff)
				}
			}
		}
		for _, code := range sortedKeys(r.Boost) {
			if c := byCode[code]; c != nil {
				c.score += r.Boost[code]
			}
		}
		for _, code := range sortedKeys(r.Caution) {
			if c := byCode[code]; c != nil {
				c.warn = append(c.warn, r.Caution[code])
			}
		}
	}
	better := func(a, b *cand) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.order < b.order
	}
	var fit, relaxed []*cand
	for _, c := range cands {
		switch {
		case c.hard:
		case len(c.soft) == 0:
			fit = append(fit, c)
		default:
			relaxed = append(relaxed, c)
		}
	}
	sort.SliceStable(fit, func(i, j int) bool { return better(fit[i], fit[j]) })
	sort.SliceStable(relaxed, func(i, j int) bool {
		if len(relaxed[i].soft) != len(relaxed[j].soft) {
			return len(relaxed[i].soft) < len(relaxed[j].soft)
		}
		return better(relaxed[i], relaxed[j])
	})
	chosen := fit
	if len(chosen) > RecommendCount {
		chosen = chosen[:RecommendCount]
	}
	for _, c := range relaxed {
		if len(chosen) >= RecommendCount {
			break
		}
		chosen = append(chosen, c)
	}
	out := make([]Recommendation, 0, len(chosen))
	for _, c := range chosen {
		out = append(out, Recommendation{
			Method:    c.m.Code,
			Name:      c.m.Name,
			Reason:    l.reason(c.m.Code, clean),
			Tradeoffs: c.soft,
			Cautions:  c.warn,
			Score:     c.score,
		})
	}
	return out
}

// cleanAnswers drops answers to unknown questions and unknown codes.
func (l *Library) cleanAnswers(answers map[string]string) map[string]string {
	clean := make(map[string]string, len(answers))
	for _, q := range l.quiz.Questions {
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		for _, o := range q.Options {
			if o.Code == a {
				clean[q.ID] = a
			}
		}
	}
	return clean
}

func (l *Library) reason(code string, answers map[string]string) Fact {
	for _, r := range l.quiz.Reasons[code] {
		if r.If.matches(answers) {
			return r.Text
		}
	}
	return Fact{}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadQuiz reads and validates data/quiz.yaml.
func loadQuiz(fsys fs.FS, p *problems, l *Library) *quizData {
	q := &quizData{}
	if !decodeFile(fsys, quizFile, q, p) {
		return q
	}
	f := quizFile
	if len(q.Questions) == 0 {
		p.add(f, "questions", "missing")
	}
	options := map[string]map[string]bool{}
	for i, qu := range q.Questions {
		field := fmt.Sprintf("questions[%d]", i)
		checkID(p, f, field+".id", qu.ID)
		if options[qu.ID] != nil {
			p.add(f, field+".id", "duplicate id %q", qu.ID)
		}
		checkFact(p, f, field+".text", qu.Text, l.sourceIdx)
		if len(qu.Options) < 2 || len(qu.Options) > 9 {
			p.add(f, field+".options", "a question needs 2 to 9 options")
		}
		codes := map[string]bool{}
		for j, o := range qu.Options {
			of := fmt.Sprintf("%s.options[%d]", field, j)
			checkID(p, f, of+".code", o.Code)
			if codes[o.Code] {
				p.add(f, of+".code", "duplicate code %q", o.Code)
			}
			codes[o.Code] = true
			checkText(p, f, of+".text", o.Text, MaxOptionChars)
		}
		options[qu.ID] = codes
	}
	// Conditions may name only questions asked before (alt) or any
	// question (rules, reasons, title, notes); both are checked below.
	for i, qu := range q.Questions {
		for j, a := range qu.Alt {
			field := fmt.Sprintf("questions[%d].alt[%d]", i, j)
			if len(a.If) == 0 {
				p.add(f, field+".if", "missing: an alternative wording needs a condition")
			}
			checkFact(p, f, field+".text", a.Text, l.sourceIdx)
		}
	}
	checkCond := func(field string, c condition) {
		for _, qid := range sortedKeys(c) {
			codes, ok := options[qid]
			if !ok {
				p.add(f, field+"."+qid, "unknown question %q", qid)
				continue
			}
			for _, code := range c[qid] {
				if !codes[code] {
					p.add(f, field+"."+qid, "unknown option %q of question %q", code, qid)
				}
			}
		}
	}
	checkMethod := func(field, code string) {
		if !l.hasMethod(p, code) {
			p.add(f, field, "unknown method code %q", code)
		}
	}
	ruleIDs := map[string]bool{}
	for i, r := range q.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if r.ID != "" {
			field = fmt.Sprintf("rules[%d] (%s)", i, r.ID)
		}
		checkID(p, f, field+".id", r.ID)
		if ruleIDs[r.ID] {
			p.add(f, field+".id", "duplicate id %q", r.ID)
		}
		ruleIDs[r.ID] = true
		checkCond(field+".if", r.If)
		checkCond(field+".unless", r.Unless)
		if len(r.Exclude) == 0 && len(r.Boost) == 0 && len(r.Caution) == 0 {
			p.add(f, field, "a rule needs exclude, boost or caution")
		}
		for _, code := range sortedKeys(r.Caution) {
			cf := field + ".caution." + code
			checkMethod(cf, code)
			checkFact(p, f, cf, r.Caution[code], l.sourceIdx)
			if len(r.Caution[code].Sources) == 0 {
				p.add(f, cf+".source", "missing: a caution is a medical fact and needs a source id")
			}
		}
		for j, code := range r.Exclude {
			checkMethod(fmt.Sprintf("%s.exclude[%d]", field, j), code)
		}
		for _, code := range sortedKeys(r.Boost) {
			checkMethod(field+".boost."+code, code)
		}
		if len(r.Exclude) > 0 && !r.Hard {
			checkText(p, f, field+".tradeoff", r.Tradeoff, MaxOptionChars)
		}
		if r.Hard && len(r.Sources) == 0 {
			p.add(f, field+".source", "missing: a hard rule must name the source of its medical fact")
		}
		checkSources(p, f, field+".source", r.Sources, l.sourceIdx)
	}
	for _, code := range sortedKeys(q.Reasons) {
		checkMethod("reasons."+code, code)
	}
	for _, m := range l.methods {
		rs := q.Reasons[m.Code]
		if len(rs) == 0 || len(rs[len(rs)-1].If) > 0 {
			p.add(f, "reasons."+m.Code, "missing: the last reason of each method must have no \"if\"")
		}
		for j, r := range rs {
			field := fmt.Sprintf("reasons.%s[%d]", m.Code, j)
			checkCond(field+".if", r.If)
			checkFact(p, f, field+".text", r.Text, l.sourceIdx)
		}
	}
	checkFact(p, f, "closing", q.Closing, l.sourceIdx)
	for j, c := range q.ClosingAlt {
		field := fmt.Sprintf("closing_alt[%d]", j)
		if len(c.If) == 0 {
			p.add(f, field+".if", "missing: an alternative wording needs a condition")
		}
		checkCond(field+".if", c.If)
		checkFact(p, f, field+".text", c.Text, l.sourceIdx)
	}
	if len(q.Title) == 0 || len(q.Title[len(q.Title)-1].If) > 0 {
		p.add(f, "title", "missing: the last title must have no \"if\"")
	}
	for j, t := range q.Title {
		field := fmt.Sprintf("title[%d]", j)
		checkCond(field+".if", t.If)
		checkText(p, f, field+".text", t.Text.Text, MaxTitleChars*2)
	}
	for j, n := range q.Notes {
		field := fmt.Sprintf("notes[%d]", j)
		if len(n.If) == 0 {
			p.add(f, field+".if", "missing: a note needs a condition")
		}
		checkCond(field+".if", n.If)
		checkFact(p, f, field+".text", n.Text, l.sourceIdx)
	}
	for i, qu := range q.Questions {
		for j, a := range qu.Alt {
			checkCond(fmt.Sprintf("questions[%d].alt[%d].if", i, j), a.If)
		}
	}
	l.quiz = q
	if len(p.list) == 0 {
		checkEveryProfile(p, l)
	}
	return q
}

// checkEveryProfile runs Recommend for every combination of answers
// (including unanswered questions) to the questions the hard rules depend
// on, and reports a combination that yields fewer than RecommendCount
// methods. The other questions only order methods or relax preferences,
// which always come back when too few methods remain, so they cannot
// lower the count; leaving them out keeps the check quick (Load runs it).
func checkEveryProfile(p *problems, l *Library) {
	hardQ := map[string]bool{}
	for _, r := range l.quiz.Rules {
		if r.Hard {
			for q := range r.If {
				hardQ[q] = true
			}
			for q := range r.Unless {
				hardQ[q] = true
			}
		}
	}
	var qs []Question
	for _, q := range l.quiz.Questions {
		if hardQ[q.ID] {
			qs = append(qs, q)
		}
	}
	answers := map[string]string{}
	var walk func(i int) bool
	walk = func(i int) bool {
		if i == len(qs) {
			if n := len(l.Recommend(answers)); n < RecommendCount {
				var parts []string
				for _, q := range qs {
					parts = append(parts, q.ID+"="+answers[q.ID])
				}
				p.add(quizFile, "rules", "answers %s leave only %d methods; Recommend must offer %d", strings.Join(parts, " "), n, RecommendCount)
				return false
			}
			return true
		}
		id := qs[i].ID
		delete(answers, id)
		if !walk(i + 1) {
			return false
		}
		for _, o := range qs[i].Options {
			answers[id] = o.Code
			if !walk(i + 1) {
				return false
			}
		}
		delete(answers, id)
		return true
	}
	walk(0)
}
