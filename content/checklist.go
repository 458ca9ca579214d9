package content

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ChecklistQuestionCount is the number of questions of the WHO/FHI 360
// pregnancy checklist.
const ChecklistQuestionCount = 6

// Checklist is the WHO/FHI 360 "How to be reasonably sure a client is not
// pregnant" checklist, as a reusable step for booking's pre-screening. The
// resident answers yes or no to each question, in order; the step ends at
// the first yes or after the sixth no. The result is for the provider only:
// the resident is shown ResidentAck, which never says she is or is not
// pregnant.
type Checklist struct {
	// Intro tells the resident why the questions are asked and that the
	// answers go to the provider.
	Intro Text `json:"intro"`
	// Questions are the six questions, in the order they must be asked.
	Questions []ChecklistQuestion `json:"questions"`
	// ResidentAck is the neutral acknowledgement shown to the resident when
	// the step is complete.
	ResidentAck Text `json:"resident_ack"`
	// CadreIntro and CadreAck replace Intro and ResidentAck when a kader
	// books for a client (/daftarkan): they speak to the kader about the
	// client, who hears the questions read out to her.
	CadreIntro Text `json:"cadre_intro"`
	CadreAck   Text `json:"cadre_ack"`
	// Sources are the ids of the checklist's sources.
	Sources SourceIDs `json:"sources"`

	provider checklistProvider
}

// ChecklistQuestion is one checklist question.
type ChecklistQuestion struct {
	// ID is a stable question id.
	ID string `yaml:"id" json:"id"`
	// Text is the question as the resident reads it, with its source.
	Text Fact `yaml:"text" json:"text"`
	// Yes and No, when set, are the answer buttons' labels, for a question
	// asked in other words than the checklist's: Yes is the answer that
	// means the checklist's "yes". Otherwise the buttons read Ya / Tidak.
	Yes Text `yaml:"yes,omitempty" json:"yes,omitempty"`
	No  Text `yaml:"no,omitempty" json:"no,omitempty"`
	// Inverted marks a question asked the other way round from the
	// checklist's: a typed "ya" answers the checklist's "no".
	Inverted bool `yaml:"inverted,omitempty" json:"inverted,omitempty"`
}

// ChecklistResult is the outcome of the checklist, for the provider. It is
// never shown to the resident.
type ChecklistResult struct {
	// Answered is how many questions were answered (at most 6).
	Answered int `json:"answered"`
	// Yes lists the numbers (1-6) of the questions answered yes.
	Yes []int `json:"yes,omitempty"`
	// Complete is true when a question was answered yes or all six were
	// answered: the step is over.
	Complete bool `json:"complete"`
	// ReasonablySureNotPregnant follows the checklist's rule: true when any
	// answer is yes, provided the client has no signs or symptoms of
	// pregnancy, which the provider checks.
	ReasonablySureNotPregnant bool `json:"reasonably_sure_not_pregnant"`
	// Summary is a provider-facing summary of the result and what the
	// checklist advises next.
	Summary Text `json:"summary"`
}

type checklistProvider struct {
	ReasonablySure Fact `yaml:"reasonably_sure"`
	NotRuledOut    Fact `yaml:"not_ruled_out"`
	Incomplete     Fact `yaml:"incomplete"`
}

const checklistFile = "data/checklist.yaml"

// pregnancyWords must not appear in the resident-facing acknowledgement.
var pregnancyWords = []string{"hamil", "pregnan"}

// Checklist returns the pregnancy checklist.
func (l *Library) Checklist() Checklist { return l.checklist }

// Evaluate applies the checklist rule to the answers given so far, in
// question order (true = yes). Answers past the sixth are ignored.
func (c Checklist) Evaluate(yes []bool) ChecklistResult {
	r := ChecklistResult{}
	for i, y := range yes {
		if i >= ChecklistQuestionCount {
			break
		}
		r.Answered++
		if y {
			r.Yes = append(r.Yes, i+1)
		}
	}
	switch {
	case len(r.Yes) > 0:
		r.Complete = true
		r.ReasonablySureNotPregnant = true
		r.Summary = fill(c.provider.ReasonablySure.Text, "{yes}", joinInts(r.Yes))
	case r.Answered == ChecklistQuestionCount:
		r.Complete = true
		r.Summary = c.provider.NotRuledOut.Text
	default:
		r.Summary = fill(c.provider.Incomplete.Text, "{answered}", strconv.Itoa(r.Answered))
	}
	return r
}

// Done reports whether the step is over for the answers so far: a yes, or
// all six answered.
func (c Checklist) Done(yes []bool) bool { return c.Evaluate(yes).Complete }

func fill(t Text, placeholder, value string) Text {
	return Text{ID: strings.ReplaceAll(t.ID, placeholder, value), EN: strings.ReplaceAll(t.EN, placeholder, value)}
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// loadChecklist reads and validates data/checklist.yaml.
func loadChecklist(fsys fs.FS, p *problems, sources map[string]Source) Checklist {
	var doc struct {
		Sources     SourceIDs           `yaml:"source"`
		Intro       Text                `yaml:"intro"`
		Questions   []ChecklistQuestion `yaml:"questions"`
		ResidentAck Text                `yaml:"resident_ack"`
		CadreIntro  Text                `yaml:"cadre_intro"`
		CadreAck    Text                `yaml:"cadre_ack"`
		Provider    checklistProvider   `yaml:"provider"`
	}
	if !decodeFile(fsys, checklistFile, &doc, p) {
		return Checklist{}
	}
	f := checklistFile
	if len(doc.Sources) == 0 {
		p.add(f, "source", "missing")
	}
	checkSources(p, f, "source", doc.Sources, sources)
	checkText(p, f, "intro", doc.Intro, MaxFieldChars)
	checkText(p, f, "resident_ack", doc.ResidentAck, MaxFieldChars)
	checkText(p, f, "cadre_intro", doc.CadreIntro, MaxFieldChars)
	checkText(p, f, "cadre_ack", doc.CadreAck, MaxFieldChars)
	for _, l := range Langs {
		low := strings.ToLower(doc.ResidentAck.In(l) + " " + doc.CadreAck.In(l))
		for _, w := range pregnancyWords {
			if strings.Contains(low, w) {
				p.add(f, "resident_ack."+string(l), "must not mention pregnancy (%q): the resident is never told she is or is not pregnant", w)
			}
		}
	}
	if len(doc.Questions) != ChecklistQuestionCount {
		p.add(f, "questions", "has %d questions; the checklist has exactly %d", len(doc.Questions), ChecklistQuestionCount)
	}
	for i, q := range doc.Questions {
		field := fmt.Sprintf("questions[%d]", i)
		checkID(p, f, field+".id", q.ID)
		checkFact(p, f, field+".text", q.Text, sources)
		if (q.Yes != Text{}) || (q.No != Text{}) || q.Inverted {
			checkText(p, f, field+".yes", q.Yes, MaxOptionChars)
			checkText(p, f, field+".no", q.No, MaxOptionChars)
		}
	}
	checkFact(p, f, "provider.reasonably_sure", doc.Provider.ReasonablySure, sources)
	checkFact(p, f, "provider.not_ruled_out", doc.Provider.NotRuledOut, sources)
	checkFact(p, f, "provider.incomplete", doc.Provider.Incomplete, sources)
	for _, l := range Langs {
		if !strings.Contains(doc.Provider.ReasonablySure.In(l), "{yes}") {
			p.add(f, "provider.reasonably_sure."+string(l), "must contain {yes} (the numbers of the questions answered yes)")
		}
		if !strings.Contains(doc.Provider.Incomplete.In(l), "{answered}") {
			p.add(f, "provider.incomplete."+string(l), "must contain {answered} (how many questions were answered)")
		}
	}
	return Checklist{
		Intro:       doc.Intro,
		Questions:   doc.Questions,
		ResidentAck: doc.ResidentAck,
		CadreIntro:  doc.CadreIntro,
		CadreAck:    doc.CadreAck,
		Sources:     doc.Sources,
		provider:    doc.Provider,
	}
}
