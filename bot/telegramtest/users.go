package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// User is a Telegram user in a private chat with the bot (chat id == user
// id). Its actions enqueue one update each and block until the bot has
// confirmed it; they return the update_id. Create users with
// [Server.User]. A User is safe for concurrent use.
type User struct {
	// ID is the user id, which is also the id of the private chat.
	ID int64
	// FirstName is the user's first name.
	FirstName string

	s *Server
	c *chat
}

// User returns the user with the given id, creating the user and the private
// chat with the bot on first use. New users have language_code "id".
// Calling User again with the same id returns the same user (the first
// name given first is kept). id must be positive.
func (s *Server) User(id int64, firstName string) *User {
	if id <= 0 {
		panic(fmt.Sprintf("telegramtest: user id must be positive, got %d", id))
	}
	c := s.getOrCreateChat(id, "private", firstName)
	if c.user == nil {
		panic(fmt.Sprintf("telegramtest: chat %d is a %s, not a private chat", id, c.typ))
	}
	return c.user
}

// SetLanguage sets the language_code sent with the user's next updates.
func (u *User) SetLanguage(code string) {
	u.c.mu.Lock()
	u.c.lang = code
	u.c.mu.Unlock()
}

// ChatID returns the id of the private chat, which equals the user id.
func (u *User) ChatID() int64 { return u.ID }

// from returns the user as the Bot API shows it.
func (u *User) from() *tgbotapi.User {
	u.c.mu.Lock()
	lang := u.c.lang
	u.c.mu.Unlock()
	return &tgbotapi.User{ID: u.ID, FirstName: u.FirstName, LanguageCode: lang}
}

// newMessage returns a new message of the user in the private chat.
func (u *User) newMessage() *tgbotapi.Message {
	from := u.from()
	u.c.mu.Lock()
	id := u.c.newMessageID()
	u.c.mu.Unlock()
	return &tgbotapi.Message{MessageID: id, From: from, Date: now(), Chat: u.c.apiChat()}
}

func (u *User) enqueue(upd tgbotapi.Update) (int, error) { return u.s.Enqueue(upd) }

// commandEntities returns the bot_command entity Telegram adds to a text
// that starts with "/": it covers the command word (up to the first white
// space, including an @botname suffix), with the length in UTF-16 code units.
func commandEntities(text string) []tgbotapi.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	word := text
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		word = text[:i]
	}
	if len(word) < 2 {
		return nil
	}
	return []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: len(utf16.Encode([]rune(word)))}}
}

// Send sends a text message to the bot. A text starting with "/" gets a
// bot_command entity at offset 0 covering the command word, like real
// Telegram.
func (u *User) Send(text string) (int, error) {
	m := u.newMessage()
	m.Text = text
	m.Entities = commandEntities(text)
	return u.enqueue(tgbotapi.Update{Message: m})
}

// Tap presses the inline button labelled label on the most recent bot
// message in this chat (after edits, deleted messages excluded) that has
// such a button: it sends a callback_query with the button's callback_data
// and that message. It returns an error if no message has such a button or
// if the button has a URL (or anything else) instead of callback data.
func (u *User) Tap(label string) (int, error) {
	c := u.c
	var (
		msg   *tgbotapi.Message
		data  string
		found bool
		err   error
	)
	c.mu.Lock()
	for i := len(c.msgs) - 1; i >= 0 && !found; i-- {
		m := c.msgs[i]
		if m.deleted {
			continue
		}
		for _, row := range m.buttons {
			for _, b := range row {
				if b.Text != label {
					continue
				}
				found = true
				switch {
				case b.URL != "":
					err = fmt.Errorf("telegramtest: button %q of message %d opens URL %s, it has no callback data", label, m.id, b.URL)
				case b.Data == "":
					err = fmt.Errorf("telegramtest: button %q of message %d has no callback data", label, m.id)
				default:
					data = b.Data
					msg = u.s.apiMessage(m)
				}
				break
			}
			if found {
				break
			}
		}
	}
	var labels []string
	if !found {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if m := c.msgs[i]; !m.deleted {
				for _, row := range m.buttons {
					for _, b := range row {
						labels = append(labels, strconv.Quote(b.Text))
					}
				}
			}
		}
	}
	c.mu.Unlock()
	if !found {
		return 0, fmt.Errorf("telegramtest: no inline button %q in chat %d (buttons: %s)", label, u.ID, strings.Join(labels, ", "))
	}
	if err != nil {
		return 0, err
	}
	return u.callback(msg, data)
}

// TapData sends a callback_query with arbitrary data for the given message,
// for testing forged or stale buttons. If the bot message exists the query
// carries it; otherwise a message with only the id and the chat.
func (u *User) TapData(messageID int, data string) (int, error) {
	c := u.c
	c.mu.Lock()
	var msg *tgbotapi.Message
	if m := c.byID[messageID]; m != nil && !m.deleted {
		msg = u.s.apiMessage(m)
	} else {
		msg = &tgbotapi.Message{MessageID: messageID, Chat: c.apiChat()}
	}
	c.mu.Unlock()
	return u.callback(msg, data)
}

func (u *User) callback(msg *tgbotapi.Message, data string) (int, error) {
	id := u.s.newCallbackID()
	u.s.callbacks.Store(id, &callbackRecord{userID: u.ID})
	cq := &tgbotapi.CallbackQuery{
		ID:           id,
		From:         u.from(),
		Message:      msg,
		ChatInstance: strconv.FormatInt(u.ID*7919+1, 10),
		Data:         data,
	}
	return u.enqueue(tgbotapi.Update{CallbackQuery: cq})
}

// ShareLocation sends a message with a location, as a request_location
// button or the attachment menu would.
func (u *User) ShareLocation(lat, lon float64) (int, error) {
	m := u.newMessage()
	m.Location = &tgbotapi.Location{Latitude: lat, Longitude: lon}
	return u.enqueue(tgbotapi.Update{Message: m})
}

// ShareContact sends the user's own contact (contact.user_id == u.ID), as a
// request_contact button would.
func (u *User) ShareContact(phone string) (int, error) {
	m := u.newMessage()
	m.Contact = &tgbotapi.Contact{PhoneNumber: phone, FirstName: u.FirstName, UserID: u.ID}
	return u.enqueue(tgbotapi.Update{Message: m})
}

// SendSticker sends a sticker (no text).
func (u *User) SendSticker() (int, error) {
	m := u.newMessage()
	m.Sticker = &tgbotapi.Sticker{FileID: "sticker-1", FileUniqueID: "usticker-1", Width: 512, Height: 512, Emoji: "👍"}
	return u.enqueue(tgbotapi.Update{Message: m})
}

// SendVoice sends a voice note (no text).
func (u *User) SendVoice() (int, error) {
	m := u.newMessage()
	m.Voice = &tgbotapi.Voice{FileID: "voice-1", FileUniqueID: "uvoice-1", Duration: 3, MimeType: "audio/ogg", FileSize: 4096}
	return u.enqueue(tgbotapi.Update{Message: m})
}

// SendPhoto sends a photo (no caption) whose largest size has the
// file_id "photo-1".
func (u *User) SendPhoto() (int, error) { return u.SendPhotoID("photo-1", "") }

// SendPhotoID sends a photo whose largest size has the given file_id (a
// smaller size has fileID+"-s"), with an optional caption. The bot can send
// it on by that file_id (sendPhoto with photo=fileID); [Message.Photo] then
// has Name fileID.
func (u *User) SendPhotoID(fileID, caption string) (int, error) {
	m := u.newMessage()
	m.Photo = []tgbotapi.PhotoSize{
		{FileID: fileID + "-s", FileUniqueID: "u" + fileID + "-s", Width: 90, Height: 90, FileSize: 1024},
		{FileID: fileID, FileUniqueID: "u" + fileID, Width: 1280, Height: 960, FileSize: 65536},
	}
	m.Caption = caption
	return u.enqueue(tgbotapi.Update{Message: m})
}

// SendDocument sends a document (no caption).
func (u *User) SendDocument() (int, error) {
	m := u.newMessage()
	m.Document = &tgbotapi.Document{FileID: "doc-1", FileUniqueID: "udoc-1", FileName: "dokumen.pdf", MimeType: "application/pdf", FileSize: 2048}
	return u.enqueue(tgbotapi.Update{Message: m})
}

// Edit sends an edited_message update: the user edited their message
// messageID to text.
func (u *User) Edit(messageID int, text string) (int, error) {
	from := u.from()
	t := now()
	m := &tgbotapi.Message{MessageID: messageID, From: from, Date: t, EditDate: t, Chat: u.c.apiChat(),
		Text: text, Entities: commandEntities(text)}
	return u.enqueue(tgbotapi.Update{EditedMessage: m})
}

func (u *User) memberUpdate(oldStatus, newStatus string) *tgbotapi.ChatMemberUpdated {
	bot := u.s.bot
	return &tgbotapi.ChatMemberUpdated{
		Chat:          *u.c.apiChat(),
		From:          *u.from(),
		Date:          now(),
		OldChatMember: tgbotapi.ChatMember{User: &bot, Status: oldStatus},
		NewChatMember: tgbotapi.ChatMember{User: &bot, Status: newStatus},
	}
}

// Block blocks the bot: it sends a my_chat_member update (old status
// "member", new "kicked"). From then on every send or edit to this chat is
// answered 403 "Forbidden: bot was blocked by the user".
func (u *User) Block() (int, error) {
	u.c.mu.Lock()
	u.c.blocked = true
	u.c.mu.Unlock()
	return u.enqueue(tgbotapi.Update{MyChatMember: u.memberUpdate("member", "kicked")})
}

// Unblock unblocks the bot (my_chat_member "kicked" -> "member"); sends work
// again.
func (u *User) Unblock() (int, error) {
	u.c.mu.Lock()
	u.c.blocked = false
	u.c.mu.Unlock()
	return u.enqueue(tgbotapi.Update{MyChatMember: u.memberUpdate("kicked", "member")})
}

// Blocked reports whether the user currently blocks the bot.
func (u *User) Blocked() bool {
	u.c.mu.Lock()
	defer u.c.mu.Unlock()
	return u.c.blocked
}

// Messages returns every bot message in this chat in order, as the user sees
// them now: edits applied, deleted messages left out.
func (u *User) Messages() []Message {
	u.c.mu.Lock()
	defer u.c.mu.Unlock()
	out := make([]Message, 0, len(u.c.msgs))
	for _, m := range u.c.msgs {
		if !m.deleted {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// Last returns the most recent bot message in this chat that is not
// deleted.
func (u *User) Last() (Message, bool) {
	u.c.mu.Lock()
	defer u.c.mu.Unlock()
	for i := len(u.c.msgs) - 1; i >= 0; i-- {
		if m := u.c.msgs[i]; !m.deleted {
			return m.snapshot(), true
		}
	}
	return Message{}, false
}

// ReplyKeyboard returns the reply keyboard currently shown to the user: the
// one set by the latest bot message that set or removed one (nil if none).
func (u *User) ReplyKeyboard() [][]Button {
	u.c.mu.Lock()
	defer u.c.mu.Unlock()
	return copyButtons(u.c.replyKB)
}

// Answers returns the bot's answerCallbackQuery calls for this user's
// callback queries, in order.
func (u *User) Answers() []Answer {
	u.c.mu.Lock()
	defer u.c.mu.Unlock()
	return append([]Answer(nil), u.c.answers...)
}

// GroupMessage sends a text message from user userID in the group chat
// chatID (type "group"; chatID must be negative). The group becomes known to
// the server. A text starting with "/" gets a bot_command entity.
func (s *Server) GroupMessage(chatID, userID int64, text string) (int, error) {
	if chatID >= 0 {
		return 0, fmt.Errorf("telegramtest: group chat id must be negative, got %d", chatID)
	}
	c := s.getOrCreateChat(chatID, "group", "")
	from := &tgbotapi.User{ID: userID, FirstName: "User " + strconv.FormatInt(userID, 10), LanguageCode: "id"}
	if uc := s.lookupChat(userID); uc != nil && uc.user != nil {
		from = uc.user.from()
	}
	c.mu.Lock()
	id := c.newMessageID()
	c.mu.Unlock()
	m := &tgbotapi.Message{MessageID: id, From: from, Date: now(), Chat: c.apiChat(), Text: text, Entities: commandEntities(text)}
	return s.Enqueue(tgbotapi.Update{Message: m})
}

// ChannelPost sends a channel_post update with text in the channel chatID
// (chatID must be negative). The channel becomes known to the server.
func (s *Server) ChannelPost(chatID int64, text string) (int, error) {
	if chatID >= 0 {
		return 0, fmt.Errorf("telegramtest: channel chat id must be negative, got %d", chatID)
	}
	c := s.getOrCreateChat(chatID, "channel", "")
	c.mu.Lock()
	id := c.newMessageID()
	c.mu.Unlock()
	ch := c.apiChat()
	m := &tgbotapi.Message{MessageID: id, SenderChat: ch, Date: now(), Chat: ch, Text: text}
	return s.Enqueue(tgbotapi.Update{ChannelPost: m})
}

// Sent returns every message the bot sent (sendMessage, sendDocument,
// sendPhoto) in all chats, in order, in its current state (edits applied;
// deleted messages included with Deleted set).
func (s *Server) Sent() []Message {
	s.sentMu.Lock()
	list := append([]*botMessage(nil), s.sent...)
	s.sentMu.Unlock()
	out := make([]Message, len(list))
	for i, m := range list {
		m.chat.mu.Lock()
		out[i] = m.snapshot()
		m.chat.mu.Unlock()
	}
	return out
}
