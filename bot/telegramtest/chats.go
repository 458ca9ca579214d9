package telegramtest

import (
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Button is one button of a keyboard the bot sent.
type Button struct {
	// Text is the button label.
	Text string
	// Data is the callback_data of an inline button.
	Data string
	// URL is the url of an inline URL button.
	URL string
	// RequestLocation is set on a reply keyboard button that asks for the
	// user's location.
	RequestLocation bool
	// RequestContact is set on a reply keyboard button that asks for the
	// user's phone number.
	RequestContact bool
}

// File is a file the bot uploaded with sendDocument or sendPhoto.
type File struct {
	// Name is the uploaded file name, or the file_id / URL string if the bot
	// sent one instead of uploading.
	Name string
	// Data holds the uploaded bytes. Do not modify it.
	Data []byte
	// Caption is the caption sent with the file.
	Caption string
}

// Message is a message the bot sent, as the user sees it now.
type Message struct {
	// ID is the message_id, increasing per chat.
	ID int
	// ChatID is the chat the message was sent to.
	ChatID int64
	// Text is the text as the bot sent it (with HTML tags when ParseMode is
	// "HTML"); see [Message.Plain]. Empty for files.
	Text string
	// ParseMode is the parse_mode the bot used.
	ParseMode string
	// Buttons is the inline keyboard (current, after edits).
	Buttons [][]Button
	// Keyboard is the reply keyboard, if this message set one.
	Keyboard [][]Button
	// RemoveKeyboard is set if this message removed the reply keyboard.
	RemoveKeyboard bool
	// Document is the file uploaded with sendDocument.
	Document *File
	// Photo is the file uploaded with sendPhoto.
	Photo *File
	// Edits counts how many times the message was edited.
	Edits int
	// Deleted is set if the bot deleted the message (only seen in
	// [Server.Sent]; [User.Messages] leaves deleted messages out).
	Deleted bool
}

// Plain returns the text as Telegram displays it: for parse_mode HTML the
// tags are removed and entities unescaped.
func (m Message) Plain() string {
	if isHTML(m.ParseMode) {
		if plain, err := parseHTML(m.Text); err == nil {
			return plain
		}
	}
	return m.Text
}

// Answer is one answerCallbackQuery call of the bot.
type Answer struct {
	// CallbackID is the callback_query_id that was answered.
	CallbackID string
	// Text is the notification text (may be empty).
	Text string
	// ShowAlert is set if the bot asked for an alert instead of a toast.
	ShowAlert bool
}

// chat is the server-side state of one chat. Everything mutable is guarded
// by mu.
type chat struct {
	id    int64
	typ   string // private, group, supergroup or channel
	title string // groups and channels
	user  *User  // private chats

	mu        sync.Mutex
	lang      string
	blocked   bool
	nextMsgID int
	msgs      []*botMessage // bot messages in order, deleted ones included
	byID      map[int]*botMessage
	answers   []Answer
	replyKB   [][]Button
	win       window    // rate limit window of this chat
	tat       time.Time // token bucket of this chat (Limits.ChatBurst)
}

// botMessage is a message the bot sent. Mutable fields are guarded by
// chat.mu.
type botMessage struct {
	chat      *chat
	id        int
	date      int
	text      string
	parseMode string
	inline    *tgbotapi.InlineKeyboardMarkup // nil: no inline keyboard
	inlineKey string                         // canonical JSON of inline, for "not modified"
	buttons   [][]Button
	keyboard  [][]Button
	removeKB  bool
	doc       *File
	photo     *File
	edits     int
	editDate  int
	deleted   bool
}

func now() int { return int(time.Now().Unix()) }

func (c *chat) apiChat() *tgbotapi.Chat {
	ch := &tgbotapi.Chat{ID: c.id, Type: c.typ, Title: c.title}
	if c.user != nil {
		ch.FirstName = c.user.FirstName
	}
	return ch
}

// newMessageID reserves the next message id of the chat. c.mu must be held.
func (c *chat) newMessageID() int {
	id := c.nextMsgID
	c.nextMsgID++
	return id
}

func (s *Server) lookupChat(id int64) *chat {
	if v, ok := s.chats.Load(id); ok {
		return v.(*chat)
	}
	return nil
}

// chatOf parses a chat_id parameter and returns the known chat.
func (s *Server) chatOf(v string) (*chat, *apiError) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, errChatNotFound
	}
	c := s.lookupChat(id)
	if c == nil {
		return nil, errChatNotFound
	}
	return c, nil
}

// getOrCreateChat returns the chat with the id, creating it with the given
// type and name if it is new.
func (s *Server) getOrCreateChat(id int64, typ, name string) *chat {
	if c := s.lookupChat(id); c != nil {
		return c
	}
	if typ == "" {
		typ = "private"
		if id < 0 {
			typ = "group"
		}
	}
	c := &chat{id: id, typ: typ, nextMsgID: 1, byID: make(map[int]*botMessage), lang: "id"}
	if typ == "private" {
		if name == "" {
			name = "User " + strconv.FormatInt(id, 10)
		}
		c.user = &User{ID: id, FirstName: name, s: s, c: c}
	} else {
		if name == "" {
			name = "Chat " + strconv.FormatInt(id, 10)
		}
		c.title = name
	}
	v, _ := s.chats.LoadOrStore(id, c)
	return v.(*chat)
}

// registerChats makes the chats of a raw update known and fills in missing
// message ids and dates.
func (s *Server) registerChats(u *tgbotapi.Update) {
	for _, m := range []*tgbotapi.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil || m.Chat == nil {
			continue
		}
		name := m.Chat.Title
		if m.Chat.Type == "private" || (m.Chat.Type == "" && m.Chat.ID > 0) {
			name = m.Chat.FirstName
			if name == "" && m.From != nil {
				name = m.From.FirstName
			}
		}
		c := s.getOrCreateChat(m.Chat.ID, m.Chat.Type, name)
		if m.MessageID == 0 {
			c.mu.Lock()
			m.MessageID = c.newMessageID()
			c.mu.Unlock()
		}
		if m.Date == 0 {
			m.Date = now()
		}
	}
	if cq := u.CallbackQuery; cq != nil {
		if cq.Message != nil && cq.Message.Chat != nil {
			s.getOrCreateChat(cq.Message.Chat.ID, cq.Message.Chat.Type, cq.Message.Chat.FirstName+cq.Message.Chat.Title)
		}
		if cq.ID == "" {
			cq.ID = s.newCallbackID()
		}
		if _, ok := s.callbacks.Load(cq.ID); !ok && cq.From != nil {
			s.callbacks.Store(cq.ID, &callbackRecord{userID: cq.From.ID})
		}
	}
	if m := u.MyChatMember; m != nil && m.Chat.ID != 0 {
		s.getOrCreateChat(m.Chat.ID, m.Chat.Type, m.Chat.FirstName+m.Chat.Title)
	}
}

// snapshot copies the message for observers. chat.mu must be held.
func (m *botMessage) snapshot() Message {
	return Message{
		ID:             m.id,
		ChatID:         m.chat.id,
		Text:           m.text,
		ParseMode:      m.parseMode,
		Buttons:        copyButtons(m.buttons),
		Keyboard:       copyButtons(m.keyboard),
		RemoveKeyboard: m.removeKB,
		Document:       copyFile(m.doc),
		Photo:          copyFile(m.photo),
		Edits:          m.edits,
		Deleted:        m.deleted,
	}
}

func copyButtons(b [][]Button) [][]Button {
	if b == nil {
		return nil
	}
	out := make([][]Button, len(b))
	for i, row := range b {
		out[i] = append([]Button(nil), row...)
	}
	return out
}

func copyFile(f *File) *File {
	if f == nil {
		return nil
	}
	c := *f
	return &c
}

// apiMessage renders the message as the Bot API returns it. chat.mu must be
// held.
func (s *Server) apiMessage(m *botMessage) *tgbotapi.Message {
	bot := s.bot
	am := &tgbotapi.Message{
		MessageID:   m.id,
		From:        &bot,
		Date:        m.date,
		Chat:        m.chat.apiChat(),
		EditDate:    m.editDate,
		ReplyMarkup: m.inline,
	}
	if m.chat.typ == "channel" {
		am.From = nil
		am.SenderChat = m.chat.apiChat()
	}
	switch {
	case m.doc != nil:
		am.Document = &tgbotapi.Document{
			FileID:       "doc-" + strconv.FormatInt(m.chat.id, 10) + "-" + strconv.Itoa(m.id),
			FileUniqueID: "udoc-" + strconv.FormatInt(m.chat.id, 10) + "-" + strconv.Itoa(m.id),
			FileName:     m.doc.Name,
			FileSize:     len(m.doc.Data),
		}
		am.Caption = plainOf(m.doc.Caption, m.parseMode)
	case m.photo != nil:
		id := strconv.FormatInt(m.chat.id, 10) + "-" + strconv.Itoa(m.id)
		am.Photo = []tgbotapi.PhotoSize{
			{FileID: "photo-s-" + id, FileUniqueID: "uphoto-s-" + id, Width: 90, Height: 90},
			{FileID: "photo-" + id, FileUniqueID: "uphoto-" + id, Width: 800, Height: 800, FileSize: len(m.photo.Data)},
		}
		am.Caption = plainOf(m.photo.Caption, m.parseMode)
	default:
		am.Text = plainOf(m.text, m.parseMode)
	}
	return am
}

func plainOf(text, parseMode string) string {
	if isHTML(parseMode) {
		if plain, err := parseHTML(text); err == nil {
			return plain
		}
	}
	return text
}
