package conversations

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/resident"
)

// BroadcastQueue is what the sending of broadcasts needs of the store
// (redisstore.BroadcastStore).
type BroadcastQueue interface {
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

// BroadcastSendConfig tunes a BroadcastSender; zero values take the
// defaults in brackets.
type BroadcastSendConfig struct {
	// Workers is how many messages one process has in flight at once
	// [8]; the sender's limiter sets the pace.
	Workers int
	// Batch is how many recipients one claim takes [10].
	Batch int
	// Lease is how long a claim is held before another process may take
	// its recipients again [5 min]. A sender stops using a claim
	// LeaseMargin before its end.
	Lease time.Duration
	// LeaseMargin [90 s] must exceed SendTimeout.
	LeaseMargin time.Duration
	// SendTimeout bounds one message, waiting for the limiter included
	// [60 s].
	SendTimeout time.Duration
	// MaxRun bounds one Run [4 min], below the scheduler's job timeout.
	MaxRun time.Duration
	// ReportLease is how long one process holds a report to send [1 min].
	ReportLease time.Duration
}

func (c BroadcastSendConfig) withDefaults() BroadcastSendConfig {
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
	def(&c.Lease, 5*time.Minute)
	def(&c.LeaseMargin, 90*time.Second)
	def(&c.SendTimeout, 60*time.Second)
	def(&c.MaxRun, 4*time.Minute)
	def(&c.ReportLease, time.Minute)
	return c
}

// BroadcastSender sends broadcasts: it starts those due, sends to their
// recipients through a kbbot.Sender (which keeps Telegram's limits; every
// message goes in the broadcast lane), records each outcome, and sends each
// author a final report. Any number of processes may run it at once: the
// store hands each recipient to one of them.
//
// A message the process was sending when it died may be sent again by
// another process once the claim's lease ends; no other recipient gets a
// message twice.
type BroadcastSender struct {
	lib       *content.Library
	q         BroadcastQueue
	sender    kbbot.Sender
	clock     kbbot.Clock
	log       *slog.Logger
	cfg       BroadcastSendConfig
	onBlocked func(context.Context, kbbot.ChatID)
}

// NewBroadcastSender returns a sender of broadcasts. onBlocked, if not
// nil, is told of each resident found to have blocked the bot (to stop
// what else is queued for them).
func NewBroadcastSender(lib *content.Library, q BroadcastQueue, s kbbot.Sender, clock kbbot.Clock, log *slog.Logger,
	cfg BroadcastSendConfig, onBlocked func(context.Context, kbbot.ChatID)) *BroadcastSender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &BroadcastSender{lib: lib, q: q, sender: s, clock: clock, log: log, cfg: cfg.withDefaults(), onBlocked: onBlocked}
}

// Run starts the broadcasts due, sends until nothing is left to take (or
// MaxRun passed, or ctx ended), and sends the reports of the broadcasts
// finished. The scheduler calls it periodically; tests call it directly.
func (s *BroadcastSender) Run(ctx context.Context) error {
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
func (s *BroadcastSender) send(ctx context.Context, list []broadcast.Broadcast) {
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
				c, err := s.q.Claim(ctx, b.ID, s.cfg.Batch, s.clock.Now(), s.cfg.Lease)
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
// right after its message; it gives back the ones it does not get to.
func (s *BroadcastSender) sendClaim(ctx context.Context, b broadcast.Broadcast, c broadcast.Claim, stop *atomic.Bool) {
	// Records are written even while stopping: a message sent must count.
	rec := context.WithoutCancel(ctx)
	for i, r := range c.Recipients {
		if stop.Load() || ctx.Err() != nil || !s.clock.Now().Add(s.cfg.LeaseMargin).Before(c.Deadline) {
			s.release(rec, b.ID, c, c.Recipients[i:])
			return
		}
		o, settled := s.deliver(ctx, b, r)
		if !settled {
			s.release(rec, b.ID, c, c.Recipients[i:])
			stop.Store(true)
			return
		}
		if _, err := s.q.Ack(rec, b.ID, c, r.Chat, o); err != nil {
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

func (s *BroadcastSender) release(ctx context.Context, id string, c broadcast.Claim, rest []broadcast.Recipient) {
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
// wait): the recipient then goes back to the queue.
func (s *BroadcastSender) deliver(ctx context.Context, b broadcast.Broadcast, r broadcast.Recipient) (o broadcast.Outcome, settled bool) {
	reply := broadcastMessage(s.lib, b, r.Lang)
	reply.ChatID = r.Chat
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
		_, err := s.sender.Send(sctx, reply)
		cancel()
		var ra *kbbot.RetryAfterError
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
		case errors.As(err, &ra) && attempt < 3:
			t := time.NewTimer(min(ra.After, 30*time.Second))
			select {
			case <-ctx.Done():
				t.Stop()
				return "", false
			case <-t.C:
			}
		default:
			s.log.Warn("broadcast message not sent; will retry", "broadcast", b.ID, "error", err)
			return "", false
		}
	}
}

// finish closes a broadcast with nothing left and sends its author the
// report, once.
func (s *BroadcastSender) finish(ctx context.Context, b broadcast.Broadcast) {
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
	r := BroadcastReport(s.lib, b)
	if _, err := s.sender.Send(ctx, r); err != nil && !errors.Is(err, kbbot.ErrBlocked) && !errors.Is(err, kbbot.ErrChatNotFound) {
		s.log.Warn("send broadcast report; will retry", "broadcast", b.ID, "error", err)
		return
	}
	if err := s.q.Reported(ctx, b.ID); err != nil {
		s.log.Error("mark broadcast reported", "broadcast", b.ID, "error", err)
	}
}

// textStep is a step that only composes texts in lang.
func textStep(lib *content.Library, lang string) *step {
	l, ok := content.ParseLang(lang)
	if !ok {
		l = content.ID
	}
	return &step{e: &Engine{lib: lib}, s: NewSession(), r: resident.New(string(l))}
}

// broadcastMessage is a broadcast as a resident reading lang receives it
// (ChatID unset): a line naming the area, the cadre's text (escaped), and
// how to stop; a photo carries it as its caption.
func broadcastMessage(lib *content.Library, b broadcast.Broadcast, lang string) kbbot.Reply {
	st := textStep(lib, lang)
	head := st.t("bc_msg_head")
	if place := bcPlace(b.Audience.Area); place != "" {
		head = st.t("bc_msg_head_area", place)
	}
	parts := []string{head}
	if body := strings.TrimSpace(b.Text); body != "" {
		parts = append(parts, escape(body))
	}
	parts = append(parts, st.t("bc_msg_foot"))
	r := kbbot.Reply{Kind: kbbot.ReplySend, Text: strings.Join(parts, "\n\n"), Priority: kbbot.PriorityBroadcast}
	if b.PhotoID != "" {
		r.Kind, r.FileID = kbbot.ReplyPhoto, b.PhotoID
	}
	return r
}

// BroadcastReport is the final report of a broadcast to its author.
func BroadcastReport(lib *content.Library, b broadcast.Broadcast) kbbot.Reply {
	st := textStep(lib, b.Lang)
	key := "bc_report_done"
	if b.State == broadcast.Cancelled {
		key = "bc_report_cancelled"
	}
	text := st.t(key, bcClip(bcFirstLine(b), 60)) + "\n\n" + st.bcCounts(b.Counts)
	return kbbot.Reply{Kind: kbbot.ReplySend, ChatID: b.Author, Text: text, Buttons: [][]kbbot.Button{
		{st.btn("btn_bc_progress", data(cbBroadcast, bcView, b.ID))},
		{st.btn("btn_menu", data(cbMenu))},
	}}
}
