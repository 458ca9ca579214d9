package bot

import (
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// ToEvent translates a Telegram update into a domain event. ok is false for
// updates kbbot ignores on purpose: channel posts, inline queries, updates
// of kinds it does not know, and membership changes outside private chats.
func ToEvent(u tgbotapi.Update, botUsername string) (kbbot.Event, bool) {
	ev := kbbot.Event{UpdateID: int64(u.UpdateID)}
	switch {
	case u.Message != nil:
		return messageEvent(ev, u.Message, botUsername)
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if m.Chat == nil || !m.Chat.IsPrivate() {
			return ev, false
		}
		ev.Kind, ev.ChatID = kbbot.EventEdited, kbbot.ChatID(m.Chat.ID)
		fillFrom(&ev, m.From)
		return ev, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if q.From == nil {
			return ev, false
		}
		ev.Kind = kbbot.EventCallback
		ev.CallbackID, ev.Data = q.ID, q.Data
		// The tapper is who the tap acts for: a button never acts for the
		// chat it was forwarded from or for anyone named in its data.
		ev.ChatID = kbbot.ChatID(q.From.ID)
		if q.Message != nil && q.Message.Chat != nil && q.Message.Chat.ID == q.From.ID {
			ev.MessageID = q.Message.MessageID
		}
		fillFrom(&ev, q.From)
		return ev, true
	case u.MyChatMember != nil:
		m := u.MyChatMember
		if !m.Chat.IsPrivate() {
			return ev, false
		}
		ev.ChatID = kbbot.ChatID(m.Chat.ID)
		fillFrom(&ev, &m.From)
		switch m.NewChatMember.Status {
		case "kicked", "left":
			ev.Kind = kbbot.EventBlocked
		case "member":
			ev.Kind = kbbot.EventUnblocked
		default:
			return ev, false
		}
		return ev, true
	}
	return ev, false
}

func fillFrom(ev *kbbot.Event, u *tgbotapi.User) {
	if u == nil {
		return
	}
	ev.UserID, ev.LanguageCode, ev.FirstName = u.ID, u.LanguageCode, u.FirstName
}

func messageEvent(ev kbbot.Event, m *tgbotapi.Message, botUsername string) (kbbot.Event, bool) {
	if m.Chat == nil {
		return ev, false
	}
	ev.ChatID = kbbot.ChatID(m.Chat.ID)
	fillFrom(&ev, m.From)
	switch {
	case m.Chat.IsChannel():
		return ev, false
	case !m.Chat.IsPrivate():
		// Groups: answer only what is addressed to us (commands, mentions).
		if m.IsCommand() || (botUsername != "" && strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(botUsername))) {
			ev.Kind = kbbot.EventGroup
			return ev, true
		}
		return ev, false
	case m.From != nil && m.From.IsBot:
		return ev, false
	}
	switch {
	case m.IsCommand():
		ev.Kind = kbbot.EventCommand
		ev.Command = strings.ToLower(commandName(m))
		ev.Args = strings.TrimSpace(m.CommandArguments())
	case m.Location != nil:
		ev.Kind, ev.Lat, ev.Lon = kbbot.EventLocation, m.Location.Latitude, m.Location.Longitude
	case m.Contact != nil:
		ev.Kind, ev.Phone = kbbot.EventContact, m.Contact.PhoneNumber
		ev.OwnPhone = m.From != nil && m.Contact.UserID == m.From.ID
	case m.Text != "":
		ev.Kind, ev.Text = kbbot.EventText, m.Text
	default:
		ev.Kind, ev.Media = kbbot.EventMedia, mediaKind(m)
		if n := len(m.Photo); n > 0 {
			ev.FileID, ev.Caption = m.Photo[n-1].FileID, m.Caption
		}
		if d := m.Document; d != nil {
			ev.FileID, ev.FileName, ev.FileSize, ev.Caption = d.FileID, d.FileName, int64(d.FileSize), m.Caption
		}
	}
	return ev, true
}

// commandName returns the command without "/" and without an "@bot" suffix,
// reading the entity by UTF-16 offsets as Telegram counts them.
func commandName(m *tgbotapi.Message) string {
	e := m.Entities[0]
	u := utf16.Encode([]rune(m.Text))
	if e.Offset+e.Length > len(u) || e.Length < 1 {
		return ""
	}
	cmd := string(utf16.Decode(u[e.Offset+1 : e.Offset+e.Length]))
	if i := strings.IndexByte(cmd, '@'); i >= 0 {
		cmd = cmd[:i]
	}
	return cmd
}

func mediaKind(m *tgbotapi.Message) string {
	switch {
	case m.Sticker != nil:
		return "sticker"
	case m.Photo != nil:
		return "photo"
	case m.Voice != nil, m.Audio != nil:
		return "voice"
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		return "video"
	case m.Document != nil:
		return "document"
	}
	return "other"
}
