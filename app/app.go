// Package app wires kbbot together: configuration, Redis, content, the
// conversation engine and dispatcher, the Telegram client and poller. The
// kbbot binary (cmd/kbbot) and the end-to-end tests both run the bot through
// it, so tests exercise exactly the code path of production.
package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/content/wilayah"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/metrics"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/scheduler"
)

// Options are the parts a caller may supply instead of the defaults.
type Options struct {
	// Logger receives the logs (default: discard).
	Logger *slog.Logger
	// Clock tells the time (default: the system clock).
	Clock kbbot.Clock
	// Redis is used instead of connecting to cfg.RedisURL; the App does not
	// close it, and adds a hook counting its errors for /metrics.
	Redis redis.UniversalClient
	// HTTPClient calls Telegram (default: bot.NewHTTPClient).
	HTTPClient *http.Client
	// Nonce makes flow nonces (default: random).
	Nonce func() string
	// CodeRand is the source of booking codes (default: crypto/rand).
	CodeRand io.Reader
	// IntakeClock tells the intake the time of claims and flood windows
	// (default: the system clock; the dialog's Clock is not used, since
	// leases run in real time).
	IntakeClock kbbot.Clock
	// RedisWait is how long New waits for Redis to answer, retrying with
	// back-off and logging each try, before it gives up; zero waits until
	// ctx ends (serve), a negative value tries once (import, tests that
	// want an error).
	RedisWait time.Duration
	// Handled, when set, is called each time an update of a chat has been
	// handled (or set aside) by this process; for tests whose many users
	// each wait for their own answer.
	Handled func(chat kbbot.ChatID, updateID int64)
}

// App is a running kbbot.
type App struct {
	cfg        Config
	log        *slog.Logger
	rdb        redis.UniversalClient
	ownsRedis  bool
	clock      kbbot.Clock
	Library    *content.Library
	Client     *bot.Client
	Dispatcher *dispatch.Dispatcher
	Bookings   *redisstore.BookingStore
	Reminders  *redisstore.ReminderStore
	Scheduler  *scheduler.Scheduler
	services   conversations.Services
	// news keeps "Kabari saya" (wire_news.go).
	news *redisstore.EventNews
	// Sender sends every reply, within Telegram's limits.
	Sender      kbbot.Sender
	limiter     *redisstore.SendLimiter
	botUsername string
	// erasers are the stores that /hapusdata clears, in order (the wire
	// functions add theirs; New puts the audit scrub, bookings and
	// reminders first).
	erasers []dispatch.Eraser
	catalog *catalogCache
	poller  *bot.Poller
	// Intake accepts updates durably and runs the dispatcher for them
	// (the poller's Acceptor; a webhook handler calls its Accept too).
	Intake *dispatch.Intake
	// Inbox is the intake's store.
	Inbox     *redisstore.IntakeStore
	locker    redisstore.Locker // the poll leader lock (leader.go)
	closeOnce sync.Once
	// metrics are served on /metrics (ops.go).
	metrics *metrics.Metrics
	// intakeUp and sourceUp say the intake's workers and the source of
	// updates (the poll loop, leader or standby, or the webhook) run; for
	// /readyz (health.go).
	intakeUp, sourceUp atomic.Bool
	listenAddr         atomic.Pointer[string]
	listening          chan struct{}
}

// New connects and checks everything the bot needs, failing with a message
// that names what is wrong. It does not start polling; Run does.
func New(ctx context.Context, cfg Config, opt Options) (*App, error) {
	a := &App{cfg: cfg, log: opt.Logger, metrics: metrics.New(), listening: make(chan struct{})}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	clock := opt.Clock
	if clock == nil {
		clock = kbbot.SystemClock{}
	}
	lib, err := content.Load()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	a.Library = lib

	a.rdb = opt.Redis
	if a.rdb == nil {
		// The client is built without a first ping: waitRedis below waits
		// for a Redis that is not up yet.
		o, err := redisconn.Parse(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		a.rdb = o.NewClient()
		a.ownsRedis = true
	}
	a.rdb.AddHook(a.metrics.RedisHook())
	// A step run ahead of its update's acceptance reaches no store
	// (dispatch's speculation): any command it tries is refused.
	a.rdb.AddHook(redisstore.DryRunHook{})
	if err := a.waitRedis(ctx, opt.RedisWait); err != nil {
		a.Close()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := redisconn.CheckTopology(pingCtx, a.rdb); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.checkPersistence(pingCtx); err != nil {
		a.Close()
		return nil, err
	}

	hc := opt.HTTPClient
	if hc == nil {
		hc = bot.NewHTTPClient(cfg.PollTimeout + 15*time.Second)
	}
	a.Client = bot.NewClient(cfg.APIURL, cfg.Token, hc)
	// /readyz and the getMe job compare LastOK with the App's clock.
	a.Client.SetClock(clock)
	me, err := a.getMe(ctx)
	if err != nil {
		a.Close()
		return nil, err
	}

	nonce := opt.Nonce
	if nonce == nil {
		nonce = randomNonce
	}
	a.clock = clock
	keys := redisstore.NewKeys(cfg.RedisPrefix)
	a.locker = redisstore.NewLocker(a.rdb, keys)
	store := redisstore.NewChatStore(a.rdb, keys, cfg.SessionTTL)
	store.SetDeadTTL(cfg.DeadLetterTTL)
	flood := cfg.FloodLimit
	if flood == 0 {
		flood = -1 // off
	}
	a.Inbox = redisstore.NewIntakeStore(a.rdb, keys, redisstore.IntakeOptions{Shards: cfg.IntakeShards, FloodLimit: flood,
		FloodWindow: cfg.FloodWindow, Tries: cfg.IntakeTries, DeadTTL: cfg.DeadLetterTTL})
	a.Bookings = redisstore.NewBookingStore(a.rdb, keys, clock, redisstore.BookingOptions{OfferTTL: cfg.OfferTTL, Rand: opt.CodeRand,
		Retention: cfg.BookingRetention})
	a.Reminders = redisstore.NewReminderStore(a.rdb, keys)
	a.catalog = &catalogCache{load: a.Bookings.Catalog, ttl: 15 * time.Second}
	cadres := map[kbbot.ChatID]bool{}
	for _, id := range cfg.Cadres {
		cadres[kbbot.ChatID(id)] = true
	}
	a.services = conversations.Services{
		Bookings:  a.Bookings,
		Catalog:   a.catalog.get,
		Reminders: a.Reminders,
		IsCadre:   func(c kbbot.ChatID) bool { return cadres[c] },
		OfferTTL:  cfg.OfferTTL,
		Notice: conversations.Notice{
			Controller: cfg.ControllerName, Contact: cfg.ControllerContact,
			BookingRetention: cfg.BookingRetention, RecordRetention: cfg.RecordRetention, SessionTTL: cfg.SessionTTL,
			BackupDays: cfg.BackupDays, TicketDays: int(redisstore.TicketTTL.Hours() / 24),
		},
		Log: a.log.With("comp", "flows"),
	}
	a.services.BotUsername = me.UserName
	a.services.AreaLinks = redisstore.NewAreaLinks(a.rdb, keys)
	a.botUsername = me.UserName
	for _, wire := range []func(redisstore.Keys) error{a.wireRoles, a.wireBroadcasts, a.wireReports, a.wireImports, a.wireNews, a.wireFollowUp} {
		if err := wire(keys); err != nil {
			a.Close()
			return nil, err
		}
	}
	// The official area list takes about 0.4 s of CPU to read: read it
	// now, beside the start, rather than at the first resident's /wilayah.
	go func() {
		if _, err := wilayah.Load(); err != nil {
			a.log.Error("read the official area list", "error", err)
		}
	}()
	if err := a.migrateStaff(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if _, err := a.MigrateAreas(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if m, err := a.Bookings.MigrateCodes(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("app: migrate booking codes: %w", err)
	} else if !m.Done {
		a.log.Info("booking codes moved to their buckets", "codes", m.Moved)
	}
	if m, err := a.Bookings.MigrateEvents(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("app: migrate events: %w", err)
	} else if !m.Done {
		a.log.Info("events moved to the current layout", "events", m.Events, "fields", m.Fields)
	}
	a.Sender = a.wrapSender(countingSender{next: bot.NewSender(a.Client), m: a.metrics}, keys)
	// Each commit takes its chat's send tokens for the replies it queues.
	store.SetSendLimiter(a.limiter)
	// The round trips of concurrent updates (accepts, claims, begins,
	// commits, finishes, send leases) share pipelines.
	pipe := redisstore.NewPipeliner(a.rdb, 0)
	store.SetPipeliner(pipe)
	a.Inbox.SetPipeliner(pipe)
	a.limiter.SetPipeliner(pipe)
	// A step run ahead of its update's acceptance is committed by the
	// accepting trip (dispatch's speculation), with the chats' commit.
	a.Inbox.SetChatStore(store)
	a.services.Bookings = countingBookings{Store: a.services.Bookings, m: a.metrics}
	if a.services.Reports != nil {
		a.services.Reports = countingReports{ReportStore: a.services.Reports, m: a.metrics}
	}
	if a.services.Day != nil {
		a.services.Day = countingDay{DayStore: a.services.Day, m: a.metrics}
	}
	engine := conversations.NewEngine(lib, nonce, a.services)
	// /hapusdata scrubs the audit log, erases bookings (freeing their
	// places) and reminders, then what the wire functions added, before
	// the session itself (see EraseResident).
	erasers := []dispatch.Eraser{a.Bookings, a.Reminders}
	if staff, ok := a.services.Audit.(*redisstore.StaffStore); ok {
		// First: it reads the booking codes the booking store then deletes.
		erasers = append([]dispatch.Eraser{auditScrubber{bookings: a.Bookings, staff: staff}}, erasers...)
	}
	a.erasers = append(append(erasers, a.erasers...), a.Inbox)
	a.Dispatcher = dispatch.New(engine, store, a.Sender, clock,
		a.log.With("comp", "dispatcher"), dispatch.Config{SessionTTL: cfg.SessionTTL, RecordRetention: cfg.RecordRetention, LockTTL: cfg.ChatLease,
			Observe: a.observeStep, Backlog: func(n int) { a.metrics.OutboxBacklog.Set(float64(n)) }}, a)
	// The intake's leases and flood windows are real time, like the
	// leases in Redis: they use the intake clock, not the dialog's.
	iclock := opt.IntakeClock
	if iclock == nil {
		iclock = kbbot.SystemClock{}
	}
	a.Intake = dispatch.NewIntake(a.Inbox, a.Dispatcher, iclock, a.log.With("comp", "intake"),
		dispatch.IntakeConfig{Workers: cfg.Workers, Lease: cfg.ChatLease, Done: opt.Handled})
	a.poller = bot.NewPoller(a.Client, a.Intake, me.UserName, a.log.With("comp", "poller"),
		bot.PollerConfig{Timeout: cfg.PollTimeout})
	a.Scheduler = scheduler.New(a.Reminders, a.Dispatcher, clock, a.log.With("comp", "scheduler"), scheduler.Config{Every: cfg.SweepEvery})
	if err := a.Scheduler.Add("@every 15s", "offers", a.ExpireOffers); err != nil {
		a.Close()
		return nil, err
	}
	// Every process delivers outboxes left behind, every FlushEvery of
	// real time (not once per fire across processes: a frozen test clock
	// must not stop it).
	flush := cfg.FlushEvery
	if flush <= 0 {
		flush = DefaultConfig().FlushEvery
	}
	if err := a.Scheduler.AddLocal("@every "+flush.String(), "outbox", a.Dispatcher.FlushPending); err != nil {
		a.Close()
		return nil, err
	}
	// Every process samples the reminder lag, and asks Telegram when it
	// has not heard from it for a while (for /readyz).
	if err := a.Scheduler.AddLocal("@every 15s", "reminder-lag", a.sampleReminderLag); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.Scheduler.AddLocal("@every 30s", "telegram", a.touchTelegram); err != nil {
		a.Close()
		return nil, err
	}
	// Personal data of bookings leaves KBBOT_BOOKING_RETENTION after the event.
	if err := a.Scheduler.AddPurge(scheduler.DefaultPurgeSpec, a.Bookings); err != nil {
		a.Close()
		return nil, err
	}
	for _, jobs := range []func() error{a.jobsRoles, a.jobsBroadcasts, a.jobsReports, a.jobsImports, a.jobsNews, a.jobsFollowUp} {
		if err := jobs(); err != nil {
			a.Close()
			return nil, err
		}
	}
	return a, nil
}

// EraseResident deletes what every store keeps about chat, for /hapusdata,
// in order: the staff audit log forgets the resident's booking codes,
// kelurahan and chat id (auditScrubber), then the bookings (cancelled, their
// places freed), reminders, staff membership and profile go. It stops at
// the first failure; every step is idempotent, so the dispatcher's retry
// of the update runs them all again. The dispatcher calls it before it
// deletes the session.
func (a *App) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	for _, e := range a.erasers {
		if err := e.EraseResident(ctx, chat); err != nil {
			return err
		}
	}
	return nil
}

// auditScrubber is the eraser that rewrites the staff audit log's entries
// about a resident (StaffStore.ScrubResident), with the codes of the
// resident's own bookings, read from the booking store before it erases
// them.
type auditScrubber struct {
	bookings *redisstore.BookingStore
	staff    *redisstore.StaffStore
}

// EraseResident scrubs the audit log of chat's booking codes and chat id.
func (x auditScrubber) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	codes, err := x.bookings.ResidentCodes(ctx, chat)
	if err != nil {
		return fmt.Errorf("erase resident: read booking codes: %w", err)
	}
	if _, err := x.staff.ScrubResident(ctx, chat, codes); err != nil {
		return fmt.Errorf("erase resident: %w", err)
	}
	return nil
}

// ExpireOffers passes on waitlist offers whose deadline passed and tells
// the residents who got a place. The scheduler runs it periodically.
func (a *App) ExpireOffers(ctx context.Context) error {
	c, _ := a.catalog.get(ctx)
	return conversations.NotifyOffers(ctx, a.services, c, a.clock.Now())
}

// Import writes a catalog of facilities and events and refreshes the cache.
func (a *App) Import(ctx context.Context, c *booking.Catalog) (booking.ImportReport, error) {
	rep, err := a.Bookings.Import(ctx, c)
	a.catalog.reset()
	return rep, err
}

// catalogCache keeps the facilities and events in memory for a while: they
// change only when an admin imports a file.
type catalogCache struct {
	load func(context.Context) (*booking.Catalog, error)
	ttl  time.Duration
	mu   sync.Mutex
	c    *booking.Catalog
	at   time.Time
}

func (cc *catalogCache) get(ctx context.Context) (*booking.Catalog, error) {
	if kbbot.InDryRun(ctx) {
		// A step run ahead, in the intake's path, never waits for a load
		// under way.
		if !cc.mu.TryLock() {
			return nil, kbbot.RefuseDryRun(ctx)
		}
	} else {
		cc.mu.Lock()
	}
	defer cc.mu.Unlock()
	if cc.c != nil && time.Since(cc.at) < cc.ttl {
		return cc.c, nil
	}
	c, err := cc.load(ctx)
	if err != nil {
		if cc.c != nil {
			return cc.c, nil // a stale catalog beats none
		}
		return nil, err
	}
	cc.c, cc.at = c, time.Now()
	return c, nil
}

func (cc *catalogCache) reset() {
	cc.mu.Lock()
	cc.c = nil
	cc.mu.Unlock()
}

func (a *App) getMe(ctx context.Context) (tgbotapi.User, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	raw, err := a.Client.Call(ctx, "getMe", nil)
	if err != nil {
		if errors.Is(err, bot.ErrUnauthorized) {
			return tgbotapi.User{}, errors.New("telegram refused TELEGRAM_BOT_TOKEN: check the token from @BotFather")
		}
		return tgbotapi.User{}, fmt.Errorf("cannot reach Telegram at TELEGRAM_API_URL: %w", err)
	}
	var me tgbotapi.User
	if err := json.Unmarshal(raw, &me); err != nil {
		return me, fmt.Errorf("getMe: %w", err)
	}
	return me, nil
}

// Run prepares Telegram (the command menu and descriptions; the webhook, or none when
// polling), delivers replies a previous run left undelivered, then takes
// updates until ctx ends: from its webhook (KBBOT_WEBHOOK_URL) or by
// polling. It returns nil on a clean stop.
func (a *App) Run(ctx context.Context) error {
	if a.cfg.WebhookURL != "" {
		return a.runWebhook(ctx)
	}
	if _, err := a.Client.Call(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err != nil && ctx.Err() == nil {
		a.log.Warn("deleteWebhook failed", "error", err)
	}
	a.setProfile(ctx)
	if err := a.Dispatcher.FlushPending(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("flush pending replies", "error", err)
	}
	stopHTTP := func(context.Context) {}
	served := make(<-chan error)
	if a.cfg.HTTPAddr != "" {
		var err error
		if stopHTTP, served, err = a.serveHTTP(a.opsMux()); err != nil {
			return err
		}
	}
	if err := a.Scheduler.Start(ctx); err != nil {
		stopHTTP(ctx)
		return fmt.Errorf("start scheduler: %w", err)
	}
	// The intake stops when polling does (ctx ended, or the HTTP server
	// failed).
	ictx, stopIntake := context.WithCancel(ctx)
	defer stopIntake()
	intakeDone := make(chan error, 1)
	go func() { intakeDone <- a.runIntake(ictx) }()
	pctx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	polled := make(chan error, 1)
	a.sourceUp.Store(true)
	go func() { polled <- a.pollAsLeader(pctx) }()
	var err error
	select {
	case err = <-polled:
	case serr := <-served:
		stopPoll()
		<-polled
		err = fmt.Errorf("HTTP server: %w", serr)
	}
	a.sourceUp.Store(false)
	stopIntake()
	a.log.Info("kbbot stopped polling")
	// Stop order: intake (steps under way finish, chats are let go), then
	// the scheduler's jobs.
	stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	select {
	case <-intakeDone:
	case <-stopCtx.Done():
		a.log.Warn("intake did not stop in time")
	}
	if serr := a.Scheduler.Stop(stopCtx); serr != nil {
		a.log.Warn("scheduler did not stop in time", "error", serr)
	}
	stopHTTP(stopCtx)
	return err
}

// runIntake runs the intake's workers, marking them up for /readyz.
func (a *App) runIntake(ctx context.Context) error {
	a.intakeUp.Store(true)
	defer a.intakeUp.Store(false)
	return a.Intake.Run(ctx)
}

// menuCommands are the commands of Telegram's command menu, each described
// by the UI text "cmd_<command>".
var menuCommands = []string{"start", "menu", "daftar", "pesanan", "pengingat", "tanya", "wilayah", "batal", "bantuan", "bahasa", "berhenti", "mulai", "privasi", "hapusdata"}

// setProfile publishes what Telegram shows of the bot: the command menu, the
// description (in an empty chat, before /start) and the short description
// (profile page, shared links); in Indonesian by default and in each other
// language for clients set to it. A failure is logged: the bot works
// without them.
func (a *App) setProfile(ctx context.Context) {
	for _, lang := range content.Langs {
		list := make([]tgbotapi.BotCommand, 0, len(menuCommands))
		for _, c := range menuCommands {
			list = append(list, tgbotapi.BotCommand{Command: c, Description: a.Library.UI.T(lang, "cmd_"+c)})
		}
		p := tgbotapi.Params{}
		if err := p.AddInterface("commands", list); err != nil {
			return
		}
		calls := []struct {
			method string
			params tgbotapi.Params
		}{
			{"setMyCommands", p},
			{"setMyDescription", tgbotapi.Params{"description": a.Library.UI.T(lang, "profile_description")}},
			{"setMyShortDescription", tgbotapi.Params{"short_description": a.Library.UI.T(lang, "profile_short_description")}},
		}
		for _, c := range calls {
			if lang != content.ID {
				c.params["language_code"] = string(lang)
			}
			if _, err := a.Client.Call(ctx, c.method, c.params); err != nil && ctx.Err() == nil {
				a.log.Warn("telegram profile not set", "method", c.method, "lang", string(lang), "error", err)
			}
		}
	}
}

// WaitHandled waits until no chat has updates accepted and not yet
// handled (by any process sharing the Redis prefix), or until timeout; for
// tests and the terminal demo, whose user waits for the answer.
func (a *App) WaitHandled(ctx context.Context, timeout time.Duration) error {
	return WaitHandled(ctx, a.Inbox, timeout)
}

// WaitHandled is App.WaitHandled for an intake store.
func WaitHandled(ctx context.Context, inbox *redisstore.IntakeStore, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	// A chat being let go leaves the index for a moment before it comes
	// back with a newer update (IntakeStore.Release): only several empty
	// readings in a row mean that everything was handled.
	const settled = 5
	zeros := 0
	for {
		n, err := inbox.Waiting(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if zeros++; zeros == settled {
				return nil
			}
		} else {
			zeros = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d chats still have updates not handled after %v", n, timeout)
		}
		// Polling a condition, not waiting for time.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// waitRedis pings Redis until it answers: at once, then after 100ms,
// doubling up to 10s, each failure logged. It gives up when ctx ends or,
// for a non-zero patience, when that has passed (negative: one try).
func (a *App) waitRedis(ctx context.Context, patience time.Duration) error {
	start := time.Now()
	backoff := 100 * time.Millisecond
	for try := 1; ; try++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := a.rdb.Ping(pctx).Err()
		cancel()
		if err == nil {
			if try > 1 {
				a.log.Info("Redis answers; starting", "tries", try)
			}
			return nil
		}
		if patience < 0 || (patience > 0 && time.Since(start)+backoff > patience) || ctx.Err() != nil {
			return fmt.Errorf("cannot reach Redis at REDIS_URL: %w", err)
		}
		a.log.Warn("cannot reach Redis at REDIS_URL; retrying", "try", try, "retry_in", backoff, "error", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("cannot reach Redis at REDIS_URL: %w", err)
		case <-t.C:
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// Redis returns the Redis client in use.
func (a *App) Redis() redis.UniversalClient { return a.rdb }

// Close releases what New opened.
func (a *App) Close() {
	a.closeOnce.Do(func() {
		if a.limiter != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := a.limiter.Release(ctx); err != nil {
				a.log.Debug("return leased send slots", "error", err)
			}
			cancel()
		}
		if a.Client != nil {
			// The Bot API's keep-alive connections (the lean client's
			// pool and net/http's).
			a.Client.CloseIdleConnections()
		}
		if a.ownsRedis && a.rdb != nil {
			_ = a.rdb.Close()
		}
	})
}

func randomNonce() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
