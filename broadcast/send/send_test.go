package send_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/broadcast/send"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// texts renders with the embedded content, loaded once for all tests.
func texts(t testing.TB) send.Texts {
	t.Helper()
	return conversations.BroadcastTexts{Lib: fakes.Library(t)}
}

// recSender records what it is asked to send; fail may refuse a reply.
type recSender struct {
	mu   sync.Mutex
	got  []kbbot.Reply
	fail func(r kbbot.Reply) error
}

func (s *recSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	if s.fail != nil {
		if err := s.fail(r); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, r)
	return len(s.got), nil
}

// perChat counts the broadcast messages per chat.
func (s *recSender) perChat() map[kbbot.ChatID]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[kbbot.ChatID]int{}
	for _, r := range s.got {
		if r.Priority == kbbot.PriorityBroadcast {
			out[r.ChatID]++
		}
	}
	return out
}

var kel = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}

// sendWorld is a broadcast store with n residents and one broadcast to them
// due at now.
func sendWorld(t *testing.T, n int, text, photo string, area cadre.Area, now time.Time) (*redisstore.BroadcastStore, broadcast.Broadcast) {
	t.Helper()
	ctx := context.Background()
	rdb := redistest.Client(t)
	store := redisstore.NewBroadcastStore(rdb, redisstore.NewKeys(redistest.Prefix(t, rdb)), nil)
	for i := range n {
		lang := "id"
		if i%2 == 1 {
			lang = "en"
		}
		if err := store.SetProfile(ctx, kbbot.ChatID(1000+i), broadcast.Profile{Area: area, Lang: lang}); err != nil {
			t.Fatal(err)
		}
	}
	b := broadcast.Broadcast{ID: broadcast.NewID(7, "n1"), Author: 7, AuthorRole: cadre.Kader, Lang: "id",
		Audience: broadcast.Audience{Area: area}, Text: text, PhotoID: photo, Zone: "Asia/Jakarta", Created: now, At: now}
	if _, err := store.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	return store, b
}

var tags = regexp.MustCompile(`<[^>]*>`)

// TestBroadcastMessagesFitTelegram: the longest text allowed, with the
// longest place name and kbbot's lines, fits a message and a caption in
// both languages; the cadre's text is escaped.
func TestBroadcastMessagesFitTelegram(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Kelurahan ", 6)[:broadcast.MaxNameRunes]
	area := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: strings.TrimSpace(long)}
	for _, c := range []struct {
		photo string
		limit int
		max   int
	}{{"", broadcast.MaxText, 4096}, {"poster-1", broadcast.MaxCaption, 1024}} {
		text := "<b>&" + strings.Repeat("é", c.limit-6) + "</"
		now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
		store, _ := sendWorld(t, 2, text, c.photo, area, now)
		rec := &recSender{}
		s := send.New(texts(t), store, rec, fakes.NewClock(now), nil, send.Config{}, nil)
		if err := s.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(rec.got) != 3 { // two residents and the report
			t.Fatalf("sent %d", len(rec.got))
		}
		for _, r := range rec.got[:2] {
			plain := html.UnescapeString(tags.ReplaceAllString(r.Text, ""))
			if n := utf8.RuneCountInString(plain); n > c.max {
				t.Errorf("photo %q: %d characters, over Telegram's %d", c.photo, n, c.max)
			}
			if !strings.Contains(r.Text, "&lt;b&gt;&amp;") {
				t.Errorf("the cadre's text is not escaped: %.80q", r.Text)
			}
			if (c.photo != "") != (r.Kind == kbbot.ReplyPhoto && r.FileID == c.photo) {
				t.Errorf("kind %s file %q", r.Kind, r.FileID)
			}
			if !strings.Contains(r.Text, "/berhenti") {
				t.Error("a broadcast must say how to stop")
			}
		}
	}
}

// TestBroadcastSenderWaitsForDaytime: nothing is sent in quiet hours;
// sending starts when they end.
func TestBroadcastSenderWaitsForDaytime(t *testing.T) {
	t.Parallel()
	night := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 22:00 WIB
	store, b := sendWorld(t, 5, "Halo", "", kel, night)
	rec := &recSender{}
	clock := fakes.NewClock(night)
	s := send.New(texts(t), store, rec, clock, nil, send.Config{}, nil)
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 0 {
		t.Fatalf("sent %d messages at night", len(rec.got))
	}
	clock.Set(time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)) // 06:00 WIB
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.perChat()); n != 5 {
		t.Fatalf("sent to %d in the morning, want 5", n)
	}
	got, _ := store.Get(context.Background(), b.ID)
	if got.State != broadcast.Done || got.Counts.Delivered != 5 {
		t.Fatalf("%s %+v", got.State, got.Counts)
	}
}

// TestBroadcastSenderStopsCleanly: a sender stopped mid-way (its context
// ends while Telegram is slow) gives its unsent recipients back, so the
// next run sends them at once, each once; a message refused for good
// counts as failed. A 429 is not waited out here (the kbbot.Sender is the
// one layer that waits): it ends the run, with the recipient back in the
// queue, and a later run sends to them, once.
func TestBroadcastSenderStopsCleanly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	store, b := sendWorld(t, 40, "Halo", "", kel, now)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	sent := 0
	slow := &recSender{fail: func(r kbbot.Reply) error {
		mu.Lock()
		sent++
		n := sent
		mu.Unlock()
		if n > 10 {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	cfg := send.Config{Workers: 4, Batch: 5}
	s := send.New(texts(t), store, slow, fakes.NewClock(now), nil, cfg, nil)
	_ = s.Run(ctx)
	first := slow.perChat()
	if len(first) != 10 {
		t.Fatalf("first run sent %d, want 10", len(first))
	}

	bad := kbbot.ChatID(1000)
	for first[bad] > 0 {
		bad++
	}
	var once sync.Map
	rec := &recSender{fail: func(r kbbot.Reply) error {
		if r.ChatID == bad {
			return fmt.Errorf("telegram sendMessage: %w", kbbot.ErrBadRequest)
		}
		if _, again := once.LoadOrStore(r.ChatID, true); !again && r.ChatID%7 == 0 && r.Priority == kbbot.PriorityBroadcast {
			return &kbbot.RetryAfterError{After: time.Hour}
		}
		return nil
	}}
	s = send.New(texts(t), store, rec, fakes.NewClock(now), nil, cfg, nil)
	runs := 0
	for ; runs < 10; runs++ {
		if err := s.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.Get(context.Background(), b.ID); got.State == broadcast.Done {
			break
		}
	}
	if runs < 1 {
		t.Error("no 429 ended a run: the sender waited it out")
	}
	second := rec.perChat()
	for c, n := range second {
		if first[c] > 0 || n != 1 {
			t.Errorf("chat %d: %d in the first run, %d in the second", c, first[c], n)
		}
	}
	got, _ := store.Get(context.Background(), b.ID)
	want := broadcast.Counts{Total: 40, Delivered: 39, Failed: 1}
	if got.State != broadcast.Done || got.Counts != want {
		t.Fatalf("%s %+v, want done %+v", got.State, got.Counts, want)
	}
	if len(first)+len(second) != 39 {
		t.Fatalf("%d + %d delivered, want 39", len(first), len(second))
	}
	var reports []kbbot.Reply
	for _, r := range rec.got {
		if r.ChatID == 7 {
			reports = append(reports, r)
		}
	}
	if len(reports) != 1 || !strings.Contains(reports[0].Text, "Terkirim: <b>39</b> dari 40") || !strings.Contains(reports[0].Text, "Gagal: 1") {
		t.Fatalf("report: %+v", reports)
	}
}
