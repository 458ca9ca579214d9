package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// SweepResult says what one sweep did.
type SweepResult struct {
	// Skipped is set when another process held the sweep lock.
	Skipped bool
	// Reaped counts in-flight items whose lease had ended, returned to due.
	Reaped int
	// Claimed counts the items claimed.
	Claimed int
	// Sent counts items the handler took.
	Sent int
	// Stale counts items dropped because they were too late to help.
	Stale int
	// Deferred counts items put back until quiet hours end.
	Deferred int
	// Retried counts items put back after a failure, to try again later.
	Retried int
	// Blocked counts items dropped because the resident blocked the bot.
	Blocked int
	// Failed counts items dropped after MaxAttempts claims.
	Failed int
}

func (r *SweepResult) add(o SweepResult) {
	r.Sent += o.Sent
	r.Stale += o.Stale
	r.Deferred += o.Deferred
	r.Retried += o.Retried
	r.Blocked += o.Blocked
	r.Failed += o.Failed
}

// Sweep runs one sweep: it takes the sweep lock (and returns Skipped when
// another process holds it), extended in the background while it runs,
// reaps expired leases, then claims and hands
// on due items batch by batch until none is due, MaxPerSweep were claimed,
// Stop was called or ctx ends. An error means the store failed; what was
// claimed before it is handled all the same.
func (s *Scheduler) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	tok, ok, err := s.store.Lock(ctx, s.cfg.LockName, s.cfg.LockTTL)
	if err != nil {
		return res, fmt.Errorf("scheduler: take sweep lock: %w", err)
	}
	if !ok {
		res.Skipped = true
		return res, nil
	}
	held := s.keepLock(ctx, tok)
	defer func() {
		held.release()
		if _, err := s.store.Unlock(context.WithoutCancel(ctx), s.cfg.LockName, tok); err != nil {
			s.log.Warn("release sweep lock", "error", err)
		}
	}()

	if res.Reaped, err = s.store.Reap(ctx, s.clock.Now()); err != nil {
		return res, fmt.Errorf("scheduler: reap: %w", err)
	}
	for res.Claimed < s.cfg.MaxPerSweep && ctx.Err() == nil && !s.stopping.Load() {
		limit := min(s.cfg.Batch, s.cfg.MaxPerSweep-res.Claimed)
		items, err := s.store.Claim(ctx, s.clock.Now(), s.cfg.Lease, limit)
		if err != nil {
			return res, fmt.Errorf("scheduler: claim: %w", err)
		}
		res.Claimed += len(items)
		if len(items) > 0 {
			res.add(s.handleBatch(ctx, items))
		}
		if len(items) < limit || held.lost.Load() {
			break
		}
	}
	if res.Claimed > 0 || res.Reaped > 0 {
		s.log.Info("reminder sweep", "claimed", res.Claimed, "sent", res.Sent, "stale", res.Stale,
			"deferred", res.Deferred, "retried", res.Retried, "blocked", res.Blocked, "failed", res.Failed, "reaped", res.Reaped)
	}
	return res, nil
}

// handleBatch hands on one claimed batch with a bounded pool of workers.
// Items of one chat go to one worker, in claim (due) order. Acks are
// batched by one goroutine that sends whatever has piled up, so a crash
// repeats few items and a fast handler costs few round trips.
func (s *Scheduler) handleBatch(ctx context.Context, items []reminders.Item) SweepResult {
	groups := byChat(items)
	work := make(chan []reminders.Item)
	acks := make(chan reminders.Item, len(items))
	results := make(chan SweepResult, s.cfg.Workers)
	ackDone := make(chan struct{})
	go func() {
		defer close(ackDone)
		s.ackLoop(context.WithoutCancel(ctx), acks)
	}()
	renewDone, stopRenew := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(renewDone)
		s.renewLoop(context.WithoutCancel(ctx), items, stopRenew)
	}()
	defer func() {
		close(stopRenew)
		<-renewDone
	}()
	workers := min(s.cfg.Workers, len(groups))
	for range workers {
		go func() {
			var r SweepResult
			for g := range work {
				for _, it := range g {
					s.handleOne(ctx, it, acks, &r)
				}
			}
			results <- r
		}()
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	var total SweepResult
	for range workers {
		total.add(<-results)
	}
	close(acks)
	<-ackDone
	return total
}

// renewLoop renews the leases of a batch's items every Lease/3 until stop
// is closed; those acked or put back meanwhile are left alone by the
// store.
func (s *Scheduler) renewLoop(ctx context.Context, items []reminders.Item, stop <-chan struct{}) {
	t := time.NewTicker(s.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if _, err := s.store.Renew(ctx, s.clock.Now().Add(s.cfg.Lease), items...); err != nil {
				s.log.Warn("renew reminder leases", "count", len(items), "error", err)
			}
		}
	}
}

// ackLoop acks the items it receives, as many per call as have piled up.
func (s *Scheduler) ackLoop(ctx context.Context, acks <-chan reminders.Item) {
	const maxAck = 500
	batch := make([]reminders.Item, 0, maxAck)
	for it := range acks {
		batch = append(batch[:0], it)
	fill:
		for len(batch) < maxAck {
			select {
			case more, ok := <-acks:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		if err := s.store.Ack(ctx, batch...); err != nil {
			// They come back when their lease ends: sent again, not lost.
			s.log.Error("ack reminders", "count", len(batch), "error", err)
		}
	}
}

// byChat groups items by chat, keeping their order within a chat and the
// order of each chat's first item.
func byChat(items []reminders.Item) [][]reminders.Item {
	idx := make(map[kbbot.ChatID]int, len(items))
	var groups [][]reminders.Item
	for _, it := range items {
		i, ok := idx[it.Chat]
		if !ok {
			i = len(groups)
			idx[it.Chat] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], it)
	}
	return groups
}

// backoff is the wait before the next try after attempt failed.
func (s *Scheduler) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}
