package conversations

import "github.com/kbbot/kbbot/content"

// parseClientLang picks the language for a new resident from their Telegram
// client: English for an English client, Indonesian for everything else.
func parseClientLang(code string) (content.Lang, bool) {
	if l, ok := content.ParseLang(code); ok && l == content.EN {
		return content.EN, true
	}
	return content.ID, code != ""
}
