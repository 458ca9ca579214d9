package conversations

import (
	"fmt"
	"html"

	"github.com/kbbot/kbbot/content"
)

// Text helpers. Replies are Telegram HTML. The helpers escape what they
// are given: t escapes its arguments, local escapes a content text; an
// argument of type markup is HTML already and passes as it is. escape is
// the one place where escaping happens, for the few blocks the dialog
// builds line by line.

// markup is text that is Telegram HTML already: a catalog text, or a
// block the dialog built from escaped parts.
type markup string

// escapeArgs escapes the string arguments of a text for Telegram's HTML.
func escapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case markup:
			out[i] = string(v)
		case string:
			out[i] = escape(v)
		case fmt.Stringer:
			out[i] = escape(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

// escape makes plain text safe in Telegram HTML.
func escape(s string) string { return html.EscapeString(s) }

// localText is a content text in both languages (a checklist question, a
// quiz question).
type localText interface {
	In(content.Lang) string
}

// local is x in the resident's language, escaped.
func (st *step) local(x localText) string { return escape(x.In(st.lang())) }
