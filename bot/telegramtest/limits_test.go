package telegramtest_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot/bot/telegramtest"
)

// The windows are real time; each case sends a handful of requests back to
// back, far faster than the one-second window.

func TestPerChatLimit(t *testing.T) {
	s := newServer(t, telegramtest.WithLimits(telegramtest.Limits{PerChat: 1}))
	api := newAPI(t, s)
	s.User(1, "A")
	s.User(2, "B")
	if _, err := sendText(t, api, 1, "satu", nil); err != nil {
		t.Fatal(err)
	}
	_, err := sendText(t, api, 1, "dua", nil)
	te := apiErr(t, err, 429, "Too Many Requests: retry after 1")
	if te.RetryAfter != 1 {
		t.Fatalf("RetryAfter = %d", te.RetryAfter)
	}
	// Another chat is not affected.
	if _, err := sendText(t, api, 2, "satu", nil); err != nil {
		t.Fatal(err)
	}
	// Edits count too.
	_, err = api.Send(tgbotapi.NewEditMessageText(1, 1, "edit"))
	apiErr(t, err, 429, "")
	if s.Violations() != 2 || s.TooManyRequests() != 2 {
		t.Fatalf("violations %d, 429s %d", s.Violations(), s.TooManyRequests())
	}
	// The rejected requests were not performed.
	if n := len(s.Sent()); n != 2 {
		t.Fatalf("%d sent, want 2", n)
	}
	if m := s.User(1, "A").Messages(); len(m) != 1 || m[0].Edits != 0 {
		t.Fatalf("messages %+v", m)
	}
}

func TestBurst(t *testing.T) {
	s := newServer(t, telegramtest.WithLimits(telegramtest.Limits{PerChat: 1, Burst: 2}))
	api := newAPI(t, s)
	s.User(1, "A")
	for i := 0; i < 3; i++ {
		if _, err := sendText(t, api, 1, strconv.Itoa(i), nil); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, err := sendText(t, api, 1, "4", nil)
	apiErr(t, err, 429, "")
	if s.Violations() != 1 {
		t.Fatalf("violations %d", s.Violations())
	}
}

func TestGlobalLimit(t *testing.T) {
	s := newServer(t, telegramtest.WithLimits(telegramtest.Limits{Global: 3}))
	api := newAPI(t, s)
	for i := int64(1); i <= 4; i++ {
		s.User(i, "U")
	}
	for i := int64(1); i <= 3; i++ {
		if _, err := sendText(t, api, i, "x", nil); err != nil {
			t.Fatalf("send to %d: %v", i, err)
		}
	}
	_, err := sendText(t, api, 4, "x", nil)
	apiErr(t, err, 429, "")
	// Files count as well.
	_, err = api.Send(tgbotapi.NewDocument(4, tgbotapi.FileBytes{Name: "a", Bytes: []byte("a")}))
	if err == nil {
		t.Fatal("sendDocument over the global limit succeeded")
	}
	if s.Violations() != 2 {
		t.Fatalf("violations %d", s.Violations())
	}
}

func TestGroupLimit(t *testing.T) {
	s := newServer(t, telegramtest.WithLimits(telegramtest.Limits{PerGroupPerMinute: 2, PerChat: 100}))
	api := newAPI(t, s)
	runBot(t, s, func(*tgbotapi.BotAPI, tgbotapi.Update) {})
	if _, err := s.GroupMessage(-500, 1, "halo"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := sendText(t, api, -500, "x", nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err := sendText(t, api, -500, "x", nil)
	apiErr(t, err, 429, "Too Many Requests: retry after 1")
	if s.Violations() != 1 {
		t.Fatalf("violations %d", s.Violations())
	}
}

func TestNoLimitsByDefault(t *testing.T) {
	s := newServer(t)
	api := newAPI(t, s)
	s.User(1, "A")
	for i := 0; i < 50; i++ {
		if _, err := sendText(t, api, 1, "x", nil); err != nil {
			t.Fatal(err)
		}
	}
	if s.Violations() != 0 {
		t.Fatal("violations without limits")
	}
}

// echo is a bot handler that answers every text and callback.
func echo(t testing.TB) func(api *tgbotapi.BotAPI, u tgbotapi.Update) {
	return func(api *tgbotapi.BotAPI, u tgbotapi.Update) {
		switch {
		case u.Message != nil:
			msg := tgbotapi.NewMessage(u.Message.Chat.ID, "echo: "+u.Message.Text)
			msg.ReplyMarkup = inlineKB(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("OK", "ok:"+u.Message.Text)))
			if _, err := api.Send(msg); err != nil {
				t.Error(err)
			}
		case u.CallbackQuery != nil:
			if _, err := api.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "")); err != nil {
				t.Error(err)
			}
		}
	}
}

func TestManyUsersConcurrently(t *testing.T) {
	s := newServer(t)
	runBot(t, s, echo(t))
	const users = 300
	var wg sync.WaitGroup
	for i := 1; i <= users; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := s.User(int64(i), "U")
			text := fmt.Sprint(i)
			if _, err := u.Send(text); err != nil {
				t.Error(err)
				return
			}
			if _, err := u.Tap("OK"); err != nil {
				t.Error(err)
				return
			}
			m, ok := u.Last()
			if !ok || m.Text != "echo: "+text || m.Buttons[0][0].Data != "ok:"+text || len(u.Answers()) != 1 {
				t.Errorf("user %d: %+v", i, m)
			}
		}()
	}
	wg.Wait()
	if n := len(s.Sent()); n != users {
		t.Fatalf("%d sent, want %d", n, users)
	}
	if s.Pending() != 0 {
		t.Fatalf("Pending() = %d", s.Pending())
	}
}

func BenchmarkUsers(b *testing.B) {
	s := newServer(b)
	runBot(b, s, echo(b))
	var next atomic.Int64
	b.SetParallelism(500) // many users at once
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		u := s.User(next.Add(1), "U")
		for pb.Next() {
			if _, err := u.Send("hai"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestChatBurstBucket(t *testing.T) {
	s := newServer(t, telegramtest.WithLimits(telegramtest.Limits{PerChat: 1, ChatBurst: 3}))
	api := newAPI(t, s)
	s.User(1, "A")
	for i := 0; i < 3; i++ {
		if _, err := sendText(t, api, 1, strconv.Itoa(i), nil); err != nil {
			t.Fatalf("send %d of the burst: %v", i, err)
		}
	}
	_, err := sendText(t, api, 1, "4", nil)
	apiErr(t, err, 429, "")
	if s.Violations() != 1 {
		t.Fatalf("violations %d", s.Violations())
	}
}
