package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/redisstore"
)

// Config is kbbot's whole configuration, read from environment variables.
// Every field names its variable and default; the table in configvars.go
// says how each is read and its range, and makes README.md's table.
type Config struct {
	// Token is the bot token from @BotFather. TELEGRAM_BOT_TOKEN; required by serve.
	Token string
	// APIURL is the Bot API base URL. TELEGRAM_API_URL; default https://api.telegram.org.
	APIURL string
	// RedisURL locates Redis: one server (redis://:password@host:6379/0,
	// rediss:// for TLS, unix://), a Redis Cluster
	// (redis://host1:port1?addr=host2:port2&addr=host3:port3) or a master
	// behind Redis Sentinel
	// (redis+sentinel://:password@host:26379,host:26379/mastername/0); see
	// redisconn.Parse. REDIS_URL; required by serve; kbbot chat
	// starts an embedded Redis when it is empty.
	RedisURL string
	// RedisPrefix starts every key, so tenants and tests share a server.
	// KBBOT_REDIS_PREFIX; default "kbbot:".
	RedisPrefix string
	// SessionTTL is how long a conversation is kept without activity.
	// KBBOT_SESSION_TTL; default 720h (30 days).
	SessionTTL time.Duration
	// PollTimeout is the long-poll timeout. KBBOT_POLL_TIMEOUT; default 25s.
	PollTimeout time.Duration
	// Workers bounds how many chats are handled at once. KBBOT_WORKERS; default 32.
	Workers int
	// LogLevel is debug, info, warn or error. KBBOT_LOG_LEVEL; default info.
	LogLevel slog.Level
	// ShutdownTimeout bounds the graceful stop. KBBOT_SHUTDOWN_TIMEOUT; default 10s.
	ShutdownTimeout time.Duration
	// Cadres are the Telegram user ids allowed to book for residents
	// without a phone, besides staff with that right. KBBOT_CADRE_IDS,
	// comma separated; default none.
	Cadres []int64
	// Admins are the Telegram user ids of the administrators, who invite
	// PKB and cadres and read the audit log. KBBOT_ADMIN_IDS, comma
	// separated; default none.
	Admins []int64
	// SendRate is the most messages per second sent to Telegram by all
	// processes together. KBBOT_SEND_RATE; default 30 (Telegram's limit).
	SendRate int
	// SendChatInterval is the least time between two messages to one
	// private chat; groups get at most 20 a minute.
	// KBBOT_SEND_CHAT_INTERVAL; default 1.1s (Telegram allows about one a
	// second). Tests of conversation flows set it negative, which turns the
	// per-chat limits off.
	SendChatInterval time.Duration
	// OfferTTL is how long a freed place is held for the first on the
	// waitlist. KBBOT_OFFER_TTL; default 2h.
	OfferTTL time.Duration
	// ControllerName and ControllerContact name the data controller in the
	// privacy notice (UU 27/2022): the Dinas or organisation running kbbot
	// and how residents reach it. KBBOT_CONTROLLER_NAME,
	// KBBOT_CONTROLLER_CONTACT; required by serve (chat uses demo values).
	ControllerName, ControllerContact string
	// RecordRetention is how long a resident record is kept without
	// activity or a planned reminder. KBBOT_RECORD_RETENTION; default
	// 17520h (2 years).
	RecordRetention time.Duration
	// FlushEvery is the time between deliveries of outboxes left behind
	// (a failed send, a dead process), in every process.
	// KBBOT_FLUSH_EVERY; default 3s.
	FlushEvery time.Duration
	// SweepEvery is the time between reminder sweeps. KBBOT_SWEEP_EVERY;
	// default 5s.
	SweepEvery time.Duration
	// BookingRetention is how long after its event a booking's name,
	// phone, WHO checklist answers and register details (and the
	// waitlist's chats) are kept;
	// an hourly job deletes them then, keeping the anonymous counts of the
	// rekap. KBBOT_BOOKING_RETENTION; default 2160h (90 days).
	BookingRetention time.Duration
	// TicketEscalate is how many working hours (Monday to Saturday,
	// 08:00-16:00 WIB) a Tanya bidan question waits at one level (bidan,
	// PKB/PLKB, admin) before it goes to the next. KBBOT_TICKET_ESCALATE;
	// default 8h.
	TicketEscalate time.Duration
	// BackupDays is how many days after an erasure or a retention
	// deletion the data is gone from every backup too, as the privacy
	// notice tells residents: the operator's backup rotation must keep to
	// it (docs/operations.md: 7 daily backups give 8 days).
	// KBBOT_BACKUP_DAYS; default 8.
	BackupDays int
	// WebhookURL turns on webhook mode: Telegram pushes updates to this
	// public https URL instead of kbbot polling, and any number of
	// replicas behind a load balancer share them. KBBOT_WEBHOOK_URL;
	// default empty (polling).
	WebhookURL string
	// WebhookSecret is the secret token Telegram sends with every update
	// (1–256 of A-Z, a-z, 0-9, _ and -); required with WebhookURL.
	// KBBOT_WEBHOOK_SECRET.
	WebhookSecret string
	// HTTPAddr is where kbbot listens for /healthz, /readyz, /metrics and,
	// in webhook mode, the webhook (the URL's path). KBBOT_HTTP_ADDR;
	// default :8080. Empty (kbbot chat) listens nowhere when polling.
	HTTPAddr string
	// ChatLease is the lease on a chat, both the intake worker's claim and
	// the step's lock, renewed every third of it while a step runs: a
	// killed process's chats are free again within it. KBBOT_CHAT_LEASE;
	// default 5s.
	ChatLease time.Duration
	// FloodLimit is the most updates one resident may send in
	// FloodWindow; beyond it updates are accepted and dropped, with one
	// short notice a minute. KBBOT_FLOOD_LIMIT; default 8; 0 turns the
	// limit off.
	FloodLimit int
	// FloodWindow is the window of FloodLimit. KBBOT_FLOOD_WINDOW; default 5s.
	FloodWindow time.Duration
	// IntakeTries is how often an update may fail before it is set aside
	// (logged with its chat, answered with an apology).
	// KBBOT_INTAKE_TRIES; default 3.
	IntakeTries int
	// IntakeShards is the number of shards of the index of chats with
	// waiting updates (spread over a Redis Cluster). KBBOT_INTAKE_SHARDS;
	// default 8.
	IntakeShards int
	// DeadLetterTTL is how long set-aside updates and replies are kept
	// for inspection. KBBOT_DEAD_LETTER_TTL; default 72h.
	DeadLetterTTL time.Duration
	// RequirePersistence makes New fail, instead of warning, when Redis
	// keeps only snapshots (AOF off), keeps nothing on disk, may evict
	// keys, or hides these settings. KBBOT_REQUIRE_PERSISTENCE=1; default
	// off. kbbot chat ignores it.
	RequirePersistence bool
}

// DefaultConfig returns the configuration with every default applied.
func DefaultConfig() Config {
	return Config{
		APIURL:           bot.DefaultAPIURL,
		RedisPrefix:      redisstore.DefaultPrefix,
		SessionTTL:       redisstore.DefaultSessionTTL,
		PollTimeout:      25 * time.Second,
		Workers:          32,
		LogLevel:         slog.LevelInfo,
		ShutdownTimeout:  10 * time.Second,
		OfferTTL:         2 * time.Hour,
		RecordRetention:  dispatch.DefaultRecordRetention,
		SendRate:         30,
		SendChatInterval: 1100 * time.Millisecond,
		SweepEvery:       5 * time.Second,
		FlushEvery:       3 * time.Second,
		BookingRetention: redisstore.DefaultRetention,
		BackupDays:       8,
		TicketEscalate:   8 * time.Hour,
		HTTPAddr:         ":8080",
		ChatLease:        dispatch.DefaultLockTTL,
		FloodLimit:       8,
		FloodWindow:      5 * time.Second,
		IntakeTries:      3,
		IntakeShards:     8,
		DeadLetterTTL:    redisstore.DefaultDeadTTL,
	}
}

// LoadConfig reads the configuration from getenv (os.Getenv in main) on top
// of the defaults, by the table of variables (configVars). Every invalid
// value is reported with its variable name and the range it must lie in.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	for _, v := range configVars {
		raw := strings.TrimSpace(getenv(v.name))
		if raw == "" {
			continue
		}
		if err := v.set(&c, raw); err != nil {
			if v.secret {
				errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
			} else {
				errs = append(errs, fmt.Errorf("%s=%q: %w", v.name, clip(raw), err))
			}
		}
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		errs = append(errs, errors.New("KBBOT_WEBHOOK_SECRET is not set: webhook mode needs a secret token (1-256 of A-Z, a-z, 0-9, _ and -)"))
	}
	return c, errors.Join(errs...)
}

// clip shortens a value for an error message.
func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}

// ValidateServe checks what `kbbot serve` needs beyond LoadConfig.
func (c Config) ValidateServe() error {
	var errs []error
	if c.Token == "" {
		errs = append(errs, errors.New("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather"))
	} else if !validToken(c.Token) {
		errs = append(errs, errors.New("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>)"))
	}
	if c.RedisURL == "" {
		errs = append(errs, errors.New("REDIS_URL is not set: e.g. redis://127.0.0.1:6379/0"))
	}
	if c.ControllerName == "" {
		errs = append(errs, errors.New("KBBOT_CONTROLLER_NAME is not set: the privacy notice must name who is responsible for residents' data, e.g. \"Dinas PPKB Kota Pekalongan\""))
	}
	if c.ControllerContact == "" {
		errs = append(errs, errors.New("KBBOT_CONTROLLER_CONTACT is not set: the privacy notice must say how residents reach the controller, e.g. an e-mail address or phone number"))
	}
	return errors.Join(errs...)
}

func validToken(t string) bool {
	id, secret, ok := strings.Cut(t, ":")
	if !ok || id == "" || len(secret) < 10 {
		return false
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return false
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
