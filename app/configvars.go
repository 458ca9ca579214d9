package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/redisconn"
)

// configVar is one environment variable: how README.md documents it and
// how LoadConfig reads it. The README's configuration table is generated
// from configVars (TestREADMEConfigTable), so the two cannot drift.
type configVar struct {
	name string
	// def is the default as README shows it ("" for none).
	def string
	// meaning is README's explanation; the range is added to it.
	meaning string
	// rng is the range of good values, in words, as errors and README
	// show it ("" when meaning says it all).
	rng string
	// secret says the value may hold a password or token: an error
	// names the variable only, never the value.
	secret bool
	// set parses the trimmed, non-empty value into c; its error says what
	// is wanted (LoadConfig adds the variable and the value).
	set func(c *Config, v string) error
}

// durIn reads a Go duration from lo to hi into the field dst selects.
func durIn(lo, hi time.Duration, dst func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("want a duration from %s to %s, such as %s (the default)", fmtDur(lo), fmtDur(hi), fmtDur(defaultDur(dst)))
		}
		*dst(c) = d
		return nil
	}
}

// defaultDur is the default of the duration field dst selects.
func defaultDur(dst func(*Config) *time.Duration) time.Duration {
	d := DefaultConfig()
	return *dst(&d)
}

// fmtDur writes d as README does: 30s, 5m, 720h, 1.1s.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// intIn reads a whole number from lo to hi into the field dst selects.
func intIn(lo, hi int, dst func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d", lo, hi)
		}
		*dst(c) = n
		return nil
	}
}

// text reads free text of 1 to max characters without markup or control
// characters (it is shown to residents) into the field dst selects.
func text(max int, dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if n := len([]rune(v)); n > max {
			return fmt.Errorf("want at most %d characters, not %d", max, n)
		}
		if strings.ContainsAny(v, "<>&") || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' }) {
			return errors.New("want plain text: no <, >, & or control characters (it is shown to residents)")
		}
		*dst(c) = v
		return nil
	}
}

// ids reads comma-separated Telegram user ids into the field dst selects.
func ids(dst func(*Config) *[]int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []int64
		for _, f := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a Telegram user id (a positive whole number)", strings.TrimSpace(f))
			}
			out = append(out, id)
		}
		*dst(c) = out
		return nil
	}
}

// httpURL reads an http(s) URL with a host into the field dst selects.
func httpURL(example string, dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return fmt.Errorf("want an http(s) URL such as %s", example)
		}
		*dst(c) = v
		return nil
	}
}

// configVars are kbbot's environment variables, in README's order.
var configVars = []configVar{
	{name: "TELEGRAM_BOT_TOKEN", def: "— (required by `serve`)", meaning: "Bot token from @BotFather. Never logged.", secret: true,
		// Checked by ValidateServe: kbbot chat runs without one.
		set: func(c *Config, v string) error { c.Token = v; return nil }},
	{name: "TELEGRAM_API_URL", def: "`https://api.telegram.org`", meaning: "Bot API base URL; methods are called at `<url>/bot<token>/<method>`. Point it at a self-hosted Bot API server or a test server.",
		set: httpURL(bot.DefaultAPIURL, func(c *Config) *string { return &c.APIURL })},
	{name: "REDIS_URL", def: "— (required by `serve`; `chat` embeds one)", meaning: "One server: `redis://[:password@]host:port[/db]`, `rediss://` for TLS, `unix:///path`. Redis Cluster: `redis://host1:port1?addr=host2:port2&addr=host3:port3` (database 0 only). Sentinel: `redis+sentinel://[[user]:password@]host:port[,host:port]/mastername[/db]` (`rediss+sentinel://` for TLS; `?sentinel_password=`, `?sentinel_username=`). A one-server URL pointing at a cluster node is refused at start.", secret: true,
		set: func(c *Config, v string) error {
			if _, err := redisconn.Parse(v); err != nil {
				return err
			}
			c.RedisURL = v
			return nil
		}},
	{name: "KBBOT_REDIS_PREFIX", def: "`kbbot:`", meaning: "Prefix of every key, so tenants and tests share a server.", rng: "1–64 of `A-Z a-z 0-9 : _ . -`",
		set: func(c *Config, v string) error {
			if len(v) > 64 || strings.ContainsFunc(v, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":_.-", r))
			}) {
				return errors.New("want 1-64 of A-Z, a-z, 0-9, :, _, . and - (braces would break the keys' hash tags)")
			}
			c.RedisPrefix = v
			return nil
		}},
	{name: "KBBOT_SESSION_TTL", def: "`720h`", meaning: "A conversation (where a dialog stands) is deleted after this long without activity. The resident record is not.", rng: "1h–2160h",
		set: durIn(time.Hour, 2160*time.Hour, func(c *Config) *time.Duration { return &c.SessionTTL })},
	{name: "KBBOT_RECORD_RETENTION", def: "`17520h` (2 years)", meaning: "A resident record (consent, name, phone, area, group, reminder choices, method courses, booking history) is deleted after this long without activity and without a planned reminder. `/hapusdata` deletes it at once.", rng: "720h–43800h (30 days to 5 years)",
		set: durIn(720*time.Hour, 43800*time.Hour, func(c *Config) *time.Duration { return &c.RecordRetention })},
	{name: "KBBOT_CONTROLLER_NAME", def: "— (required by `serve`; `chat` uses a demo value)", meaning: "The data controller named in the privacy notice (UU 27/2022), e.g. `Dinas PPKB Kota Pekalongan`.", rng: "plain text, at most 120 characters",
		set: text(120, func(c *Config) *string { return &c.ControllerName })},
	{name: "KBBOT_CONTROLLER_CONTACT", def: "— (required by `serve`; `chat` uses a demo value)", meaning: "How residents reach the controller: an e-mail address or phone number.", rng: "plain text, at most 120 characters",
		set: text(120, func(c *Config) *string { return &c.ControllerContact })},
	{name: "KBBOT_POLL_TIMEOUT", def: "`25s`", meaning: "Long-poll timeout of `getUpdates`.", rng: "1s–50s",
		set: durIn(time.Second, 50*time.Second, func(c *Config) *time.Duration { return &c.PollTimeout })},
	{name: "KBBOT_WORKERS", def: "`32`", meaning: "How many chats are handled at once.", rng: "1–1024",
		set: intIn(1, 1024, func(c *Config) *int { return &c.Workers })},
	{name: "KBBOT_LOG_LEVEL", def: "`info`", meaning: "`debug`, `info`, `warn` or `error`.",
		set: func(c *Config, v string) error {
			var l slog.Level
			if err := l.UnmarshalText([]byte(v)); err != nil {
				return errors.New("want debug, info, warn or error")
			}
			c.LogLevel = l
			return nil
		}},
	{name: "KBBOT_SHUTDOWN_TIMEOUT", def: "`10s`", meaning: "Longest graceful stop after SIGTERM.", rng: "1s–5m",
		set: durIn(time.Second, 5*time.Minute, func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{name: "KBBOT_OFFER_TTL", def: "`2h`", meaning: "How long a freed place is held for the first on the waitlist (never past the booking cut-off).", rng: "10m–72h",
		set: durIn(10*time.Minute, 72*time.Hour, func(c *Config) *time.Duration { return &c.OfferTTL })},
	{name: "KBBOT_SWEEP_EVERY", def: "`5s`", meaning: "Time between reminder sweeps.", rng: "1s–5m",
		set: durIn(time.Second, 5*time.Minute, func(c *Config) *time.Duration { return &c.SweepEvery })},
	{name: "KBBOT_FLUSH_EVERY", def: "`3s`", meaning: "Time between deliveries of replies left undelivered (a failed send, a dead process), in every process.", rng: "1s–5m",
		set: durIn(time.Second, 5*time.Minute, func(c *Config) *time.Duration { return &c.FlushEvery })},
	{name: "KBBOT_TICKET_ESCALATE", def: "`8h`", meaning: "Working hours (Monday to Saturday, 08:00–16:00 WIB) a Tanya bidan question waits for the bidan of the resident's area before it goes to the PKB/PLKB, and then to an admin.", rng: "1h–72h",
		set: durIn(time.Hour, 72*time.Hour, func(c *Config) *time.Duration { return &c.TicketEscalate })},
	{name: "KBBOT_BACKUP_DAYS", def: "`8`", meaning: "The privacy notice tells residents that what `/hapusdata` or retention deleted is gone from every backup within this many days. The backup rotation must keep to it: the runbook's 7 daily backups give 8 ([docs/operations.md](docs/operations.md), section 3).", rng: "1–366",
		set: intIn(1, 366, func(c *Config) *int { return &c.BackupDays })},
	{name: "KBBOT_BOOKING_RETENTION", def: "`2160h` (90 days)", meaning: "How long after the end of its event a booking's name, phone, WHO checklist answers and the details of its register line at check-in (switch, removal, complication, informed consent, JKN), and the event's waitlist, are kept. An hourly job then deletes them (for bookings made by cadres too); the anonymous counts of `/rekap` stay. A Go duration (`h`, `m`, `s`; no days).", rng: "24h–8760h",
		set: durIn(24*time.Hour, 8760*time.Hour, func(c *Config) *time.Duration { return &c.BookingRetention })},
	{name: "KBBOT_ADMIN_IDS", def: "—", meaning: "Comma-separated Telegram user ids of the administrators.",
		set: ids(func(c *Config) *[]int64 { return &c.Admins })},
	{name: "KBBOT_CADRE_IDS", def: "—", meaning: "Comma-separated Telegram user ids allowed to book for residents without a phone (besides staff with that right).",
		set: ids(func(c *Config) *[]int64 { return &c.Cadres })},
	{name: "KBBOT_SEND_RATE", def: "`30`", meaning: "Most messages per second to Telegram, all processes together (the limiter plans a little below it: 27/s for 30). Above 30 only with Telegram's paid broadcasts.", rng: "1–1000",
		set: intIn(1, 1000, func(c *Config) *int { return &c.SendRate })},
	{name: "KBBOT_CHAT_LEASE", def: "`5s`", meaning: "Lease on a chat while a step runs, renewed every third of it: a killed process's chats are free again within it.", rng: "1s–1m",
		set: durIn(time.Second, time.Minute, func(c *Config) *time.Duration { return &c.ChatLease })},
	{name: "KBBOT_FLOOD_LIMIT", def: "`8`", meaning: "Most messages one resident may send in `KBBOT_FLOOD_WINDOW`; beyond it they are accepted and dropped, with one short notice a minute. `0` turns the limit off.", rng: "0–1000",
		set: intIn(0, 1000, func(c *Config) *int { return &c.FloodLimit })},
	{name: "KBBOT_FLOOD_WINDOW", def: "`5s`", meaning: "The window of `KBBOT_FLOOD_LIMIT`.", rng: "1s–10m",
		set: durIn(time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.FloodWindow })},
	{name: "KBBOT_INTAKE_TRIES", def: "`3`", meaning: "How often an update may fail before it is set aside (logged with its chat, answered with an apology).", rng: "1–100",
		set: intIn(1, 100, func(c *Config) *int { return &c.IntakeTries })},
	{name: "KBBOT_INTAKE_SHARDS", def: "`8`", meaning: "Shards of the index of chats with waiting updates (spread over a Redis Cluster).", rng: "1–1024",
		set: intIn(1, 1024, func(c *Config) *int { return &c.IntakeShards })},
	{name: "KBBOT_DEAD_LETTER_TTL", def: "`72h`", meaning: "How long set-aside updates and replies are kept for inspection (`{chat:<id>}:dead`; `/hapusdata` deletes them).", rng: "1h–720h",
		set: durIn(time.Hour, 720*time.Hour, func(c *Config) *time.Duration { return &c.DeadLetterTTL })},
	{name: "KBBOT_WEBHOOK_URL", def: "— (polling)", meaning: "Webhook mode: the public https URL Telegram pushes updates to, e.g. `https://kbbot.example.go.id/telegram`. kbbot listens on `KBBOT_HTTP_ADDR` at the URL's path and calls `setWebhook` at start.",
		set: httpURL("https://kbbot.example.go.id/telegram", func(c *Config) *string { return &c.WebhookURL })},
	{name: "KBBOT_WEBHOOK_SECRET", def: "— (required with `KBBOT_WEBHOOK_URL`)", meaning: "Secret token Telegram sends with every update. A request without it gets 401 and is not handled.", rng: "1–256 of `A-Z a-z 0-9 _ -`", secret: true,
		set: func(c *Config, v string) error {
			if !bot.ValidSecret(v) {
				return errors.New("want 1-256 of A-Z, a-z, 0-9, _ and -")
			}
			c.WebhookSecret = v
			return nil
		}},
	{name: "KBBOT_HTTP_ADDR", def: "`:8080`", meaning: "Listen address of `/healthz`, `/readyz`, `/metrics` and, in webhook mode, the webhook (see Monitoring).", rng: "`[host]:port`, port 0–65535",
		set: func(c *Config, v string) error {
			_, port, err := net.SplitHostPort(v)
			if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
				return errors.New("want [host]:port such as :8080 or 127.0.0.1:8080")
			}
			c.HTTPAddr = v
			return nil
		}},
	{name: "KBBOT_REQUIRE_PERSISTENCE", def: "`0`", meaning: "`1`: `serve` refuses to start when Redis keeps only RDB snapshots (AOF off), keeps nothing on disk, may evict keys (`maxmemory-policy` not `noeviction`) or hides these settings; with `0` each is a warning. `kbbot chat` ignores it.",
		set: func(c *Config, v string) error {
			switch v {
			case "0", "false":
				c.RequirePersistence = false
			case "1", "true":
				c.RequirePersistence = true
			default:
				return errors.New("want 1 or 0")
			}
			return nil
		}},
	{name: "KBBOT_SEND_CHAT_INTERVAL", def: "`1.1s`", meaning: "Least time between two messages to one private chat; groups get at most 20 a minute. Below 1s only against a test Bot API server: Telegram answers 429.", rng: "1ms–10s",
		set: durIn(time.Millisecond, 10*time.Second, func(c *Config) *time.Duration { return &c.SendChatInterval })},
}

// ConfigTable is README's configuration table, in Markdown, made from
// the table LoadConfig reads by.
func ConfigTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, v := range configVars {
		m := v.meaning
		if v.rng != "" {
			m += " Range: " + v.rng + "."
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.name, v.def, m)
	}
	return b.String()
}
