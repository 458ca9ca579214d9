package bot_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

// TestDocumentDownload: a document a user sends reaches the bot with its
// file id, name and size, and downloads with its bytes; a file over the
// limit is refused, by its announced size or by what arrives, and no error
// names the token.
func TestDocumentDownload(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	h := &recordingHandler{}
	stop := startPoller(t, srv, h)
	defer stop()
	u := srv.User(7, "C")
	content := bytes.Repeat([]byte("kbbot;"), 100)
	if _, err := u.SendFile("acara.csv", "text/csv", content, "jadwal baru"); err != nil {
		t.Fatal(err)
	}
	// A file Telegram says is small but is not.
	if _, err := u.SendFileSized("besar.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content, 10, ""); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	evs := append([]kbbot.Event(nil), h.events...)
	h.mu.Unlock()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	if ev.Kind != kbbot.EventMedia || ev.Media != "document" || ev.FileName != "acara.csv" || ev.FileSize != int64(len(content)) || ev.FileID == "" || ev.Caption != "jadwal baru" {
		t.Fatalf("event %+v", ev)
	}
	c := bot.NewClient(srv.APIURL(), srv.Token(), bot.NewHTTPClient(5*time.Second))
	ctx := context.Background()
	got, err := c.Download(ctx, ev.FileID, 1000)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("download: %d bytes, %v", len(got), err)
	}
	for _, tc := range []struct {
		id  string
		max int64
	}{{ev.FileID, 599}, {evs[1].FileID, 599}} {
		_, err := c.Download(ctx, tc.id, tc.max)
		if !errors.Is(err, bot.ErrFileTooBig) {
			t.Errorf("download of %s over %d bytes: %v, want ErrFileTooBig", tc.id, tc.max, err)
		}
	}
	if srv.Downloads() != 2 {
		t.Errorf("%d downloads, want 2: the file announced too big must not be fetched, the one announced small is cut off", srv.Downloads())
	}
	_, err = c.Download(ctx, "no-such-file", 1000)
	if !errors.Is(err, kbbot.ErrBadRequest) || strings.Contains(err.Error(), srv.Token()) {
		t.Errorf("unknown file: %v", err)
	}
}
