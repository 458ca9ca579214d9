package content

import (
	"slices"
	"strings"
	"testing"
)

func TestChecklistShape(t *testing.T) {
	l := mustLoad(t)
	c := l.Checklist()
	if len(c.Questions) != ChecklistQuestionCount {
		t.Fatalf("%d questions; want %d", len(c.Questions), ChecklistQuestionCount)
	}
	for i, q := range c.Questions {
		if q.Text.ID == "" || q.Text.EN == "" {
			t.Errorf("question %d missing a language", i+1)
		}
	}
	// kb-domain.md section 2: the six questions, in order. Question 2 is
	// asked in the positive ("have you had sex?"); its "not since then"
	// button is the checklist's yes (abstained).
	for i, key := range []string{"6 months", "had sex", "4 weeks", "7 days", "miscarriage", "reliable method"} {
		if !strings.Contains(c.Questions[i].Text.EN, key) {
			t.Errorf("question %d = %q; want the checklist question about %q", i+1, c.Questions[i].Text.EN, key)
		}
	}
	q2 := c.Questions[1]
	if q2.ID != "tidak-berhubungan" || q2.Yes.ID != "Belum pernah" || q2.No.ID != "Sudah" {
		t.Errorf("question 2: the positive question's buttons must say which answer is the checklist's yes: %+v", q2)
	}
	for i, q := range c.Questions {
		for _, neg := range []string{"belum berhubungan", "tidak berhubungan", "andal"} {
			if strings.Contains(strings.ToLower(q.Text.ID), neg) {
				t.Errorf("question %d: %q reads as a double negative or a hard word (%q)", i+1, q.Text.ID, neg)
			}
		}
	}
	if c.CadreIntro.ID == "" || !strings.Contains(c.CadreIntro.ID, "klien") || !strings.Contains(c.CadreAck.ID, "klien") {
		t.Errorf("the kader's texts must speak about the client: %+v / %+v", c.CadreIntro, c.CadreAck)
	}
	if !slices.Contains(c.Sources, "FHI-PC") {
		t.Errorf("sources %v; want FHI-PC", c.Sources)
	}
}

// The checklist rule (kb-domain.md section 2): any yes -> reasonably sure
// not pregnant (if no signs or symptoms); all six no -> pregnancy cannot be
// ruled out; the step ends at the first yes.
func TestChecklistEvaluate(t *testing.T) {
	c := mustLoad(t).Checklist()
	no6 := []bool{false, false, false, false, false, false}
	for _, tc := range []struct {
		name     string
		yes      []bool
		complete bool
		sure     bool
		yesNums  []int
	}{
		{"first yes", []bool{true}, true, true, []int{1}},
		{"yes to question 3", []bool{false, false, true}, true, true, []int{3}},
		{"yes to question 6", []bool{false, false, false, false, false, true}, true, true, []int{6}},
		{"all six no", no6, true, false, nil},
		{"two no so far", []bool{false, false}, false, false, nil},
		{"nothing answered", nil, false, false, nil},
		{"extra answers ignored", append(append([]bool{}, no6...), true), true, false, nil},
		{"several yes", []bool{true, false, true}, true, true, []int{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Evaluate(tc.yes)
			if r.Complete != tc.complete || r.ReasonablySureNotPregnant != tc.sure || !slices.Equal(r.Yes, tc.yesNums) {
				t.Errorf("got %+v", r)
			}
			if c.Done(tc.yes) != tc.complete {
				t.Errorf("Done = %v", c.Done(tc.yes))
			}
			if r.Summary.ID == "" || r.Summary.EN == "" {
				t.Errorf("summary missing a language: %+v", r.Summary)
			}
			if strings.Contains(r.Summary.ID+r.Summary.EN, "{") {
				t.Errorf("placeholder left in summary: %+v", r.Summary)
			}
			if tc.sure && !strings.Contains(r.Summary.EN, "reasonably sure") {
				t.Errorf("summary: %q", r.Summary.EN)
			}
			if tc.complete && !tc.sure && !strings.Contains(r.Summary.EN, "cannot be ruled out") {
				t.Errorf("summary: %q", r.Summary.EN)
			}
		})
	}
}

// The resident never reads that she is or is not pregnant.
func TestChecklistResidentTextIsNeutral(t *testing.T) {
	c := mustLoad(t).Checklist()
	for _, s := range []string{c.ResidentAck.ID, c.ResidentAck.EN, c.Intro.ID, c.Intro.EN} {
		low := strings.ToLower(s)
		if s == "" || strings.Contains(low, "hamil") || strings.Contains(low, "pregnan") {
			t.Errorf("resident text must be neutral: %q", s)
		}
	}
}
