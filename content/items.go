package content

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Myth is a belief about contraception that circulates in Indonesia, with
// its correction, read from data/myths.yaml.
type Myth struct {
	// ID is the stable myth id, e.g. "iud-jantung".
	ID string `yaml:"id" json:"id"`
	// Title is a short label for buttons and lists.
	Title Text `yaml:"title" json:"title"`
	// Myth is the belief as people say it.
	Myth Text `yaml:"myth" json:"myth"`
	// Fact is the correction, with its sources (required).
	Fact Fact `yaml:"fact" json:"fact"`
	// Methods are the codes of the methods the myth is about.
	Methods []string `yaml:"methods" json:"methods,omitempty"`
}

// Topic is a page of education content that is not about one method, read
// from data/topics/<id>.yaml.
type Topic struct {
	// ID is the stable topic id; the file is named after it.
	ID string `yaml:"id" json:"id"`
	// Order places the topic in Topics(), lowest first.
	Order int `yaml:"order" json:"order"`
	// Title is a short label for buttons and the page heading.
	Title Text `yaml:"title" json:"title"`
	// Sections are the parts of the page, each with a heading and a body.
	Sections []TopicSection `yaml:"sections" json:"sections"`
	// Methods are the codes of related methods, for buttons.
	Methods []string `yaml:"methods" json:"methods,omitempty"`
	// Topics are the ids of related topics, for buttons.
	Topics []string `yaml:"topics" json:"topics,omitempty"`
	// Myths are the ids of related myths, for buttons.
	Myths []string `yaml:"myths" json:"myths,omitempty"`
}

// TopicSection is one part of a topic page.
type TopicSection struct {
	// Heading is the section's bold heading.
	Heading Text `yaml:"heading" json:"heading"`
	// Body is the section's text, with its sources.
	Body Fact `yaml:"body" json:"body"`
	// Review, when set, says why the section waits for a bidan's review: a
	// fact the sources at hand could not confirm. Such a section is kept in
	// the file but never shown (TopicPage skips it) until a bidan has
	// checked it and the field is removed.
	Review string `yaml:"review,omitempty" json:"review,omitempty"`
}

const mythsFile = "data/myths.yaml"

// loadMyths reads data/myths.yaml.
func loadMyths(fsys fs.FS, p *problems, sources map[string]Source) []Myth {
	var doc struct {
		Myths []Myth `yaml:"myths"`
	}
	if !decodeFile(fsys, mythsFile, &doc, p) {
		p.markBroken("myth:*")
		return nil
	}
	seen := map[string]bool{}
	for i, m := range doc.Myths {
		field := fmt.Sprintf("myths[%d]", i)
		if m.ID != "" {
			field = fmt.Sprintf("myths[%d] (%s)", i, m.ID)
		}
		checkID(p, mythsFile, field+".id", m.ID)
		if seen[m.ID] {
			p.add(mythsFile, field+".id", "duplicate id %q", m.ID)
		}
		seen[m.ID] = true
		checkText(p, mythsFile, field+".title", m.Title, MaxTitleChars)
		checkText(p, mythsFile, field+".myth", m.Myth, MaxFieldChars)
		checkFact(p, mythsFile, field+".fact", m.Fact, sources)
		if len(m.Fact.Sources) == 0 {
			p.add(mythsFile, field+".fact.source", "missing: every correction needs a source id")
		}
	}
	return doc.Myths
}

// loadTopics reads data/topics/*.yaml, sorted by order then id.
func loadTopics(fsys fs.FS, p *problems, sources map[string]Source) []Topic {
	files, err := fs.Glob(fsys, "data/topics/*.yaml")
	if err != nil {
		p.add("data/topics", "files", "%v", err)
		return nil
	}
	var out []Topic
	for _, file := range files {
		var t Topic
		name := strings.TrimSuffix(path.Base(file), ".yaml")
		if !decodeFile(fsys, file, &t, p) {
			p.markBroken("topic:" + name)
			continue
		}
		checkID(p, file, "id", t.ID)
		if t.ID != name {
			p.add(file, "id", "is %q but the file is named %q", t.ID, name+".yaml")
		}
		checkText(p, file, "title", t.Title, MaxTitleChars)
		if len(t.Sections) == 0 {
			p.add(file, "sections", "missing: a topic needs at least one section")
		}
		shown := 0
		for _, s := range t.Sections {
			if s.Review == "" {
				shown++
			}
		}
		if len(t.Sections) > 0 && shown == 0 {
			p.add(file, "sections", "every section waits for review: a topic needs at least one section without `review`")
		}
		for i, s := range t.Sections {
			checkText(p, file, fmt.Sprintf("sections[%d].heading", i), s.Heading, MaxTitleChars*2)
			checkFact(p, file, fmt.Sprintf("sections[%d].body", i), s.Body, sources)
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// topicFile returns the data file of a topic id.
func topicFile(id string) string { return "data/topics/" + id + ".yaml" }

// crossCheckItems checks every reference from myths and topics.
func crossCheckItems(p *problems, l *Library) {
	for i, m := range l.myths {
		for j, c := range m.Methods {
			if !l.hasMethod(p, c) {
				p.add(mythsFile, fmt.Sprintf("myths[%d] (%s).methods[%d]", i, m.ID, j), "unknown method code %q", c)
			}
		}
	}
	for _, t := range l.topics {
		file := topicFile(t.ID)
		for j, c := range t.Methods {
			if !l.hasMethod(p, c) {
				p.add(file, fmt.Sprintf("methods[%d]", j), "unknown method code %q", c)
			}
		}
		for j, id := range t.Topics {
			if _, ok := l.topicIdx[id]; !ok && !p.isBroken("topic:"+id) {
				p.add(file, fmt.Sprintf("topics[%d]", j), "unknown topic %q", id)
			}
		}
		for j, id := range t.Myths {
			if _, ok := l.mythIdx[id]; !ok && !p.isBroken("myth:*") {
				p.add(file, fmt.Sprintf("myths[%d]", j), "unknown myth %q", id)
			}
		}
	}
}

// hasMethod reports whether code is a loaded method, or one whose file could
// not be read (already reported).
func (l *Library) hasMethod(p *problems, code string) bool {
	_, ok := l.methodIdx[code]
	return ok || p.isBroken("method:"+code)
}
