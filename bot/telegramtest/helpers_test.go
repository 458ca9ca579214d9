package telegramtest_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot/bot/telegramtest"
)

// newServer starts a server that is closed when the test ends.
func newServer(t testing.TB, opts ...telegramtest.Option) *telegramtest.Server {
	t.Helper()
	s := telegramtest.New(opts...)
	t.Cleanup(s.Close)
	return s
}

// newAPI returns a go-telegram-bot-api client for the server (it calls getMe).
func newAPI(t testing.TB, s *telegramtest.Server) *tgbotapi.BotAPI {
	t.Helper()
	api, err := tgbotapi.NewBotAPIWithAPIEndpoint(s.Token(), s.APIURL()+"/bot%s/%s")
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return api
}

// runBot runs a minimal long-polling bot: it fetches a batch, handles its
// updates concurrently, waits for them and only then confirms the batch with
// the next offset. It stops when the test ends.
func runBot(t testing.TB, s *telegramtest.Server, handle func(api *tgbotapi.BotAPI, u tgbotapi.Update)) *tgbotapi.BotAPI {
	t.Helper()
	api := newAPI(t, s)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		offset := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 30})
			if err != nil {
				select {
				case <-stop:
					return
				default:
				}
				t.Errorf("getUpdates: %v", err)
				return
			}
			var wg sync.WaitGroup
			for _, u := range updates {
				wg.Add(1)
				go func() {
					defer wg.Done()
					handle(api, u)
				}()
				offset = u.UpdateID + 1
			}
			wg.Wait()
		}
	}()
	t.Cleanup(func() {
		close(stop)
		s.Close() // wakes the long poll
		<-done
	})
	return api
}

// call makes a raw API request with the library and returns the response and
// error exactly as the library reports them.
func call(t testing.TB, api *tgbotapi.BotAPI, method string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	t.Helper()
	return api.MakeRequest(method, p)
}

// sendText sends a message with the given params added and returns the
// decoded message.
func sendText(t testing.TB, api *tgbotapi.BotAPI, chatID int64, text string, markup any) (tgbotapi.Message, error) {
	t.Helper()
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "text": text}
	if markup != nil {
		if err := p.AddInterface("reply_markup", markup); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := api.MakeRequest("sendMessage", p)
	if err != nil {
		return tgbotapi.Message{}, err
	}
	var m tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		t.Fatalf("decode message: %v", err)
	}
	return m, nil
}

// apiErr asserts that err is a *tgbotapi.Error with the code and message.
func apiErr(t testing.TB, err error, code int, msg string) *tgbotapi.Error {
	t.Helper()
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("want *tgbotapi.Error %d %q, got %v", code, msg, err)
	}
	if te.Code != code || (msg != "" && te.Message != msg) {
		t.Fatalf("want error %d %q, got %d %q", code, msg, te.Code, te.Message)
	}
	return te
}

// within fails the test if ch does not deliver within d (a safety net, not a
// synchronisation sleep).
func within[T any](t testing.TB, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func inlineKB(rows ...[]tgbotapi.InlineKeyboardButton) tgbotapi.InlineKeyboardMarkup {
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}
