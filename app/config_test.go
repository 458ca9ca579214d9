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

// TestBackupDaysConfig: the backup window the privacy notice names is 8
// days by default, settable, and a bad value is refused by name.
func TestBackupDaysConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if c, err := app.LoadConfig(env(nil)); err != nil || c.BackupDays != 8 {
		t.Errorf("default backup window %d %v, want 8 days", c.BackupDays, err)
	}
	if c, err := app.LoadConfig(env(map[string]string{"KBBOT_BACKUP_DAYS": "15"})); err != nil || c.BackupDays != 15 {
		t.Errorf("KBBOT_BACKUP_DAYS=15: %d %v", c.BackupDays, err)
	}
	for _, bad := range []string{"0", "-3", "8d", "seminggu", "400"} {
		if _, err := app.LoadConfig(env(map[string]string{"KBBOT_BACKUP_DAYS": bad})); err == nil || !strings.Contains(err.Error(), "KBBOT_BACKUP_DAYS") {
			t.Errorf("KBBOT_BACKUP_DAYS=%q: %v, want an error naming the variable", bad, err)
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

// TestRedisURLConfig: REDIS_URL takes one server, a cluster and Sentinel;
// a bad one is refused naming the variable and what is wrong, never
// repeating the password.
func TestRedisURLConfig(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "REDIS_URL" {
				return v
			}
			return ""
		}
	}
	for _, ok := range []string{
		"redis://127.0.0.1:6379/0",
		"rediss://:secret@redis.example:6380/2",
		"unix:///run/redis.sock",
		"redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000",
		"redis+sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/kbbot/0",
	} {
		if _, err := app.LoadConfig(env(ok)); err != nil {
			t.Errorf("REDIS_URL=%s: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"127.0.0.1:6379":                         "not a URL",
		"http://:s3cret@127.0.0.1:6379":          "unknown scheme",
		"redis://:s3cret@h1:7000/3?addr=h2:7000": "database 0 only",
		"redis://h1:7000?addr=h2":                "want host:port",
		"redis+sentinel://:s3cret@h1:26379":      "no master name",
		"redis+sentinel://h1:26379/m/x":          "database",
		"redis+sentinel:///m":                    "no sentinel host",
		"redis+sentinel://h1:26379/m?db=2":       "unknown parameter",
	} {
		_, err := app.LoadConfig(env(bad))
		if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || !strings.Contains(err.Error(), want) {
			t.Errorf("REDIS_URL=%s: %v, want an error naming REDIS_URL and %q", bad, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("REDIS_URL=%s: the error repeats the password: %v", bad, err)
		}
	}
}

// TestRequirePersistenceConfig: KBBOT_REQUIRE_PERSISTENCE is off by
// default, 1 turns it on, and a value that is neither is named.
func TestRequirePersistenceConfig(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "KBBOT_REQUIRE_PERSISTENCE" {
				return v
			}
			return ""
		}
	}
	if c, err := app.LoadConfig(env("")); err != nil || c.RequirePersistence {
		t.Fatalf("default: %v %v, want off", c.RequirePersistence, err)
	}
	if c, err := app.LoadConfig(env("1")); err != nil || !c.RequirePersistence {
		t.Fatalf("1: %v %v, want on", c.RequirePersistence, err)
	}
	if _, err := app.LoadConfig(env("yes please")); err == nil || !strings.Contains(err.Error(), "KBBOT_REQUIRE_PERSISTENCE") {
		t.Fatalf("an invalid value must be named: %v", err)
	}
}
