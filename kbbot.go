// Package kbbot holds the domain vocabulary every other package shares: the
// events that reach a conversation (a resident's message, a button tap, a
// block, a due reminder), the replies it produces, and the domain errors the
// adapters map their failures to. It imports only the standard library.
//
// Dependency direction (enforced by deps_test.go): cmd/kbbot wires bot,
// scheduler, redisstore, conversations and content; bot, scheduler and
// redisstore never import each other; conversations and content know nothing
// of Telegram, Redis or cron.
package kbbot

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ChatID identifies a Telegram chat; for a resident it equals their user id.
type ChatID int64

// EventKind says what happened.
type EventKind string

// The kinds of Event.
const (
	EventText      EventKind = "text"      // a text message that is not a command
	EventCommand   EventKind = "command"   // a /command, with Command and Args set
	EventCallback  EventKind = "callback"  // an inline button tap, with CallbackID and Data
	EventLocation  EventKind = "location"  // a shared location
	EventContact   EventKind = "contact"   // a shared contact
	EventMedia     EventKind = "media"     // a sticker, photo, voice, video or document (Media says which)
	EventEdited    EventKind = "edited"    // an edited message
	EventGroup     EventKind = "group"     // a message in a group chat
	EventBlocked   EventKind = "blocked"   // the resident blocked the bot
	EventUnblocked EventKind = "unblocked" // the resident unblocked the bot
	EventReminder  EventKind = "reminder"  // a due reminder from the scheduler
)

// Event is one thing that happened in one chat, in the terms of the domain.
type Event struct {
	Kind     EventKind
	ChatID   ChatID
	UserID   int64
	UpdateID int64 // Telegram update id; 0 for events not from Telegram
	// Key names an event not from Telegram that must be handled once even
	// when delivered twice: a reminder's "rem:<item id>#<version>". The
	// commit records it, like UpdateID, and a later delivery is skipped.
	// "" for none.
	Key string
	// LanguageCode is the Telegram client's language, used for new residents.
	LanguageCode string
	FirstName    string

	Text    string // message text
	Command string // command without slash or @bot suffix, lower case
	Args    string // text after the command

	CallbackID string // callback query id, to be answered
	Data       string // callback data
	MessageID  int    // the message the tapped button belongs to

	Lat, Lon float64 // EventLocation
	Phone    string  // EventContact
	OwnPhone bool    // the contact shared is the sender's own

	Media string // EventMedia: sticker, photo, voice, video, document, other
	// FileID is Telegram's id of the photo of an EventMedia "photo" (the
	// largest size), so that it can be sent again without downloading it,
	// or of the file of a "document", to download it.
	FileID string
	// FileName and FileSize are a document's name and size in bytes as
	// Telegram reports them (the size 0 when it does not).
	FileName string `json:",omitempty"`
	FileSize int64  `json:",omitempty"`
	// Caption is the caption of a photo or document.
	Caption string

	Reminder *Reminder // EventReminder
}

// Reminder is a due item handed from the scheduler to the conversations.
type Reminder struct {
	ID   string // deterministic id, e.g. "h1:<booking>"
	Kind string
	Ref  string // what it is about, e.g. a booking code
}

// Button is one inline button: it carries callback Data, or opens a URL.
type Button struct {
	Label string
	Data  string
	URL   string
}

// KeyButton is one button of a reply keyboard (the keyboard under the input
// field), which can ask the user's app to share a location or a contact.
type KeyButton struct {
	Label           string
	RequestLocation bool
	RequestContact  bool
}

// ReplyKind says what a Reply does.
type ReplyKind string

// The kinds of Reply.
const (
	ReplySend     ReplyKind = "send"     // send a new message
	ReplyEdit     ReplyKind = "edit"     // edit the message EditID in place
	ReplyAnswer   ReplyKind = "answer"   // answer a callback query (toast or alert)
	ReplyDocument ReplyKind = "document" // send a file
	ReplyPhoto    ReplyKind = "photo"    // send a picture
)

// Reply is one thing to show a chat. Text is Telegram HTML: every user- or
// data-supplied string in it is already escaped.
type Reply struct {
	Kind    ReplyKind
	ChatID  ChatID
	Text    string
	Buttons [][]Button // inline keyboard

	Keyboard       [][]KeyButton // reply keyboard; nil leaves it as it is
	RemoveKeyboard bool

	EditID int // ReplyEdit: the message to edit

	CallbackID string // ReplyAnswer
	Alert      bool   // ReplyAnswer: show as a modal alert

	FileName string // ReplyDocument, ReplyPhoto
	File     []byte
	// FileID sends a photo Telegram already has (ReplyPhoto), instead of File.
	FileID string

	// Priority orders sending when Telegram's limits bind: replies to
	// residents first, then reminders, then broadcasts. Zero is a reply.
	Priority Priority `json:",omitempty"`
}

// Priority is the sending lane of a Reply.
type Priority int

// The sending lanes, most urgent first.
const (
	PriorityReply     Priority = 0 // an answer to something the resident just did
	PriorityReminder  Priority = 1 // a reminder from the scheduler
	PriorityBroadcast Priority = 2 // a cadre's broadcast
)

// Sender delivers replies to Telegram.
//
// Send returns the id of the message sent or edited (0 for answers). It
// returns an error wrapping ErrBlocked when the resident blocked the bot, and
// a *RetryAfterError when Telegram asks to slow down.
type Sender interface {
	Send(ctx context.Context, r Reply) (int, error)
}

// Handler handles one event of one chat.
type Handler interface {
	Handle(ctx context.Context, ev Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, ev Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, ev Event) error { return f(ctx, ev) }

// Clock tells the time; tests inject a settable one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Domain errors. Adapters wrap their failures so that errors.Is finds these.
var (
	// ErrBlocked means the resident blocked the bot or deleted their account.
	ErrBlocked = errors.New("chat blocked the bot")
	// ErrChatNotFound means Telegram does not know the chat.
	ErrChatNotFound = errors.New("chat not found")
	// ErrNotModified means an edit changed nothing; callers treat it as success.
	ErrNotModified = errors.New("message not modified")
	// ErrBusy means another process is handling the same chat; retry later.
	ErrBusy = errors.New("chat is busy")
	// ErrDuplicate means the update was handled before.
	ErrDuplicate = errors.New("update already handled")
	// ErrUnavailable means the state store (Redis) cannot be reached.
	ErrUnavailable = errors.New("state store unavailable")
	// ErrBadRequest means Telegram refused a request as malformed.
	ErrBadRequest = errors.New("bad request")
)

// RetryAfterError means Telegram asked to wait before the next request.
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.After) }

// Lease is a held per-chat lock. Token fences writes: a commit made with a
// lease that has expired and been taken by another process is refused.
type Lease struct {
	Chat  ChatID
	Token string
}

// Commit is the result of one conversation step, written atomically.
type Commit struct {
	// UpdateID is recorded as handled, so a redelivery is skipped; 0 for
	// events not from Telegram.
	UpdateID int64
	// Key is the event's Key, recorded as handled like UpdateID; "" for none.
	Key string
	// At is when the step ran (the dispatcher's clock): how long ago an
	// update was handled decides how long an update overtaken by it may
	// still come.
	At time.Time
	// Acked are ids of outbox entries delivered since they were last
	// acknowledged, oldest first: the commit removes them from the outbox's
	// head before it appends Replies.
	Acked []string
	// State is the encoded session; ignored when Erase is set.
	State []byte
	// Erase deletes the session.
	Erase bool
	// Replies are appended to the chat's outbox, to be sent in order.
	Replies []Reply
	// Record is the encoded resident record, written with the session;
	// nil leaves it as it is. Erase deletes it with the session.
	Record []byte
	// RecordTTL is how long the record is kept without another write: the
	// retention of a record with personal data, or a chat's idle expiry for
	// one without. Zero keeps it without expiry.
	RecordTTL time.Duration
}

// ChatState is what a conversation step reads before it runs.
type ChatState struct {
	// State is the encoded session; nil when there is none.
	State []byte
	// Record is the encoded resident record; nil when there is none.
	Record []byte
	// Seen reports that the update (or the event's Key) was handled before.
	Seen bool
	// Outbox holds replies of earlier steps not yet delivered, oldest first.
	Outbox []Queued
	// Unreadable holds outbox entries that cannot be decoded, as stored:
	// they can never be delivered, so the dispatcher sets them aside.
	Unreadable []string
	// Inbox is how many updates the chat's inbox held, the one at its
	// head included, when the step was begun for that head (0 otherwise).
	Inbox int64
	// NotStaff reports that the chat is no staff member as far as the
	// store's begin could tell (the chat holds no staff hint), so the step
	// need not look its membership up (WithNotStaff). False when not
	// known: the membership is then looked up as usual.
	NotStaff bool
}

// notStaffCtx is a step's context that says its chat is no staff member;
// one value rather than context.WithValue's key and value, so it costs
// one allocation.
type notStaffCtx struct {
	context.Context
	chat ChatID
	// maybe is set once a membership of chat may have been written during
	// the step (MaybeStaff): the context says nothing any more.
	maybe atomic.Bool
}

type notStaffKey struct{}

// Value returns the context itself for notStaffKey, else the parent's value.
func (c *notStaffCtx) Value(key any) any {
	if _, ok := key.(notStaffKey); ok {
		return c
	}
	return c.Context.Value(key)
}

// WithNotStaff returns ctx telling staff lookups of chat, made within the
// step ctx is for, that chat is no staff member (ChatState.NotStaff), so
// they need not ask the store. Admins named in configuration are staff
// whatever it says.
func WithNotStaff(ctx context.Context, chat ChatID) context.Context {
	return &notStaffCtx{Context: ctx, chat: chat}
}

// NotStaff reports whether ctx says chat is no staff member (WithNotStaff,
// and no MaybeStaff since).
func NotStaff(ctx context.Context, chat ChatID) bool {
	c, ok := ctx.Value(notStaffKey{}).(*notStaffCtx)
	return ok && c.chat == chat && !c.maybe.Load()
}

// MaybeStaff makes ctx say nothing more of chat's membership: a store
// calls it before writing a membership of chat (an invite redeemed within
// the chat's own step), so that the rest of the step looks it up.
func MaybeStaff(ctx context.Context, chat ChatID) {
	if c, ok := ctx.Value(notStaffKey{}).(*notStaffCtx); ok && c.chat == chat {
		c.maybe.Store(true)
	}
}

// Acceptor takes updates for handling. Accept returns nil only once the
// events are durably accepted: a crash after it returns loses none of
// them, so the caller may then confirm them to Telegram (the next
// getUpdates offset, or a webhook's 200). Events of one chat are handled
// in the order given.
type Acceptor interface {
	Accept(ctx context.Context, evs []Event) error
}

// PushResult counts what a push of updates into inboxes did.
type PushResult struct {
	// Queued updates wait in their chats' inboxes.
	Queued int
	// Dropped updates went beyond their resident's flood limit.
	Dropped int
	// Notices is the number of flood notices queued.
	Notices int
}

// InboxEntry is the update at the head of a chat's inbox.
type InboxEntry struct {
	// Raw is the entry as stored, which acknowledges it.
	Raw string
	// Event is the accepted event (zero for an unreadable entry).
	Event Event
	// FloodNotice marks the one notice queued when the resident sent more
	// than the flood limit allows: Event is the first update dropped.
	FloodNotice bool
	// Unreadable marks an entry that cannot be decoded.
	Unreadable bool
}

// InboxAfter is what a step's last round trip found after it took the
// handled update off its chat's inbox (dispatch.ChatStore.FinishInbox).
type InboxAfter struct {
	// Next is the entry now at the head of the inbox, when More.
	Next InboxEntry
	More bool
	// Unready says the chat also left the intake's ready index in that
	// round trip; Waiting is the inbox's length read just after, so that
	// an update pushed meanwhile is never stranded.
	Unready bool
	Waiting int64
	// Begun says the same round trip kept the chat's lock (the lease the
	// step held) and began the step of Next, read as State.
	Begun bool
	State ChatState
}

// Claimed is a chat an intake took for one of its workers in the round
// trip that accepted the chat's updates (dispatch.Inbox.PushClaim). When
// Begun, that trip also took the chat's step lock (Lease) and read its
// first step, the update at the inbox's head (Head) with the chat's State,
// as dispatch.ChatStore.BeginInbox does, so the step needs no trip to
// begin.
//
// When Committed, that trip also committed the update's step, run ahead
// on the chat's last known state (Speculation): the update never entered
// the inbox (Head holds it, with no Raw), the lock is held with Lease for
// the delivery of Queued, and State holds what was committed.
type Claimed struct {
	Chat  ChatID
	Begun bool
	Lease Lease
	State ChatState
	Head  InboxEntry
	// Committed says the step of Head was committed in the accepting
	// trip; Queued are its replies, in the outbox, to deliver.
	Committed bool
	Queued    []Queued
	// NotClaimed says, for a Committed chat, that another worker holds
	// its place in the ready index: the chat is handed over only to
	// deliver Queued, and is let go with its lock, its claim untouched.
	NotClaimed bool
}

// Speculation is a step a process ran ahead, before its update was
// accepted, on the state it last saw of the chat (a session and record it
// committed or read itself), with no store reached (DryRun). The round
// trip that accepts the update commits it only when the chat is still in
// exactly that state, idle, with nothing undelivered and no staff hint;
// otherwise the update is accepted as usual and its step runs afresh.
type Speculation struct {
	// Commit is the step's commit (no acknowledgements, never Erase).
	Commit Commit
	// State and Record are the session and record the step ran on, as
	// stored (nil: none).
	State, Record []byte
}

// Queued is one undelivered reply in a chat's outbox.
type Queued struct {
	ID    string
	Reply Reply
}
