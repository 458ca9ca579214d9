package scheduler

import (
	"context"
	"time"
)

// RunJob runs one fire of a job as cron would, with ctx as the run context.
func (s *Scheduler) RunJob(ctx context.Context, name string, period time.Duration, job func(context.Context) error) {
	s.mu.Lock()
	s.runCtx = ctx
	s.mu.Unlock()
	s.runJob(name, period, job)
}

// PurgeJobOf returns the job AddPurge schedules for p.
func (s *Scheduler) PurgeJobOf(p Purger) func(context.Context) error { return s.purgeJob(p) }
