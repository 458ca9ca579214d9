package bot

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file decodes the JSON of Telegram's answers without reflection:
// getUpdates' batches into the wire types of updates.go, and the check
// that an answer whose result is read off its front (quickResult) is
// valid JSON as a whole. It takes what Telegram writes, and gives up
// (ok false) on anything else: a key in another case than the field's
// (which encoding/json matches), a value of another type, a number out
// of range, invalid JSON. The caller then decodes with encoding/json,
// whose result is the reference: wiredecode_test.go holds the two side by
// side, fuzzed.

// scan reads JSON from b.
type scan struct {
	b []byte
	i int
	// depth is how deeply skip is nested now.
	depth int
}

// ws skips white space.
func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (s *scan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only white space is left.
func (s *scan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// lit consumes the literal l (null, true, false).
func (s *scan) lit(l string) bool {
	if len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		return false
	}
	s.i += len(l)
	return true
}

// null consumes null if it comes next.
func (s *scan) null() bool {
	return s.peek() == 'n' && s.lit("null")
}

// object reads an object, calling field with each key (raw, unescaped
// only when it has no escapes) positioned at its value; field consumes
// the value and reports whether it could. An object with a key that has
// escapes or upper case letters (which encoding/json would match to a
// field of another spelling) is refused.
func (s *scan) object(field func(key []byte) bool) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		start := s.i + 1
		end := start
		for end < len(s.b) && s.b[end] != '"' {
			c := s.b[end]
			if c == '\\' || c < 0x20 || c >= 0x80 || 'A' <= c && c <= 'Z' {
				return false
			}
			end++
		}
		if end == len(s.b) {
			return false
		}
		s.i = end + 1
		if s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		if !field(s.b[start:end]) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// array reads an array, calling elem positioned at each element.
func (s *scan) array(elem func() bool) bool {
	if s.peek() != '[' {
		return false
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return true
	}
	for {
		s.ws()
		if !elem() {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// maxSkipDepth bounds how deeply skip nests, as encoding/json bounds its
// own: deeper input falls back to encoding/json, which refuses it.
const maxSkipDepth = 10000

// skip consumes any valid JSON value.
func (s *scan) skip() bool {
	if s.depth >= maxSkipDepth {
		return false
	}
	s.depth++
	defer func() { s.depth-- }()
	switch s.peek() {
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return true
		}
		for {
			if s.peek() != '"' || !s.skipString() {
				return false
			}
			if s.peek() != ':' {
				return false
			}
			s.i++
			if !s.skip() {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case '[':
		return s.array(s.skip)
	case '"':
		return s.skipString()
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		_, ok := s.number()
		return ok
	}
}

// skipString consumes a string, checking its escapes.
func (s *scan) skipString() bool {
	_, _, ok := s.stringSpan()
	return ok
}

// stringSpan consumes a string and returns its contents as written,
// and whether they need no unescaping: no escapes, valid UTF-8.
func (s *scan) stringSpan() (raw []byte, plain bool, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	plain = true
	ascii := true
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			raw = s.b[start:j]
			if plain && !ascii {
				plain = utf8.Valid(raw)
			}
			return raw, plain, true
		case c == '\\':
			plain = false
			j++
			if j == len(s.b) {
				return nil, false, false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					return nil, false, false
				}
				for _, h := range s.b[j+1 : j+5] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				j += 4
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string (null leaves *dst as it is, as encoding/json does).
func (s *scan) str(dst *string) bool {
	if s.null() {
		return true
	}
	if s.peek() != '"' {
		return false
	}
	raw, plain, ok := s.stringSpan()
	if !ok {
		return false
	}
	if plain {
		*dst = string(raw)
		return true
	}
	v, ok := unquote(raw)
	if ok {
		*dst = v
	}
	return ok
}

// unquote unescapes the contents of a string as encoding/json does:
// invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			i++
			switch raw[i] {
			case '"', '\\', '/':
				out = append(out, raw[i])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(raw[i+1 : i+5])
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
						r2 = hex4(raw[i+3 : i+7])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						out = utf8.AppendRune(out, dec)
						break
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			}
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, raw[i:i+n]...)
			}
			i += n
		}
	}
	return string(out), true
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// number consumes a number as JSON writes it and returns it as written.
func (s *scan) number() ([]byte, bool) {
	s.ws()
	start, j := s.i, s.i
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	switch {
	case j < len(s.b) && s.b[j] == '0':
		j++
	case j < len(s.b) && '1' <= s.b[j] && s.b[j] <= '9':
		for j < len(s.b) && '0' <= s.b[j] && s.b[j] <= '9' {
			j++
		}
	default:
		return nil, false
	}
	if j < len(s.b) && s.b[j] == '.' {
		j++
		d := j
		for j < len(s.b) && '0' <= s.b[j] && s.b[j] <= '9' {
			j++
		}
		if j == d {
			return nil, false
		}
	}
	if j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		j++
		if j < len(s.b) && (s.b[j] == '+' || s.b[j] == '-') {
			j++
		}
		d := j
		for j < len(s.b) && '0' <= s.b[j] && s.b[j] <= '9' {
			j++
		}
		if j == d {
			return nil, false
		}
	}
	s.i = j
	return s.b[start:j], true
}

// int64 reads an integer (null leaves *dst as it is).
func (s *scan) int64(dst *int64) bool {
	if s.null() {
		return true
	}
	num, ok := s.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return false
	}
	*dst = n
	return true
}

// int reads an integer into an int.
func (s *scan) int(dst *int) bool {
	n := int64(*dst)
	if !s.int64(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

// float reads a number into a float64.
func (s *scan) float(dst *float64) bool {
	if s.null() {
		return true
	}
	num, ok := s.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return false
	}
	*dst = f
	return true
}

// bool reads true or false.
func (s *scan) bool(dst *bool) bool {
	switch s.peek() {
	case 't':
		*dst = true
		return s.lit("true")
	case 'f':
		*dst = false
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return false
}

// present reads any value, recording whether it was there and not null.
func (s *scan) present(dst *present) bool {
	if s.null() {
		*dst = false
		return true
	}
	*dst = true
	return s.skip()
}

// ptr reads an object into *p, allocating it unless it is there already
// (a repeated key merges into it, as with encoding/json); null sets nil.
func ptr[T any](s *scan, p **T, read func(*scan, *T) bool) bool {
	if s.null() {
		*p = nil
		return true
	}
	if *p == nil {
		*p = new(T)
	}
	return read(s, *p)
}

// slice reads an array into *p (null sets nil), each element with read.
func slice[T any](s *scan, p *[]T, read func(*scan, *T) bool) bool {
	if s.null() {
		*p = nil
		return true
	}
	if *p != nil {
		// A repeated key: encoding/json decodes into the elements there.
		return false
	}
	out := []T{}
	ok := s.array(func() bool {
		var v T
		if !read(s, &v) {
			return false
		}
		out = append(out, v)
		return true
	})
	*p = out
	return ok
}

func readUpdate(s *scan, u *wireUpdate) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "update_id":
			return s.int(&u.UpdateID)
		case "message":
			return ptr(s, &u.Message, readMessage)
		case "edited_message":
			return ptr(s, &u.EditedMessage, readMessage)
		case "callback_query":
			return ptr(s, &u.CallbackQuery, readCallback)
		case "my_chat_member":
			return ptr(s, &u.MyChatMember, readMember)
		}
		return s.skip()
	})
}

func readUser(s *scan, u *wireUser) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return s.int64(&u.ID)
		case "is_bot":
			return s.bool(&u.IsBot)
		case "first_name":
			return s.str(&u.FirstName)
		case "language_code":
			return s.str(&u.LanguageCode)
		}
		return s.skip()
	})
}

func readChat(s *scan, c *wireChat) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return s.int64(&c.ID)
		case "type":
			return s.str(&c.Type)
		}
		return s.skip()
	})
}

func readEntity(s *scan, e *wireEntity) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "type":
			return s.str(&e.Type)
		case "offset":
			return s.int(&e.Offset)
		case "length":
			return s.int(&e.Length)
		}
		return s.skip()
	})
}

func readLocation(s *scan, l *wireLocation) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "longitude":
			return s.float(&l.Longitude)
		case "latitude":
			return s.float(&l.Latitude)
		}
		return s.skip()
	})
}

func readContact(s *scan, c *wireContact) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "phone_number":
			return s.str(&c.PhoneNumber)
		case "user_id":
			return s.int64(&c.UserID)
		}
		return s.skip()
	})
}

func readFile(s *scan, f *wireFile) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "file_id":
			return s.str(&f.FileID)
		case "file_name":
			return s.str(&f.FileName)
		case "file_size":
			return s.int(&f.FileSize)
		}
		return s.skip()
	})
}

func readMessage(s *scan, m *wireMessage) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "message_id":
			return s.int(&m.MessageID)
		case "from":
			return ptr(s, &m.From, readUser)
		case "chat":
			return ptr(s, &m.Chat, readChat)
		case "text":
			return s.str(&m.Text)
		case "entities":
			return slice(s, &m.Entities, readEntity)
		case "caption":
			return s.str(&m.Caption)
		case "location":
			return ptr(s, &m.Location, readLocation)
		case "contact":
			return ptr(s, &m.Contact, readContact)
		case "photo":
			return slice(s, &m.Photo, readFile)
		case "document":
			return ptr(s, &m.Document, readFile)
		case "sticker":
			return s.present(&m.Sticker)
		case "voice":
			return s.present(&m.Voice)
		case "audio":
			return s.present(&m.Audio)
		case "video":
			return s.present(&m.Video)
		case "video_note":
			return s.present(&m.VideoNote)
		case "animation":
			return s.present(&m.Animation)
		}
		return s.skip()
	})
}

func readMessageRef(s *scan, m *wireMessageRef) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "message_id":
			return s.int(&m.MessageID)
		case "chat":
			return ptr(s, &m.Chat, readChat)
		}
		return s.skip()
	})
}

func readCallback(s *scan, q *wireCallbackQuery) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return s.str(&q.ID)
		case "from":
			return ptr(s, &q.From, readUser)
		case "message":
			return ptr(s, &q.Message, readMessageRef)
		case "data":
			return s.str(&q.Data)
		}
		return s.skip()
	})
}

func readMember(s *scan, m *wireMemberUpdate) bool {
	return s.object(func(k []byte) bool {
		switch string(k) {
		case "chat":
			if s.null() {
				return true
			}
			return readChat(s, &m.Chat)
		case "from":
			if s.null() {
				return true
			}
			return readUser(s, &m.From)
		case "new_chat_member":
			if s.null() {
				return true
			}
			return s.object(func(k []byte) bool {
				if string(k) == "status" {
					return s.str(&m.NewChatMember.Status)
				}
				return s.skip()
			})
		}
		return s.skip()
	})
}

// wireUpdates is getUpdates' result.
type wireUpdates []wireUpdate

func (u *wireUpdates) quick(result []byte) (int, bool) {
	s := scan{b: result}
	var out []wireUpdate
	if s.null() {
		*u = nil
		return s.i, true
	}
	if !slice(&s, &out, readUpdate) {
		return 0, false
	}
	*u = out
	return s.i, true
}
