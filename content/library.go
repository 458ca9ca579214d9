package content

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// embedded holds the content files compiled into the binary.
//
//go:embed data
var embedded embed.FS

// Data returns the embedded content files (paths start with "data/"), for
// tools and tests that want to read or copy them.
func Data() fs.FS { return embedded }

// Library is all education content and interface text, loaded and validated.
// It is read-only after loading and safe for concurrent use.
type Library struct {
	// UI holds the interface strings of data/ui.yaml.
	UI *Catalog
	// Labels holds the headings and fixed phrases of the education pages
	// (data/labels.yaml), e.g. "method.what" or "search.no_match".
	Labels *Catalog

	sources   []Source
	sourceIdx map[string]Source
	methods   []Method
	methodIdx map[string]int
	myths     []Myth
	mythIdx   map[string]int
	topics    []Topic
	topicIdx  map[string]int
	quiz      *quizData
	checklist Checklist
	search    *searchIndex
}

// Load loads and validates the content embedded in the binary.
func Load() (*Library, error) { return LoadFS(embedded) }

// LoadFS loads and validates the content in fsys, whose files sit under
// "data/" as in the embedded tree. On failure the error is a *LoadError
// listing every problem, each naming the file and the field.
func LoadFS(fsys fs.FS) (*Library, error) {
	var p problems
	l := &Library{}
	ui, err := loadUI(fsys)
	if err != nil {
		p.addLines(err)
	}
	l.UI = ui

	l.sources = loadSources(fsys, &p)
	l.sourceIdx = make(map[string]Source, len(l.sources))
	for _, s := range l.sources {
		l.sourceIdx[s.ID] = s
	}
	l.Labels = loadLabels(fsys, &p)

	l.methods = loadMethods(fsys, &p, l.sourceIdx)
	l.methodIdx = make(map[string]int, len(l.methods))
	for i, m := range l.methods {
		l.methodIdx[m.Code] = i
	}
	l.myths = loadMyths(fsys, &p, l.sourceIdx)
	l.mythIdx = make(map[string]int, len(l.myths))
	for i, m := range l.myths {
		l.mythIdx[m.ID] = i
	}
	l.topics = loadTopics(fsys, &p, l.sourceIdx)
	l.topicIdx = make(map[string]int, len(l.topics))
	for i, t := range l.topics {
		l.topicIdx[t.ID] = i
	}
	if _, ok := l.topicIdx[NoteTopicID]; !ok && len(l.topics) > 0 {
		p.add(topicFile(NoteTopicID), "file", "missing: the \"bot informs, bidan decides\" note is required")
	}
	crossCheckMethods(&p, l.methods, l.mythIdx, l.topicIdx)
	crossCheckItems(&p, l)

	l.quiz = loadQuiz(fsys, &p, l)
	l.checklist = loadChecklist(fsys, &p, l.sourceIdx)
	l.search = loadSearch(fsys, &p, l)

	if len(p.list) == 0 {
		// Pages are rendered only from complete content; each must fit
		// one Telegram message and be valid Telegram HTML.
		l.checkPages(&p)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// decodeFile reads a YAML file into v, rejecting unknown fields. It reports
// problems naming the file and, where the parser says, the line and field.
func decodeFile(fsys fs.FS, file string, v any, p *problems) bool {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		p.add(file, "file", "%v", err)
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			p.add(file, "file", "empty")
		case errors.As(err, &te):
			for _, e := range te.Errors {
				if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
					p.add(file, m[2], "line %s: unknown field (check the spelling)", m[1])
				} else {
					p.add(file, "yaml", "%s", strings.TrimPrefix(e, "yaml: "))
				}
			}
		default:
			p.add(file, "yaml", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return false
	}
	return true
}

var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)

const sourcesFile = "data/sources.yaml"

// loadSources reads data/sources.yaml.
func loadSources(fsys fs.FS, p *problems) []Source {
	var doc struct {
		Sources []Source `yaml:"sources"`
	}
	if !decodeFile(fsys, sourcesFile, &doc, p) {
		return nil
	}
	seen := map[string]bool{}
	for i, s := range doc.Sources {
		field := fmt.Sprintf("sources[%d]", i)
		if !sourceIDPattern.MatchString(s.ID) {
			p.add(sourcesFile, field+".id", "id %q must be 1-16 characters of A-Z, 0-9 or '-'", s.ID)
		}
		if seen[s.ID] {
			p.add(sourcesFile, field+".id", "duplicate id %q", s.ID)
		}
		seen[s.ID] = true
		if s.Short == "" {
			p.add(sourcesFile, field+".short", "missing")
		}
		if s.Title == "" {
			p.add(sourcesFile, field+".title", "missing")
		}
		if s.URL == "" {
			p.add(sourcesFile, field+".url", "missing")
		}
	}
	return doc.Sources
}

const labelsFile = "data/labels.yaml"

// requiredLabels are the label keys the renderers use.
var requiredLabels = []string{
	"note.short", "sources",
	"hormones.none", "hormones.progestin", "hormones.estrogen-progestin", "long_acting", "permanent",
	"section.umum", "section.efek", "section.jadwal",
	"tier.high", "tier.mid", "tier.low",
	"method.also_called", "method.what", "method.how", "method.effectiveness", "method.eff.intro",
	"method.eff.typical", "method.eff.perfect", "method.eff.tier_is", "method.eff.tiers",
	"method.tier", "method.protects", "method.comeback", "method.duration", "method.return_to_fertility",
	"method.sti", "method.where", "method.tell_bidan_first",
	"method.after_childbirth", "method.visits",
	"compare.title", "compare.intro", "compare.duration", "compare.visits",
	"myths.title", "myths.intro", "myth.myth", "myth.fact",
	"sources.title", "search.no_match",
	"quiz.tradeoff", "quiz.result.warn", "quiz.result.more",
	"page.compare", "page.quiz", "page.myths",
}

// loadLabels reads data/labels.yaml: fixed phrases of the education pages,
// each in every language.
func loadLabels(fsys fs.FS, p *problems) *Catalog {
	var texts map[string]Text
	if !decodeFile(fsys, labelsFile, &texts, p) {
		return &Catalog{texts: map[string]Text{}}
	}
	for key, t := range texts {
		checkText(p, labelsFile, key, t, MaxFieldChars)
	}
	for _, key := range requiredLabels {
		if _, ok := texts[key]; !ok {
			p.add(labelsFile, key, "missing: the pages need this label")
		}
	}
	return &Catalog{texts: texts}
}

// Sources returns every source, in file order; like Methods, the
// library's own slice, read-only.
func (l *Library) Sources() []Source { return slices.Clip(l.sources) }

// Source returns the source with id.
func (l *Library) Source(id string) (Source, bool) { s, ok := l.sourceIdx[id]; return s, ok }

// Methods returns every method in display order (MethodCodes). The slice
// is the library's own, shared by every render: read it, never change it.
func (l *Library) Methods() []Method { return slices.Clip(l.methods) }

// Method returns the method with code.
func (l *Library) Method(code string) (Method, bool) {
	i, ok := l.methodIdx[code]
	if !ok {
		return Method{}, false
	}
	return l.methods[i], true
}

// Myths returns every myth, in file order; like Methods, read-only.
func (l *Library) Myths() []Myth { return slices.Clip(l.myths) }

// Myth returns the myth with id.
func (l *Library) Myth(id string) (Myth, bool) {
	i, ok := l.mythIdx[id]
	if !ok {
		return Myth{}, false
	}
	return l.myths[i], true
}

// Topics returns every topic, by order then id; like Methods, the
// library's own slice, read-only.
func (l *Library) Topics() []Topic { return slices.Clip(l.topics) }

// Topic returns the topic with id.
func (l *Library) Topic(id string) (Topic, bool) {
	i, ok := l.topicIdx[id]
	if !ok {
		return Topic{}, false
	}
	return l.topics[i], true
}

// NoteTopicID is the topic explaining that the bot informs and the bidan
// decides. Every method page ends with a one-line reminder of it; the menus
// put a button to TopicPage(NoteTopicID) on every method page.
const NoteTopicID = "bidan"

// ErrNotFound is returned (wrapped) for an unknown method, section, myth or
// topic id.
var ErrNotFound = errors.New("content: not found")
