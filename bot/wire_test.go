package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// The Sender writes its requests itself (wire.go) and reads only the
// message id of Telegram's answer. These tests hold the bytes it sends to
// those the library's Params gave before (oldParams below is that code as
// it was at commit 7a4deb5), and its reading of answers to encoding/json's.

// wireServer answers every call with the next of its answers (or, when
// they run out, a message with id 1) and records what it was sent.
type wireServer struct {
	*httptest.Server
	mu      sync.Mutex
	methods []string
	bodies  []string
	types   []string
	answers []wireAnswer
}

type wireAnswer struct {
	status int
	body   string
}

func newWireServer(t *testing.T) *wireServer {
	s := &wireServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.methods = append(s.methods, r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
		s.bodies = append(s.bodies, string(body))
		s.types = append(s.types, r.Header.Get("Content-Type"))
		a := wireAnswer{http.StatusOK, `{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"x"}}`}
		if len(s.answers) > 0 {
			a, s.answers = s.answers[0], s.answers[1:]
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *wireServer) answer(status int, body string) {
	s.mu.Lock()
	s.answers = append(s.answers, wireAnswer{status, body})
	s.mu.Unlock()
}

func (s *wireServer) last() (method, body, ctype string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.bodies) - 1
	return s.methods[n], s.bodies[n], s.types[n]
}

func (s *wireServer) client() *Client {
	return NewClient(s.URL, "1:TOKEN", NewHTTPClient(5*time.Second))
}

// wireLabels are button labels and texts with everything JSON and URL
// encoding treat specially.
var wireLabels = []string{
	"❓ Bantuan", "⬅️ Menu utama", `<b>"kutip"</b> & 'apos'`, "baris\nbaru\ttab\r\b\f\x00\x1f\x7f",
	"a+b=c?d/e;f:g@h#i%j", "pemisah\u2028baris\u2029", "bukan utf-8: \xff\xfe", "~-_.", "spasi  ganda ", "",
	strings.Repeat("kata ", 60) + "😀",
}

func wireReplies() []kbbot.Reply {
	var out []kbbot.Reply
	for i, l := range wireLabels {
		rows := [][]kbbot.Button{
			{{Label: l, Data: "m:" + strconv.Itoa(i)}},
			{{Label: "Buka", URL: "https://example.org/a?b=c&d=" + url.QueryEscape(l)}, {Label: l + "2", Data: "m:x:" + l[:min(len(l), 20)]}},
			{},
		}
		if l == "" {
			rows[0][0].Label = "kosong"
			rows[2] = nil
		}
		out = append(out,
			kbbot.Reply{Kind: kbbot.ReplyAnswer, CallbackID: "cb" + strconv.Itoa(i), Text: l},
			kbbot.Reply{Kind: kbbot.ReplyAnswer, CallbackID: "cb", Text: l, Alert: true},
			kbbot.Reply{Kind: kbbot.ReplyEdit, ChatID: kbbot.ChatID(100 + i), EditID: 7 + i, Text: l, Buttons: rows},
			kbbot.Reply{Kind: kbbot.ReplyEdit, ChatID: -100123, EditID: 1, Text: l},
			kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 5, Text: l},
			kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 5, Text: l, Buttons: rows, Keyboard: [][]kbbot.KeyButton{{{Label: "x"}}}},
			kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 5, Text: l, Keyboard: [][]kbbot.KeyButton{
				{{Label: l + "lokasi", RequestLocation: true}, {Label: "kontak", RequestContact: true}}, {}, {{Label: "Batal"}}}},
			kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 5, Text: l, RemoveKeyboard: true},
			kbbot.Reply{Kind: kbbot.ReplyPhoto, ChatID: 5, FileID: "AgAD" + strconv.Itoa(i), Text: l, Buttons: rows},
			kbbot.Reply{Kind: kbbot.ReplyPhoto, ChatID: 5, FileID: "AgAD"},
		)
	}
	return out
}

// TestRequestsAsBefore: each reply goes out as the very bytes the
// library's Params gave.
func TestRequestsAsBefore(t *testing.T) {
	srv := newWireServer(t)
	s := NewSender(srv.client())
	for i, r := range wireReplies() {
		method, p, err := oldParams(r)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if _, err := s.Send(context.Background(), r); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		gotMethod, body, ctype := srv.last()
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		if gotMethod != method || body != form.Encode() || ctype != "application/x-www-form-urlencoded" {
			t.Errorf("reply %d (%+v):\n got %s %s\nwant %s %s", i, r, gotMethod, body, method, form.Encode())
		}
	}
}

// TestBadButtonsAsBefore: a button without callback data, or with more
// than 64 bytes, is refused before anything is sent, as before.
func TestBadButtonsAsBefore(t *testing.T) {
	srv := newWireServer(t)
	s := NewSender(srv.client())
	for _, b := range []kbbot.Button{{Label: "kosong"}, {Label: "panjang", Data: strings.Repeat("x", 65)}} {
		for _, kind := range []kbbot.ReplyKind{kbbot.ReplySend, kbbot.ReplyEdit, kbbot.ReplyPhoto, kbbot.ReplyDocument} {
			r := kbbot.Reply{Kind: kind, ChatID: 5, Text: "x", FileID: "f", File: []byte("x"), FileName: "a.txt",
				Buttons: [][]kbbot.Button{{{Label: "ok", Data: "ok"}}, {b}}}
			_, _, oldErr := oldParams(r)
			if kind == kbbot.ReplyDocument {
				oldErr = oldAddInline(tgbotapi.Params{}, r.Buttons)
			}
			_, err := s.Send(context.Background(), r)
			if err == nil || oldErr == nil || err.Error() != oldErr.Error() || !errors.Is(err, kbbot.ErrBadRequest) {
				t.Errorf("%s with %+v: got %v, want %v", kind, b, err, oldErr)
			}
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.bodies) != 0 {
		t.Errorf("%d requests sent for refused replies", len(srv.bodies))
	}
}

// TestUploadsAsBefore: documents and new photos carry the fields they
// carried.
func TestUploadsAsBefore(t *testing.T) {
	srv := newWireServer(t)
	s := NewSender(srv.client())
	for i, r := range []kbbot.Reply{
		{Kind: kbbot.ReplyDocument, ChatID: 5, FileName: "rekap.xlsx", File: []byte("PK\x03\x04"), Text: "<b>Rekap</b>",
			Buttons: [][]kbbot.Button{{{Label: "❓ Bantuan", Data: "m:help"}}}},
		{Kind: kbbot.ReplyDocument, ChatID: 5, FileName: "a.csv", File: []byte("a,b")},
		{Kind: kbbot.ReplyPhoto, ChatID: 5, FileName: "poster.png", File: []byte("\x89PNG"), Text: "Poster & <i>jadwal</i>"},
	} {
		want := tgbotapi.Params{"chat_id": "5"}
		if r.Text != "" {
			want["caption"], want["parse_mode"] = r.Text, "HTML"
		}
		if err := oldAddInline(want, r.Buttons); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(context.Background(), r); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		method, body, ctype := srv.last()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		field := "document"
		if r.Kind == kbbot.ReplyPhoto {
			field = "photo"
		}
		if wantMethod := "send" + strings.ToUpper(field[:1]) + field[1:]; method != wantMethod {
			t.Errorf("reply %d: method %s, want %s", i, method, wantMethod)
		}
		got := tgbotapi.Params{}
		for k, v := range req.MultipartForm.Value {
			got[k] = strings.Join(v, "|")
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("reply %d: fields %v, want %v", i, got, want)
		}
		fh := req.MultipartForm.File[field]
		if len(fh) != 1 || fh[0].Filename != r.FileName {
			t.Fatalf("reply %d: file %v", i, fh)
		}
		f, _ := fh[0].Open()
		data, _ := io.ReadAll(f)
		if string(data) != string(r.File) {
			t.Errorf("reply %d: file bytes %q, want %q", i, data, r.File)
		}
	}
}

// TestParamsFormAsURLValues: Call encodes its parameters as url.Values
// did.
func TestParamsFormAsURLValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		p := tgbotapi.Params{}
		for range rng.IntN(6) {
			p[randString(rng, 8)] = randString(rng, 40)
		}
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		if got := string(paramsForm(p)); got != form.Encode() {
			t.Fatalf("%v: got %s, want %s", p, got, form.Encode())
		}
	}
}

// TestJSONStringAsEncodingJSON: strings are escaped as encoding/json
// escapes them.
func TestJSONStringAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := append([]string{}, wireLabels...)
	for range 5000 {
		cases = append(cases, randString(rng, 30))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

// randString returns up to n bytes: ASCII, bytes of any value, and runes
// JSON and URLs treat specially.
func randString(rng *rand.Rand, n int) string {
	special := []string{"é", "😀", "\u2028", "\u2029", "\ufffd", "<", ">", "&", `"`, `\`, " ", "+", "%", "=", "~"}
	var b strings.Builder
	for range rng.IntN(n + 1) {
		switch rng.IntN(4) {
		case 0:
			b.WriteByte(byte(rng.IntN(256)))
		case 1:
			b.WriteString(special[rng.IntN(len(special))])
		default:
			b.WriteByte(byte(0x20 + rng.IntN(0x5f)))
		}
	}
	return b.String()
}

// TestAnswersReadAsBefore: the message id and the errors Telegram's
// answers give, on the quick path and in full.
func TestAnswersReadAsBefore(t *testing.T) {
	srv := newWireServer(t)
	s := NewSender(srv.client())
	msg := `{"message_id":%d,"from":{"id":1,"is_bot":true,"first_name":"KB"},"chat":{"id":5,"type":"private"},"date":1,"text":"x"}`
	cases := []struct {
		status int
		body   string
		id     int
		err    string // what the error says; "" for none
	}{
		{200, `{"ok":true,"result":` + fmt.Sprintf(msg, 42) + `}`, 42, ""},
		{200, `{"ok":true,"result":{"message_id":43}}`, 43, ""},
		// Not in Telegram's order: decoded in full.
		{200, `{"result":{"text":"x","message_id":44},"ok":true}`, 44, ""},
		{200, ` {"ok":true,"result":{"message_id":45}}`, 45, ""},
		{200, `{"ok":true,"result":{"message_id":  46 }}`, 46, ""},
		{200, `{"ok":true,"result":{"message_id":99999999999999999999}}`, 0, ""},
		{200, `{"ok":true,"result":{"message_id":-3}}`, -3, ""},
		// The edit of an inline message answers true.
		{200, `{"ok":true,"result":true}`, 0, ""},
		{200, `{"ok":true,"result":null}`, 0, ""},
		{200, `{"ok":true}`, 0, ""},
		// Not JSON, or cut short: transient.
		{200, `{"ok":true,"result":{"message_id":47,`, 0, "not Bot API JSON"},
		{200, `{"ok":true,"result":{"message_id":48}}}`, 0, "not Bot API JSON"},
		{502, `<html>Bad Gateway</html>`, 0, "HTTP 502 with a body that is not Bot API JSON"},
		{200, `{"ok":"yes","result":{"message_id":49}}`, 0, "not Bot API JSON"},
		// Errors.
		{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`, 0, "retry after 7s"},
		{403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, 0, "blocked"},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, 0, "chat not found"},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`, 0, "not modified"},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001}}`, 0, "upgraded"},
	}
	for i, c := range cases {
		srv.answer(c.status, c.body)
		id, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 5, Text: "x"})
		want, wantErr := oldRead(c.status, c.body)
		if id != c.id || id != want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("answer %d %s: got %d %v, want %d %q", i, c.body, id, err, c.id, c.err)
		}
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("answer %d %s: error %v, before %v", i, c.body, err, wantErr)
		}
		var te *tgbotapi.Error
		if c.status >= 400 && c.status < 500 && (!errors.As(err, &te) || te.Code != c.status) {
			t.Errorf("answer %d: the *tgbotapi.Error must stay in the chain: %v", i, err)
		}
		if c.status == 400 && strings.Contains(c.body, "migrate_to_chat_id") && te.MigrateToChatID != -1001 {
			t.Errorf("answer %d: migrate_to_chat_id %d", i, te.MigrateToChatID)
		}
	}
	// Answers to callbacks: true, or an error.
	srv.answer(200, `{"ok":true,"result":true}`)
	if _, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplyAnswer, CallbackID: "c"}); err != nil {
		t.Errorf("answer: %v", err)
	}
	srv.answer(400, `{"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"}`)
	if _, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplyAnswer, CallbackID: "c"}); !errors.Is(err, kbbot.ErrBadRequest) {
		t.Errorf("old query: %v", err)
	}
}

// TestUpdatesAnswersAsBefore: getUpdates' answers, well-formed or not.
func TestUpdatesAnswersAsBefore(t *testing.T) {
	srv := newWireServer(t)
	p := NewPoller(srv.client(), nil, "kbbot_bot", nil, PollerConfig{Timeout: time.Second})
	p.offset = 17
	srv.answer(200, `{"ok":true,"result":[`+strings.Join(updateCorpus, ",")+`]}`)
	updates, err := p.fetch(context.Background())
	if err != nil || len(updates) != len(updateCorpus) {
		t.Fatalf("fetch: %d updates, %v", len(updates), err)
	}
	if _, body, _ := srv.last(); body != "allowed_updates=%5B%22message%22%2C%22edited_message%22%2C%22callback_query%22%2C%22my_chat_member%22%5D&limit=100&offset=17&timeout=1" {
		t.Errorf("getUpdates sent %s", body)
	}
	next, evs := p.events(updates)
	if next != 56 || len(evs) == 0 {
		t.Errorf("offset %d after %d events", next, len(evs))
	}
	for _, c := range []struct{ body, err string }{
		{`{"ok":true,"result":[{"update_id":"x"}]}`, "decode updates"},
		{`{"ok":true,"result":{}}`, "decode updates"},
		{`{"ok":true,"result":[{"update_id":1,`, "not Bot API JSON"},
		{`{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`, "another getUpdates"},
	} {
		srv.answer(200, c.body)
		if _, err := p.fetch(context.Background()); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got %v, want %q", c.body, err, c.err)
		}
	}
}

// The code of before (bot/sender.go and client.go at 7a4deb5), the oracle.

// oldParams is the method and parameters the Sender sent r with.
func oldParams(r kbbot.Reply) (string, tgbotapi.Params, error) {
	chat := strconv.FormatInt(int64(r.ChatID), 10)
	switch r.Kind {
	case kbbot.ReplyAnswer:
		p := tgbotapi.Params{"callback_query_id": r.CallbackID}
		p.AddNonEmpty("text", oldTruncate(r.Text, 200))
		p.AddBool("show_alert", r.Alert)
		return "answerCallbackQuery", p, nil
	case kbbot.ReplyEdit:
		p := tgbotapi.Params{"chat_id": chat, "message_id": strconv.Itoa(r.EditID), "text": r.Text, "parse_mode": "HTML"}
		p.AddBool("disable_web_page_preview", true)
		return "editMessageText", p, oldAddInline(p, r.Buttons)
	case kbbot.ReplyPhoto:
		p := tgbotapi.Params{"chat_id": chat, "photo": r.FileID}
		if r.Text != "" {
			p["caption"], p["parse_mode"] = r.Text, "HTML"
		}
		return "sendPhoto", p, oldAddInline(p, r.Buttons)
	default:
		p := tgbotapi.Params{"chat_id": chat, "text": r.Text, "parse_mode": "HTML"}
		p.AddBool("disable_web_page_preview", true)
		var err error
		switch {
		case len(r.Buttons) > 0:
			err = oldAddInline(p, r.Buttons)
		case len(r.Keyboard) > 0:
			err = p.AddInterface("reply_markup", oldReplyKeyboard(r.Keyboard))
		case r.RemoveKeyboard:
			err = p.AddInterface("reply_markup", tgbotapi.NewRemoveKeyboard(false))
		}
		return "sendMessage", p, err
	}
}

func oldAddInline(p tgbotapi.Params, rows [][]kbbot.Button) error {
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

func oldReplyKeyboard(rows [][]kbbot.KeyButton) tgbotapi.ReplyKeyboardMarkup {
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

func oldTruncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// oldRead is the message id, or the error, that Client.do and
// Sender.message made of an answer to sendMessage.
func oldRead(status int, body string) (int, error) {
	var api tgbotapi.APIResponse
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		return 0, fmt.Errorf("telegram %s: HTTP %d with a body that is not Bot API JSON", "sendMessage", status)
	}
	if !api.Ok {
		te := &tgbotapi.Error{Code: api.ErrorCode, Message: api.Description}
		if api.Parameters != nil {
			te.ResponseParameters = *api.Parameters
		}
		return 0, classify("sendMessage", te)
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(api.Result, &m); err != nil {
		return 0, nil
	}
	return m.MessageID, nil
}

// TestTimeoutAsHTTPClient: calls go to the transport directly, bounded by
// the http.Client's Timeout as Client.Do bounds them: waiting for the
// answer and reading it; the error names no token. A client with a cookie
// jar goes through Client.Do.
func TestTimeoutAsHTTPClient(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slowBody") {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"ok":true,`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	jar, _ := cookiejar.New(nil)
	for _, hc := range []*http.Client{NewHTTPClient(200 * time.Millisecond), {Timeout: 200 * time.Millisecond, Jar: jar}} {
		c := NewClient(srv.URL, "1:SECRET-TOKEN", hc)
		if (c.rt != nil) != (hc.Jar == nil) {
			t.Fatalf("jar %v: transport used directly: %v", hc.Jar != nil, c.rt != nil)
		}
		for _, method := range []string{"slowHeaders", "slowBody"} {
			start := time.Now()
			_, err := c.Call(context.Background(), method, nil)
			if err == nil || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "SECRET-TOKEN") {
				t.Errorf("%s (jar %v): %v", method, hc.Jar != nil, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s (jar %v): returned after %v", method, hc.Jar != nil, d)
			}
		}
		// A shorter deadline of the caller's stays in charge.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := c.Call(ctx, "slowHeaders", nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("caller's deadline (jar %v): %v", hc.Jar != nil, err)
		}
	}
}
