package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kbbot/kbbot"
)

// Scheduler sweeps due reminders into a handler and runs periodic jobs.
type Scheduler struct {
	store   Store
	handler kbbot.Handler
	clock   kbbot.Clock
	log     *slog.Logger
	cfg     Config
	zones   *zones

	cron     *cron.Cron
	parser   cron.Parser
	mu       sync.Mutex // guards started, runCtx
	started  bool
	runCtx   context.Context // the ctx given to Start
	stopping atomic.Bool
	extra    sync.WaitGroup // runs started outside cron (the first sweep)
}

// New returns a Scheduler that claims from store, feeds handler and reads
// the time from clock. A nil log discards log lines.
func New(store Store, handler kbbot.Handler, clock kbbot.Clock, log *slog.Logger, cfg Config) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = kbbot.SystemClock{}
	}
	cfg = cfg.withDefaults()
	cl := cronLogger{log: log}
	return &Scheduler{
		store: store, handler: handler, clock: clock, log: log, cfg: cfg,
		zones: newZones(cfg.DefaultZone),
		cron: cron.New(
			cron.WithSeconds(),
			cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
			cron.WithLocation(time.UTC),
			cron.WithLogger(cl),
		),
		parser: cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor),
	}
}
