package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// handleOne decides what happens to one claimed item: dropped when stale,
// put back when it is night in its zone, otherwise handed to the handler
// and acked, retried or dropped by the outcome. Log lines name the kind and
// times, never the chat or ref (a ref may name a health method).
func (s *Scheduler) handleOne(ctx context.Context, it reminders.Item, acks chan<- reminders.Item, r *SweepResult) {
	now := s.clock.Now()
	loc := s.zones.get(it.Zone)
	switch {
	case it.Stale(now):
		s.log.Info("dropping stale reminder", "kind", it.Kind, "due", it.Due, "not_after", it.NotAfter,
			"late_by", now.Sub(it.Due).Round(time.Second))
		acks <- it
		r.Stale++
		return
	case s.cfg.Quiet.Contains(now, loc):
		morning := s.cfg.Quiet.Shift(now, loc)
		if morning.After(it.NotAfter) {
			s.log.Info("dropping reminder whose time ends in quiet hours", "kind", it.Kind, "zone", loc.String(),
				"due", it.Due, "not_after", it.NotAfter)
			acks <- it
			r.Stale++
			return
		}
		s.retry(ctx, it, morning)
		r.Deferred++
		return
	case it.Attempt > s.cfg.MaxAttempts:
		s.log.Warn("giving up on reminder", "kind", it.Kind, "attempts", it.Attempt-1)
		acks <- it
		r.Failed++
		return
	case ctx.Err() != nil:
		// Shutting down before its turn: hand it back for anyone to take now.
		s.retry(ctx, it, now)
		r.Retried++
		return
	}

	err := s.call(ctx, it)
	switch {
	case err == nil, errors.Is(err, kbbot.ErrDuplicate):
		acks <- it
		r.Sent++
	case errors.Is(err, kbbot.ErrBlocked), errors.Is(err, kbbot.ErrChatNotFound):
		acks <- it
		r.Blocked++
		if _, err := s.store.CancelResident(context.WithoutCancel(ctx), it.Chat); err != nil {
			s.log.Warn("cancel reminders of a blocked resident", "error", err)
		}
	case errors.Is(err, kbbot.ErrBusy):
		s.retry(ctx, it, now.Add(s.cfg.BusyDelay))
		r.Retried++
	case ctx.Err() != nil:
		s.retry(ctx, it, now)
		r.Retried++
	default:
		wait := s.backoff(it.Attempt)
		s.log.Warn("reminder not delivered; will retry", "kind", it.Kind, "attempt", it.Attempt, "retry_in", wait, "error", err)
		s.retry(ctx, it, now.Add(wait))
		r.Retried++
	}
}

// call runs the handler for it with a timeout, turning a panic into an
// error so one bad reminder cannot take the process down.
func (s *Scheduler) call(ctx context.Context, it reminders.Item) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.HandleTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scheduler: handler panicked: %v", p)
		}
	}()
	return s.handler.Handle(ctx, it.Event())
}

// retry puts it back, due at at; on failure the reaper returns it when its
// lease ends.
func (s *Scheduler) retry(ctx context.Context, it reminders.Item, at time.Time) {
	if err := s.store.Retry(context.WithoutCancel(ctx), it, at); err != nil {
		s.log.Error("put reminder back", "kind", it.Kind, "error", err)
	}
}
