package scheduler

import (
	"context"
	"sync/atomic"
	"time"
)

// sweepLock is the sweep lock while a sweep runs: it is extended every
// LockTTL/3 in the background, however long a batch takes (a slow
// Telegram, a long 429), so that no other process sweeps, and so reaps
// the items this one has in flight, while it works. A dead sweeper's lock
// runs out within LockTTL, and its items within Lease: another process
// takes them over then.
type sweepLock struct {
	lost atomic.Bool // an extension found the lock gone, or failed
	stop context.CancelFunc
	done chan struct{}
}

// keepLock extends the lock name held with tok until release is called.
func (s *Scheduler) keepLock(ctx context.Context, tok string) *sweepLock {
	ctx, cancel := context.WithCancel(ctx)
	l := &sweepLock{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(max(s.cfg.LockTTL/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			ok, err := s.store.Extend(ctx, s.cfg.LockName, tok, s.cfg.LockTTL)
			if ctx.Err() != nil {
				return
			}
			if err != nil || !ok {
				// Someone else may sweep now; the claims stay atomic, and
				// an item handled twice is sent once (the dispatcher
				// deduplicates on its key).
				s.log.Warn("sweep lock lost; ending this sweep after its batch", "error", err)
				l.lost.Store(true)
				return
			}
		}
	}()
	return l
}

// release stops the extensions.
func (l *sweepLock) release() {
	l.stop()
	<-l.done
}
