package content

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// uiFiles are the data files holding the interface strings: data/ui.yaml
// and one data/ui_<feature>.yaml per feature. A key may appear in one file only.
const uiFiles = "data/ui*.yaml"

// Catalog holds the interface strings by key, each in every language.
type Catalog struct {
	texts map[string]Text
}

// T returns the interface string key in lang, formatted with args as by
// fmt.Sprintf when args are given. An unknown key returns the key itself in
// brackets so that a missing string is visible in tests, never a crash.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	t, ok := c.texts[key]
	if !ok {
		return "[" + key + "]"
	}
	s := t.In(lang)
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalog.
func (c *Catalog) Has(key string) bool { _, ok := c.texts[key]; return ok }

// Text returns key's texts as written, one per language, without T's
// fallback to Indonesian; ok is false for an unknown key.
func (c *Catalog) Text(key string) (t Text, ok bool) {
	t, ok = c.texts[key]
	return t, ok
}

// Keys returns every key, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts))
	for k := range c.texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadUI reads and validates the interface strings in fsys.
func loadUI(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, uiFiles)
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("data/ui.yaml: missing: the interface strings")
	}
	texts := map[string]Text{}
	from := map[string]string{}
	var problems []string
	for _, uiFile := range files {
		raw, err := fs.ReadFile(fsys, uiFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", uiFile, err)
		}
		var part map[string]Text
		if err := yaml.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", uiFile, err)
		}
		for key, t := range part {
			if other, dup := from[key]; dup {
				problems = append(problems, fmt.Sprintf("%s: %s: already defined in %s", uiFile, key, other))
				continue
			}
			texts[key], from[key] = t, uiFile
		}
	}
	for key, t := range texts {
		uiFile := from[key]
		for _, l := range t.Missing() {
			problems = append(problems, fmt.Sprintf("%s: %s: missing %q text", uiFile, key, l))
		}
		if a, b := verbs(t.ID), verbs(t.EN); t.ID != "" && t.EN != "" && a != b {
			problems = append(problems, fmt.Sprintf("%s: %s: the languages take different values (%q in id, %q in en)", uiFile, key, a, b))
		}
		for _, l := range Langs {
			if n := len([]rune(t.In(l))); n > MaxMessageChars {
				problems = append(problems, fmt.Sprintf("%s: %s.%s: %d characters, over Telegram's %d", uiFile, key, l, n, MaxMessageChars))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("invalid content:\n%s", strings.Join(problems, "\n"))
	}
	return &Catalog{texts: texts}, nil
}

// verbPattern finds fmt verbs such as %s, %d and %[2]s.
var verbPattern = regexp.MustCompile(`%(\[\d+\])?[sdv]`)

// verbs lists the fmt verbs of s in a canonical order, so that the two
// languages of one text can be checked to take the same values.
func verbs(s string) string {
	found := verbPattern.FindAllString(s, -1)
	sort.Strings(found)
	return strings.Join(found, ",")
}

// MaxMessageChars is Telegram's limit on the text of one message.
const MaxMessageChars = 4096

// MaxCallbackBytes is Telegram's limit on an inline button's callback data.
const MaxCallbackBytes = 64
