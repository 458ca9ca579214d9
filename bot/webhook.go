package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// SecretHeader is the header in which Telegram sends a webhook's secret
// token (setWebhook's secret_token).
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// MaxWebhookBody caps the body of one webhook request. Telegram sends one
// update per request; the largest (a message with a long caption and
// entities) stays far below this.
const MaxWebhookBody = 1 << 20

// validSecret is the shape Telegram allows for a secret token.
var validSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ValidSecret reports whether s can be a webhook secret token: 1–256
// characters of A-Z, a-z, 0-9, _ and -.
func ValidSecret(s string) bool { return validSecret.MatchString(s) }

// Webhook receives the updates Telegram pushes (webhook mode). It checks
// the secret token in constant time and answers 401 when it is wrong,
// without reading further; it caps the body; it answers 200 only after
// the handler accepted the update, and 500 otherwise, so that Telegram
// sends it again. Any number of replicas can serve it behind a load
// balancer: the handler's per-chat lock and update dedupe make a
// redelivered update harmless.
type Webhook struct {
	secret      []byte
	h           kbbot.Handler
	botUsername string
	log         *slog.Logger
}

// NewWebhook returns the webhook handler. secret must be ValidSecret; h
// accepts each update (it must make it durable before returning nil).
func NewWebhook(secret string, h kbbot.Handler, botUsername string, log *slog.Logger) *Webhook {
	return &Webhook{secret: []byte(secret), h: h, botUsername: botUsername, log: log}
}

// ServeHTTP takes one update.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), w.secret) != 1 {
		w.log.Warn("webhook request with a wrong secret token", "remote", r.RemoteAddr)
		http.Error(rw, "wrong secret token", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "cannot read the update", http.StatusBadRequest)
		return
	}
	var u wireUpdate
	if err := json.Unmarshal(body, &u); err != nil {
		http.Error(rw, "the body is not an update", http.StatusBadRequest)
		return
	}
	ev, ok := u.event(w.botUsername)
	if !ok {
		// A kind kbbot does not handle: confirmed, so Telegram moves on.
		rw.WriteHeader(http.StatusOK)
		return
	}
	// The request's end (Telegram gave up) must not cut a step in half.
	if err := w.h.Handle(context.WithoutCancel(r.Context()), ev); err != nil {
		w.log.Warn("webhook update not accepted; Telegram will send it again", "update_id", ev.UpdateID, "error", err)
		http.Error(rw, "not accepted, send again", http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// SetWebhook points Telegram at url with the secret token and the update
// kinds kbbot handles (AllowedUpdates). Pending updates are kept.
func SetWebhook(ctx context.Context, c *Client, url, secret string) error {
	params := tgbotapi.Params{"url": url, "secret_token": secret, "drop_pending_updates": "false"}
	if err := params.AddInterface("allowed_updates", AllowedUpdates); err != nil {
		return err
	}
	if _, err := c.Call(ctx, "setWebhook", params); err != nil {
		return fmt.Errorf("setWebhook: %w", err)
	}
	return nil
}
