package telegramtest

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	errMessageNotFound = badRequest("message to edit not found")
	errNotModified     = badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	errQueryInvalid    = badRequest("query is too old and response timeout expired or query ID is invalid")
)

// callbackRecord remembers who sent a callback query until it is answered.
type callbackRecord struct {
	userID int64
}

func (s *Server) newCallbackID() string {
	return strconv.FormatInt(4_000_000_000_000_000+s.cbSeq.Add(1), 10)
}

// window counts events in a sliding time window. It is guarded by the lock
// of its owner.
type window struct {
	times []time.Time
}

func (w *window) count(now time.Time, period time.Duration) int {
	cut := now.Add(-period)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	if i > 0 {
		w.times = w.times[i:]
		if len(w.times) == 0 {
			w.times = nil
		}
	}
	return len(w.times)
}

func (w *window) add(t time.Time) { w.times = append(w.times, t) }

// allow applies the rate limits to one request to c and records it if it is
// allowed. c.mu must be held.
func (s *Server) allow(c *chat) *apiError {
	l := s.limits
	if l == nil {
		return nil
	}
	var (
		chatLimit int
		period    time.Duration
		bucket    bool
	)
	now := time.Now()
	if c.typ == "private" && l.PerChat > 0 && l.ChatBurst > 0 {
		// Token bucket (GCRA): ChatBurst at once, then PerChat a second.
		bucket = true
		t := time.Second / time.Duration(l.PerChat)
		tat := c.tat
		if tat.Before(now) {
			tat = now
		}
		if tat.Sub(now) > time.Duration(l.ChatBurst-1)*t {
			s.violations.Add(1)
			return errTooMany
		}
	} else if c.typ == "private" {
		if l.PerChat > 0 {
			chatLimit, period = l.PerChat+l.Burst, time.Second
		}
	} else if l.PerGroupPerMinute > 0 {
		chatLimit, period = l.PerGroupPerMinute, time.Minute
	}
	if chatLimit > 0 && c.win.count(now, period) >= chatLimit {
		s.violations.Add(1)
		return errTooMany
	}
	if l.Global > 0 {
		s.limMu.Lock()
		if s.global.count(now, time.Second) >= l.Global+l.Burst {
			s.limMu.Unlock()
			s.violations.Add(1)
			return errTooMany
		}
		s.global.add(now)
		s.limMu.Unlock()
	}
	if chatLimit > 0 {
		c.win.add(now)
	}
	if bucket {
		if c.tat.Before(now) {
			c.tat = now
		}
		c.tat = c.tat.Add(time.Second / time.Duration(l.PerChat))
	}
	return nil
}

// addMessage stores a new bot message. c.mu must be held.
func (s *Server) addMessage(c *chat, m *botMessage) {
	c.msgs = append(c.msgs, m)
	c.byID[m.id] = m
	if m.keyboard != nil {
		c.replyKB = m.keyboard
	} else if m.removeKB {
		c.replyKB = nil
	}
	s.sentMu.Lock()
	s.sent = append(s.sent, m)
	s.sentMu.Unlock()
}

// renderKey identifies what a text looks like to the user, for the
// "message is not modified" check.
func renderKey(text, parseMode string) string {
	switch {
	case parseMode == "":
		return "P:" + text
	case isHTML(parseMode):
		if plain, err := parseHTML(text); err == nil && plain == text {
			return "P:" + text
		}
		return "H:" + text
	default:
		return "M:" + strings.ToLower(parseMode) + ":" + text
	}
}

func (s *Server) sendMessage(p params) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	text, pm := p.get("text"), p.get("parse_mode")
	if e := checkText(text, pm); e != nil {
		return nil, e
	}
	mk, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	c.mu.Lock()
	if c.blocked {
		c.mu.Unlock()
		return nil, errBlocked
	}
	if e := s.allow(c); e != nil {
		c.mu.Unlock()
		return nil, e
	}
	m := &botMessage{chat: c, id: c.newMessageID(), date: now(), text: text, parseMode: pm,
		inline: mk.inline, inlineKey: mk.inlineKey, buttons: mk.buttons, keyboard: mk.keyboard, removeKB: mk.removeKB}
	s.addMessage(c, m)
	res := s.apiMessage(m)
	c.mu.Unlock()
	s.changed()
	return res, nil
}

func (s *Server) sendFile(p params, field string) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	caption, pm := p.get("caption"), p.get("parse_mode")
	if e := checkCaption(caption, pm); e != nil {
		return nil, e
	}
	mk, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	f := &File{Caption: caption}
	if fhs := p.files[field]; len(fhs) > 0 {
		fh := fhs[0]
		r, err := fh.Open()
		if err != nil {
			return nil, badRequest("can't read file: " + err.Error())
		}
		f.Data, err = io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, badRequest("can't read file: " + err.Error())
		}
		f.Name = fh.Filename
	} else if v := p.get(field); v != "" {
		f.Name = v
	} else {
		return nil, badRequest("there is no " + field + " in the request")
	}
	c.mu.Lock()
	if c.blocked {
		c.mu.Unlock()
		return nil, errBlocked
	}
	if e := s.allow(c); e != nil {
		c.mu.Unlock()
		return nil, e
	}
	m := &botMessage{chat: c, id: c.newMessageID(), date: now(), parseMode: pm,
		inline: mk.inline, inlineKey: mk.inlineKey, buttons: mk.buttons, keyboard: mk.keyboard, removeKB: mk.removeKB}
	if field == "photo" {
		m.photo = f
	} else {
		m.doc = f
	}
	s.addMessage(c, m)
	res := s.apiMessage(m)
	c.mu.Unlock()
	s.changed()
	return res, nil
}

func (s *Server) editMessageText(p params) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	id := atoiDefault(p.get("message_id"), 0)
	text, pm := p.get("text"), p.get("parse_mode")
	if e := checkText(text, pm); e != nil {
		return nil, e
	}
	mk, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	if mk.keyboard != nil || mk.removeKB {
		return nil, badRequest("inline keyboard expected")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocked {
		return nil, errBlocked
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return nil, errMessageNotFound
	}
	if m.doc != nil || m.photo != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	if renderKey(m.text, m.parseMode) == renderKey(text, pm) && m.inlineKey == mk.inlineKey {
		return nil, errNotModified
	}
	if e := s.allow(c); e != nil {
		return nil, e
	}
	m.text, m.parseMode = text, pm
	// Like Telegram, an edit without reply_markup removes the inline keyboard.
	m.inline, m.inlineKey, m.buttons = mk.inline, mk.inlineKey, mk.buttons
	m.edits++
	m.editDate = now()
	res := s.apiMessage(m)
	s.changed()
	return res, nil
}

func (s *Server) editMessageReplyMarkup(p params) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	id := atoiDefault(p.get("message_id"), 0)
	mk, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	if mk.keyboard != nil || mk.removeKB {
		return nil, badRequest("inline keyboard expected")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocked {
		return nil, errBlocked
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return nil, errMessageNotFound
	}
	if m.inlineKey == mk.inlineKey {
		return nil, errNotModified
	}
	m.inline, m.inlineKey, m.buttons = mk.inline, mk.inlineKey, mk.buttons
	m.edits++
	m.editDate = now()
	res := s.apiMessage(m)
	s.changed()
	return res, nil
}

func (s *Server) deleteMessage(p params) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	id := atoiDefault(p.get("message_id"), 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.byID[id]; m != nil {
		if m.deleted {
			return nil, badRequest("message to delete not found")
		}
		m.deleted = true
		s.changed()
		return true, nil
	}
	if id <= 0 || id >= c.nextMsgID {
		return nil, badRequest("message to delete not found")
	}
	// A message of the user: the bot may delete it; nothing to record.
	return true, nil
}

func (s *Server) sendChatAction(p params) (any, *apiError) {
	c, e := s.chatOf(p.get("chat_id"))
	if e != nil {
		return nil, e
	}
	c.mu.Lock()
	blocked := c.blocked
	c.mu.Unlock()
	if blocked {
		return nil, errBlocked
	}
	return true, nil
}

func (s *Server) answerCallbackQuery(p params) (any, *apiError) {
	text := p.get("text")
	if utf8.RuneCountInString(text) > maxAnswerLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	id := p.get("callback_query_id")
	v, ok := s.callbacks.LoadAndDelete(id)
	if !ok {
		return nil, errQueryInvalid
	}
	rec := v.(*callbackRecord)
	alert, _ := strconv.ParseBool(p.get("show_alert"))
	if c := s.lookupChat(rec.userID); c != nil {
		c.mu.Lock()
		c.answers = append(c.answers, Answer{CallbackID: id, Text: text, ShowAlert: alert})
		c.mu.Unlock()
	}
	s.changed()
	return true, nil
}
