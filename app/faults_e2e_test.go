package app_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot"
)

// flakyTransport fails every third request that sends or edits a message,
// before it reaches Telegram, alternately as a connection reset and as a
// 502 from a proxy in between, so a reply is never both delivered and
// failed.
type flakyTransport struct {
	next   http.RoundTripper
	n      atomic.Int64
	failed atomic.Int64
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	switch path.Base(r.URL.Path) {
	case "sendMessage", "editMessageText":
		k := f.n.Add(1)
		if k%3 == 0 {
			f.failed.Add(1)
			if k%2 == 0 {
				return nil, errors.New("read tcp: connection reset by peer")
			}
			return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Request: r, Header: http.Header{},
				Body: io.NopCloser(strings.NewReader(`{"ok":false,"error_code":502,"description":"Bad Gateway"}`))}, nil
		}
	}
	return f.next.RoundTrip(r)
}

// TestTelegramFaultsLoseNoReply: while a third of the requests that send
// or edit a message fail (connection resets and 502s), 12 residents start
// and agree: every one of them ends with exactly the welcome, the consent
// question turned into the main menu, and nothing twice.
func TestTelegramFaultsLoseNoReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.FlushEvery = 300 * time.Millisecond // retries sooner than production's 3 s
	flaky := &flakyTransport{next: bot.NewHTTPClient(10 * time.Second).Transport}
	e.httpClient = &http.Client{Transport: flaky, Timeout: 10 * time.Second}
	e.start()
	const residents = 12
	for i := range residents {
		u := e.srv.User(int64(6200000+i), fmt.Sprintf("Warga %d", i))
		must(t)(u.Send("/start"))
	}
	// Replies that failed wait in their outboxes for the next flush or the
	// resident's next message: wait until each resident has both.
	deadline := time.Now().Add(30 * time.Second)
	for i := range residents {
		u := e.srv.User(int64(6200000+i), "")
		for len(u.Messages()) < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling a condition, not waiting for time
		}
		if _, err := u.Tap("✅ Setuju"); err != nil {
			t.Fatalf("resident %d: %v (messages %d)", i, err, len(u.Messages()))
		}
	}
	for i := range residents {
		u := e.srv.User(int64(6200000+i), "")
		for time.Now().Before(deadline) {
			if last, ok := u.Last(); ok && strings.Contains(last.Text, "Menu utama") {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling a condition, not waiting for time
		}
		msgs := u.Messages()
		if len(msgs) != 2 {
			t.Errorf("resident %d has %d messages, want the welcome and the consent question (edited into the menu)", i, len(msgs))
			continue
		}
		if !strings.Contains(msgs[0].Text, "Halo") || !strings.Contains(msgs[1].Text, "Menu utama") {
			t.Errorf("resident %d: %q / %q, want the welcome and the main menu", i, msgs[0].Text, msgs[1].Text)
		}
	}
	if flaky.failed.Load() == 0 {
		t.Fatal("no request failed: the test shows nothing")
	}
}
