// Package send delivers broadcasts (package broadcast) to residents: it
// starts those due, hands their recipients to any number of processes
// through a Queue (redisstore.BroadcastStore), sends each message through a
// kbbot.Sender in the broadcast lane, records each outcome and sends the
// author a final report. The texts come from a Texts (conversations
// renders them); this package knows nothing of Telegram, Redis or the
// dialog.
package send

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
)

// Queue is what the sending of broadcasts needs of the store
// (redisstore.BroadcastStore).
type Queue interface {
	// StartDue starts the scheduled broadcasts due at now, each once
	// whatever the number of processes, fixing their recipients.
	StartDue(ctx context.Context, now time.Time) ([]string, error)
	// Active lists the broadcasts being sent or waiting for their report.
	Active(ctx context.Context) ([]broadcast.Broadcast, error)
	// Claim takes up to n recipients until now+lease; an empty claim means
	// nothing is left to take now.
	Claim(ctx context.Context, id string, n int, now time.Time, lease time.Duration) (broadcast.Claim, error)
	// Ack records the outcome for one recipient of a claim; false when
	// the claim no longer holds them.
	Ack(ctx context.Context, id string, c broadcast.Claim, chat kbbot.ChatID, o broadcast.Outcome) (bool, error)
	// Renew extends a claim until now+lease for those of chats it still
	// holds, returning the claim with its new token and how many it
	// holds (0: none, the claim is gone).
	Renew(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID, now time.Time, lease time.Duration) (broadcast.Claim, int, error)
	// Release gives back recipients of a claim that were not sent to.
	Release(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID) error
	// Finish closes a broadcast whose recipients are all dealt with;
	// report is true for the one caller that sends the report now.
	Finish(ctx context.Context, id string, now time.Time, reportLease time.Duration) (report bool, err error)
	// Reported records that the report was sent.
	Reported(ctx context.Context, id string) error
	// Get returns a broadcast with its counts.
	Get(ctx context.Context, id string) (broadcast.Broadcast, error)
}

// Texts renders what the sender sends (conversations.BroadcastTexts).
type Texts interface {
	// Message is broadcast b as a resident reading lang receives it, in
	// the broadcast lane, ChatID unset.
	Message(b broadcast.Broadcast, lang string) kbbot.Reply
	// Report is the final report of b to its author.
	Report(b broadcast.Broadcast) kbbot.Reply
}

// Config tunes a Sender; zero values take the defaults in brackets.
type Config struct {
	// Workers is how many messages one process has in flight at once
	// [8]; the sender's limiter sets the pace.
	Workers int
	// Batch is how many recipients one claim takes [10].
	Batch int
	// Lease is how long a claim is held before another process may take
	// its recipients again [15 s]: a dead sender's recipients are taken
	// over within Lease plus the time to the next run. A live sender
	// renews its claims every RenewEvery [Lease/3], however long a
	// message takes.
	Lease      time.Duration
	RenewEvery time.Duration
	// LeaseMargin: a claim whose renewals failed is let go (the message
	// in flight cut) LeaseMargin before its end [Lease/3].
	LeaseMargin time.Duration
	// SendTimeout bounds one message, waiting for the limiter included
	// [60 s].
	SendTimeout time.Duration
	// MaxRun bounds one Run [4 min], below the scheduler's job timeout.
	MaxRun time.Duration
	// ReportLease is how long one process holds a report to send [1 min].
	ReportLease time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Batch <= 0 {
		c.Batch = 10
	}
	def(&c.Lease, 15*time.Second)
	def(&c.RenewEvery, c.Lease/3)
	def(&c.LeaseMargin, c.Lease/3)
	def(&c.SendTimeout, 60*time.Second)
	def(&c.MaxRun, 4*time.Minute)
	def(&c.ReportLease, time.Minute)
	return c
}

// Sender sends broadcasts: it starts those due, sends to their recipients
// through a kbbot.Sender (which keeps Telegram's limits and waits out its
// retry_after; every message goes in the broadcast lane), records each
// outcome, and sends each author a final report. Any number of processes
// may run it at once: the store hands each recipient to one of them.
//
// A message the process was sending when it died may be sent again by
// another process once the claim's lease ends (within Config.Lease, as
// live senders renew theirs); no other recipient gets a message twice.
type Sender struct {
	texts     Texts
	q         Queue
	sender    kbbot.Sender
	clock     kbbot.Clock
	log       *slog.Logger
	cfg       Config
	onBlocked func(context.Context, kbbot.ChatID)
}

// New returns a sender of broadcasts. onBlocked, if not nil, is told of
// each resident found to have blocked the bot (to stop what else is queued
// for them).
func New(texts Texts, q Queue, s kbbot.Sender, clock kbbot.Clock, log *slog.Logger,
	cfg Config, onBlocked func(context.Context, kbbot.ChatID)) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{texts: texts, q: q, sender: s, clock: clock, log: log, cfg: cfg.withDefaults(), onBlocked: onBlocked}
}

// Run starts the broadcasts due, sends until nothing is left to take (or
// MaxRun passed, or ctx ended), and sends the reports of the broadcasts
// finished. The scheduler calls it periodically; tests call it directly.
func (s *Sender) Run(ctx context.Context) error {
	if _, err := s.q.StartDue(ctx, s.clock.Now()); err != nil {
		return err
	}
	active, err := s.q.Active(ctx)
	if err != nil {
		return err
	}
	var work []broadcast.Broadcast
	for _, b := range active {
		if b.State == broadcast.Sending && !broadcast.Quiet.Contains(s.clock.Now(), loadZone(b.Zone)) {
			work = append(work, b)
		}
	}
	if len(work) > 0 {
		s.send(ctx, work)
	}
	for _, b := range active {
		if ctx.Err() != nil {
			break
		}
		s.finish(ctx, b)
	}
	return ctx.Err()
}

// loadZone loads a broadcast's zone, Asia/Jakarta when it is unknown.
func loadZone(name string) *time.Location {
	if loc, err := booking.LoadZone(name); err == nil {
		return loc
	}
	loc, _ := booking.LoadZone("Asia/Jakarta")
	return loc
}

// rotation hands the workers the broadcasts in turn, until each has
// nothing left to claim.
type rotation struct {
	mu      sync.Mutex
	list    []broadcast.Broadcast
	drained []bool
	next    int
}

func (r *rotation) take() (broadcast.Broadcast, int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range r.list {
		i := r.next % len(r.list)
		r.next++
		if !r.drained[i] {
			return r.list[i], i, true
		}
	}
	return broadcast.Broadcast{}, 0, false
}

func (r *rotation) drain(i int) {
	r.mu.Lock()
	r.drained[i] = true
	r.mu.Unlock()
}

// send runs the workers over the broadcasts until they are drained.
func (s *Sender) send(ctx context.Context, list []broadcast.Broadcast) {
	rot := &rotation{list: list, drained: make([]bool, len(list))}
	stop := new(atomic.Bool)
	deadline := time.Now().Add(s.cfg.MaxRun)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			for !stop.Load() && ctx.Err() == nil && time.Now().Before(deadline) {
				b, i, ok := rot.take()
				if !ok {
					return
				}
				if broadcast.Quiet.Contains(s.clock.Now(), loadZone(b.Zone)) {
					rot.drain(i) // night fell: the rest waits for the morning
					continue
				}
				// A claim is not cut short by ctx: recipients claimed in
				// Redis and lost with the reply would wait for the lease.
				// sendClaim gives them back at once when ctx has ended.
				c, err := s.q.Claim(context.WithoutCancel(ctx), b.ID, s.cfg.Batch, s.clock.Now(), s.cfg.Lease)
				if err != nil {
					s.log.Error("claim broadcast recipients", "broadcast", b.ID, "error", err)
					stop.Store(true)
					return
				}
				if len(c.Recipients) == 0 {
					rot.drain(i)
					continue
				}
				s.sendClaim(ctx, b, c, stop)
			}
		})
	}
	wg.Wait()
}

// sendClaim sends to the recipients of one claim, recording each outcome
// right after its message, while its lease is renewed; it gives back the
// ones it does not get to.
func (s *Sender) sendClaim(ctx context.Context, b broadcast.Broadcast, c broadcast.Claim, stop *atomic.Bool) {
	// Records are written even while stopping: a message sent must count.
	rec := context.WithoutCancel(ctx)
	h := s.hold(ctx, b.ID, c)
	defer h.letGo()
	for i, r := range c.Recipients {
		if stop.Load() || ctx.Err() != nil || h.lost() {
			s.release(rec, b.ID, h.letGo(), c.Recipients[i:])
			return
		}
		o, settled := s.deliver(h.ctx, b, r)
		if !settled {
			if !h.lost() || ctx.Err() != nil {
				stop.Store(true)
			}
			s.release(rec, b.ID, h.letGo(), c.Recipients[i:])
			return
		}
		if err := h.ack(rec, r.Chat, o); err != nil {
			// As if the process died here: the claim's lease brings the
			// rest back, and this one message may be sent again.
			s.log.Error("record broadcast outcome", "broadcast", b.ID, "error", err)
			stop.Store(true)
			return
		}
		if o == broadcast.Blocked && s.onBlocked != nil {
			s.onBlocked(rec, r.Chat)
		}
	}
}

func (s *Sender) release(ctx context.Context, id string, c broadcast.Claim, rest []broadcast.Recipient) {
	chats := make([]kbbot.ChatID, len(rest))
	for i, r := range rest {
		chats[i] = r.Chat
	}
	if err := s.q.Release(ctx, id, c, chats); err != nil {
		s.log.Warn("release broadcast recipients; their lease brings them back", "broadcast", id, "error", err)
	}
}

// deliver sends one message. settled is false when it was not sent and
// may succeed later (ctx ended, Telegram unreachable or still asking to
// wait): the recipient then goes back to the queue. It does not wait out
// a retry_after: the kbbot.Sender (bot.LimitedSender) is the one layer
// that does, and a kbbot.RetryAfterError reaching here stops this run.
func (s *Sender) deliver(ctx context.Context, b broadcast.Broadcast, r broadcast.Recipient) (o broadcast.Outcome, settled bool) {
	reply := s.texts.Message(b, r.Lang)
	reply.ChatID = r.Chat
	sctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
	_, err := s.sender.Send(sctx, reply)
	cancel()
	switch {
	case err == nil:
		return broadcast.Delivered, true
	case errors.Is(err, kbbot.ErrBlocked):
		return broadcast.Blocked, true
	case errors.Is(err, kbbot.ErrChatNotFound), errors.Is(err, kbbot.ErrBadRequest):
		s.log.Warn("broadcast message refused", "broadcast", b.ID, "error", err)
		return broadcast.Failed, true
	case ctx.Err() != nil:
		return "", false
	default:
		s.log.Warn("broadcast message not sent; will retry", "broadcast", b.ID, "error", err)
		return "", false
	}
}

// finish closes a broadcast with nothing left and sends its author the
// report, once.
func (s *Sender) finish(ctx context.Context, b broadcast.Broadcast) {
	report, err := s.q.Finish(ctx, b.ID, s.clock.Now(), s.cfg.ReportLease)
	if err != nil {
		s.log.Error("finish broadcast", "broadcast", b.ID, "error", err)
		return
	}
	if !report {
		return
	}
	if b, err = s.q.Get(ctx, b.ID); err != nil {
		s.log.Error("read finished broadcast", "broadcast", b.ID, "error", err)
		return
	}
	r := s.texts.Report(b)
	if _, err := s.sender.Send(ctx, r); err != nil && !errors.Is(err, kbbot.ErrBlocked) && !errors.Is(err, kbbot.ErrChatNotFound) {
		s.log.Warn("send broadcast report; will retry", "broadcast", b.ID, "error", err)
		return
	}
	if err := s.q.Reported(ctx, b.ID); err != nil {
		s.log.Error("mark broadcast reported", "broadcast", b.ID, "error", err)
	}
}
