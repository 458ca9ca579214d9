package content

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// uiFile is the data file holding every interface string.
const uiFile = "data/ui.yaml"

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
	raw, err := fs.ReadFile(fsys, uiFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", uiFile, err)
	}
	var texts map[string]Text
	if err := yaml.Unmarshal(raw, &texts); err != nil {
		return nil, fmt.Errorf("%s: %w", uiFile, err)
	}
	var problems []string
	for key, t := range texts {
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
