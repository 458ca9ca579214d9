package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kbbot/kbbot"
)

// recordHandler records the events it gets and answers err.
type recordHandler struct {
	mu  sync.Mutex
	evs []kbbot.Event
	err error
}

func (h *recordHandler) Handle(_ context.Context, ev kbbot.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.evs = append(h.evs, ev)
	return h.err
}

const hookUpdate = `{"update_id": 41, "message": {"message_id": 7, "date": 1764900000,
	"chat": {"id": 501, "type": "private"}, "from": {"id": 501, "first_name": "Siti"}, "text": "halo"}}`

func post(w *Webhook, secret, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/telegram", strings.NewReader(body))
	if secret != "" {
		r.Header.Set(SecretHeader, secret)
	}
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, r)
	return rec
}

// TestWebhookSecret: a wrong or missing secret token gets 401 and nothing
// is handled; the right one gets 200 after the update was accepted.
func TestWebhookSecret(t *testing.T) {
	h := &recordHandler{}
	w := NewWebhook("s3cret-Token_1", h, "kbbot", slog.New(slog.DiscardHandler))
	for _, secret := range []string{"", "wrong", "s3cret-Token_", "s3cret-Token_12"} {
		if rec := post(w, secret, hookUpdate); rec.Code != http.StatusUnauthorized {
			t.Errorf("secret %q: status %d, want 401", secret, rec.Code)
		}
	}
	if len(h.evs) != 0 {
		t.Fatalf("handled with a wrong secret: %+v", h.evs)
	}
	if rec := post(w, "s3cret-Token_1", hookUpdate); rec.Code != http.StatusOK {
		t.Fatalf("right secret: status %d", rec.Code)
	}
	if len(h.evs) != 1 || h.evs[0].ChatID != 501 || h.evs[0].UpdateID != 41 || h.evs[0].Text != "halo" {
		t.Fatalf("event: %+v", h.evs)
	}
}

// TestWebhookNotAcceptedIsSentAgain: when the handler cannot accept the
// update (Redis down), Telegram gets 500 and sends it again.
func TestWebhookNotAcceptedIsSentAgain(t *testing.T) {
	h := &recordHandler{err: errors.New("redis down")}
	w := NewWebhook("k", h, "kbbot", slog.New(slog.DiscardHandler))
	if rec := post(w, "k", hookUpdate); rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
}

// TestWebhookBadRequests: a body over the cap, a body that is no update,
// and a GET are refused without handling; an update of a kind kbbot does
// not handle is confirmed.
func TestWebhookBadRequests(t *testing.T) {
	h := &recordHandler{}
	w := NewWebhook("k", h, "kbbot", slog.New(slog.DiscardHandler))
	big := `{"update_id": 1, "message": {"text": "` + strings.Repeat("a", MaxWebhookBody) + `"}}`
	if rec := post(w, "k", big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", rec.Code)
	}
	if rec := post(w, "k", "not json"); rec.Code != http.StatusBadRequest {
		t.Errorf("not an update: status %d, want 400", rec.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/telegram", nil)
	r.Header.Set(SecretHeader, "k")
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, r)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", rec.Code)
	}
	if rec := post(w, "k", `{"update_id": 2, "poll": {"id": "p"}}`); rec.Code != http.StatusOK {
		t.Errorf("unhandled kind: status %d, want 200", rec.Code)
	}
	if len(h.evs) != 0 {
		t.Fatalf("handled: %+v", h.evs)
	}
}

// TestValidSecret: the shape Telegram allows.
func TestValidSecret(t *testing.T) {
	for s, want := range map[string]bool{"abc_DEF-123": true, "": false, "has space": false, strings.Repeat("a", 257): false, "ü": false} {
		if ValidSecret(s) != want {
			t.Errorf("ValidSecret(%q) = %v", s, !want)
		}
	}
}
