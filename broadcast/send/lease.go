package send

import (
	"context"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
)

// heldClaim is a claim being sent. Its lease is short (Config.Lease), so
// that the recipients of a sender that died go to another within it, and
// renewed every Config.RenewEvery while this sender is at work, so that a
// live sender, however slow (a long 429, a slow Telegram), keeps them.
//
// The claim is lost, and its ctx ends (cutting the message in flight),
// when a renewal finds it gone (another sender took its recipients), or
// when renewals fail (Redis away) until Config.LeaseMargin before its
// deadline: another sender may take the recipients then, and a message
// still in flight would reach its resident twice.
type heldClaim struct {
	s      *Sender
	id     string
	ctx    context.Context // ends when the claim is lost or let go
	cancel context.CancelFunc
	done   chan struct{} // closed when the renewals stopped

	mu   sync.Mutex // serializes renewals and acks: both use the token
	c    broadcast.Claim
	rest []kbbot.ChatID // recipients not yet recorded
}

// hold starts renewing c, a claim of broadcast id, until let go.
func (s *Sender) hold(ctx context.Context, id string, c broadcast.Claim) *heldClaim {
	hctx, cancel := context.WithCancel(ctx)
	h := &heldClaim{s: s, id: id, ctx: hctx, cancel: cancel, done: make(chan struct{}), c: c}
	for _, r := range c.Recipients {
		h.rest = append(h.rest, r.Chat)
	}
	go h.renew()
	return h
}

// renew extends the lease every RenewEvery until the claim is let go,
// lost, or has nobody left.
func (h *heldClaim) renew() {
	defer close(h.done)
	t := time.NewTicker(h.s.cfg.RenewEvery)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		if !h.renewOnce() {
			h.cancel()
			return
		}
	}
}

// renewOnce renews the lease and reports whether the claim still holds.
func (h *heldClaim) renewOnce() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.rest) == 0 {
		return true
	}
	now := h.s.clock.Now()
	c, held, err := h.s.q.Renew(h.ctx, h.id, h.c, h.rest, now, h.s.cfg.Lease)
	switch {
	case err == nil && held > 0:
		h.c = c
		return true
	case err == nil:
		h.s.log.Warn("broadcast claim taken by another sender; letting it go", "broadcast", h.id)
		return false
	case h.ctx.Err() != nil:
		return true // let go meanwhile
	case !now.Add(h.s.cfg.LeaseMargin).Before(h.c.Deadline):
		h.s.log.Error("broadcast claim not renewed before its end; letting it go", "broadcast", h.id, "error", err)
		return false
	default:
		h.s.log.Warn("renew broadcast claim; will try again", "broadcast", h.id, "error", err)
		return true
	}
}

// lost reports whether the claim was lost (or let go).
func (h *heldClaim) lost() bool { return h.ctx.Err() != nil }

// ack records the outcome for chat under the claim's current token.
func (h *heldClaim) ack(ctx context.Context, chat kbbot.ChatID, o broadcast.Outcome) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, c := range h.rest {
		if c == chat {
			h.rest = append(h.rest[:i], h.rest[i+1:]...)
			break
		}
	}
	_, err := h.s.q.Ack(ctx, h.id, h.c, chat, o)
	return err
}

// letGo stops the renewals and returns the claim as last renewed.
func (h *heldClaim) letGo() broadcast.Claim {
	h.cancel()
	<-h.done
	return h.c
}
