package bot

import (
	"fmt"
	"github.com/kbbot/kbbot/internal/jsonenc"
	"slices"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// This file writes Bot API requests without the library's Params map,
// url.Values and reflection: a reply is encoded once, straight into the
// body of its request. The bytes are those the library would send (keys
// in url.Values.Encode's sorted order, reply_markup as encoding/json
// writes it); wire_test.go holds the two side by side.

// form is an application/x-www-form-urlencoded body. Keys must be added in
// ascending order (as url.Values.Encode writes them) and need no escaping.
type form struct{ b []byte }

// add appends k=v.
func (f *form) add(k, v string) {
	f.key(k)
	f.b = appendQueryEscape(f.b, v)
}

// addInt appends k=n.
func (f *form) addInt(k string, n int64) {
	f.key(k)
	f.b = strconv.AppendInt(f.b, n, 10)
}

// addJSON appends k=js, js being a JSON text.
func (f *form) addJSON(k string, js []byte) {
	f.key(k)
	f.b = appendQueryEscape(f.b, js)
}

func (f *form) key(k string) {
	if len(f.b) > 0 {
		f.b = append(f.b, '&')
	}
	f.b = append(f.b, k...)
	f.b = append(f.b, '=')
}

// paramsForm encodes p as url.Values.Encode would.
func paramsForm(p tgbotapi.Params) []byte {
	if len(p) == 0 {
		return nil
	}
	keys := make([]string, 0, len(p))
	n := 0
	for k, v := range p {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	f := form{b: make([]byte, 0, n+n/4)}
	for _, k := range keys {
		f.key(queryEscape(k))
		f.b = appendQueryEscape(f.b, p[k])
	}
	return f.b
}

// queryEscape is url.QueryEscape, without a copy when nothing is escaped.
func queryEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendQueryEscape(nil, s))
		}
	}
	return s
}

// unreserved reports whether url.QueryEscape leaves c as it is.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendQueryEscape appends s escaped as url.QueryEscape does.
func appendQueryEscape[S []byte | string](dst []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c):
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }

// appendInlineKeyboard appends rows as the JSON of an
// InlineKeyboardMarkup. A button with a URL opens it; any other carries
// callback data of 1 to 64 bytes, or the keyboard is refused.
func appendInlineKeyboard(dst []byte, rows [][]kbbot.Button) ([]byte, error) {
	dst = append(dst, `{"inline_keyboard":[`...)
	for i, row := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for j, b := range row {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"text":`...)
			dst = appendJSONString(dst, b.Label)
			if b.URL != "" {
				dst = append(dst, `,"url":`...)
				dst = appendJSONString(dst, b.URL)
			} else {
				if len(b.Data) == 0 || len(b.Data) > 64 {
					return dst, fmt.Errorf("button %q: callback data of %d bytes: %w", b.Label, len(b.Data), kbbot.ErrBadRequest)
				}
				dst = append(dst, `,"callback_data":`...)
				dst = appendJSONString(dst, b.Data)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, "]}"...), nil
}

// appendReplyKeyboard appends rows as the JSON of a one-time, resized
// ReplyKeyboardMarkup.
func appendReplyKeyboard(dst []byte, rows [][]kbbot.KeyButton) []byte {
	dst = append(dst, `{"keyboard":`...)
	if rows == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, row := range rows {
			if i > 0 {
				dst = append(dst, ',')
			}
			if len(row) == 0 {
				// The library's rows are nil until a button is added.
				dst = append(dst, "null"...)
				continue
			}
			dst = append(dst, '[')
			for j, b := range row {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"text":`...)
				dst = appendJSONString(dst, b.Label)
				if b.RequestContact {
					dst = append(dst, `,"request_contact":true`...)
				}
				if b.RequestLocation {
					dst = append(dst, `,"request_location":true`...)
				}
				dst = append(dst, '}')
			}
			dst = append(dst, ']')
		}
		dst = append(dst, ']')
	}
	return append(dst, `,"resize_keyboard":true,"one_time_keyboard":true}`...)
}

// removeKeyboard is the JSON of tgbotapi.NewRemoveKeyboard(false).
const removeKeyboard = `{"remove_keyboard":true}`
