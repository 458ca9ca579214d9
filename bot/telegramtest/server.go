// Package telegramtest provides a fake Telegram Bot API server for tests and
// for the interactive terminal demo (`kbbot chat`).
//
// The server runs on net/http/httptest and speaks the subset of the Bot API
// that kbbot uses: getMe, getUpdates (long polling), sendMessage,
// editMessageText, editMessageReplyMarkup, deleteMessage,
// answerCallbackQuery, sendDocument, sendPhoto, sendChatAction,
// setMyCommands, setMyDescription, setMyShortDescription and deleteWebhook. JSON on the wire uses the types of
// github.com/go-telegram-bot-api/telegram-bot-api/v5, so the real library
// decodes every response, including error bodies such as 429 with
// parameters.retry_after.
//
// Tests act as Telegram users through [User] (Send, Tap, ShareLocation,
// Block, ...). Every user action enqueues one update and then blocks until
// the bot has confirmed it, that is, until the bot called getUpdates with an
// offset greater than the update's id. Tests therefore proceed
// deterministically without sleeping. What the bot did is observed through
// [User.Messages], [User.Answers], [Server.Sent], [Server.Calls] and
// [Server.Changes].
//
// The server validates requests the way Telegram does (text length,
// parse_mode=HTML, callback_data size, "message is not modified", blocked
// users, unknown chats), can enforce Telegram-like rate limits
// ([WithLimits]) and can inject faults ([Server.FailNext]).
//
// The server is safe for concurrent use by many users at once.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultToken is the bot token the server accepts unless [WithToken] is used.
const DefaultToken = "123456:TEST-TOKEN"

// DefaultWaitTimeout is how long user actions wait for the bot to confirm an
// update unless [Server.SetWaitTimeout] changes it.
const DefaultWaitTimeout = 10 * time.Second

// Option configures a [Server] created by [New].
type Option func(*Server)

// WithToken makes the server accept tok as the bot token instead of
// [DefaultToken]. If the part before the colon is a number it becomes the
// bot's user id, as with real Telegram tokens.
func WithToken(tok string) Option {
	return func(s *Server) { s.token = tok }
}

// WithLimits makes the server enforce rate limits like Telegram does. A
// request over a limit is not performed; it is answered with HTTP 429
// {"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}
// and counted in [Server.Violations]. By default no limits are enforced.
func WithLimits(l Limits) Option {
	return func(s *Server) {
		lc := l
		s.limits = &lc
	}
}

// WithFirstUpdateID makes n the id of the first update (1 by default).
// A bot that keeps what it handled across restarts (per-chat update id
// watermarks in a Redis that outlives the server) needs ids that keep
// growing across servers, as Telegram's do: `kbbot chat` on a persistent
// Redis starts at the current Unix time in milliseconds.
func WithFirstUpdateID(n int) Option {
	return func(s *Server) { s.nextUpdateID = max(n, 1) }
}

// WithWaitTimeout sets the initial wait timeout of user actions; see
// [Server.SetWaitTimeout].
func WithWaitTimeout(d time.Duration) Option {
	return func(s *Server) { s.waitTimeout.Store(int64(d)) }
}

// Limits describes the rate limits enforced with [WithLimits]. Every
// sendMessage, sendDocument, sendPhoto and editMessageText request counts.
// Windows slide over real time. A zero field disables that limit.
type Limits struct {
	// Global is the number of requests per second allowed over all chats
	// (Telegram: about 30).
	Global int
	// PerChat is the number of requests per second allowed per private chat
	// (Telegram: about 1).
	PerChat int
	// PerGroupPerMinute is the number of requests per 60 seconds allowed per
	// group or channel chat (Telegram: 20).
	PerGroupPerMinute int
	// Burst is an extra allowance added to the Global and PerChat limits
	// per one-second window.
	Burst int
	// ChatBurst, when set with PerChat, makes the limit of a private chat
	// a token bucket instead of a window: up to ChatBurst requests at
	// once, refilled at PerChat a second (Telegram allows short bursts in
	// one chat but about one message a second over time). Burst does not
	// add to it.
	ChatBurst int
}

// Server is a fake Telegram Bot API server. Create it with [New] and stop it
// with [Server.Close].
type Server struct {
	srv         *httptest.Server
	token       string
	bot         tgbotapi.User
	limits      *Limits
	waitTimeout atomic.Int64

	closeOnce sync.Once
	closed    chan struct{}

	// Update queue; see updates.go.
	qmu            sync.Mutex
	settle         func() error
	chatSettle     func(chat int64, updateID int) error
	nextUpdateID   int
	pending        []*pendingUpdate // unconfirmed updates, sorted by id
	confirmedBelow int              // every update with a smaller id is confirmed
	notify         chan struct{}    // closed when an update is enqueued; nil if nobody waits
	allowed        map[string]bool  // nil: Telegram's default set
	dropped        map[int]error    // updates the bot's allowed_updates excluded
	hookURL        string           // set by setWebhook: updates are pushed there (webhook.go)
	hookSecret     string           // the webhook's secret token
	pushing        bool             // the push loop runs
	hookPosts      atomic.Int64     // POSTs made to the webhook

	chats sync.Map // int64 -> *chat

	sentMu sync.Mutex
	sent   []*botMessage

	callbacks sync.Map // callback query id -> *callbackRecord
	cbSeq     atomic.Int64

	// Files users sent (files.go).
	files     sync.Map // file_id -> *storedFile
	filePaths sync.Map // file_path -> *storedFile
	fileSeq   atomic.Int64
	downloads atomic.Int64

	calls sync.Map // method -> *atomic.Int64

	faultMu    sync.Mutex
	faults     map[string][]fault
	faultCount atomic.Int64

	limMu  sync.Mutex
	global window

	violations atomic.Int64
	tooMany    atomic.Int64

	changes chan struct{}

	// The bot's profile, per language_code ("" is the default).
	cmdMu        sync.Mutex
	commands     map[string][]tgbotapi.BotCommand
	descriptions map[string]string
	shortDescs   map[string]string

	// Test hooks, set before the server is used (see export_test.go).
	hookPollWait   func() // a getUpdates call starts waiting
	hookPollCancel func() // a waiting getUpdates call saw its client go away
}

type fault struct {
	code        int
	retryAfter  int
	description string
}

// New starts a fake Bot API server. The caller must call [Server.Close].
func New(opts ...Option) *Server {
	s := &Server{
		token:        DefaultToken,
		closed:       make(chan struct{}),
		nextUpdateID: 1,
		dropped:      make(map[int]error),
		faults:       make(map[string][]fault),
		changes:      make(chan struct{}, 1),
		commands:     make(map[string][]tgbotapi.BotCommand),
		descriptions: make(map[string]string),
		shortDescs:   make(map[string]string),
	}
	s.waitTimeout.Store(int64(DefaultWaitTimeout))
	for _, o := range opts {
		o(s)
	}
	botID := int64(1)
	if i := strings.IndexByte(s.token, ':'); i > 0 {
		if id, err := strconv.ParseInt(s.token[:i], 10, 64); err == nil && id > 0 {
			botID = id
		}
	}
	s.bot = tgbotapi.User{ID: botID, IsBot: true, FirstName: "KB Bot", UserName: "kbbot_test_bot"}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// APIURL returns the base URL of the server. The bot calls
// APIURL()+"/bot"+token+"/"+method. For the go-telegram-bot-api library use
// tgbotapi.NewBotAPIWithAPIEndpoint(s.Token(), s.APIURL()+"/bot%s/%s").
func (s *Server) APIURL() string { return s.srv.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot returns the bot's own user, as answered by getMe.
func (s *Server) Bot() tgbotapi.User { return s.bot }

// Close wakes every pending long poll and waiting user action and shuts the
// server down. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srv.Close()
	})
}

// SetWaitTimeout sets how long user actions and [Server.WaitConfirmed] wait
// for the bot to confirm an update (default 10s).
func (s *Server) SetWaitTimeout(d time.Duration) { s.waitTimeout.Store(int64(d)) }

// Calls returns how many requests of the given method (for example
// "sendMessage") arrived with a valid token, in all chats, including requests
// that were answered with an error.
func (s *Server) Calls(method string) int {
	if v, ok := s.calls.Load(method); ok {
		return int(v.(*atomic.Int64).Load())
	}
	return 0
}

// Violations returns how many requests broke the limits set with
// [WithLimits] (and were answered 429).
func (s *Server) Violations() int { return int(s.violations.Load()) }

// TooManyRequests returns how many 429 answers the server gave in total,
// injected with [Server.FailNext] or enforced by [WithLimits].
func (s *Server) TooManyRequests() int { return int(s.tooMany.Load()) }

// Changes returns a channel that receives a value whenever the bot sends,
// edits or deletes a message. Notifications are coalesced (buffer 1) and
// never block the server; after a receive, read the current state with
// [User.Messages] or [Server.Sent].
func (s *Server) Changes() <-chan struct{} { return s.changes }

// Commands returns the default command list (no language_code) the bot
// last set with setMyCommands.
func (s *Server) Commands() []tgbotapi.BotCommand { return s.CommandsFor("") }

// CommandsFor returns the command list the bot last set with setMyCommands
// for language code lang ("" for the default).
func (s *Server) CommandsFor(lang string) []tgbotapi.BotCommand {
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	return append([]tgbotapi.BotCommand(nil), s.commands[lang]...)
}

// Description returns the description the bot last set with
// setMyDescription for language code lang ("" for the default).
func (s *Server) Description(lang string) string {
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	return s.descriptions[lang]
}

// ShortDescription returns the short description the bot last set with
// setMyShortDescription for language code lang ("" for the default).
func (s *Server) ShortDescription(lang string) string {
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	return s.shortDescs[lang]
}

// FailNext makes the next call of method fail with the given HTTP status
// and error_code, without performing it. Calls queue up: each FailNext
// affects one further call. If description is empty a Telegram-like one is
// used. For code 429 the body always carries parameters.retry_after (at
// least 1) and the default description is "Too Many Requests: retry after N".
func (s *Server) FailNext(method string, code int, retryAfter int, description string) {
	if code == http.StatusTooManyRequests && retryAfter <= 0 {
		retryAfter = 1
	}
	if description == "" {
		switch code {
		case http.StatusTooManyRequests:
			description = fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
		case http.StatusForbidden:
			description = "Forbidden: bot was blocked by the user"
		case http.StatusBadRequest:
			description = "Bad Request"
		case http.StatusUnauthorized:
			description = "Unauthorized"
		case http.StatusConflict:
			description = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
		default:
			description = http.StatusText(code)
			if description == "" {
				description = "Internal Server Error"
			}
		}
	}
	s.faultMu.Lock()
	s.faults[method] = append(s.faults[method], fault{code: code, retryAfter: retryAfter, description: description})
	s.faultMu.Unlock()
	s.faultCount.Add(1)
}

func (s *Server) takeFault(method string) (fault, bool) {
	if s.faultCount.Load() == 0 {
		return fault{}, false
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, method)
	} else {
		s.faults[method] = q[1:]
	}
	s.faultCount.Add(-1)
	return f, true
}

func (s *Server) countCall(method string) {
	v, ok := s.calls.Load(method)
	if !ok {
		v, _ = s.calls.LoadOrStore(method, new(atomic.Int64))
	}
	v.(*atomic.Int64).Add(1)
}

func (s *Server) changed() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// params holds the parameters of one request, whatever its encoding.
type params struct {
	v     url.Values
	files map[string][]*multipart.FileHeader
}

func (p params) get(k string) string { return p.v.Get(k) }

func readParams(r *http.Request) (params, error) {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return params{}, err
		}
		return params{v: r.Form, files: r.MultipartForm.File}, nil
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]json.RawMessage
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			return params{}, err
		}
		v := r.URL.Query()
		if len(body) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return params{}, err
			}
		}
		for k, raw := range m {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v.Set(k, str)
			} else if string(raw) != "null" {
				v.Set(k, string(raw))
			}
		}
		return params{v: v}, nil
	default:
		if err := r.ParseForm(); err != nil {
			return params{}, err
		}
		return params{v: r.Form}, nil
	}
}

// apiError is an error answer of the Bot API.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + desc}
}

var (
	errBlocked      = &apiError{code: http.StatusForbidden, description: "Forbidden: bot was blocked by the user"}
	errChatNotFound = badRequest("chat not found")
	errTooMany      = &apiError{code: http.StatusTooManyRequests, description: "Too Many Requests: retry after 1", retryAfter: 1}
)

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	if e.code == http.StatusTooManyRequests {
		s.tooMany.Add(1)
	}
	resp := tgbotapi.APIResponse{Ok: false, ErrorCode: e.code, Description: e.description}
	if e.retryAfter > 0 {
		resp.Parameters = &tgbotapi.ResponseParameters{RetryAfter: e.retryAfter}
	}
	body, _ := json.Marshal(resp)
	writeBody(w, e.code, body)
}

func writeOK(w http.ResponseWriter, result any) {
	res, err := json.Marshal(result)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := make([]byte, 0, len(res)+24)
	body = append(body, `{"ok":true,"result":`...)
	body = append(body, res...)
	body = append(body, '}')
	writeBody(w, http.StatusOK, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	notFound := &apiError{code: http.StatusNotFound, description: "Not Found"}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		s.writeError(w, notFound)
		return
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		s.writeError(w, notFound)
		return
	}
	tok, method := rest[:i], rest[i+1:]
	if tok != s.token {
		s.writeError(w, &apiError{code: http.StatusUnauthorized, description: "Unauthorized"})
		return
	}
	s.countCall(method)
	p, err := readParams(r)
	if err != nil {
		s.writeError(w, badRequest("can't parse request: "+err.Error()))
		return
	}
	if f, ok := s.takeFault(method); ok {
		s.writeError(w, &apiError{code: f.code, description: f.description, retryAfter: f.retryAfter})
		return
	}
	var (
		result any
		aerr   *apiError
	)
	switch strings.ToLower(method) {
	case "getme":
		result = s.bot
	case "getupdates":
		s.getUpdates(w, r, p)
		return
	case "setwebhook":
		result, aerr = s.setWebhook(p)
	case "deletewebhook":
		result, aerr = s.deleteWebhook()
	case "deletemycommands":
		result = true
	case "getwebhookinfo":
		result = tgbotapi.WebhookInfo{}
	case "setmycommands":
		result, aerr = s.setMyCommands(p)
	case "getmycommands":
		result = s.CommandsFor(p.get("language_code"))
	case "setmydescription":
		result, aerr = s.setText(p, "description", 512, s.descriptions)
	case "setmyshortdescription":
		result, aerr = s.setText(p, "short_description", 120, s.shortDescs)
	case "sendchataction":
		result, aerr = s.sendChatAction(p)
	case "sendmessage":
		result, aerr = s.sendMessage(p)
	case "editmessagetext":
		result, aerr = s.editMessageText(p)
	case "editmessagereplymarkup":
		result, aerr = s.editMessageReplyMarkup(p)
	case "deletemessage":
		result, aerr = s.deleteMessage(p)
	case "answercallbackquery":
		result, aerr = s.answerCallbackQuery(p)
	case "senddocument":
		result, aerr = s.sendFile(p, "document")
	case "sendphoto":
		result, aerr = s.sendFile(p, "photo")
	case "getfile":
		result, aerr = s.getFile(p)
	default:
		aerr = notFound
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	writeOK(w, result)
}

func (s *Server) setMyCommands(p params) (any, *apiError) {
	var cmds []tgbotapi.BotCommand
	if err := json.Unmarshal([]byte(p.get("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	lang := p.get("language_code")
	if !validLangCode(lang) {
		return nil, badRequest("invalid language code specified")
	}
	s.cmdMu.Lock()
	s.commands[lang] = cmds
	s.cmdMu.Unlock()
	return true, nil
}

// setText stores a profile text (setMyDescription, setMyShortDescription)
// for its language_code, refused like Telegram beyond limit characters
// (UTF-16 code units, as Telegram counts them).
func (s *Server) setText(p params, field string, limit int, into map[string]string) (any, *apiError) {
	lang, text := p.get("language_code"), p.get(field)
	if !validLangCode(lang) {
		return nil, badRequest("invalid language code specified")
	}
	if len(utf16.Encode([]rune(text))) > limit {
		return nil, badRequest(field + " is too long")
	}
	s.cmdMu.Lock()
	into[lang] = text
	s.cmdMu.Unlock()
	return true, nil
}

// validLangCode reports whether lang is empty or a two-letter ISO 639-1
// code, as the Bot API's language_code must be.
func validLangCode(lang string) bool {
	if lang == "" {
		return true
	}
	return len(lang) == 2 && lang[0] >= 'a' && lang[0] <= 'z' && lang[1] >= 'a' && lang[1] <= 'z'
}
