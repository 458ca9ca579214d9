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
// leaderRenew (4 s). A leader that finds its lock taken stops polling at
// once, so two pollers overlap at most for one long poll, which Telegram
// answers with 409. A leader that cannot reach Redis at all polls on: no
// process can take the lock then, and only a poller can tell residents
// who write that kbbot will answer once Redis is back (their updates stay
// unconfirmed). When Redis returns, its lock has run out; it stands by
// and the processes elect a leader again. (A leader cut off from a Redis
// the others still reach overlaps with the new leader until then: both
// fetch, the cut-off one stores nothing and confirms nothing.)
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
		away := false
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
			switch {
			case err != nil && !away:
				// Redis is away: no process can take the lock, and
				// nothing can be stored. Polling on, the poller tells
				// residents who write to wait (their updates stay
				// unconfirmed); with nobody polling they would hear
				// nothing. Once Redis is back, the lock, expired by
				// then, is taken again.
				a.log.Warn("cannot renew the poll leader lock; Redis is away: polling on", "error", err)
				away = true
			case err == nil && !ok:
				a.log.Warn("lost the poll leader lock; standing by")
				cancel()
				return
			case err == nil && away:
				away = false
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
