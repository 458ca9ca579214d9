package content

import (
	"regexp"
	"strings"
)

// Sapaan is how the bot addresses a resident in Indonesian: "Ibu" (the
// default; the texts are written to "Ibu") or "Bapak".
type Sapaan string

// The forms of address.
const (
	SapaanIbu   Sapaan = "ibu"
	SapaanBapak Sapaan = "bapak"
)

// ParseSapaan reads a stored or tapped form of address; ok is false for
// anything else.
func ParseSapaan(s string) (Sapaan, bool) {
	switch Sapaan(strings.ToLower(strings.TrimSpace(s))) {
	case SapaanIbu:
		return SapaanIbu, true
	case SapaanBapak:
		return SapaanBapak, true
	}
	return "", false
}

// addressWord finds "Ibu" and "Bu" as words of address, with what follows
// them so that the names of groups of women ("Ibu hamil", "Ibu setelah
// melahirkan", "Ibu menyusui") and the naming of both forms of address
// ("sapaan (Ibu atau Bapak)") can be told apart and kept.
var addressWord = regexp.MustCompile(`\b(Ibu|Bu)\b( (hamil|setelah melahirkan|menyusui|nifas|pasca persalinan|bersalin|atau Bapak)\b)?`)

// ToBapak rewrites an Indonesian text written to "Ibu" for a resident
// addressed as "Bapak": "Ibu" becomes "Bapak" and "Bu" becomes "Pak",
// except in the names of groups of women ("Ibu hamil", "Ibu setelah
// melahirkan", "Ibu menyusui") and in "Ibu atau Bapak", and lower-case "ibu" (a mother, not the
// reader) is never touched. Texts about a woman's own body (the KB pasca
// persalinan pathway, the pregnancy checklist, the education pages) are
// not passed through it: they speak to the woman even when her husband
// reads them.
func ToBapak(text string) string {
	if !strings.Contains(text, "bu") && !strings.Contains(text, "Bu") {
		return text
	}
	return addressWord.ReplaceAllStringFunc(text, func(m string) string {
		word, rest, _ := strings.Cut(m, " ")
		if rest != "" {
			return m // a group of women or both forms, not the reader
		}
		if word == "Bu" {
			return "Pak"
		}
		return "Bapak"
	})
}
