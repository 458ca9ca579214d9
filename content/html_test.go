package content

import (
	"regexp"
	"strings"
	"testing"
)

var (
	// entity is what may follow "&" in Telegram HTML.
	entity = regexp.MustCompile(`^&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);`)
	// tag is a tag Telegram's HTML mode knows.
	tag = regexp.MustCompile(`^</?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler|blockquote|span)( [^>]*)?>`)
)

// TestUITextsAreTelegramHTML: every interface text is sent in Telegram's
// HTML mode, which refuses a bare "&" or "<" and answers 400: the message
// would never arrive. Button labels are plain text and may hold them.
func TestUITextsAreTelegramHTML(t *testing.T) {
	l := mustLoad(t)
	for _, key := range l.UI.Keys() {
		if strings.HasPrefix(key, "btn_") || strings.HasPrefix(key, "menu_") || strings.HasPrefix(key, "cmd_") || strings.HasPrefix(key, "section_") {
			continue
		}
		tx, _ := l.UI.Text(key)
		for _, lang := range Langs {
			s := tx.In(lang)
			for i := 0; i < len(s); i++ {
				switch s[i] {
				case '&':
					if !entity.MatchString(s[i:]) {
						t.Errorf("%s (%s): a bare & at %q; write &amp;", key, lang, clipAt(s, i))
					}
				case '<':
					if !tag.MatchString(s[i:]) {
						t.Errorf("%s (%s): a bare < at %q; write &lt;", key, lang, clipAt(s, i))
					}
				}
			}
		}
	}
}

func clipAt(s string, i int) string {
	end := min(len(s), i+20)
	return s[i:end]
}
