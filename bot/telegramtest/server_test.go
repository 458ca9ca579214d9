package telegramtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot/bot/telegramtest"
)

func TestGetMe(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	if api.Self.UserName != "kbbot_test_bot" || !api.Self.IsBot || api.Self.FirstName != "KB Bot" || api.Self.ID != 123456 {
		t.Fatalf("unexpected bot user %+v", api.Self)
	}
	if s.Calls("getMe") != 1 {
		t.Fatalf("Calls(getMe) = %d, want 1", s.Calls("getMe"))
	}
}

func TestCustomTokenAndUnauthorized(t *testing.T) {
	s := newServer(t, telegramtest.WithToken("777:SECRET"))
	if s.Token() != "777:SECRET" {
		t.Fatalf("Token() = %q", s.Token())
	}
	api := newAPI(t, s)
	if api.Self.ID != 777 {
		t.Fatalf("bot id = %d, want 777", api.Self.ID)
	}
	_, err := tgbotapi.NewBotAPIWithAPIEndpoint("777:WRONG", s.APIURL()+"/bot%s/%s")
	apiErr(t, err, 401, "Unauthorized")
}

func TestUnknownMethod(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	_, err := call(t, api, "sendRocket", nil)
	apiErr(t, err, 404, "Not Found")
}

func TestTrivialMethods(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "Ani")
	for _, m := range []string{"deleteWebhook", "sendChatAction"} {
		resp, err := call(t, api, m, tgbotapi.Params{"chat_id": "1", "action": "typing"})
		if err != nil || string(resp.Result) != "true" {
			t.Fatalf("%s: %v %s", m, err, resp.Result)
		}
	}
	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Mulai"})
	if _, err := api.Request(cmds); err != nil {
		t.Fatalf("setMyCommands: %v", err)
	}
	if got := s.Commands(); len(got) != 1 || got[0].Command != "start" {
		t.Fatalf("Commands() = %+v", got)
	}
}

func TestLongPollReturnsWhenUpdateArrives(t *testing.T) {
	s := newServer(t)
	waiting := make(chan struct{}, 1)
	telegramtest.SetPollHooks(s, func() { waiting <- struct{}{} }, nil)
	api := newAPI(t, s)
	got := make(chan []tgbotapi.Update, 1)
	start := time.Now()
	go func() {
		ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		if err != nil {
			t.Error(err)
		}
		got <- ups
	}()
	within(t, waiting, 5*time.Second, "the poll to wait")
	id := s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 5, Type: "private"}, Text: "hai"}})
	ups := within(t, got, 5*time.Second, "the long poll to return")
	if len(ups) != 1 || ups[0].UpdateID != id || id != 1 || ups[0].Message.Text != "hai" {
		t.Fatalf("unexpected updates %+v (id %d)", ups, id)
	}
	if ups[0].Message.MessageID == 0 || ups[0].Message.Date == 0 {
		t.Fatalf("message id/date not filled in: %+v", ups[0].Message)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("long poll took %v", d)
	}
}

func TestLongPollTimeoutAndShortPoll(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 0 {
		t.Fatalf("short poll: %v %v", ups, err)
	}
	ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(ups) != 0 {
		t.Fatalf("timed-out poll: %v %v", ups, err)
	}
}

func TestLongPollReturnsWhenClientCancels(t *testing.T) {
	s := newServer(t)
	waiting := make(chan struct{}, 1)
	cancelled := make(chan struct{}, 1)
	telegramtest.SetPollHooks(s, func() { waiting <- struct{}{} }, func() { cancelled <- struct{}{} })
	ctx, cancel := context.WithCancel(context.Background())
	form := url.Values{"timeout": {"60"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL()+"/bot"+s.Token()+"/getUpdates", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	within(t, waiting, 5*time.Second, "the poll to wait")
	cancel()
	if err := within(t, errc, 5*time.Second, "the client to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	within(t, cancelled, 5*time.Second, "the server handler to notice the disconnect")
}

func TestLimitAndOffset(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	for i := 0; i < 5; i++ {
		s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 9, Type: "private"}, Text: strconv.Itoa(i)}})
	}
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(ups) != 2 || ups[0].UpdateID != 1 || ups[1].UpdateID != 2 {
		t.Fatalf("limit 2: %+v %v", ups, err)
	}
	// Not confirmed yet: the same updates come again.
	ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if len(ups) != 2 || ups[0].UpdateID != 1 {
		t.Fatalf("repeat: %+v", ups)
	}
	ups, _ = api.GetUpdates(tgbotapi.UpdateConfig{Offset: 3})
	if len(ups) != 3 || ups[0].UpdateID != 3 || ups[2].UpdateID != 5 {
		t.Fatalf("offset 3: %+v", ups)
	}
	for id := 1; id <= 2; id++ {
		if err := s.WaitConfirmed(id); err != nil {
			t.Fatalf("WaitConfirmed(%d): %v", id, err)
		}
	}
	if s.Pending() != 3 {
		t.Fatalf("Pending() = %d, want 3", s.Pending())
	}
	// An offset beyond every update confirms all, but not later updates.
	if _, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: 1000}); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 {
		t.Fatalf("Pending() = %d, want 0", s.Pending())
	}
	id := s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 9}, Text: "later"}})
	if id != 6 || s.Pending() != 1 {
		t.Fatalf("id %d pending %d", id, s.Pending())
	}
	if err := s.WaitConfirmed(99); err == nil {
		t.Fatal("WaitConfirmed of an unknown update succeeded")
	}
}

func TestOffsetConfirmationUnblocksSend(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(42, "Siti")
	type result struct {
		id  int
		err error
	}
	res := make(chan result, 1)
	go func() {
		id, err := u.Send("/start")
		res <- result{id, err}
	}()
	var ups []tgbotapi.Update
	for len(ups) == 0 {
		var err error
		if ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30}); err != nil {
			t.Fatal(err)
		}
	}
	m := ups[0].Message
	if m == nil || m.Text != "/start" || m.From.ID != 42 || m.From.LanguageCode != "id" || m.Chat.ID != 42 || m.Chat.Type != "private" || m.Command() != "start" {
		t.Fatalf("unexpected update %+v", ups[0])
	}
	select {
	case r := <-res:
		t.Fatalf("Send returned before confirmation: %+v", r)
	default:
	}
	if _, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1}); err != nil {
		t.Fatal(err)
	}
	r := within(t, res, 5*time.Second, "Send to return")
	if r.err != nil || r.id != ups[0].UpdateID {
		t.Fatalf("Send = %d, %v", r.id, r.err)
	}
}

func TestSendTimesOutWithoutBot(t *testing.T) {
	s := newServer(t)
	s.SetWaitTimeout(50 * time.Millisecond)
	id, err := s.User(1, "A").Send("halo")
	if err == nil || id != 1 || !strings.Contains(err.Error(), "did not confirm update 1") {
		t.Fatalf("Send = %d, %v", id, err)
	}
}

func TestCloseUnblocksWaiters(t *testing.T) {
	s := telegramtest.New()
	errc := make(chan error, 1)
	id := s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 1}}})
	go func() { errc <- s.WaitConfirmed(id) }()
	s.Close()
	if err := within(t, errc, 5*time.Second, "WaitConfirmed to return"); !errors.Is(err, telegramtest.ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	s.Close()
}

func TestCommandEntityUTF16(t *testing.T) {
	s := newServer(t)
	got := make(chan *tgbotapi.Message, 10)
	runBot(t, s, func(_ *tgbotapi.BotAPI, u tgbotapi.Update) { got <- u.Message })
	u := s.User(7, "Dewi")
	cases := []struct {
		text   string
		length int
		cmd    string
		args   string
	}{
		{"/start", 6, "start", ""},
		{"/start booking_ref-42", 6, "start", "booking_ref-42"},
		{"/daftar@kbbot_test_bot sekarang", 22, "daftar", "sekarang"},
		{"/é😀 x", 4, "", ""}, // é = 1 UTF-16 unit, 😀 = 2
		{"halo /start", 0, "", ""},
		{"/", 0, "", ""},
	}
	for _, c := range cases {
		if _, err := u.Send(c.text); err != nil {
			t.Fatal(err)
		}
		m := <-got
		if c.length == 0 {
			if len(m.Entities) != 0 {
				t.Fatalf("%q: unexpected entities %+v", c.text, m.Entities)
			}
			continue
		}
		if len(m.Entities) != 1 || m.Entities[0].Type != "bot_command" || m.Entities[0].Offset != 0 || m.Entities[0].Length != c.length {
			t.Fatalf("%q: entities %+v", c.text, m.Entities)
		}
		if c.cmd != "" && (m.Command() != c.cmd || m.CommandArguments() != c.args) {
			t.Fatalf("%q: command %q args %q", c.text, m.Command(), m.CommandArguments())
		}
	}
}

func TestUserActionsProduceUpdates(t *testing.T) {
	s := newServer(t)
	got := make(chan tgbotapi.Update, 20)
	runBot(t, s, func(_ *tgbotapi.BotAPI, u tgbotapi.Update) { got <- u })
	u := s.User(11, "Rina")
	u.SetLanguage("en")
	must := func(_ int, err error) tgbotapi.Update {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return <-got
	}
	up := must(u.ShareLocation(-6.2, 106.8))
	if l := up.Message.Location; l == nil || l.Latitude != -6.2 || l.Longitude != 106.8 || up.Message.Text != "" || up.Message.From.LanguageCode != "en" {
		t.Fatalf("location update %+v", up.Message)
	}
	up = must(u.ShareContact("+628123"))
	if c := up.Message.Contact; c == nil || c.PhoneNumber != "+628123" || c.UserID != 11 {
		t.Fatalf("contact update %+v", up.Message)
	}
	if up = must(u.SendSticker()); up.Message.Sticker == nil || up.Message.Text != "" {
		t.Fatalf("sticker %+v", up.Message)
	}
	if up = must(u.SendVoice()); up.Message.Voice == nil || up.Message.Text != "" {
		t.Fatalf("voice %+v", up.Message)
	}
	if up = must(u.SendPhoto()); len(up.Message.Photo) == 0 || up.Message.Text != "" {
		t.Fatalf("photo %+v", up.Message)
	}
	if up = must(u.SendDocument()); up.Message.Document == nil || up.Message.Text != "" {
		t.Fatalf("document %+v", up.Message)
	}
	sent := must(u.Send("salah ketik"))
	up = must(u.Edit(sent.Message.MessageID, "benar"))
	if e := up.EditedMessage; e == nil || e.MessageID != sent.Message.MessageID || e.Text != "benar" || e.EditDate == 0 || up.Message != nil {
		t.Fatalf("edited %+v", up)
	}
	up = must(s.GroupMessage(-100, 11, "/start@kbbot_test_bot"))
	if m := up.Message; m.Chat.ID != -100 || m.Chat.Type != "group" || m.From.ID != 11 || m.From.FirstName != "Rina" || m.Command() != "start" {
		t.Fatalf("group message %+v", m)
	}
	up = must(s.ChannelPost(-1001, "pengumuman"))
	if m := up.ChannelPost; m == nil || m.Chat.Type != "channel" || m.Text != "pengumuman" || m.From != nil {
		t.Fatalf("channel post %+v", up)
	}
	if _, err := s.GroupMessage(5, 11, "x"); err == nil {
		t.Fatal("positive group id accepted")
	}
}

func TestMessageIDsIncreasePerChat(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "A")
	s.User(2, "B")
	var ids []int
	for _, chat := range []int64{1, 1, 2, 1} {
		m, err := sendText(t, api, chat, "x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Chat.ID != chat || m.From.ID != api.Self.ID || m.Date == 0 || m.Text != "x" {
			t.Fatalf("bad message %+v", m)
		}
		ids = append(ids, m.MessageID)
	}
	if fmt.Sprint(ids) != "[1 2 1 3]" {
		t.Fatalf("ids = %v", ids)
	}
}

func TestChatNotFound(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	_, err := sendText(t, api, 999, "halo", nil)
	apiErr(t, err, 400, "Bad Request: chat not found")
	_, err = sendText(t, api, 0, "halo", nil)
	apiErr(t, err, 400, "Bad Request: chat not found")
}

func TestTapAfterEdit(t *testing.T) {
	s := newServer(t)
	taps := make(chan *tgbotapi.CallbackQuery, 10)
	var mu sync.Mutex
	var menuID int
	runBot(t, s, func(api *tgbotapi.BotAPI, u tgbotapi.Update) {
		switch {
		case u.Message != nil:
			kb := inlineKB(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData("Ya", "yes"),
				tgbotapi.NewInlineKeyboardButtonData("Tidak", "no"),
			), tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("Situs", "https://example.org")))
			msg := tgbotapi.NewMessage(u.Message.Chat.ID, "Setuju?")
			msg.ReplyMarkup = kb
			m, err := api.Send(msg)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			menuID = m.MessageID
			mu.Unlock()
		case u.CallbackQuery != nil:
			cq := u.CallbackQuery
			if _, err := api.Request(tgbotapi.NewCallback(cq.ID, "ok")); err != nil {
				t.Error(err)
			}
			if cq.Data == "yes" {
				edit := tgbotapi.NewEditMessageTextAndMarkup(cq.Message.Chat.ID, cq.Message.MessageID, "Pilih jadwal",
					inlineKB(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Senin", "day:1"))))
				if _, err := api.Send(edit); err != nil {
					t.Error(err)
				}
			}
			taps <- cq
		}
	})
	u := s.User(3, "Wati")
	if _, err := u.Send("halo"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Tap("Situs"); err == nil || !strings.Contains(err.Error(), "URL") {
		t.Fatalf("Tap on URL button: %v", err)
	}
	if _, err := u.Tap("Ya"); err != nil {
		t.Fatal(err)
	}
	cq := <-taps
	mu.Lock()
	id := menuID
	mu.Unlock()
	if cq.Data != "yes" || cq.Message.MessageID != id || cq.Message.Chat.ID != 3 || cq.From.ID != 3 || cq.Message.Text != "Setuju?" {
		t.Fatalf("callback %+v", cq)
	}
	last, ok := u.Last()
	if !ok || last.Text != "Pilih jadwal" || last.Edits != 1 || len(last.Buttons) != 1 || last.Buttons[0][0] != (telegramtest.Button{Text: "Senin", Data: "day:1"}) {
		t.Fatalf("after edit: %+v", last)
	}
	if _, err := u.Tap("Ya"); err == nil || !strings.Contains(err.Error(), `"Senin"`) {
		t.Fatalf("Tap on a button removed by the edit: %v", err)
	}
	if _, err := u.Tap("Tidak ada"); err == nil {
		t.Fatal("Tap on a missing label succeeded")
	}
	if _, err := u.Tap("Senin"); err != nil {
		t.Fatal(err)
	}
	if cq := <-taps; cq.Data != "day:1" || cq.Message.Text != "Pilih jadwal" || cq.Message.ReplyMarkup == nil {
		t.Fatalf("second callback %+v", cq)
	}
	if _, err := u.TapData(12345, "forged"); err != nil {
		t.Fatal(err)
	}
	if cq := <-taps; cq.Data != "forged" || cq.Message.MessageID != 12345 {
		t.Fatalf("forged callback %+v", cq)
	}
	answers := u.Answers()
	if len(answers) != 3 || answers[0].Text != "ok" || answers[0].ShowAlert {
		t.Fatalf("answers %+v", answers)
	}
}

func TestAnswerCallbackQuery(t *testing.T) {
	s := newServer(t)
	ids := make(chan string, 5)
	runBot(t, s, func(api *tgbotapi.BotAPI, u tgbotapi.Update) {
		if u.CallbackQuery != nil {
			ids <- u.CallbackQuery.ID
		}
	})
	api := newAPI(t, s)
	u := s.User(8, "Yuni")
	if _, err := u.TapData(1, "x"); err != nil {
		t.Fatal(err)
	}
	id := <-ids
	_, err := api.Request(tgbotapi.NewCallback(id, strings.Repeat("a", 201)))
	apiErr(t, err, 400, "")
	alert := tgbotapi.NewCallbackWithAlert(id, "Sudah terdaftar")
	if _, err := api.Request(alert); err != nil {
		t.Fatal(err)
	}
	_, err = api.Request(tgbotapi.NewCallback(id, ""))
	apiErr(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	_, err = api.Request(tgbotapi.NewCallback("nope", ""))
	apiErr(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	if a := u.Answers(); len(a) != 1 || a[0] != (telegramtest.Answer{CallbackID: id, Text: "Sudah terdaftar", ShowAlert: true}) {
		t.Fatalf("answers %+v", a)
	}
}

func TestCallbackDataValidation(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "A")
	kb := func(data string) tgbotapi.InlineKeyboardMarkup {
		return inlineKB(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("B", data)))
	}
	if _, err := sendText(t, api, 1, "ok", kb(strings.Repeat("x", 64))); err != nil {
		t.Fatalf("64 bytes: %v", err)
	}
	_, err := sendText(t, api, 1, "too long", kb(strings.Repeat("x", 65)))
	apiErr(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")
	// 33 characters but 66 bytes.
	_, err = sendText(t, api, 1, "multibyte", kb(strings.Repeat("é", 33)))
	apiErr(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")
	_, err = sendText(t, api, 1, "empty", kb(""))
	apiErr(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")
	// Edits are validated the same way.
	_, err = api.Send(tgbotapi.NewEditMessageTextAndMarkup(1, 1, "edit", kb(strings.Repeat("y", 65))))
	apiErr(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")
	_, err = api.Send(tgbotapi.NewEditMessageReplyMarkup(1, 1, kb(strings.Repeat("y", 65))))
	apiErr(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")
	// A text-only inline button is not allowed.
	_, err = sendText(t, api, 1, "x", map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "t"}}}})
	apiErr(t, err, 400, "")
	if n := len(s.Sent()); n != 1 {
		t.Fatalf("%d messages sent, want 1", n)
	}
}

func TestTextLengthValidation(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "A")
	if _, err := sendText(t, api, 1, strings.Repeat("é", 4096), nil); err != nil {
		t.Fatalf("4096 runes: %v", err)
	}
	_, err := sendText(t, api, 1, strings.Repeat("a", 4097), nil)
	apiErr(t, err, 400, "Bad Request: message is too long")
	_, err = sendText(t, api, 1, "", nil)
	apiErr(t, err, 400, "Bad Request: message text is empty")
	_, err = sendText(t, api, 1, "  \n ", nil)
	apiErr(t, err, 400, "Bad Request: message text is empty")

	html := func(text string) error {
		msg := tgbotapi.NewMessage(1, text)
		msg.ParseMode = tgbotapi.ModeHTML
		_, err := api.Send(msg)
		return err
	}
	// Tags and entities do not count.
	if err := html("<b>" + strings.Repeat("a", 4095) + "&amp;</b>"); err != nil {
		t.Fatalf("4096 characters after parsing: %v", err)
	}
	apiErr(t, html("<b>"+strings.Repeat("a", 4097)+"</b>"), 400, "Bad Request: message is too long")
	apiErr(t, html("<b></b>"), 400, "Bad Request: message text is empty")

	// Edits are validated too.
	_, err = api.Send(tgbotapi.NewEditMessageText(1, 1, strings.Repeat("a", 4097)))
	apiErr(t, err, 400, "Bad Request: message is too long")
}

func TestHTMLValidation(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	send := func(text string) error {
		msg := tgbotapi.NewMessage(1, text)
		msg.ParseMode = tgbotapi.ModeHTML
		_, err := api.Send(msg)
		return err
	}
	valid := []string{
		"<b>tebal</b> <strong>x</strong> <i>m</i> <em>m</em> <u>g</u> <ins>g</ins> <s>c</s> <strike>c</strike> <del>c</del>",
		`<a href="https://kb.example/?a=1&amp;b=2">tautan</a> <a href='tg://user?id=1'>user</a>`,
		`<code>x &lt; y</code> <pre><code class="language-go">a &gt; b</code></pre>`,
		`<blockquote>kutipan</blockquote> <blockquote expandable>panjang</blockquote>`,
		`<tg-spoiler>rahasia</tg-spoiler> <span class="tg-spoiler">rahasia</span>`,
		"a > b &quot;kutip&quot; &#128512; &#x1F600; <B>upper</B>",
	}
	for _, v := range valid {
		if err := send(v); err != nil {
			t.Errorf("valid %q rejected: %v", v, err)
		}
	}
	invalid := []string{
		"baris<br>baru",
		"<b>tidak ditutup",
		"<b><i>silang</b></i>",
		"tutup</b>",
		"a < b",
		"Tom & Jerry",
		"&nbsp;",
		"<span>no class</span>",
		"<div>x</div>",
		`<a href="unterminated>x</a>`,
		"<b",
	}
	for _, v := range invalid {
		err := send(v)
		te := apiErr(t, err, 400, "")
		if !strings.HasPrefix(te.Message, "Bad Request: can't parse entities: ") {
			t.Errorf("invalid %q: got %q", v, te.Message)
		}
	}
	// Without parse_mode nothing is parsed.
	if _, err := sendText(t, api, 1, "a < b & <br>", nil); err != nil {
		t.Fatal(err)
	}
	msgs := u.Messages()
	if got := msgs[0]; got.ParseMode != "HTML" || got.Plain() != "tebal x m m g g c c c" {
		t.Fatalf("first message %+v plain %q", got, got.Plain())
	}
	// The API returns the text without tags, like Telegram.
	msg := tgbotapi.NewMessage(1, "<b>Halo</b> &amp; selamat")
	msg.ParseMode = tgbotapi.ModeHTML
	m, err := api.Send(msg)
	if err != nil || m.Text != "Halo & selamat" {
		t.Fatalf("returned text %q, %v", m.Text, err)
	}
	_, err = api.Send(tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: 1}, Text: "x", ParseMode: "Bogus"})
	apiErr(t, err, 400, "")
}

func TestEditsAndNotModified(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	kb := inlineKB(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", "a")))
	m, err := sendText(t, api, 1, "Menu", kb)
	if err != nil {
		t.Fatal(err)
	}
	notModified := "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	_, err = api.Send(tgbotapi.NewEditMessageTextAndMarkup(1, m.MessageID, "Menu", kb))
	apiErr(t, err, 400, notModified)
	_, err = api.Send(tgbotapi.NewEditMessageReplyMarkup(1, m.MessageID, kb))
	apiErr(t, err, 400, notModified)

	kb2 := inlineKB(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("B", "b")))
	edited, err := api.Send(tgbotapi.NewEditMessageTextAndMarkup(1, m.MessageID, "Menu", kb2))
	if err != nil || edited.MessageID != m.MessageID || edited.EditDate == 0 || edited.ReplyMarkup == nil {
		t.Fatalf("markup-only change: %+v %v", edited, err)
	}
	// An edit without reply_markup removes the inline keyboard, so it is a change.
	if _, err := api.Send(tgbotapi.NewEditMessageText(1, m.MessageID, "Menu")); err != nil {
		t.Fatalf("keyboard removal: %v", err)
	}
	_, err = api.Send(tgbotapi.NewEditMessageText(1, m.MessageID, "Menu"))
	apiErr(t, err, 400, notModified)
	if _, err := api.Send(tgbotapi.NewEditMessageReplyMarkup(1, m.MessageID, kb)); err != nil {
		t.Fatal(err)
	}
	got, _ := u.Last()
	if got.Edits != 3 || got.Text != "Menu" || len(got.Buttons) != 1 || got.Buttons[0][0].Text != "A" {
		t.Fatalf("after edits: %+v", got)
	}
	_, err = api.Send(tgbotapi.NewEditMessageText(1, 999, "x"))
	apiErr(t, err, 400, "Bad Request: message to edit not found")
	_, err = api.Send(tgbotapi.NewEditMessageText(555, 1, "x"))
	apiErr(t, err, 400, "Bad Request: chat not found")
}

func TestDeleteMessage(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	changes := s.Changes()
	m1, _ := sendText(t, api, 1, "satu", nil)
	within(t, changes, time.Second, "a change notification")
	m2, _ := sendText(t, api, 1, "dua", nil)
	within(t, changes, time.Second, "a change notification")
	if _, err := api.Request(tgbotapi.NewDeleteMessage(1, m1.MessageID)); err != nil {
		t.Fatal(err)
	}
	within(t, changes, time.Second, "a change notification")
	msgs := u.Messages()
	if len(msgs) != 1 || msgs[0].ID != m2.MessageID {
		t.Fatalf("messages %+v", msgs)
	}
	sent := s.Sent()
	if len(sent) != 2 || !sent[0].Deleted || sent[1].Deleted {
		t.Fatalf("sent %+v", sent)
	}
	_, err := api.Request(tgbotapi.NewDeleteMessage(1, m1.MessageID))
	apiErr(t, err, 400, "Bad Request: message to delete not found")
	_, err = api.Send(tgbotapi.NewEditMessageText(1, m1.MessageID, "x"))
	apiErr(t, err, 400, "Bad Request: message to edit not found")
}

func TestBlockAndUnblock(t *testing.T) {
	s := newServer(t)
	got := make(chan tgbotapi.Update, 5)
	api := runBot(t, s, func(_ *tgbotapi.BotAPI, u tgbotapi.Update) { got <- u })
	u := s.User(20, "Nur")
	m, err := sendText(t, api, 20, "Halo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Block(); err != nil {
		t.Fatal(err)
	}
	up := <-got
	if mcm := up.MyChatMember; mcm == nil || mcm.OldChatMember.Status != "member" || mcm.NewChatMember.Status != "kicked" ||
		mcm.Chat.ID != 20 || mcm.From.ID != 20 || mcm.NewChatMember.User.ID != api.Self.ID {
		t.Fatalf("block update %+v", up)
	}
	if !u.Blocked() {
		t.Fatal("Blocked() = false")
	}
	const blocked = "Forbidden: bot was blocked by the user"
	_, err = sendText(t, api, 20, "Halo lagi", nil)
	apiErr(t, err, 403, blocked)
	_, err = api.Send(tgbotapi.NewEditMessageText(20, m.MessageID, "edit"))
	apiErr(t, err, 403, blocked)
	_, err = api.Send(tgbotapi.NewDocument(20, tgbotapi.FileBytes{Name: "a.txt", Bytes: []byte("a")}))
	if err == nil {
		t.Fatal("sendDocument to a blocked user succeeded")
	}
	_, err = api.Request(tgbotapi.NewChatAction(20, tgbotapi.ChatTyping))
	apiErr(t, err, 403, blocked)

	if _, err := u.Unblock(); err != nil {
		t.Fatal(err)
	}
	if up := <-got; up.MyChatMember.OldChatMember.Status != "kicked" || up.MyChatMember.NewChatMember.Status != "member" {
		t.Fatalf("unblock update %+v", up)
	}
	if _, err := sendText(t, api, 20, "Selamat datang kembali", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(u.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

func TestFailNext(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "A")
	s.FailNext("sendMessage", 429, 7, "")
	s.FailNext("sendMessage", 502, 0, "Bad Gateway")
	_, err := api.Send(tgbotapi.NewMessage(1, "x"))
	te := apiErr(t, err, 429, "Too Many Requests: retry after 7")
	if te.RetryAfter != 7 {
		t.Fatalf("RetryAfter = %d", te.RetryAfter)
	}
	_, err = api.Send(tgbotapi.NewMessage(1, "x"))
	apiErr(t, err, 502, "Bad Gateway")
	if _, err := api.Send(tgbotapi.NewMessage(1, "x")); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if s.TooManyRequests() != 1 || s.Violations() != 0 || s.Calls("sendMessage") != 3 || len(s.Sent()) != 1 {
		t.Fatalf("429s %d violations %d calls %d sent %d", s.TooManyRequests(), s.Violations(), s.Calls("sendMessage"), len(s.Sent()))
	}

	// The raw body matches Telegram's.
	s.FailNext("getMe", 429, 3, "")
	resp, err := http.Post(s.APIURL()+"/bot"+s.Token()+"/getMe", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`
	if resp.StatusCode != 429 || string(body) != want {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}

	// A failed getUpdates does not confirm anything.
	id := s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 1}}})
	s.FailNext("getUpdates", 409, 0, "")
	_, err = api.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1})
	apiErr(t, err, 409, "")
	if s.Pending() != 1 {
		t.Fatalf("Pending() = %d", s.Pending())
	}
}

func TestUploads(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	doc := tgbotapi.NewDocument(1, tgbotapi.FileBytes{Name: "jadwal.pdf", Bytes: []byte("%PDF-1.4")})
	doc.Caption = "Jadwal <b>KB</b>"
	doc.ParseMode = tgbotapi.ModeHTML
	m, err := api.Send(doc)
	if err != nil || m.Document == nil || m.Document.FileName != "jadwal.pdf" || m.Caption != "Jadwal KB" {
		t.Fatalf("sendDocument: %+v %v", m, err)
	}
	photo := tgbotapi.NewPhoto(1, tgbotapi.FileBytes{Name: "peta.png", Bytes: []byte{0x89, 'P', 'N', 'G'}})
	if m, err := api.Send(photo); err != nil || len(m.Photo) == 0 {
		t.Fatalf("sendPhoto: %+v %v", m, err)
	}
	long := tgbotapi.NewDocument(1, tgbotapi.FileBytes{Name: "x.txt", Bytes: []byte("x")})
	long.Caption = strings.Repeat("c", 1025)
	_, err = api.Send(long)
	var te *tgbotapi.Error
	// The library drops Code on uploads; check the description.
	if !errors.As(err, &te) || !strings.Contains(te.Message, "caption is too long") {
		t.Fatalf("long caption: %v", err)
	}
	msgs := u.Messages()
	if len(msgs) != 2 || msgs[0].Document == nil || string(msgs[0].Document.Data) != "%PDF-1.4" || msgs[0].Document.Caption != "Jadwal <b>KB</b>" ||
		msgs[1].Photo == nil || msgs[1].Photo.Name != "peta.png" || len(msgs[1].Photo.Data) != 4 {
		t.Fatalf("messages %+v", msgs)
	}
	_, err = api.Send(tgbotapi.NewEditMessageText(1, msgs[0].ID, "x"))
	apiErr(t, err, 400, "Bad Request: there is no text in the message to edit")
	if s.Calls("sendDocument") != 2 || s.Calls("sendPhoto") != 1 {
		t.Fatalf("calls %d %d", s.Calls("sendDocument"), s.Calls("sendPhoto"))
	}
}

func TestReplyKeyboard(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	kb := tgbotapi.NewReplyKeyboard(
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation("Kirim lokasi")),
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("Kirim nomor"), tgbotapi.NewKeyboardButton("Batal")),
	)
	if _, err := sendText(t, api, 1, "Bagikan lokasi", kb); err != nil {
		t.Fatal(err)
	}
	want := [][]telegramtest.Button{
		{{Text: "Kirim lokasi", RequestLocation: true}},
		{{Text: "Kirim nomor", RequestContact: true}, {Text: "Batal"}},
	}
	last, _ := u.Last()
	if fmt.Sprint(last.Keyboard) != fmt.Sprint(want) || fmt.Sprint(u.ReplyKeyboard()) != fmt.Sprint(want) {
		t.Fatalf("keyboard %+v / %+v", last.Keyboard, u.ReplyKeyboard())
	}
	if _, err := sendText(t, api, 1, "Terima kasih", tgbotapi.NewRemoveKeyboard(true)); err != nil {
		t.Fatal(err)
	}
	last, _ = u.Last()
	if !last.RemoveKeyboard || u.ReplyKeyboard() != nil {
		t.Fatalf("after removal %+v %v", last, u.ReplyKeyboard())
	}
}

func TestAllowedUpdatesFilter(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	u := s.User(1, "A")
	// A raw update of an excluded type is dropped and reported.
	id := s.EnqueueAsync(tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{From: &tgbotapi.User{ID: 1}, Data: "x"}})
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}})
	if err != nil || len(ups) != 0 {
		t.Fatalf("callback delivered despite allowed_updates: %+v %v", ups, err)
	}
	if err := s.WaitConfirmed(id); err == nil || !strings.Contains(err.Error(), "allowed_updates") {
		t.Fatalf("WaitConfirmed = %v", err)
	}
	// The setting persists while later calls omit allowed_updates.
	polled := make(chan []tgbotapi.Update, 1)
	go func() {
		ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: id + 1, Timeout: 30})
		if err != nil {
			t.Error(err)
		}
		polled <- ups
	}()
	tapErr := make(chan error, 1)
	go func() {
		_, err := u.TapData(1, "x")
		tapErr <- err
	}()
	if err := within(t, tapErr, 5*time.Second, "TapData"); err == nil || !strings.Contains(err.Error(), "allowed_updates") {
		t.Fatalf("TapData = %v", err)
	}
	msgID := s.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: 1}, Text: "m"}})
	if ups := within(t, polled, 5*time.Second, "the poll"); len(ups) != 1 || ups[0].UpdateID != msgID {
		t.Fatalf("poll returned %+v", ups)
	}
	// An empty list restores the default set (everything but chat_member).
	id = s.EnqueueAsync(tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{From: &tgbotapi.User{ID: 1}, Data: "y"}})
	resp, err := call(t, api, "getUpdates", tgbotapi.Params{"offset": strconv.Itoa(msgID + 1), "allowed_updates": "[]"})
	if err != nil || !strings.Contains(string(resp.Result), `"data":"y"`) {
		t.Fatalf("default set: %s %v", resp.Result, err)
	}
	_ = id
}

func TestJSONRequests(t *testing.T) {
	s := newServer(t)
	s.User(1, "A")
	body := `{"chat_id":1,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`
	resp, err := http.Post(s.APIURL()+"/bot"+s.Token()+"/sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r tgbotapi.APIResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || !r.Ok {
		t.Fatalf("%+v %v", r, err)
	}
	if m := s.Sent(); len(m) != 1 || m[0].Buttons[0][0].Data != "a" {
		t.Fatalf("sent %+v", m)
	}
}

// TestProfileTextsPerLanguage: setMyDescription and setMyShortDescription
// are kept per language_code, and texts beyond Telegram's limits (512 and
// 120 characters) or a bad language code are refused as Telegram does.
func TestProfileTextsPerLanguage(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	for _, c := range []struct {
		method, field, lang, text string
	}{
		{"setMyDescription", "description", "", "Deskripsi"},
		{"setMyDescription", "description", "en", "Description"},
		{"setMyShortDescription", "short_description", "", "Singkat"},
		{"setMyShortDescription", "short_description", "en", "Short"},
	} {
		p := tgbotapi.Params{c.field: c.text}
		if c.lang != "" {
			p["language_code"] = c.lang
		}
		if _, err := call(t, api, c.method, p); err != nil {
			t.Fatalf("%s %q: %v", c.method, c.lang, err)
		}
	}
	if s.Description("") != "Deskripsi" || s.Description("en") != "Description" ||
		s.ShortDescription("") != "Singkat" || s.ShortDescription("en") != "Short" {
		t.Fatalf("profile texts not kept per language: %q %q %q %q",
			s.Description(""), s.Description("en"), s.ShortDescription(""), s.ShortDescription("en"))
	}
	for _, c := range []struct {
		method string
		p      tgbotapi.Params
	}{
		{"setMyShortDescription", tgbotapi.Params{"short_description": strings.Repeat("é", 121)}},
		{"setMyDescription", tgbotapi.Params{"description": strings.Repeat("a", 513)}},
		{"setMyDescription", tgbotapi.Params{"description": "x", "language_code": "english"}},
	} {
		if _, err := call(t, api, c.method, c.p); err == nil {
			t.Errorf("%s %v was accepted; Telegram refuses it", c.method, c.p)
		}
	}
	if s.ShortDescription("") != "Singkat" {
		t.Errorf("a refused text replaced the stored one: %q", s.ShortDescription(""))
	}
}
