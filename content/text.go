// Package content owns every text a user reads: the interface strings and the
// education material, kept as YAML data files embedded in the binary and
// validated when they are loaded. It is a leaf: it imports only the standard
// library and a YAML parser, never Telegram, Redis or cron.
package content

// Lang is a language the bot speaks, as an ISO 639-1 code.
type Lang string

// The languages of kbbot. Indonesian is the first language; English second.
const (
	ID Lang = "id"
	EN Lang = "en"
)

// Langs lists every supported language, the default first.
var Langs = []Lang{ID, EN}

// ParseLang returns the Lang for a code such as "id", "en" or "en-US",
// and false when the code names no supported language.
func ParseLang(code string) (Lang, bool) {
	if len(code) >= 2 {
		switch code[:2] {
		case "id", "in":
			return ID, true
		case "en":
			return EN, true
		}
	}
	return "", false
}

// Text is one text in every supported language. In data files it reads
// `{id: "...", en: "..."}`.
type Text struct {
	ID string `yaml:"id" json:"id"`
	EN string `yaml:"en" json:"en"`
}

// In returns the text in lang, falling back to Indonesian.
func (t Text) In(lang Lang) string {
	if lang == EN && t.EN != "" {
		return t.EN
	}
	return t.ID
}

// Missing returns the languages in which t is empty.
func (t Text) Missing() []Lang {
	var out []Lang
	if t.ID == "" {
		out = append(out, ID)
	}
	if t.EN == "" {
		out = append(out, EN)
	}
	return out
}
