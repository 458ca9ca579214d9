package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/app"
)

func TestBookingRetentionConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := app.LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.BookingRetention != 2160*time.Hour {
		t.Errorf("default retention %s, want 2160h (90 days)", c.BookingRetention)
	}
	c, err = app.LoadConfig(env(map[string]string{"KBBOT_BOOKING_RETENTION": " 720h "}))
	if err != nil || c.BookingRetention != 720*time.Hour {
		t.Errorf("KBBOT_BOOKING_RETENTION=720h: %s %v", c.BookingRetention, err)
	}
	for _, bad := range []string{"90d", "-1h", "0", "soon"} {
		_, err := app.LoadConfig(env(map[string]string{"KBBOT_BOOKING_RETENTION": bad}))
		if err == nil || !strings.Contains(err.Error(), "KBBOT_BOOKING_RETENTION") {
			t.Errorf("KBBOT_BOOKING_RETENTION=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// TestWebhookConfig: webhook mode needs a URL and a secret of the shape
// Telegram allows; each error names its variable.
func TestWebhookConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := app.LoadConfig(env(nil))
	if err != nil || c.WebhookURL != "" || c.HTTPAddr != ":8080" {
		t.Fatalf("defaults: polling, listen :8080; got %q %q %v", c.WebhookURL, c.HTTPAddr, err)
	}
	c, err = app.LoadConfig(env(map[string]string{"KBBOT_WEBHOOK_URL": "https://kb.example.go.id/tg", "KBBOT_WEBHOOK_SECRET": "abc_DEF-1", "KBBOT_HTTP_ADDR": ":9000"}))
	if err != nil || c.WebhookSecret != "abc_DEF-1" || c.HTTPAddr != ":9000" {
		t.Fatalf("webhook config: %+v %v", c, err)
	}
	for _, bad := range []map[string]string{
		{"KBBOT_WEBHOOK_URL": "https://kb.example.go.id/tg"},
		{"KBBOT_WEBHOOK_URL": "https://kb.example.go.id/tg", "KBBOT_WEBHOOK_SECRET": "has space"},
		{"KBBOT_WEBHOOK_URL": "kb.example.go.id", "KBBOT_WEBHOOK_SECRET": "ok"},
	} {
		_, err := app.LoadConfig(env(bad))
		if err == nil || !strings.Contains(err.Error(), "KBBOT_WEBHOOK_") {
			t.Errorf("%v: want an error naming the variable, got %v", bad, err)
		}
	}
}
