package app_test

import (
	"os"
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

// TestREADMEConfigTable: README's configuration table is the one the
// configuration is read by (app.ConfigTable); -update rewrites it.
func TestREADMEConfigTable(t *testing.T) {
	const begin, end = "<!-- config table: made by app.ConfigTable; go test ./app -run TestREADMEConfigTable -update -->\n", "<!-- end of config table -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q around the configuration table", begin, end)
	}
	want := app.ConfigTable()
	if got := readme[i+len(begin) : j]; got != want {
		if *update {
			if err := os.WriteFile("../README.md", []byte(readme[:i+len(begin)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README's configuration table differs from app.ConfigTable (rerun with -update):\n%s", want)
	}
}

// TestBadConfigRefused: every bad value is refused at start with a message
// naming the variable and what it wants; a secret is never repeated.
func TestBadConfigRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, value, want string }{
		{"KBBOT_POLL_TIMEOUT", "1ms", "from 1s to 50s"},
		{"KBBOT_POLL_TIMEOUT", "90s", "from 1s to 50s"},
		{"KBBOT_SESSION_TTL", "10m", "from 1h to 2160h"},
		{"KBBOT_SESSION_TTL", "30d", "from 1h to 2160h"},
		{"KBBOT_RECORD_RETENTION", "1h", "from 720h to 43800h"},
		{"KBBOT_RECORD_RETENTION", "999999h", "from 720h to 43800h"},
		{"KBBOT_BOOKING_RETENTION", "1m", "from 24h to 8760h"},
		{"KBBOT_SHUTDOWN_TIMEOUT", "0s", "from 1s to 5m"},
		{"KBBOT_OFFER_TTL", "1s", "from 10m to 72h"},
		{"KBBOT_SWEEP_EVERY", "10ms", "from 1s to 5m"},
		{"KBBOT_FLUSH_EVERY", "1h", "from 1s to 5m"},
		{"KBBOT_CHAT_LEASE", "100ms", "from 1s to 1m"},
		{"KBBOT_FLOOD_WINDOW", "-5s", "from 1s to 10m"},
		{"KBBOT_DEAD_LETTER_TTL", "5m", "from 1h to 720h"},
		{"KBBOT_SEND_CHAT_INTERVAL", "1m", "from 1ms to 10s"},
		{"KBBOT_WORKERS", "0", "from 1 to 1024"},
		{"KBBOT_WORKERS", "many", "from 1 to 1024"},
		{"KBBOT_SEND_RATE", "5000", "from 1 to 1000"},
		{"KBBOT_FLOOD_LIMIT", "-1", "from 0 to 1000"},
		{"KBBOT_INTAKE_TRIES", "0", "from 1 to 100"},
		{"KBBOT_INTAKE_SHARDS", "100000", "from 1 to 1024"},
		{"KBBOT_BACKUP_DAYS", "0", "from 1 to 366"},
		{"KBBOT_LOG_LEVEL", "verbose", "debug, info, warn or error"},
		{"KBBOT_REDIS_PREFIX", "kb {tenant}:", "A-Z, a-z, 0-9"},
		{"KBBOT_CONTROLLER_NAME", "<b>Dinas</b>", "plain text"},
		{"KBBOT_CONTROLLER_CONTACT", strings.Repeat("x", 200), "at most 120 characters"},
		{"KBBOT_ADMIN_IDS", "12,abc", `"abc" is not a Telegram user id`},
		{"KBBOT_CADRE_IDS", "-5", `"-5" is not a Telegram user id`},
		{"KBBOT_HTTP_ADDR", "8080", "[host]:port"},
		{"KBBOT_HTTP_ADDR", ":99999", "[host]:port"},
		{"KBBOT_REQUIRE_PERSISTENCE", "yes", "want 1 or 0"},
		{"TELEGRAM_API_URL", "api.telegram.org", "http(s) URL"},
		{"KBBOT_WEBHOOK_URL", "ftp://x/y", "http(s) URL"},
		{"KBBOT_WEBHOOK_SECRET", "has space", "1-256 of A-Z"},
		{"REDIS_URL", "http://:s3cret@127.0.0.1:6379", "unknown scheme"},
	} {
		_, err := app.LoadConfig(func(k string) string {
			if k == c.name {
				return c.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%q: %v; want an error naming the variable and %q", c.name, c.value, err, c.want)
			continue
		}
		if strings.Contains(c.name, "SECRET") || c.name == "REDIS_URL" {
			if strings.Contains(err.Error(), c.value) {
				t.Errorf("%s: the error repeats the secret value: %v", c.name, err)
			}
		}
		if testing.Verbose() {
			t.Logf("| `%s=%s` | %s |", c.name, c.value, err)
		}
	}
}
