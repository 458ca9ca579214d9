package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
)

// The benchmarks below measure the bot's side of the Bot API alone: a
// canned server answers at once with what Telegram answers (a menu
// message of 8 buttons, a batch of taps on it), so that nearly all the
// work measured is the client's: building requests, HTTP, reading the
// answers. They use the package's exported API only.

// menuMessage is the menu as Telegram returns it after an edit.
func menuMessage(chat int64, id int) tgbotapi.Message {
	labels := []string{"📚 Kenali metode KB", "📅 Pelayanan KB serentak", "🧾 Pesanan saya", "❓ Bantuan",
		"💊 Pengingat KB", "🤱 KB setelah melahirkan", "💬 Tanya bidan", "📍 Wilayah & kelompok saya"}
	var rows [][]tgbotapi.InlineKeyboardButton
	for i, l := range labels {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{tgbotapi.NewInlineKeyboardButtonData(l, "menu:item"+string(rune('a'+i)))})
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return tgbotapi.Message{MessageID: id, Date: 1764900000, EditDate: 1764900001,
		From: &tgbotapi.User{ID: 1, IsBot: true, FirstName: "KB Bot", UserName: "kbbot_bot"},
		Chat: &tgbotapi.Chat{ID: chat, Type: "private", FirstName: "Warga"},
		Text: "Menu utama — silakan pilih:", Entities: []tgbotapi.MessageEntity{{Type: "bold", Offset: 0, Length: 10}},
		ReplyMarkup: &kb}
}

func ok(result any) []byte {
	b, err := json.Marshal(result)
	if err != nil {
		panic(err)
	}
	return []byte(`{"ok":true,"result":` + string(b) + `}`)
}

// benchReplies are a tap's replies: the answer to the callback and the
// edit of the menu in place.
func benchReplies() []kbbot.Reply {
	labels := []string{"📚 Kenali metode KB", "📅 Pelayanan KB serentak", "🧾 Pesanan saya", "❓ Bantuan",
		"💊 Pengingat KB", "🤱 KB setelah melahirkan", "💬 Tanya bidan", "📍 Wilayah & kelompok saya"}
	var rows [][]kbbot.Button
	for i, l := range labels {
		rows = append(rows, []kbbot.Button{{Label: l, Data: "menu:item" + string(rune('a'+i))}})
	}
	return []kbbot.Reply{
		{Kind: kbbot.ReplyAnswer, ChatID: 900001, CallbackID: "4382bfdwdsb323b2d9"},
		{Kind: kbbot.ReplyEdit, ChatID: 900001, EditID: 12, Text: "<b>Menu utama</b> — silakan pilih:", Buttons: rows},
	}
}

// BenchmarkSendTap sends one tap's replies (an answer and an edit with 8
// buttons) per op. cpu-us/op is the CPU time of the process: the client
// and the canned server.
func BenchmarkSendTap(b *testing.B) {
	edit, answer := ok(menuMessage(900001, 12)), []byte(`{"ok":true,"result":true}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body := edit
		if strings.HasSuffix(r.URL.Path, "/answerCallbackQuery") {
			body = answer
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	s := bot.NewSender(bot.NewClient(srv.URL, "1:TOKEN", bot.NewHTTPClient(10*time.Second)))
	replies := benchReplies()
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for range b.N {
		for _, r := range replies {
			if _, err := s.Send(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}

type countingAcceptor struct {
	n    atomic.Int64
	stop func()
	want int64
}

func (a *countingAcceptor) Accept(_ context.Context, evs []kbbot.Event) error {
	if a.n.Add(int64(len(evs))) >= a.want {
		a.stop()
	}
	return nil
}

// BenchmarkPollTaps fetches batches of 10 taps on the menu and turns
// them into events; an op is one update.
func BenchmarkPollTaps(b *testing.B) {
	var updates []tgbotapi.Update
	for i := range 10 {
		m := menuMessage(int64(900000+i), 12)
		updates = append(updates, tgbotapi.Update{UpdateID: 1000 + i, CallbackQuery: &tgbotapi.CallbackQuery{
			ID: "4382bfdwdsb323b2d9", From: &tgbotapi.User{ID: int64(900000 + i), FirstName: "Warga", LanguageCode: "id"},
			Message: &m, ChatInstance: "-5395866931348498393", Data: "menu:help"}})
	}
	batch := ok(updates)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(batch)
	}))
	defer srv.Close()
	c := bot.NewClient(srv.URL, "1:TOKEN", bot.NewHTTPClient(10*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &countingAcceptor{stop: cancel, want: int64(b.N)}
	p := bot.NewPoller(c, a, "kbbot_bot", quiet, bot.PollerConfig{Timeout: time.Second})
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	if err := p.Run(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}

// processCPU is the user and system CPU time the process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
