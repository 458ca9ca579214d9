package bot

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// Sender turns replies into Bot API calls. It implements kbbot.Sender.
type Sender struct {
	c *Client
}

// NewSender returns a Sender calling Telegram through c.
func NewSender(c *Client) *Sender { return &Sender{c: c} }

var _ kbbot.Sender = (*Sender)(nil)

// Send delivers r and returns the id of the message sent or edited.
// An edit of a message that is gone is sent as a new message.
//
// Each request is written once, straight into its body, as the library's
// Params would give it (wire.go); of Telegram's answer only the message's
// id is decoded.
func (s *Sender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	if s.c.lean != nil {
		// The lean client copies the body before it returns: the
		// buffers serve the next call (net/http may read a body after
		// the call returned).
		bufs := scratchBufs.Get().(*scratch)
		defer bufs.put()
		return s.send(ctx, r, bufs)
	}
	return s.send(ctx, r, &scratch{})
}

// scratch holds the buffers a request is written in.
type scratch struct {
	form, markup []byte
}

var scratchBufs = sync.Pool{New: func() any { return new(scratch) }}

func (b *scratch) put() {
	if cap(b.form) <= 64<<10 && cap(b.markup) <= 64<<10 {
		b.form, b.markup = b.form[:0], b.markup[:0]
		scratchBufs.Put(b)
	}
}

// newForm returns a form written in b's buffer of at least n bytes.
func (b *scratch) newForm(n int) form {
	if cap(b.form) < n {
		b.form = make([]byte, 0, n)
	}
	return form{b: b.form[:0]}
}

// inlineMarkup returns the JSON of the inline keyboard of rows, nil for
// none, written in b's buffer.
func (b *scratch) inlineMarkup(rows [][]kbbot.Button) ([]byte, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	if n := markupSize(rows); cap(b.markup) < n {
		b.markup = make([]byte, 0, n)
	}
	m, err := appendInlineKeyboard(b.markup[:0], rows)
	b.markup = m[:0]
	return m, err
}

func (s *Sender) send(ctx context.Context, r kbbot.Reply, bufs *scratch) (int, error) {
	switch r.Kind {
	case kbbot.ReplyAnswer:
		f := bufs.newForm(64 + len(r.CallbackID) + 3*len(r.Text))
		defer func() { bufs.form = f.b[:0] }()
		f.add("callback_query_id", r.CallbackID)
		if r.Alert {
			f.add("show_alert", "true")
		}
		if text := truncate(r.Text, 200); text != "" {
			f.add("text", text)
		}
		_, err := postForm[skipResult](ctx, s.c, "answerCallbackQuery", f.b)
		return 0, err
	case kbbot.ReplyEdit:
		markup, err := bufs.inlineMarkup(r.Buttons)
		if err != nil {
			return 0, err
		}
		f := bufs.newForm(128 + 2*len(r.Text) + 3*len(markup))
		defer func() { bufs.form = f.b[:0] }()
		f.addInt("chat_id", int64(r.ChatID))
		f.add("disable_web_page_preview", "true")
		f.addInt("message_id", int64(r.EditID))
		f.add("parse_mode", "HTML")
		if markup != nil {
			f.addJSON("reply_markup", markup)
		}
		f.add("text", r.Text)
		id, err := s.message(postForm[sentMessage](ctx, s.c, "editMessageText", f.b))
		if err == nil || !editGone(err) {
			return id, err
		}
		r.Kind = kbbot.ReplySend
		return s.send(ctx, r, &scratch{})
	case kbbot.ReplyPhoto:
		if r.FileID == "" {
			return s.upload(ctx, r)
		}
		markup, err := inlineMarkup(r.Buttons)
		if err != nil {
			return 0, err
		}
		f := form{b: make([]byte, 0, 128+2*len(r.Text)+3*len(markup)+len(r.FileID))}
		if r.Text != "" {
			f.add("caption", r.Text)
		}
		f.addInt("chat_id", int64(r.ChatID))
		if r.Text != "" {
			f.add("parse_mode", "HTML")
		}
		f.add("photo", r.FileID)
		if markup != nil {
			f.addJSON("reply_markup", markup)
		}
		return s.message(postForm[sentMessage](ctx, s.c, "sendPhoto", f.b))
	case kbbot.ReplyDocument:
		return s.upload(ctx, r)
	default:
		var markup []byte
		switch {
		case len(r.Buttons) > 0:
			var err error
			if markup, err = bufs.inlineMarkup(r.Buttons); err != nil {
				return 0, err
			}
		case len(r.Keyboard) > 0:
			markup = appendReplyKeyboard(nil, r.Keyboard)
		case r.RemoveKeyboard:
			markup = []byte(removeKeyboard)
		}
		f := bufs.newForm(128 + 2*len(r.Text) + 3*len(markup))
		defer func() { bufs.form = f.b[:0] }()
		f.addInt("chat_id", int64(r.ChatID))
		f.add("disable_web_page_preview", "true")
		f.add("parse_mode", "HTML")
		if markup != nil {
			f.addJSON("reply_markup", markup)
		}
		f.add("text", r.Text)
		return s.message(postForm[sentMessage](ctx, s.c, "sendMessage", f.b))
	}
}

// sentMessage is the part of a sent or edited message Send reads.
type sentMessage struct {
	MessageID int `json:"message_id"`
}

// messageIDPrefix begins every message Telegram returns.
const messageIDPrefix = `{"message_id":`

func (m *sentMessage) quick(result []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(result, []byte(messageIDPrefix))
	if !ok {
		return 0, false
	}
	n := 0
	for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
		n++
	}
	if n == 0 || n > 10 || n == len(rest) || (rest[n] != ',' && rest[n] != '}') {
		return 0, false
	}
	id, err := strconv.Atoi(string(rest[:n]))
	if err != nil {
		return 0, false
	}
	// The rest of the message is not read, only checked.
	s := scan{b: result}
	if !s.skip() {
		return 0, false
	}
	m.MessageID = id
	return s.i, true
}

// upload sends a document or photo with its bytes.
func (s *Sender) upload(ctx context.Context, r kbbot.Reply) (int, error) {
	method, field := "sendDocument", "document"
	if r.Kind == kbbot.ReplyPhoto {
		method, field = "sendPhoto", "photo"
	}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(int64(r.ChatID), 10)}
	if r.Text != "" {
		p["caption"], p["parse_mode"] = r.Text, "HTML"
	}
	markup, err := inlineMarkup(r.Buttons)
	if err != nil {
		return 0, err
	}
	if markup != nil {
		p["reply_markup"] = string(markup)
	}
	return s.message(upload[sentMessage](ctx, s.c, method, p, field, r.FileName, r.File))
}

// message returns the id of a message sent or edited. A result that is
// not a message (the edit of an inline message returns true) gives 0.
func (s *Sender) message(m sentMessage, err error) (int, error) {
	if err != nil {
		if _, ok := err.(*resultError); ok {
			return 0, nil
		}
		return 0, err
	}
	return m.MessageID, nil
}

// editGone reports whether an edit failed because its message cannot be
// edited any more (deleted, too old); a new message then takes its place.
func editGone(err error) bool {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return false
	}
	msg := strings.ToLower(te.Message)
	return strings.Contains(msg, "message to edit not found") || strings.Contains(msg, "message can't be edited")
}

// inlineMarkup returns the JSON of the inline keyboard of rows, nil for
// none.
func inlineMarkup(rows [][]kbbot.Button) ([]byte, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	return appendInlineKeyboard(make([]byte, 0, markupSize(rows)), rows)
}

// markupSize is about the length of rows' inline keyboard JSON.
func markupSize(rows [][]kbbot.Button) int {
	n := 24
	for _, row := range rows {
		for _, b := range row {
			n += 40 + len(b.Label) + len(b.Data) + len(b.URL)
		}
	}
	return n
}

// truncate cuts s to n runes, the last one an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
