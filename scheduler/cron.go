package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Start sweeps at once (catching up after downtime) and then every
// Config.Every, and starts the jobs added with Add. Runs use ctx; they
// stop claiming when it ends or Stop is called. A Scheduler starts once.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("scheduler: already started")
	}
	s.started, s.runCtx = true, ctx
	id := s.cron.Schedule(cron.Every(s.cfg.Every), cron.FuncJob(s.runSweep))
	first := s.cron.Entry(id).WrappedJob // under the same Recover and SkipIfStillRunning
	s.cron.Start()
	s.extra.Go(first.Run)
	return nil
}

// Stop stops new runs, lets running ones finish (a sweep finishes its
// current batch and claims no more) and waits for them, or for ctx.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopping.Store(true)
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.extra.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: stop: %w", ctx.Err())
	}
}

// AddLocal runs job on spec (as for Add) in this process, at every fire of
// its real-time timer and without a lock: for jobs that every process may
// run at once, such as delivering outboxes left behind (each chat is taken
// under its own lock). A run gets Config.JobTimeout.
func (s *Scheduler) AddLocal(spec, name string, job func(context.Context) error) error {
	return s.schedule(spec, name, job, func(time.Duration) {
		ctx := s.ctx()
		if ctx == nil || ctx.Err() != nil || s.stopping.Load() {
			return
		}
		jctx, cancel := context.WithTimeout(ctx, s.cfg.JobTimeout)
		defer cancel()
		if err := job(jctx); err != nil {
			s.log.Error("periodic job failed", "job", name, "error", err)
		}
	})
}

// Add runs job on spec, a cron spec with a leading seconds field ("0 30 2
// * * *") or a descriptor ("@every 1m", "@daily"), in UTC. Each fire runs
// on one process only: under a Redis lock named after the job and the fire
// time (for "@every d" the time rounded down to a multiple of d), which is
// left to expire rather than released, so a process whose timer fires a
// little later does not run the same fire again. A run gets
// Config.JobTimeout. Add may be called before or after Start.
func (s *Scheduler) Add(spec, name string, job func(context.Context) error) error {
	return s.schedule(spec, name, job, func(period time.Duration) { s.runJob(name, period, job) })
}

// schedule checks a job and its spec and has cron call fire at each fire,
// with the spec's period ("@every d": d; otherwise a second).
func (s *Scheduler) schedule(spec, name string, job func(context.Context) error, fire func(period time.Duration)) error {
	if name == "" || job == nil {
		return errors.New("scheduler: add: a job needs a name and a function")
	}
	sched, err := s.parse(spec)
	if err != nil {
		return fmt.Errorf("scheduler: add job %q: %w", name, err)
	}
	period := time.Second
	if cd, ok := sched.(cron.ConstantDelaySchedule); ok {
		period = cd.Delay
	}
	s.cron.Schedule(sched, cron.FuncJob(func() { fire(period) }))
	return nil
}

// parse parses spec, turning the parser's panics on some malformed TZ
// prefixes (robfig/cron#554) into errors.
func (s *Scheduler) parse(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if p := recover(); p != nil {
			sched, err = nil, fmt.Errorf("invalid spec %q: %v", spec, p)
		}
	}()
	return s.parser.Parse(spec)
}

// ctx returns the context given to Start (nil before).
func (s *Scheduler) ctx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runCtx
}

// runSweep is the cron job of the sweep.
func (s *Scheduler) runSweep() {
	ctx := s.ctx()
	if ctx == nil || ctx.Err() != nil || s.stopping.Load() {
		return
	}
	if _, err := s.Sweep(ctx); err != nil {
		s.log.Error("reminder sweep", "error", err)
	}
}

// runJob runs one fire of a job added with Add, if this process wins the
// fire's lock.
func (s *Scheduler) runJob(name string, period time.Duration, job func(context.Context) error) {
	ctx := s.ctx()
	if ctx == nil || ctx.Err() != nil || s.stopping.Load() {
		return
	}
	fire := s.clock.Now().UTC().Truncate(period)
	lock := "job:" + name + ":" + fire.Format("20060102T150405Z")
	_, ok, err := s.store.Lock(ctx, lock, s.cfg.JobTimeout+30*time.Second)
	if err != nil {
		s.log.Error("periodic job: take lock", "job", name, "error", err)
		return
	}
	if !ok {
		s.log.Debug("periodic job ran elsewhere", "job", name, "fire", fire)
		return
	}
	jctx, cancel := context.WithTimeout(ctx, s.cfg.JobTimeout)
	defer cancel()
	if err := job(jctx); err != nil {
		s.log.Error("periodic job failed", "job", name, "error", err)
	}
}

// cronLogger adapts slog to cron.Logger: cron's chatter at debug level,
// its errors (a recovered panic) at error level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"error", err}, kv...)...)
}
