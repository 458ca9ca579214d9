package content

import (
	"fmt"
	"sort"
)

// Texts returns every text a user can read, by a name that gives its file
// and field ("ui:welcome", "data/methods/iud.yaml:how"), for whole-content
// checks such as "every button a text names exists".
func (l *Library) Texts() map[string]Text {
	out := map[string]Text{}
	for _, k := range l.UI.Keys() {
		out["ui:"+k], _ = l.UI.Text(k)
	}
	for _, k := range l.Labels.Keys() {
		out[labelsFile+":"+k], _ = l.Labels.Text(k)
	}
	for _, m := range l.methods {
		f := methodFile(m.Code)
		out[f+":name"] = m.Name
		out[f+":effectiveness.note"] = m.Effectiveness.Note.Text
		for _, nf := range m.facts() {
			out[f+":"+nf.name] = nf.fact.Text
		}
	}
	for i, m := range l.myths {
		f := fmt.Sprintf("%s:myths[%d]", mythsFile, i)
		out[f+".title"], out[f+".myth"], out[f+".fact"] = m.Title, m.Myth, m.Fact.Text
	}
	for _, t := range l.topics {
		f := topicFile(t.ID)
		out[f+":title"] = t.Title
		for i, s := range t.Sections {
			out[fmt.Sprintf("%s:sections[%d].heading", f, i)] = s.Heading
			out[fmt.Sprintf("%s:sections[%d].body", f, i)] = s.Body.Text
		}
	}
	for i, q := range l.quiz.Questions {
		f := fmt.Sprintf("%s:questions[%d]", quizFile, i)
		out[f+".text"] = q.Text.Text
		for j, a := range q.Alt {
			out[fmt.Sprintf("%s.alt[%d]", f, j)] = a.Text.Text
		}
		for j, o := range q.Options {
			out[fmt.Sprintf("%s.options[%d]", f, j)] = o.Text
		}
	}
	for i, r := range l.quiz.Rules {
		f := fmt.Sprintf("%s:rules[%d]", quizFile, i)
		out[f+".tradeoff"] = r.Tradeoff
		for code, c := range r.Caution {
			out[f+".caution."+code] = c.Text
		}
	}
	for code, rs := range l.quiz.Reasons {
		for i, r := range rs {
			out[fmt.Sprintf("%s:reasons.%s[%d]", quizFile, code, i)] = r.Text.Text
		}
	}
	for i, t := range l.quiz.Title {
		out[fmt.Sprintf("%s:title[%d]", quizFile, i)] = t.Text.Text
	}
	for i, n := range l.quiz.Notes {
		out[fmt.Sprintf("%s:notes[%d]", quizFile, i)] = n.Text.Text
	}
	out[quizFile+":closing"] = l.quiz.Closing.Text
	for i, c := range l.quiz.ClosingAlt {
		out[fmt.Sprintf("%s:closing_alt[%d]", quizFile, i)] = c.Text.Text
	}
	c := l.checklist
	out[checklistFile+":intro"], out[checklistFile+":resident_ack"] = c.Intro, c.ResidentAck
	out[checklistFile+":cadre_intro"], out[checklistFile+":cadre_ack"] = c.CadreIntro, c.CadreAck
	for i, q := range c.Questions {
		f := fmt.Sprintf("%s:questions[%d]", checklistFile, i)
		out[f+".text"], out[f+".yes"], out[f+".no"] = q.Text.Text, q.Yes, q.No
	}
	for k, t := range out {
		if t.ID == "" && t.EN == "" {
			delete(out, k)
		}
	}
	return out
}

// PendingReviews lists the topic sections that wait for a bidan's review
// (their `review` field), as "file: heading: reason", sorted. They are not
// shown to residents.
func (l *Library) PendingReviews() []string {
	var out []string
	for _, t := range l.topics {
		for _, s := range t.Sections {
			if s.Review != "" {
				out = append(out, fmt.Sprintf("%s: %s: %s", topicFile(t.ID), s.Heading.ID, s.Review))
			}
		}
	}
	sort.Strings(out)
	return out
}
