package app

import (
	"context"
	"time"
)

// Polling with replicas. Telegram allows one getUpdates consumer per bot,
// so in polling mode the processes elect a leader through a Redis lock:
// the leader polls and extends the lock every leaderRenew; the others
// stand by and try to take it every leaderRenew. When the leader dies its
// lock runs out after leaderTTL and a standby polls within leaderTTL +
// leaderRenew (4 s). A leader that cannot extend its lock (Redis away, or
// the lock taken) stops polling at once, so two pollers overlap at most
// for one long poll, which Telegram answers with 409.
const (
	leaderLock  = "poll"
	leaderTTL   = 3 * time.Second
	leaderRenew = time.Second
)

// pollAsLeader polls while this process leads, and stands by otherwise,
// until ctx ends.
func (a *App) pollAsLeader(ctx context.Context) error {
	tick := time.NewTicker(leaderRenew)
	defer tick.Stop()
	standby := false
	for {
		token, ok, err := a.locker.Lock(ctx, leaderLock, leaderTTL)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("poll leader lock", "error", err)
		}
		if ok {
			a.log.Info("kbbot is polling for updates (leader)")
			err := a.leadPoll(ctx, token)
			if ctx.Err() != nil {
				return err
			}
			standby = false
		} else if !standby && ctx.Err() == nil {
			a.log.Info("another process polls; standing by")
			standby = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// leadPoll polls while the lock holds; it returns when ctx ends or the
// lock is lost, and releases the lock on the way out.
func (a *App) leadPoll(ctx context.Context, token string) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(leaderRenew)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
			}
			ok, err := a.locker.Extend(pctx, leaderLock, token, leaderTTL)
			if pctx.Err() != nil {
				return
			}
			if err != nil || !ok {
				a.log.Warn("lost the poll leader lock; standing by", "error", err)
				cancel()
				return
			}
		}
	}()
	err := a.poller.Run(pctx)
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer rcancel()
	if _, uerr := a.locker.Unlock(rctx, leaderLock, token); uerr != nil {
		a.log.Warn("release the poll leader lock", "error", uerr)
	}
	if ctx.Err() != nil {
		return err
	}
	return nil
}
