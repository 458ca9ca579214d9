package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recordingHandler records events; check runs inside Handle.
type recordingHandler struct {
	mu     sync.Mutex
	events []kbbot.Event
	check  func(kbbot.Event) error
}

func (h *recordingHandler) Handle(_ context.Context, ev kbbot.Event) error {
	var err error
	if h.check != nil {
		err = h.check(ev)
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	return err
}

// handleNow accepts events by handling them at once, in order, so the
// poller's offset follows handling (as a failing durable store would).
type handleNow struct{ h kbbot.Handler }

func (a handleNow) Accept(ctx context.Context, evs []kbbot.Event) error {
	for _, ev := range evs {
		if err := a.h.Handle(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

func startPoller(t *testing.T, srv *telegramtest.Server, h kbbot.Handler) (stop func()) {
	t.Helper()
	c := bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(10*time.Second))
	p := bot.NewPoller(c, handleNow{h}, srv.Bot().UserName, quiet, bot.PollerConfig{Timeout: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("poller: %v", err)
		}
	}
}

// TestOffsetConfirmedOnlyAfterAcceptance: while an update is being
// accepted, Telegram has not been told it is done; an update whose
// acceptance failed is fetched again.
func TestOffsetConfirmedOnlyAfterAcceptance(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	var fails sync.Once
	h := &recordingHandler{check: func(ev kbbot.Event) error {
		if srv.Pending() == 0 {
			return errors.New("update confirmed before it was handled")
		}
		var err error
		fails.Do(func() { err = errors.New("store down") })
		return err
	}}
	stop := startPoller(t, srv, h)
	defer stop()
	u := srv.User(1, "A")
	if _, err := u.Send("halo"); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) != 2 {
		t.Fatalf("the update failed once and must be handled again: %d handlings", len(h.events))
	}
	for _, ev := range h.events {
		if ev.Kind != kbbot.EventText || ev.Text != "halo" || ev.ChatID != 1 {
			t.Fatalf("event %+v", ev)
		}
	}
}

// TestUpdateKinds maps every kind of update to its event, or to nothing.
func TestUpdateKinds(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	h := &recordingHandler{}
	stop := startPoller(t, srv, h)
	defer stop()
	u := srv.User(5, "B")
	steps := []func() (int, error){
		func() (int, error) { return u.Send("/start kbs-42") },
		func() (int, error) { return u.Send("/BAHASA@" + srv.Bot().UserName + " en") },
		func() (int, error) { return u.Send("tanya dong") },
		u.SendSticker, u.SendVoice, u.SendPhoto, u.SendDocument,
		func() (int, error) { return u.ShareLocation(-6.9, 109.6) },
		func() (int, error) { return u.ShareContact("+62811") },
		func() (int, error) { return u.Edit(1, "ubah") },
		func() (int, error) { return u.TapData(1, "forged:data") },
		u.Block, u.Unblock,
		func() (int, error) { return srv.GroupMessage(-100, 5, "/start@"+srv.Bot().UserName) },
		func() (int, error) { return srv.GroupMessage(-100, 5, "obrolan biasa") },
	}
	for _, s := range steps {
		if _, err := s(); err != nil {
			t.Fatal(err)
		}
	}
	// Channel posts are not even asked for (allowed_updates).
	if _, err := srv.ChannelPost(-200, "pengumuman"); err == nil || !strings.Contains(err.Error(), "allowed_updates") {
		t.Fatalf("a channel post must be left out by allowed_updates: %v", err)
	}
	want := []kbbot.Event{
		{Kind: kbbot.EventCommand, Command: "start", Args: "kbs-42"},
		{Kind: kbbot.EventCommand, Command: "bahasa", Args: "en"},
		{Kind: kbbot.EventText, Text: "tanya dong"},
		{Kind: kbbot.EventMedia, Media: "sticker"},
		{Kind: kbbot.EventMedia, Media: "voice"},
		{Kind: kbbot.EventMedia, Media: "photo"},
		{Kind: kbbot.EventMedia, Media: "document"},
		{Kind: kbbot.EventLocation, Lat: -6.9, Lon: 109.6},
		{Kind: kbbot.EventContact, Phone: "+62811", OwnPhone: true},
		{Kind: kbbot.EventEdited},
		{Kind: kbbot.EventCallback, Data: "forged:data"},
		{Kind: kbbot.EventBlocked},
		{Kind: kbbot.EventUnblocked},
		{Kind: kbbot.EventGroup},
		// plain group chatter and channel posts: ignored
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(h.events), len(want), h.events)
	}
	for i, w := range want {
		g := h.events[i]
		if g.Kind != w.Kind || g.Command != w.Command || g.Args != w.Args || g.Text != w.Text || g.Media != w.Media ||
			g.Lat != w.Lat || g.Lon != w.Lon || g.Phone != w.Phone || g.OwnPhone != w.OwnPhone || g.Data != w.Data {
			t.Errorf("event %d: got %+v, want %+v", i, g, w)
		}
		if w.Kind != kbbot.EventGroup && g.ChatID != 5 {
			t.Errorf("event %d: chat %d, want 5", i, g.ChatID)
		}
	}
}

// TestErrorsAreClassifiedAndTokenFree: Telegram's errors map to domain
// errors, and no error text carries the token.
func TestErrorsAreClassifiedAndTokenFree(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	c := bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(5*time.Second))
	s := bot.NewSender(c)
	ctx := context.Background()
	srv.SetWaitTimeout(50 * time.Millisecond)
	u := srv.User(9, "C")
	_, _ = u.Send("/start") // nobody polls; this only makes the chat exist
	cases := []struct {
		code  int
		retry int
		desc  string
		want  error
	}{
		{403, 0, "Forbidden: bot was blocked by the user", kbbot.ErrBlocked},
		{400, 0, "Bad Request: chat not found", kbbot.ErrChatNotFound},
		{400, 0, "Bad Request: can't parse entities", kbbot.ErrBadRequest},
	}
	for _, c := range cases {
		srv.FailNext("sendMessage", c.code, c.retry, c.desc)
		_, err := s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 9, Text: "x"})
		if !errors.Is(err, c.want) {
			t.Errorf("%d %s: got %v, want %v", c.code, c.desc, err, c.want)
		}
	}
	srv.FailNext("sendMessage", 429, 3, "")
	_, err := s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: 9, Text: "x"})
	var ra *kbbot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 3*time.Second {
		t.Errorf("429: got %v, want retry after 3s", err)
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != 429 {
		t.Errorf("429: the *tgbotapi.Error must stay in the chain: %v", err)
	}
	// Transport errors quote the URL, which holds the token: it is redacted.
	dead := bot.NewClient("http://127.0.0.1:1", srv.Token(), &http.Client{Timeout: time.Second})
	_, err = dead.Call(ctx, "getMe", nil)
	if err == nil || strings.Contains(err.Error(), srv.Token()) || strings.Contains(err.Error(), "TEST-TOKEN") {
		t.Fatalf("transport error must not carry the token: %v", err)
	}
	// A wrong token is ErrUnauthorized.
	bad := bot.NewClient(srv.APIURL(), "1:wrongwrongwrong", bot.NewHTTPClient(time.Second))
	if _, err := bad.Call(ctx, "getMe", nil); !errors.Is(err, bot.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
}

// TestEditOfVanishedMessageSendsANewOne.
func TestEditOfVanishedMessageSendsANewOne(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.SetWaitTimeout(50 * time.Millisecond)
	u := srv.User(11, "D")
	_, _ = u.Send("/start") // creates the chat; nobody polls
	s := bot.NewSender(bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(5*time.Second)))
	id, err := s.Send(context.Background(), kbbot.Reply{Kind: kbbot.ReplyEdit, ChatID: 11, EditID: 999, Text: "menu"})
	if err != nil || id == 0 {
		t.Fatalf("edit of a missing message: id %d, err %v", id, err)
	}
	if m, _ := u.Last(); m.Plain() != "menu" {
		t.Fatalf("want the menu as a new message, got %+v", m)
	}
}
