package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const (
	maxTextLen     = 4096
	maxCaptionLen  = 1024
	maxAnswerLen   = 200
	maxCallbackLen = 64
)

func isHTML(parseMode string) bool { return strings.EqualFold(parseMode, "HTML") }

func checkParseMode(parseMode string) *apiError {
	switch strings.ToLower(parseMode) {
	case "", "html", "markdown", "markdownv2":
		return nil
	}
	return badRequest("unsupported parse_mode")
}

// supportedTags are the tags Telegram accepts with parse_mode=HTML.
var supportedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"blockquote": true, "tg-spoiler": true, "span": true, "tg-emoji": true,
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// parseHTML checks text the way Telegram parses parse_mode=HTML and returns
// the displayed text: tags removed, entities decoded.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	out.Grow(len(s))
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			start := i
			j := i + 1
			closing := j < len(s) && s[j] == '/'
			if closing {
				j++
			}
			k := j
			for k < len(s) && isNameByte(s[k]) {
				k++
			}
			name := strings.ToLower(s[j:k])
			if name == "" {
				return "", fmt.Errorf("unexpected character '<' at byte offset %d; escape it as &lt;", start)
			}
			// Find the closing '>' outside quotes.
			end := -1
			var quote byte
			for m := k; m < len(s); m++ {
				c := s[m]
				if quote != 0 {
					if c == quote {
						quote = 0
					}
					continue
				}
				if c == '"' || c == '\'' {
					quote = c
					continue
				}
				if c == '<' {
					break
				}
				if c == '>' {
					end = m
					break
				}
			}
			if end < 0 {
				return "", fmt.Errorf("unclosed start tag at byte offset %d", start)
			}
			if closing {
				if strings.TrimSpace(s[k:end]) != "" {
					return "", fmt.Errorf("unexpected end tag content at byte offset %d", start)
				}
				if len(stack) == 0 {
					return "", fmt.Errorf("unexpected end tag at byte offset %d", start)
				}
				if top := stack[len(stack)-1]; top != name {
					return "", fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", start, top, name)
				}
				stack = stack[:len(stack)-1]
			} else {
				if !supportedTags[name] {
					return "", fmt.Errorf("unsupported start tag \"%s\" at byte offset %d", name, start)
				}
				attrs, err := parseAttrs(s[k:end])
				if err != nil {
					return "", fmt.Errorf("%v in the tag \"%s\" at byte offset %d", err, name, start)
				}
				if name == "span" && attrs["class"] != "tg-spoiler" {
					return "", fmt.Errorf("tag \"span\" must have class \"tg-spoiler\" at byte offset %d", start)
				}
				stack = append(stack, name)
			}
			i = end + 1
		case '&':
			r, n, ok := decodeEntity(s[i:])
			if !ok {
				return "", fmt.Errorf("character '&' at byte offset %d is not part of an entity; escape it as &amp;", i)
			}
			out.WriteRune(r)
			i += n
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1])
	}
	return out.String(), nil
}

// parseAttrs parses the attributes of a start tag.
func parseAttrs(s string) (map[string]string, error) {
	attrs := map[string]string{}
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			return attrs, nil
		}
		j := i
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == i {
			return nil, fmt.Errorf("empty attribute name")
		}
		name := strings.ToLower(s[i:j])
		i = j
		if i < len(s) && s[i] == '=' {
			i++
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				q := s[i]
				e := strings.IndexByte(s[i+1:], q)
				if e < 0 {
					return nil, fmt.Errorf("unclosed attribute value")
				}
				attrs[name] = s[i+1 : i+1+e]
				i += e + 2
			} else {
				j := i
				for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' {
					j++
				}
				attrs[name] = s[i:j]
				i = j
			}
		} else {
			attrs[name] = ""
		}
	}
}

// decodeEntity decodes the HTML entity at the start of s.
func decodeEntity(s string) (rune, int, bool) {
	semi := strings.IndexByte(s, ';')
	if semi < 2 || semi > 12 {
		return 0, 0, false
	}
	name := s[1:semi]
	switch name {
	case "lt":
		return '<', semi + 1, true
	case "gt":
		return '>', semi + 1, true
	case "amp":
		return '&', semi + 1, true
	case "quot":
		return '"', semi + 1, true
	}
	if name[0] != '#' {
		return 0, 0, false
	}
	var (
		n   uint64
		err error
	)
	if len(name) > 1 && (name[1] == 'x' || name[1] == 'X') {
		n, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, 0, false
	}
	return rune(n), semi + 1, true
}

// checkText validates a message text like Telegram does.
func checkText(text, parseMode string) *apiError {
	if e := checkParseMode(parseMode); e != nil {
		return e
	}
	plain := text
	if isHTML(parseMode) {
		var err error
		if plain, err = parseHTML(text); err != nil {
			return badRequest("can't parse entities: " + err.Error())
		}
	}
	if strings.TrimSpace(plain) == "" {
		return badRequest("message text is empty")
	}
	if utf8.RuneCountInString(plain) > maxTextLen {
		return badRequest("message is too long")
	}
	return nil
}

// checkCaption validates a media caption.
func checkCaption(caption, parseMode string) *apiError {
	if e := checkParseMode(parseMode); e != nil {
		return e
	}
	plain := caption
	if isHTML(parseMode) {
		var err error
		if plain, err = parseHTML(caption); err != nil {
			return badRequest("can't parse entities: " + err.Error())
		}
	}
	if utf8.RuneCountInString(plain) > maxCaptionLen {
		return badRequest("message caption is too long")
	}
	return nil
}

// markup is a parsed reply_markup.
type markup struct {
	inline    *tgbotapi.InlineKeyboardMarkup // nil if none or empty
	inlineKey string
	buttons   [][]Button
	keyboard  [][]Button
	removeKB  bool
	isInline  bool // the markup was an inline keyboard (possibly empty)
}

type rawInlineButton struct {
	Text                         string             `json:"text"`
	URL                          *string            `json:"url"`
	CallbackData                 *string            `json:"callback_data"`
	LoginURL                     *tgbotapi.LoginURL `json:"login_url"`
	SwitchInlineQuery            *string            `json:"switch_inline_query"`
	SwitchInlineQueryCurrentChat *string            `json:"switch_inline_query_current_chat"`
	CallbackGame                 json.RawMessage    `json:"callback_game"`
	Pay                          bool               `json:"pay"`
	WebApp                       json.RawMessage    `json:"web_app"`
}

type rawMarkup struct {
	InlineKeyboard *[][]rawInlineButton `json:"inline_keyboard"`
	Keyboard       *[][]json.RawMessage `json:"keyboard"`
	RemoveKeyboard bool                 `json:"remove_keyboard"`
	ForceReply     bool                 `json:"force_reply"`
}

// parseMarkup parses and validates a reply_markup parameter.
func parseMarkup(v string) (markup, *apiError) {
	var mk markup
	if strings.TrimSpace(v) == "" {
		return mk, nil
	}
	var raw rawMarkup
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return mk, badRequest("can't parse reply keyboard markup JSON object")
	}
	switch {
	case raw.InlineKeyboard != nil:
		mk.isInline = true
		var kb tgbotapi.InlineKeyboardMarkup
		for _, row := range *raw.InlineKeyboard {
			var apiRow []tgbotapi.InlineKeyboardButton
			var btnRow []Button
			for _, b := range row {
				if b.Text == "" {
					return mk, badRequest("BUTTON_TEXT_INVALID")
				}
				ab := tgbotapi.InlineKeyboardButton{Text: b.Text, URL: b.URL, LoginURL: b.LoginURL,
					SwitchInlineQuery: b.SwitchInlineQuery, SwitchInlineQueryCurrentChat: b.SwitchInlineQueryCurrentChat, Pay: b.Pay}
				btn := Button{Text: b.Text}
				switch {
				case b.CallbackData != nil:
					if n := len(*b.CallbackData); n == 0 || n > maxCallbackLen {
						return mk, badRequest("BUTTON_DATA_INVALID")
					}
					ab.CallbackData = b.CallbackData
					btn.Data = *b.CallbackData
				case b.URL != nil:
					if *b.URL == "" {
						return mk, badRequest("BUTTON_URL_INVALID")
					}
					btn.URL = *b.URL
				case b.LoginURL != nil, b.SwitchInlineQuery != nil, b.SwitchInlineQueryCurrentChat != nil,
					b.CallbackGame != nil, b.Pay, b.WebApp != nil:
				default:
					return mk, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
				}
				apiRow = append(apiRow, ab)
				btnRow = append(btnRow, btn)
			}
			if len(apiRow) > 0 {
				kb.InlineKeyboard = append(kb.InlineKeyboard, apiRow)
				mk.buttons = append(mk.buttons, btnRow)
			}
		}
		if len(kb.InlineKeyboard) > 0 {
			mk.inline = &kb
			key, _ := json.Marshal(kb)
			mk.inlineKey = string(key)
		}
	case raw.Keyboard != nil:
		for _, row := range *raw.Keyboard {
			var btnRow []Button
			for _, rb := range row {
				var text string
				if json.Unmarshal(rb, &text) == nil {
					btnRow = append(btnRow, Button{Text: text})
					continue
				}
				var kb tgbotapi.KeyboardButton
				if err := json.Unmarshal(rb, &kb); err != nil {
					return mk, badRequest("can't parse keyboard button")
				}
				btnRow = append(btnRow, Button{Text: kb.Text, RequestLocation: kb.RequestLocation, RequestContact: kb.RequestContact})
			}
			for _, b := range btnRow {
				if b.Text == "" {
					return mk, badRequest("can't parse keyboard button: Text must be non-empty")
				}
			}
			if len(btnRow) > 0 {
				mk.keyboard = append(mk.keyboard, btnRow)
			}
		}
		if mk.keyboard == nil {
			mk.keyboard = [][]Button{}
		}
	case raw.RemoveKeyboard:
		mk.removeKB = true
	case raw.ForceReply:
	}
	return mk, nil
}
