package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
func (s *Sender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	chat := strconv.FormatInt(int64(r.ChatID), 10)
	switch r.Kind {
	case kbbot.ReplyAnswer:
		p := tgbotapi.Params{"callback_query_id": r.CallbackID}
		p.AddNonEmpty("text", truncate(r.Text, 200))
		p.AddBool("show_alert", r.Alert)
		_, err := s.c.Call(ctx, "answerCallbackQuery", p)
		return 0, err
	case kbbot.ReplyEdit:
		p := tgbotapi.Params{"chat_id": chat, "message_id": strconv.Itoa(r.EditID), "text": r.Text, "parse_mode": "HTML"}
		p.AddBool("disable_web_page_preview", true)
		if err := addInline(p, r.Buttons); err != nil {
			return 0, err
		}
		id, err := s.message(s.c.Call(ctx, "editMessageText", p))
		if err == nil || !editGone(err) {
			return id, err
		}
		r.Kind = kbbot.ReplySend
		return s.Send(ctx, r)
	case kbbot.ReplyPhoto:
		if r.FileID == "" {
			return s.upload(ctx, r, chat)
		}
		p := tgbotapi.Params{"chat_id": chat, "photo": r.FileID}
		if r.Text != "" {
			p["caption"], p["parse_mode"] = r.Text, "HTML"
		}
		if err := addInline(p, r.Buttons); err != nil {
			return 0, err
		}
		return s.message(s.c.Call(ctx, "sendPhoto", p))
	case kbbot.ReplyDocument:
		return s.upload(ctx, r, chat)
	default:
		p := tgbotapi.Params{"chat_id": chat, "text": r.Text, "parse_mode": "HTML"}
		p.AddBool("disable_web_page_preview", true)
		switch {
		case len(r.Buttons) > 0:
			if err := addInline(p, r.Buttons); err != nil {
				return 0, err
			}
		case len(r.Keyboard) > 0:
			if err := p.AddInterface("reply_markup", replyKeyboard(r.Keyboard)); err != nil {
				return 0, err
			}
		case r.RemoveKeyboard:
			if err := p.AddInterface("reply_markup", tgbotapi.NewRemoveKeyboard(false)); err != nil {
				return 0, err
			}
		}
		return s.message(s.c.Call(ctx, "sendMessage", p))
	}
}

// upload sends a document or photo with its bytes.
func (s *Sender) upload(ctx context.Context, r kbbot.Reply, chat string) (int, error) {
	method, field := "sendDocument", "document"
	if r.Kind == kbbot.ReplyPhoto {
		method, field = "sendPhoto", "photo"
	}
	p := tgbotapi.Params{"chat_id": chat}
	if r.Text != "" {
		p["caption"], p["parse_mode"] = r.Text, "HTML"
	}
	if err := addInline(p, r.Buttons); err != nil {
		return 0, err
	}
	return s.message(s.c.Upload(ctx, method, p, field, r.FileName, r.File))
}

func (s *Sender) message(raw json.RawMessage, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	// Only the id is needed: decoding the whole tgbotapi.Message costs more
	// than the rest of the reply's handling.
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		// Edits of inline messages return true; nothing to read.
		return 0, nil
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

func addInline(p tgbotapi.Params, rows [][]kbbot.Button) error {
	if len(rows) == 0 {
		return nil
	}
	kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]tgbotapi.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			if b.URL != "" {
				r = append(r, tgbotapi.NewInlineKeyboardButtonURL(b.Label, b.URL))
				continue
			}
			if len(b.Data) == 0 || len(b.Data) > 64 {
				return fmt.Errorf("button %q: callback data of %d bytes: %w", b.Label, len(b.Data), kbbot.ErrBadRequest)
			}
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Data))
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return p.AddInterface("reply_markup", kb)
}

func replyKeyboard(rows [][]kbbot.KeyButton) tgbotapi.ReplyKeyboardMarkup {
	kb := tgbotapi.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true}
	for _, row := range rows {
		var r []tgbotapi.KeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.KeyboardButton{Text: b.Label, RequestLocation: b.RequestLocation, RequestContact: b.RequestContact})
		}
		kb.Keyboard = append(kb.Keyboard, r)
	}
	return kb
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
