package redisstore

import (
	"encoding/json"
	"github.com/kbbot/kbbot/internal/jsonenc"
	"strconv"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
)

// Inbox entries hold a kbbot.Event as encoding/json writes it. An update
// from Telegram is written (appendEvent) and read (decodeEvent) by hand,
// without reflection, in that same form: appendEvent writes the bytes
// json.Marshal would, and decodeEvent reads what it knows for certain and
// leaves anything else (escaped strings, locations, reminders, keys in
// another order or case, entries of older or newer versions) to
// json.Unmarshal, so every entry reads as it always did.

// appendEvent appends ev as json.Marshal encodes it.
func appendEvent(dst []byte, ev *kbbot.Event) ([]byte, error) {
	if ev.Lat != 0 || ev.Lon != 0 || ev.Reminder != nil {
		// Floats and the nested reminder: rare, left to encoding/json.
		b, err := json.Marshal(ev)
		return append(dst, b...), err
	}
	dst = append(dst, `{"Kind":`...)
	dst = appendJSONString(dst, string(ev.Kind))
	dst = append(dst, `,"ChatID":`...)
	dst = strconv.AppendInt(dst, int64(ev.ChatID), 10)
	dst = append(dst, `,"UserID":`...)
	dst = strconv.AppendInt(dst, ev.UserID, 10)
	dst = append(dst, `,"UpdateID":`...)
	dst = strconv.AppendInt(dst, ev.UpdateID, 10)
	dst = appendField(dst, "Key", ev.Key)
	dst = appendField(dst, "LanguageCode", ev.LanguageCode)
	dst = appendField(dst, "FirstName", ev.FirstName)
	dst = appendField(dst, "Text", ev.Text)
	dst = appendField(dst, "Command", ev.Command)
	dst = appendField(dst, "Args", ev.Args)
	dst = appendField(dst, "CallbackID", ev.CallbackID)
	dst = appendField(dst, "Data", ev.Data)
	dst = append(dst, `,"MessageID":`...)
	dst = strconv.AppendInt(dst, int64(ev.MessageID), 10)
	dst = append(dst, `,"Lat":0,"Lon":0`...)
	dst = appendField(dst, "Phone", ev.Phone)
	dst = append(dst, `,"OwnPhone":`...)
	dst = strconv.AppendBool(dst, ev.OwnPhone)
	dst = appendField(dst, "Media", ev.Media)
	dst = appendField(dst, "FileID", ev.FileID)
	if ev.FileName != "" {
		dst = appendField(dst, "FileName", ev.FileName)
	}
	if ev.FileSize != 0 {
		dst = append(dst, `,"FileSize":`...)
		dst = strconv.AppendInt(dst, ev.FileSize, 10)
	}
	dst = appendField(dst, "Caption", ev.Caption)
	return append(dst, `,"Reminder":null}`...), nil
}

// appendField appends `,"name":` and s as a JSON string.
func appendField(dst []byte, name, s string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, s)
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }

// decodeEvent reads body, an event as encoding/json encodes it, into ev,
// as json.Unmarshal would.
func decodeEvent(body string, ev *kbbot.Event) error {
	if fastEvent(body, ev) {
		return nil
	}
	*ev = kbbot.Event{}
	return json.Unmarshal([]byte(body), ev)
}

// fastEvent reads body into ev when it is an object of Event's fields,
// each named exactly, whose strings hold no escapes and valid UTF-8 and
// whose numbers are integers: false for anything else (ev then holds
// rubbish).
func fastEvent(body string, ev *kbbot.Event) bool {
	*ev = kbbot.Event{}
	p := eventParser{s: body}
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return p.i == len(p.s)
	}
	for {
		name, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		if !p.field(name, ev) {
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.i == len(p.s)
	}
}

// eventParser reads the JSON of an event from s at i.
type eventParser struct {
	s string
	i int
}

// byte consumes c if it comes next.
func (p *eventParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters, of valid
// UTF-8.
func (p *eventParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, utf8.ValidString(s)
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// int reads an integer as encoding/json writes one.
func (p *eventParser) int() (int64, bool) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i-digits > 1 && p.s[digits] == '0' {
		return 0, false // not JSON
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	return n, err == nil
}

// lit consumes the literal w if it comes next.
func (p *eventParser) lit(w string) bool {
	if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
		p.i += len(w)
		return true
	}
	return false
}

// field reads the value of the field name into ev; false for a field it
// does not read (then json.Unmarshal does).
func (p *eventParser) field(name string, ev *kbbot.Event) bool {
	var s *string
	var n *int64
	switch name {
	case "Kind":
		v, ok := p.str()
		ev.Kind = kbbot.EventKind(v)
		return ok
	case "ChatID":
		v, ok := p.int()
		ev.ChatID = kbbot.ChatID(v)
		return ok
	case "UserID":
		n = &ev.UserID
	case "UpdateID":
		n = &ev.UpdateID
	case "FileSize":
		n = &ev.FileSize
	case "MessageID":
		v, ok := p.int()
		ev.MessageID = int(v)
		return ok && int64(ev.MessageID) == v
	case "Lat", "Lon":
		// Only a zero: any other number is left to encoding/json.
		return p.lit("0") && (p.i == len(p.s) || p.s[p.i] == ',' || p.s[p.i] == '}')
	case "OwnPhone":
		switch {
		case p.lit("true"):
			ev.OwnPhone = true
		case p.lit("false"):
			ev.OwnPhone = false
		default:
			return false
		}
		return true
	case "Reminder":
		return p.lit("null")
	case "Key":
		s = &ev.Key
	case "LanguageCode":
		s = &ev.LanguageCode
	case "FirstName":
		s = &ev.FirstName
	case "Text":
		s = &ev.Text
	case "Command":
		s = &ev.Command
	case "Args":
		s = &ev.Args
	case "CallbackID":
		s = &ev.CallbackID
	case "Data":
		s = &ev.Data
	case "Phone":
		s = &ev.Phone
	case "Media":
		s = &ev.Media
	case "FileID":
		s = &ev.FileID
	case "FileName":
		s = &ev.FileName
	case "Caption":
		s = &ev.Caption
	default:
		return false
	}
	if n != nil {
		v, ok := p.int()
		*n = v
		return ok
	}
	v, ok := p.str()
	*s = v
	return ok
}
