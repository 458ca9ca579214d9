package content

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Fact is a piece of education text in every language together with the ids
// of the sources it rests on (see data/sources.yaml). In data files it reads
// `{id: "...", en: "...", source: HB18}` or `source: [HB18, CT21]`.
// A fact whose text contains a number must name at least one source.
type Fact struct {
	Text `yaml:",inline"`
	// Sources are the ids of the sources the text rests on.
	Sources SourceIDs `yaml:"source,omitempty" json:"sources,omitempty"`
}

// SourceIDs is a list of source ids. In data files it may be written as one
// id (`source: HB18`) or as a list (`source: [HB18, CT21]`).
type SourceIDs []string

// UnmarshalYAML accepts a single id or a list of ids.
func (s *SourceIDs) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			*s = nil
			return nil
		}
		*s = SourceIDs{n.Value}
		return nil
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		*s = list
		return nil
	}
	return fmt.Errorf("line %d: source: want a source id or a list of ids", n.Line)
}

// Source is one reference that the medical facts rest on.
type Source struct {
	// ID is the short id cited by facts, e.g. "HB18".
	ID string `yaml:"id" json:"id"`
	// Short is a short name shown in page footers, e.g. "WHO FP Handbook 2018".
	Short string `yaml:"short" json:"short"`
	// Title is the full bibliographic title. Titles are proper names and are
	// not translated.
	Title string `yaml:"title" json:"title"`
	// URL is where the source can be read.
	URL string `yaml:"url" json:"url"`
}

// idPattern is the shape of every method code, topic, myth, question and
// option id: short and safe inside callback data such as "m:<id>:<section>".
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,23}$`)

// sourceIDPattern is the shape of a source id such as "HB18" or "CDC-SPR".
var sourceIDPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,15}$`)

// MaxIDBytes is the longest id allowed for methods, topics, myths, quiz
// questions and options, so that callback data built from one or two ids
// stays far below MaxCallbackBytes.
const MaxIDBytes = 24

// MaxTitleChars is the longest title (method name, topic or myth title) in
// runes, so that it fits on an inline button.
const MaxTitleChars = 48

// MaxOptionChars is the longest quiz option text in runes.
const MaxOptionChars = 100

// MaxFieldChars is the longest single text field in runes. Pages combine
// several fields; each rendered page must also fit MaxMessageChars.
const MaxFieldChars = 1500

// problems collects every content problem found while loading, each naming
// the file and the field, so that one run reports all of them.
type problems struct {
	list []string
	// broken holds the items whose file could not be read, as
	// "method:<code>", "topic:<id>" or "myth:*", so that references to them
	// are not reported again as unknown.
	broken map[string]bool
}

// markBroken records that the file of an item could not be read.
func (p *problems) markBroken(item string) {
	if p.broken == nil {
		p.broken = map[string]bool{}
	}
	p.broken[item] = true
}

// isBroken reports whether an item's file could not be read.
func (p *problems) isBroken(item string) bool { return p.broken[item] }

// add records a problem in file at field.
func (p *problems) add(file, field, format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf("%s: %s: %s", file, field, fmt.Sprintf(format, args...)))
}

// addLines records a multi-line error from another loader, one problem a line.
func (p *problems) addLines(err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "invalid content:" {
			continue
		}
		p.list = append(p.list, line)
	}
}

// err returns the collected problems as a *LoadError, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(p.list))
	out := make([]string, 0, len(p.list))
	for _, s := range p.list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return &LoadError{Problems: out}
}

// LoadError reports every problem found in the content files. Each problem
// starts with the file name and the field, e.g.
// "data/methods/iud.yaml: side_effects.en: missing text".
type LoadError struct {
	// Problems lists every problem, one a line, each starting with the file.
	Problems []string
}

// Error lists every problem, one a line.
func (e *LoadError) Error() string {
	return fmt.Sprintf("invalid content (%d problems):\n%s", len(e.Problems), strings.Join(e.Problems, "\n"))
}

// checkText reports missing languages and over-long text of a Text at field.
func checkText(p *problems, file, field string, t Text, max int) {
	for _, l := range t.Missing() {
		p.add(file, field+"."+string(l), "missing text")
	}
	for _, l := range Langs {
		if n := len([]rune(t.In(l))); n > max {
			p.add(file, field+"."+string(l), "%d characters, longer than the %d allowed", n, max)
		}
	}
}

// checkFact checks a Fact's languages, length and sources: every source id
// must exist and a text that contains a number must name a source.
func checkFact(p *problems, file, field string, f Fact, sources map[string]Source) {
	checkText(p, file, field, f.Text, MaxFieldChars)
	checkSources(p, file, field+".source", f.Sources, sources)
	if len(f.Sources) == 0 && (hasDigit(f.ID) || hasDigit(f.EN)) {
		p.add(file, field+".source", "text contains a number but names no source")
	}
}

// checkSources reports unknown source ids.
func checkSources(p *problems, file, field string, ids SourceIDs, sources map[string]Source) {
	for _, id := range ids {
		if _, ok := sources[id]; !ok {
			p.add(file, field, "unknown source id %q (see data/sources.yaml)", id)
		}
	}
}

// checkID reports an id that is not safe for callback data.
func checkID(p *problems, file, field, id string) {
	if !idPattern.MatchString(id) {
		p.add(file, field, "id %q must be 1-%d characters of a-z, 0-9, '-' or '_', starting with a letter or digit", id, MaxIDBytes)
	}
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}
