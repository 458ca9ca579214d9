package bot

import (
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// The poller and the webhook decode updates into the types below rather
// than tgbotapi.Update: they hold only what ToEvent reads, so decoding
// skips the rest of Telegram's large objects instead of filling them.
// Field names and types are the library's, so a field decodes exactly as
// it did into tgbotapi's types; updates_test.go checks that both give the
// same events for every kind of update.

// wireUpdate is the part of an Update kbbot reads.
type wireUpdate struct {
	UpdateID      int                `json:"update_id"`
	Message       *wireMessage       `json:"message"`
	EditedMessage *wireMessage       `json:"edited_message"`
	CallbackQuery *wireCallbackQuery `json:"callback_query"`
	MyChatMember  *wireMemberUpdate  `json:"my_chat_member"`
}

type wireUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LanguageCode string `json:"language_code"`
}

type wireChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type wireEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type wireLocation struct {
	Longitude float64 `json:"longitude"`
	Latitude  float64 `json:"latitude"`
}

type wireContact struct {
	PhoneNumber string `json:"phone_number"`
	UserID      int64  `json:"user_id"`
}

type wireFile struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	FileSize int    `json:"file_size"`
}

// present records whether a field was there and not null, skipping its
// value: for media whose content kbbot does not read.
type present bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *present) UnmarshalJSON(b []byte) error {
	*p = string(b) != "null"
	return nil
}

type wireMessage struct {
	MessageID int           `json:"message_id"`
	From      *wireUser     `json:"from"`
	Chat      *wireChat     `json:"chat"`
	Text      string        `json:"text"`
	Entities  []wireEntity  `json:"entities"`
	Caption   string        `json:"caption"`
	Location  *wireLocation `json:"location"`
	Contact   *wireContact  `json:"contact"`
	Photo     []wireFile    `json:"photo"`
	Document  *wireFile     `json:"document"`
	Sticker   present       `json:"sticker"`
	Voice     present       `json:"voice"`
	Audio     present       `json:"audio"`
	Video     present       `json:"video"`
	VideoNote present       `json:"video_note"`
	Animation present       `json:"animation"`
}

type wireCallbackQuery struct {
	ID      string          `json:"id"`
	From    *wireUser       `json:"from"`
	Message *wireMessageRef `json:"message"`
	Data    string          `json:"data"`
}

// wireMessageRef is the part of the message of a button a callback reads:
// which message it is, not what it says.
type wireMessageRef struct {
	MessageID int       `json:"message_id"`
	Chat      *wireChat `json:"chat"`
}

type wireMemberUpdate struct {
	Chat          wireChat `json:"chat"`
	From          wireUser `json:"from"`
	NewChatMember struct {
		Status string `json:"status"`
	} `json:"new_chat_member"`
}

// ToEvent translates a Telegram update into a domain event. ok is false for
// updates kbbot ignores on purpose: channel posts, inline queries, updates
// of kinds it does not know, and membership changes outside private chats.
func ToEvent(u tgbotapi.Update, botUsername string) (kbbot.Event, bool) {
	w := wireUpdate{
		UpdateID:      u.UpdateID,
		Message:       fromMessage(u.Message),
		EditedMessage: fromMessage(u.EditedMessage),
	}
	if q := u.CallbackQuery; q != nil {
		w.CallbackQuery = &wireCallbackQuery{ID: q.ID, From: fromUser(q.From), Data: q.Data}
		if m := q.Message; m != nil {
			w.CallbackQuery.Message = &wireMessageRef{MessageID: m.MessageID}
			if m.Chat != nil {
				w.CallbackQuery.Message.Chat = &wireChat{ID: m.Chat.ID, Type: m.Chat.Type}
			}
		}
	}
	if m := u.MyChatMember; m != nil {
		w.MyChatMember = &wireMemberUpdate{Chat: wireChat{ID: m.Chat.ID, Type: m.Chat.Type}, From: *fromUser(&m.From)}
		w.MyChatMember.NewChatMember.Status = m.NewChatMember.Status
	}
	return w.event(botUsername)
}

func fromUser(u *tgbotapi.User) *wireUser {
	if u == nil {
		return nil
	}
	return &wireUser{ID: u.ID, IsBot: u.IsBot, FirstName: u.FirstName, LanguageCode: u.LanguageCode}
}

func fromMessage(m *tgbotapi.Message) *wireMessage {
	if m == nil {
		return nil
	}
	w := &wireMessage{
		MessageID: m.MessageID, From: fromUser(m.From), Text: m.Text, Caption: m.Caption,
		Sticker: m.Sticker != nil, Voice: m.Voice != nil, Audio: m.Audio != nil,
		Video: m.Video != nil, VideoNote: m.VideoNote != nil, Animation: m.Animation != nil,
	}
	if m.Chat != nil {
		w.Chat = &wireChat{ID: m.Chat.ID, Type: m.Chat.Type}
	}
	if m.Entities != nil {
		w.Entities = make([]wireEntity, len(m.Entities))
		for i, e := range m.Entities {
			w.Entities[i] = wireEntity{Type: e.Type, Offset: e.Offset, Length: e.Length}
		}
	}
	if l := m.Location; l != nil {
		w.Location = &wireLocation{Longitude: l.Longitude, Latitude: l.Latitude}
	}
	if c := m.Contact; c != nil {
		w.Contact = &wireContact{PhoneNumber: c.PhoneNumber, UserID: c.UserID}
	}
	if m.Photo != nil {
		w.Photo = make([]wireFile, len(m.Photo))
		for i, p := range m.Photo {
			w.Photo[i] = wireFile{FileID: p.FileID, FileSize: p.FileSize}
		}
	}
	if d := m.Document; d != nil {
		w.Document = &wireFile{FileID: d.FileID, FileName: d.FileName, FileSize: d.FileSize}
	}
	return w
}

// event is ToEvent of the update u.
func (u *wireUpdate) event(botUsername string) (kbbot.Event, bool) {
	ev := kbbot.Event{UpdateID: int64(u.UpdateID)}
	switch {
	case u.Message != nil:
		return messageEvent(ev, u.Message, botUsername)
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if m.Chat == nil || !m.Chat.private() {
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
		if !m.Chat.private() {
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

func (c *wireChat) private() bool { return c.Type == "private" }

func fillFrom(ev *kbbot.Event, u *wireUser) {
	if u == nil {
		return
	}
	ev.UserID, ev.LanguageCode, ev.FirstName = u.ID, u.LanguageCode, u.FirstName
}

// isCommand reports whether m starts with a bot command, as
// tgbotapi.Message.IsCommand does.
func (m *wireMessage) isCommand() bool {
	return len(m.Entities) > 0 && m.Entities[0].Offset == 0 && m.Entities[0].Type == "bot_command"
}

// commandArguments is tgbotapi.Message.CommandArguments, except that an
// entity longer than the text gives no arguments where the library
// panics.
func (m *wireMessage) commandArguments() string {
	if !m.isCommand() {
		return ""
	}
	e := m.Entities[0]
	if e.Length < 0 || len(m.Text) <= e.Length {
		return ""
	}
	return m.Text[e.Length+1:]
}

func messageEvent(ev kbbot.Event, m *wireMessage, botUsername string) (kbbot.Event, bool) {
	if m.Chat == nil {
		return ev, false
	}
	ev.ChatID = kbbot.ChatID(m.Chat.ID)
	fillFrom(&ev, m.From)
	switch {
	case m.Chat.Type == "channel":
		return ev, false
	case !m.Chat.private():
		// Groups: answer only what is addressed to us (commands, mentions).
		if m.isCommand() || (botUsername != "" && strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(botUsername))) {
			ev.Kind = kbbot.EventGroup
			return ev, true
		}
		return ev, false
	case m.From != nil && m.From.IsBot:
		return ev, false
	}
	switch {
	case m.isCommand():
		ev.Kind = kbbot.EventCommand
		ev.Command = strings.ToLower(commandName(m))
		ev.Args = strings.TrimSpace(m.commandArguments())
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
func commandName(m *wireMessage) string {
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

func mediaKind(m *wireMessage) string {
	switch {
	case bool(m.Sticker):
		return "sticker"
	case m.Photo != nil:
		return "photo"
	case bool(m.Voice), bool(m.Audio):
		return "voice"
	case bool(m.Video), bool(m.VideoNote), bool(m.Animation):
		return "video"
	case m.Document != nil:
		return "document"
	}
	return "other"
}
