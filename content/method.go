package content

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// MethodCodes lists the contraceptive method codes shared with booking and
// events files (see DESIGN.md), in the order the bot shows them: pills,
// injections, long-acting methods, condom, permanent methods, then MAL.
var MethodCodes = []string{"pil", "minipil", "suntik1", "suntik3", "implan", "iud", "kondom", "mow", "mop", "mal"}

// Hormones says which hormones a method contains.
type Hormones string

// The hormone groups of the methods.
const (
	HormonesNone              Hormones = "none"
	HormonesProgestin         Hormones = "progestin"
	HormonesEstrogenProgestin Hormones = "estrogen-progestin"
)

// Effectiveness is the number of pregnancies per 100 women in the first year
// of use, as commonly used (typical) and when used consistently and
// correctly (perfect), with its source.
type Effectiveness struct {
	// Typical is pregnancies per 100 women in the first year as commonly used.
	Typical float64 `yaml:"typical" json:"typical"`
	// Perfect is pregnancies per 100 women in the first year with
	// consistent and correct use.
	Perfect float64 `yaml:"perfect" json:"perfect"`
	// Sources are the ids of the sources of both numbers.
	Sources SourceIDs `yaml:"source" json:"sources"`
	// Note qualifies the numbers when needed (e.g. MAL: first 6 months
	// only). Optional; when given it must be in every language.
	Note Fact `yaml:"note,omitempty" json:"note,omitempty"`
}

// Method is the education content of one contraceptive method, read from
// data/methods/<code>.yaml.
type Method struct {
	// Code is the method code, e.g. "iud"; the file is named after it.
	Code string `yaml:"code" json:"code"`
	// Name is the name residents know, e.g. "IUD (AKDR, spiral)"; short
	// enough for a button.
	Name Text `yaml:"name" json:"name"`
	// AlsoCalled lists other names residents use.
	AlsoCalled Text `yaml:"also_called" json:"also_called"`
	// Hormones is none, progestin or estrogen-progestin.
	Hormones Hormones `yaml:"hormones" json:"hormones"`
	// LongActing marks the MKJP methods (IUD, implan, MOW, MOP).
	LongActing bool `yaml:"long_acting" json:"long_acting"`
	// Permanent marks MOW and MOP.
	Permanent bool `yaml:"permanent" json:"permanent"`
	// ProtectsSTI is true only for the condom.
	ProtectsSTI bool `yaml:"protects_sti" json:"protects_sti"`
	// Effectiveness holds the first-year pregnancy numbers.
	Effectiveness Effectiveness `yaml:"effectiveness" json:"effectiveness"`

	// Summary says in one short line (at most FirstScreenLineChars
	// characters) what the method is and how it is used, for the first
	// screen of its page.
	Summary Fact `yaml:"summary" json:"summary"`
	// What says what the method is.
	What Fact `yaml:"what" json:"what"`
	// How says how it is used.
	How Fact `yaml:"how" json:"how"`
	// Duration says how long it protects.
	Duration Fact `yaml:"duration" json:"duration"`
	// DurationShort is Duration in a few words, for ComparePage.
	DurationShort Fact `yaml:"duration_short" json:"duration_short"`
	// ReturnToFertility says when a pregnancy is possible after stopping.
	ReturnToFertility Fact `yaml:"return_to_fertility" json:"return_to_fertility"`
	// SideEffects lists the common side effects.
	SideEffects Fact `yaml:"side_effects" json:"side_effects"`
	// TellBidanFirst names the headline WHO MEC category 4 conditions as
	// "tell the bidan first if you have or had ...", never as a diagnosis.
	TellBidanFirst Fact `yaml:"tell_bidan_first" json:"tell_bidan_first"`
	// AfterChildbirth says when it can start after childbirth and while
	// breastfeeding.
	AfterChildbirth Fact `yaml:"after_childbirth" json:"after_childbirth"`
	// Visits says how often to come back.
	Visits Fact `yaml:"visits" json:"visits"`
	// VisitsShort is Visits in a few words, for ComparePage.
	VisitsShort Fact `yaml:"visits_short" json:"visits_short"`
	// STI says whether it protects against STIs and HIV.
	STI Fact `yaml:"sti" json:"sti"`
	// Where says where it is given.
	Where Fact `yaml:"where" json:"where"`

	// Myths are the ids of related myths, for buttons.
	Myths []string `yaml:"myths" json:"myths,omitempty"`
	// Topics are the ids of related topics, for buttons.
	Topics []string `yaml:"topics" json:"topics,omitempty"`
}

// facts returns the method's text fields with their field names, in page order.
func (m *Method) facts() []namedFact {
	return []namedFact{
		{"summary", m.Summary}, {"what", m.What}, {"how", m.How}, {"duration", m.Duration}, {"duration_short", m.DurationShort},
		{"return_to_fertility", m.ReturnToFertility}, {"side_effects", m.SideEffects},
		{"tell_bidan_first", m.TellBidanFirst}, {"after_childbirth", m.AfterChildbirth},
		{"visits", m.Visits}, {"visits_short", m.VisitsShort}, {"sti", m.STI}, {"where", m.Where},
	}
}

type namedFact struct {
	name string
	fact Fact
}

// methodFile returns the data file of a method code.
func methodFile(code string) string { return "data/methods/" + code + ".yaml" }

// loadMethods reads data/methods/*.yaml; every code in MethodCodes must have
// exactly one file and no other file may exist.
func loadMethods(fsys fs.FS, p *problems, sources map[string]Source) []Method {
	files, err := fs.Glob(fsys, "data/methods/*.yaml")
	if err != nil {
		p.add("data/methods", "files", "%v", err)
		return nil
	}
	known := make(map[string]bool, len(MethodCodes))
	for _, c := range MethodCodes {
		known[c] = true
	}
	byCode := make(map[string]Method)
	for _, file := range files {
		code := strings.TrimSuffix(path.Base(file), ".yaml")
		if !known[code] {
			p.add(file, "code", "unknown method %q; the method codes are %s", code, strings.Join(MethodCodes, ", "))
			continue
		}
		var m Method
		if !decodeFile(fsys, file, &m, p) {
			p.markBroken("method:" + code)
			continue
		}
		validateMethod(p, file, code, &m, sources)
		byCode[code] = m
	}
	out := make([]Method, 0, len(MethodCodes))
	for _, c := range MethodCodes {
		m, ok := byCode[c]
		if !ok {
			if !p.isBroken("method:" + c) {
				p.add(methodFile(c), "file", "missing: every method needs a file")
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

func validateMethod(p *problems, file, code string, m *Method, sources map[string]Source) {
	if m.Code != code {
		p.add(file, "code", "is %q but the file is named %q", m.Code, code+".yaml")
	}
	checkText(p, file, "name", m.Name, MaxTitleChars)
	checkText(p, file, "also_called", m.AlsoCalled, MaxFieldChars)
	switch m.Hormones {
	case HormonesNone, HormonesProgestin, HormonesEstrogenProgestin:
	default:
		p.add(file, "hormones", "is %q; want none, progestin or estrogen-progestin", m.Hormones)
	}
	e := m.Effectiveness
	if e.Typical <= 0 || e.Typical > 100 {
		p.add(file, "effectiveness.typical", "is %v; want pregnancies per 100 women, above 0", e.Typical)
	}
	if e.Perfect <= 0 || e.Perfect > 100 {
		p.add(file, "effectiveness.perfect", "is %v; want pregnancies per 100 women, above 0", e.Perfect)
	}
	if e.Perfect > e.Typical {
		p.add(file, "effectiveness", "perfect use (%v) cannot be above typical use (%v)", e.Perfect, e.Typical)
	}
	if len(e.Sources) == 0 {
		p.add(file, "effectiveness.source", "missing: every medical number needs a source id")
	}
	checkSources(p, file, "effectiveness.source", e.Sources, sources)
	if e.Note.ID != "" || e.Note.EN != "" {
		checkFact(p, file, "effectiveness.note", e.Note, sources)
	}
	for _, nf := range m.facts() {
		checkFact(p, file, nf.name, nf.fact, sources)
	}
	for _, l := range Langs {
		s := m.Summary.In(l)
		if strings.Contains(s, "\n") || len([]rune(s)) > FirstScreenLineChars {
			p.add(file, "summary."+string(l), "must be one line of at most %d characters: it is on the first screen", FirstScreenLineChars)
		}
	}
}

// crossCheckMethods checks the related myth and topic ids of every method.
func crossCheckMethods(p *problems, methods []Method, myths map[string]int, topics map[string]int) {
	for _, m := range methods {
		file := methodFile(m.Code)
		for i, id := range m.Myths {
			if _, ok := myths[id]; !ok && !p.isBroken("myth:*") {
				p.add(file, fmt.Sprintf("myths[%d]", i), "unknown myth %q (see data/myths.yaml)", id)
			}
		}
		for i, id := range m.Topics {
			if _, ok := topics[id]; !ok && !p.isBroken("topic:"+id) {
				p.add(file, fmt.Sprintf("topics[%d]", i), "unknown topic %q (see data/topics/)", id)
			}
		}
	}
}
