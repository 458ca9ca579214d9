package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

// ChatStore keeps sessions, per-chat locks, what each chat handled and
// outboxes (redisstore.ChatStore implements it). A step is Begin, Commit,
// Finish (FinishInbox for an update from the intake, which also takes it
// off the chat's inbox): three round trips, plus an Ack before each
// further message of a reply of several, and a Renew every third of the
// lock's TTL while the chat is held. For an idle chat the intake's accept
// does the Begin (Inbox.PushClaim), so such a step costs two.
// Errors wrap kbbot.ErrUnavailable when the store cannot be reached, and
// kbbot.ErrBusy when the chat is locked by someone else or a lease was lost.
type ChatStore interface {
	// Begin takes the chat's lock for ttl and reads the session, whether
	// updateID (never 0) or the event key (never "") was handled before,
	// and the undelivered outbox.
	Begin(ctx context.Context, chat kbbot.ChatID, updateID int64, key string, ttl time.Duration) (kbbot.Lease, kbbot.ChatState, error)
	// Renew gives a lease still held a new ttl. It fails with kbbot.ErrBusy
	// when the lease was lost (it expired, and maybe someone else took the
	// chat), and then changes nothing.
	Renew(ctx context.Context, l kbbot.Lease, ttl time.Duration) error
	// Commit writes a step atomically while l is held (first removing the
	// delivered entries c.Acked from the outbox's head) and returns the
	// replies queued with their outbox ids. Committing an update or event
	// key that was committed before changes nothing but the
	// acknowledgements.
	Commit(ctx context.Context, l kbbot.Lease, c kbbot.Commit) ([]kbbot.Queued, error)
	// Ack removes the delivered entries from the head of the outbox while
	// l is held, keeping the lock. It fails with kbbot.ErrBusy when the
	// lease was lost.
	Ack(ctx context.Context, l kbbot.Lease, delivered []string) error
	// Finish removes the delivered entries from the head of the outbox, or
	// the whole outbox when drop is set, and releases the lock.
	Finish(ctx context.Context, l kbbot.Lease, delivered []string, drop bool) error
	// BeginInbox is Begin for the update at the head of the chat's inbox,
	// read in the same round trip (ok false: the inbox is empty; the lock
	// is taken all the same).
	BeginInbox(ctx context.Context, chat kbbot.ChatID, ttl time.Duration) (l kbbot.Lease, st kbbot.ChatState, head kbbot.InboxEntry, ok bool, err error)
	// BeginInboxes is BeginInbox for several chats in one round trip:
	// each chat whose inbox holds an update and whose lock was free is
	// Begun; the others are left untouched.
	BeginInboxes(ctx context.Context, chats []kbbot.ChatID, ttl time.Duration) []kbbot.Claimed
	// FinishInbox is Finish for a step that handled the inbox entry raw:
	// it also removes raw from the head of the chat's inbox and returns
	// the entry now at the head; given the chat's ready index (Inbox's
	// ReadyKey), it also takes the chat out of it. With next > 0 it keeps
	// the lock for next when an entry waits, and begins that entry's step
	// (InboxAfter.Begun).
	FinishInbox(ctx context.Context, l kbbot.Lease, delivered []string, raw, ready string, next time.Duration) (kbbot.InboxAfter, error)
	// PendingChats lists chats whose outbox is not empty.
	PendingChats(ctx context.Context) ([]kbbot.ChatID, error)
	// Unindex takes chat out of the index of pending outboxes when its
	// outbox is empty (Finish leaves that to PendingChats), so that after
	// /hapusdata no key names the chat.
	Unindex(ctx context.Context, chat kbbot.ChatID) error
	// SetAside moves outbox entries that cannot be decoded (Begin's
	// ChatState.Unreadable) to the chat's dead letters, while l is held.
	SetAside(ctx context.Context, l kbbot.Lease, entries []string) error
}

// ErrBacklog says an event was not handled because replies of earlier
// steps are still undelivered (Telegram unreachable, or the lease on the
// chat was lost): a passing condition, not a fault of the event.
var ErrBacklog = errors.New("earlier replies undelivered")

// Eraser deletes what one store keeps about a resident, for /hapusdata.
type Eraser interface {
	EraseResident(ctx context.Context, chat kbbot.ChatID) error
}

// Config tunes a Dispatcher. Zero values take the defaults.
type Config struct {
	// LockTTL is the lease on a chat (default DefaultLockTTL, 5 s): a
	// process that dies holding a chat leaves it to others after LockTTL.
	// A live holder renews the lease every LockTTL/3 from Begin to Finish,
	// through the step and its delivery, so neither a slow step nor a slow
	// delivery outlives its lease.
	LockTTL time.Duration
	// LockWait is how long an event waits for a busy chat (default 20 s).
	LockWait time.Duration
	// SessionTTL is the store's idle expiry of a session (default 30
	// days); a resident record without personal data lives as long.
	SessionTTL time.Duration
	// RecordRetention is how long a resident record with personal data is
	// kept after its last activity or planned reminder (default 2 years).
	RecordRetention time.Duration
	// Observe, when set, hears of each update handled: its kind, its
	// outcome (Outcome) and how long the step, commit and delivery took.
	Observe func(kind kbbot.EventKind, outcome string, took time.Duration)
	// Backlog, when set, hears how many chats have replies not yet
	// delivered each time FlushPending lists them.
	Backlog func(chats int)
}

// Outcome names how handling an update ended, for metrics: "ok",
// "backlog" (it waits behind replies not yet delivered), "unavailable"
// (a store could not be reached), "canceled" or "error".
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrBacklog):
		return "backlog"
	case errors.Is(err, kbbot.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}

// observe reports a handled update to Config.Observe.
func (d *Dispatcher) observe(kind kbbot.EventKind, start time.Time, err error) {
	if d.cfg.Observe != nil {
		d.cfg.Observe(kind, Outcome(err), time.Since(start))
	}
}

// DefaultLockTTL is the default of Config.LockTTL: short, so that a killed
// process's chats are free again within seconds.
const DefaultLockTTL = 5 * time.Second

// DefaultRecordRetention is the default of Config.RecordRetention.
const DefaultRecordRetention = 2 * 365 * 24 * time.Hour

// Dispatcher runs one conversations.Engine step per event with everything
// around it: per-chat lock (in process and across processes), skip of
// redelivered updates, atomic commit of session, record and outbox, then
// delivery of the outbox while the lease on the chat is renewed.
type Dispatcher struct {
	engine  *conversations.Engine
	store   ChatStore
	sender  kbbot.Sender
	clock   kbbot.Clock
	erasers []Eraser
	log     *slog.Logger
	cfg     Config
	local   keyedMutex

	sorryMu sync.Mutex
	sorry   map[kbbot.ChatID]time.Time

	// answers hands callback answers to idle answerers (unbuffered: a
	// send succeeds only when one waits).
	answers chan answerJob
	// warm is what this process last committed per chat, for steps run
	// ahead (speculate.go).
	warm warmCache
}

// New wires a dispatcher. sender should be the one layer that waits out
// Telegram's retry_after (bot.LimitedSender): the dispatcher does not wait,
// it keeps a reply Telegram refused for now in the outbox. erasers are
// called, in order, before a /hapusdata commit.
func New(e *conversations.Engine, store ChatStore, sender kbbot.Sender, clock kbbot.Clock, log *slog.Logger, cfg Config, erasers ...Eraser) *Dispatcher {
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = DefaultLockTTL
	}
	if cfg.LockWait <= 0 {
		cfg.LockWait = 20 * time.Second
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.RecordRetention == 0 {
		cfg.RecordRetention = DefaultRecordRetention
	}
	return &Dispatcher{engine: e, store: store, sender: sender, clock: clock, erasers: erasers, log: log, cfg: cfg,
		local: keyedMutex{m: map[kbbot.ChatID]*keyEntry{}}, sorry: map[kbbot.ChatID]time.Time{},
		answers: make(chan answerJob)}
}

var _ kbbot.Handler = (*Dispatcher)(nil)

// Handle runs one event. It returns an error only when the event was not
// handled and should be delivered again (the store could not be reached, or
// the chat stayed busy); once a step is committed, delivery problems are
// logged and the outbox is retried by FlushPending or the chat's next event.
func (d *Dispatcher) Handle(ctx context.Context, ev kbbot.Event) error {
	if ev.ChatID == 0 {
		return nil
	}
	unlock, err := d.local.lock(ctx, ev.ChatID)
	if err != nil {
		return err
	}
	defer unlock()
	start := time.Now()
	h, cs, err := d.begin(ctx, ev.ChatID, ev.UpdateID, ev.Key)
	if err != nil {
		d.apologize(ctx, ev, err)
		err = fmt.Errorf("handle update %d: %w", ev.UpdateID, err)
		d.observe(ev.Kind, start, err)
		return err
	}
	err = d.run(ctx, ev, h, cs)
	d.observe(ev.Kind, start, err)
	return err
}

// HandleHead handles the update at the head of chat's inbox, read in the
// same round trip that takes the chat (ChatStore.BeginInbox), or in the
// round trip that accepted it (b, not nil: the chat's lock is held and the
// step read), for the intake. t carries the entry handled, and learns the
// next one (see inboxTurn). ok is false when the inbox is empty; handled
// is false when the entry is one the intake deals with itself
// (unreadable, or a flood notice): the chat is then let go untouched. err
// is as for Handle, or the store's when the chat could not be taken.
func (d *Dispatcher) HandleHead(ctx context.Context, chat kbbot.ChatID, t *inboxTurn, b *begun) (e kbbot.InboxEntry, ok, handled bool, err error) {
	var (
		lease kbbot.Lease
		cs    kbbot.ChatState
		taken time.Time
	)
	if b != nil {
		// The chat's lock is held already: this process's other users of
		// the chat wait for it in Redis, not in d.local, so that none
		// holds d.local while waiting for this lock.
		lease, cs, e, ok, taken = b.lease, b.state, b.head, true, b.taken
	} else {
		unlock, err := d.local.lock(ctx, chat)
		if err != nil {
			return e, false, false, err
		}
		defer unlock()
		deadline := time.Now().Add(d.cfg.LockWait)
		wait := time.Millisecond
		for {
			taken = time.Now()
			lease, cs, e, ok, err = d.store.BeginInbox(ctx, chat, d.cfg.LockTTL)
			if err == nil {
				break
			}
			if !errors.Is(err, kbbot.ErrBusy) || !time.Now().Before(deadline) {
				return e, false, false, err
			}
			if err := sleepCtx(ctx, wait); err != nil {
				return e, false, false, err
			}
			wait = min(2*wait, 16*time.Millisecond)
		}
	}
	h := d.keep(ctx, lease, taken)
	if !ok || e.Unreadable || e.FloodNotice {
		d.finish(ctx, h, cs, false)
		return e, ok, false, nil
	}
	t.raw, t.entry = e.Raw, e
	err = d.run(withInboxTurn(ctx, t), e.Event, h, cs)
	d.observe(e.Event.Kind, taken, err)
	return e, true, true, err
}

// begun is a step the intake began in the round trip that accepted its
// update (kbbot.Claimed.Begun): the chat's lease, taken at taken (real
// time), what the step read, and the inbox's head.
type begun struct {
	lease kbbot.Lease
	state kbbot.ChatState
	head  kbbot.InboxEntry
	taken time.Time
}

// unbegin lets go a step begun but not run (nil: none): its lock is
// released, the outbox left as it is.
func (d *Dispatcher) unbegin(ctx context.Context, b *begun) {
	if b == nil {
		return
	}
	if err := d.store.Finish(context.WithoutCancel(ctx), b.lease, nil, false); err != nil {
		d.log.Warn("let begun step go", "error", err)
	}
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// run is a step on a chat taken (h, read as cs): it delivers what an
// earlier step left, skips an event handled before, or runs the dialog,
// commits, delivers and lets the chat go.
func (d *Dispatcher) run(ctx context.Context, ev kbbot.Event, h *hold, cs kbbot.ChatState) error {
	defer func() {
		// A panicking step must not leave its lease renewed for ever: let
		// the chat go (nothing committed), then let the caller count it.
		if r := recover(); r != nil {
			d.finish(ctx, h, cs, false)
			panic(r)
		}
	}()
	if len(cs.Unreadable) > 0 {
		d.setAside(ctx, h, ev, cs.Unreadable)
	}
	// Deliver first what an interrupted earlier step left behind.
	if !d.deliverAll(h, cs.Outbox) {
		d.finish(ctx, h, cs, false)
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		// Telegram is unreachable, or the lease was lost: this event waits
		// behind the backlog.
		return fmt.Errorf("handle update %d: %w", ev.UpdateID, ErrBacklog)
	}
	if cs.Seen {
		d.log.Debug("skip redelivered event", "kind", ev.Kind, "update_id", ev.UpdateID)
		d.finishDone(ctx, h, cs)
		return nil
	}
	sess, rec, keep := d.decode(cs)
	if rec == nil {
		rec = conversations.NewRecord(ev.LanguageCode)
	}
	now := d.clock.Now()
	sctx := ctx
	if cs.NotStaff {
		// The chat holds no staff hint: the step need not look its
		// membership up.
		sctx = kbbot.WithNotStaff(ctx, ev.ChatID)
	}
	res := d.engine.Step(sctx, sess, rec, ev, now)
	if res.Retry {
		d.finish(ctx, h, cs, false)
		return fmt.Errorf("handle update %d: a store is not reachable: %w", ev.UpdateID, kbbot.ErrUnavailable)
	}
	if ev.Kind == kbbot.EventReminder {
		for i := range res.Replies {
			res.Replies[i].Priority = max(res.Replies[i].Priority, kbbot.PriorityReminder)
		}
	}
	// The commit also acknowledges the earlier replies just delivered.
	c := kbbot.Commit{UpdateID: ev.UpdateID, Key: ev.Key, At: now, Acked: h.delivered, Replies: res.Replies, Erase: res.Erase}
	if res.Erase {
		for _, e := range d.erasers {
			if err := e.EraseResident(ctx, ev.ChatID); err != nil {
				d.finish(ctx, h, cs, false)
				return fmt.Errorf("erase resident data: %w", err)
			}
		}
	} else if err := d.encode(&c, res, now, keep); err != nil {
		d.finish(ctx, h, cs, false)
		return err
	}
	queued, err := d.store.Commit(ctx, h.lease, c)
	if err != nil {
		d.finish(ctx, h, cs, false)
		d.apologize(ctx, ev, err)
		return fmt.Errorf("commit update %d: %w", ev.UpdateID, err)
	}
	h.acked()
	if c.Record == nil {
		c.Record = cs.Record // left as stored
	}
	cs.State, cs.Record = c.State, c.Record // what a later markBlocked builds on
	if cs.NotStaff && keep && !res.Erase {
		d.warm.put(ev.ChatID, c.State, c.Record)
	} else {
		d.warm.forget(ev.ChatID)
	}
	d.deliverAll(h, queued)
	d.finishDone(ctx, h, cs)
	if res.Erase {
		if err := d.store.Unindex(context.WithoutCancel(ctx), ev.ChatID); err != nil {
			d.log.Warn("unindex erased chat", "error", err)
		}
	}
	return nil
}

// setAside moves outbox entries that can never be delivered to the chat's
// dead letters, so they hold back nothing, and apologizes to the resident
// for the reply that is lost.
func (d *Dispatcher) setAside(ctx context.Context, h *hold, ev kbbot.Event, entries []string) {
	if err := d.store.SetAside(ctx, h.lease, entries); err != nil {
		d.log.Warn("set aside unreadable outbox entries", "chat", int64(ev.ChatID), "error", err)
		return
	}
	d.log.Error("unreadable outbox entries set aside", "chat", int64(ev.ChatID), "entries", len(entries))
	if ev.Kind == kbbot.EventReminder || ev.Kind == kbbot.EventBlocked {
		return
	}
	if _, err := d.sender.Send(h.ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: ev.ChatID, Text: d.engine.Failed(ev.LanguageCode)}); err != nil {
		d.log.Warn("send apology", "chat", int64(ev.ChatID), "error", err)
	}
}

// begin takes the chat's cross-process lock, waiting while it is busy, and
// keeps it renewed until finish.
func (d *Dispatcher) begin(ctx context.Context, chat kbbot.ChatID, updateID int64, key string) (*hold, kbbot.ChatState, error) {
	// Lock waits are in real time, like the lock's TTL in Redis.
	deadline := time.Now().Add(d.cfg.LockWait)
	wait := time.Millisecond
	for {
		taken := time.Now()
		lease, cs, err := d.store.Begin(ctx, chat, updateID, key, d.cfg.LockTTL)
		if err == nil {
			return d.keep(ctx, lease, taken), cs, nil
		}
		if !errors.Is(err, kbbot.ErrBusy) || !time.Now().Before(deadline) {
			return nil, cs, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, cs, ctx.Err()
		case <-t.C:
		}
		// Short waits: a step holds the lock for milliseconds.
		if wait < 16*time.Millisecond {
			wait *= 2
		}
	}
}

// hold is a lease on a chat kept alive: from begin to finish, a goroutine
// renews it every LockTTL/3. When a renewal finds the lease lost, or cannot
// renew it before it may run out, the hold is lost: its context ends, so
// the reply in flight is abandoned, and deliverAll sends nothing more. The
// outbox is then left to whoever holds the chat, and at most the reply that
// was in flight is sent twice.
type hold struct {
	lease kbbot.Lease
	// ctx is the context of deliveries: it ends when the hold is lost or
	// released.
	ctx    context.Context
	cancel context.CancelFunc
	// timer runs the next renewal; renewing is held while one runs;
	// until is when the lease surely holds till (renewals only).
	timer    *time.Timer
	renewing sync.Mutex
	until    time.Time
	lost     atomic.Bool
	// finished is set by the first finish; later ones do nothing.
	finished atomic.Bool

	// delivered are the ids of outbox entries done with (sent, or dropped
	// as never deliverable) and not yet acknowledged, oldest first; sent
	// says a message among them went out (not only callback answers).
	delivered []string
	sent      bool
	// blocked says the resident turned out to have blocked the bot.
	blocked bool
}

// acked forgets the entries just acknowledged.
func (h *hold) acked() {
	h.delivered, h.sent = nil, false
}

// keep starts renewing lease, taken at taken (real time, like the TTL in
// Redis), until release. The renewals run on a timer (time.AfterFunc), so
// a step that ends within LockTTL/3 starts no goroutine for them.
func (d *Dispatcher) keep(ctx context.Context, lease kbbot.Lease, taken time.Time) *hold {
	hctx, cancel := context.WithCancel(ctx)
	h := &hold{lease: lease, ctx: hctx, cancel: cancel, until: taken.Add(d.cfg.LockTTL)}
	// Set under the lock the renewal takes: it reads the timer.
	h.renewing.Lock()
	h.timer = time.AfterFunc(d.cfg.LockTTL/3, func() { d.renew(h) })
	h.renewing.Unlock()
	return h
}

// renew renews h's lease once, and schedules the next renewal unless the
// hold was released or lost meanwhile.
func (d *Dispatcher) renew(h *hold) {
	h.renewing.Lock()
	defer h.renewing.Unlock()
	if h.ctx.Err() != nil {
		return
	}
	every := d.cfg.LockTTL / 3
	start := time.Now()
	err := d.store.Renew(h.ctx, h.lease, d.cfg.LockTTL)
	switch {
	case err == nil:
		h.until = start.Add(d.cfg.LockTTL)
		h.timer.Reset(every)
		return
	case h.ctx.Err() != nil:
		return
	case errors.Is(err, kbbot.ErrBusy):
		d.log.Warn("chat lease lost; leaving delivery to the chat's holder")
	case time.Now().Add(every).Before(h.until):
		d.log.Warn("renew chat lease; will try again", "error", err)
		h.timer.Reset(every)
		return
	default:
		d.log.Warn("chat lease not renewed in time; leaving delivery to the chat's holder", "error", err)
	}
	h.lost.Store(true)
	h.cancel()
}

// release stops renewing the lease and reports whether it was held all along.
func (h *hold) release() bool {
	h.cancel()
	h.timer.Stop()
	// Wait for a renewal under way; it sees the hold released and
	// schedules no other.
	h.renewing.Lock()
	h.renewing.Unlock() //nolint:staticcheck // an empty critical section: waiting is the point
	return !h.lost.Load()
}

// deliverAll sends replies in order, adding the ids of those done with
// (delivered, or dropped as never deliverable) to h.delivered, and returns
// false when it stopped at one that may succeed later, or because the hold
// was lost. Before each message it acknowledges the messages sent before
// it, so a process killed while a reply of several is paced never sends a
// message twice; the last is acknowledged by the step's commit or finish.
// When the resident has blocked the bot it stops and sets h.blocked, for
// finish to record it and drop the queue.
func (d *Dispatcher) deliverAll(h *hold, queue []kbbot.Queued) bool {
	// Callback answers only stop the tapped button's spinner: they go out
	// alongside the next replies instead of before them, and a failed one
	// is never retried, so they count as done at once.
	var answers *sync.WaitGroup // made for the first answer
	defer func() {
		if answers != nil {
			answers.Wait()
		}
	}()
	for _, q := range queue {
		if h.lost.Load() {
			return false
		}
		if q.Reply.Kind == kbbot.ReplyAnswer {
			if answers == nil {
				answers = new(sync.WaitGroup)
			}
			answers.Add(1)
			d.answer(answerJob{ctx: h.ctx, reply: q.Reply, done: answers})
			h.delivered = append(h.delivered, q.ID)
			continue
		}
		if !d.ack(h) {
			return false
		}
		err := d.deliver(h.ctx, q.Reply)
		switch {
		case err == nil:
		case errors.Is(err, kbbot.ErrBlocked):
			d.log.Info("resident blocked the bot; dropping queued replies")
			h.blocked = true
			return true
		case errors.Is(err, kbbot.ErrBadRequest), errors.Is(err, kbbot.ErrChatNotFound):
			// Never deliverable: a request Telegram refuses.
			d.log.Warn("dropping undeliverable reply", "kind", q.Reply.Kind, "error", err)
		case h.lost.Load():
			return false
		default:
			// Telegram unreachable, or still asking to wait (the sender
			// waited out what it could): the reply stays in the outbox.
			d.log.Warn("deliver reply; will retry", "error", err)
			return false
		}
		h.delivered = append(h.delivered, q.ID)
		h.sent = true
	}
	return true
}

// ack acknowledges the messages delivered and not yet acknowledged, keeping
// the chat; callback answers alone wait for the next acknowledgement (a
// repeated answer is harmless). It returns false when delivery must stop:
// the lease was lost, or the store cannot be reached (then the entries stay
// for finish to acknowledge, or to be sent again if it cannot either).
func (d *Dispatcher) ack(h *hold) bool {
	if !h.sent {
		return true
	}
	err := d.store.Ack(h.ctx, h.lease, h.delivered)
	switch {
	case err == nil:
		h.acked()
		return true
	case errors.Is(err, kbbot.ErrBusy):
		d.log.Warn("chat lease lost; leaving delivery to the chat's holder")
		h.lost.Store(true)
		h.cancel()
	case h.ctx.Err() == nil:
		d.log.Warn("acknowledge delivered replies; delivery stops", "error", err)
	}
	return false
}

// finish stops renewing the lease, acknowledges what was delivered and
// releases the chat. drop empties the outbox. When the resident turned out
// to have blocked the bot, it records that and drops everything queued for
// them. A lost hold changes nothing: the store would refuse it anyway.
func (d *Dispatcher) finish(ctx context.Context, h *hold, cs kbbot.ChatState, drop bool) {
	ctx = context.WithoutCancel(ctx)
	if h.finished.Swap(true) || !h.release() {
		return
	}
	blocked := h.blocked
	drop = drop || blocked
	if blocked {
		d.warm.forget(h.lease.Chat)
		if err := d.markBlocked(ctx, h.lease, cs); err != nil {
			d.log.Warn("mark blocked", "error", err)
		}
	}
	if err := d.store.Finish(ctx, h.lease, h.delivered, drop); err != nil {
		d.log.Warn("finish step", "error", err)
	}
}

// inboxTurn is how the intake hands Handle the inbox entry it is
// handling, and learns back the chat's next entry: the step's last round
// trip (FinishInbox) takes the entry off the inbox, so the intake needs no
// trip of its own. It travels in the context (withInboxTurn).
type inboxTurn struct {
	raw   string // the entry being handled, as read
	ready string // the ready index for FinishInbox to leave ("": none)
	// finish, when set, is the context of the step's last round trip: the
	// worker's, which neither the step's timeout nor a shutdown ends.
	finish context.Context
	// next says the intake handles the chat's next entry in this turn:
	// the step's last trip keeps the lock and begins it (begun).
	next bool
	// entry is the entry being handled, set by HandleHead, so that a
	// panic in its step is counted against it.
	entry kbbot.InboxEntry
	// Set by finishDone when the entry was taken off the inbox:
	acked bool
	after kbbot.InboxAfter
	// begun is the next entry's step, begun by that trip (after.Begun).
	begun *begun
}

type inboxTurnKey struct{}

// withInboxTurn returns ctx carrying t for Handle.
func withInboxTurn(ctx context.Context, t *inboxTurn) context.Context {
	return context.WithValue(ctx, inboxTurnKey{}, t)
}

// finishDone is finish for a step whose event is done with (handled, or
// found handled before). For an event from the intake, the same round
// trip takes it off the chat's inbox (see inboxTurn); when that cannot be
// done here, the intake acknowledges the entry itself.
func (d *Dispatcher) finishDone(ctx context.Context, h *hold, cs kbbot.ChatState) {
	t, _ := ctx.Value(inboxTurnKey{}).(*inboxTurn)
	if t == nil || h.blocked {
		d.finish(ctx, h, cs, false)
		return
	}
	if t.finish != nil {
		ctx = t.finish
	} else {
		ctx = context.WithoutCancel(ctx)
	}
	if h.finished.Swap(true) || !h.release() {
		return
	}
	ready, next := t.ready, time.Duration(0)
	if t.next {
		next = d.cfg.LockTTL
		if cs.Inbox > 1 {
			// More updates wait: the chat stays in the ready index,
			// claimed by the intake for them.
			ready = ""
		}
	}
	taken := time.Now()
	after, err := d.store.FinishInbox(ctx, h.lease, h.delivered, t.raw, ready, next)
	if err != nil {
		d.log.Warn("finish step", "error", err)
		return
	}
	t.acked, t.after = true, after
	if after.Begun {
		t.begun = &begun{lease: h.lease, state: after.State, head: after.Next, taken: taken}
	}
}

// deliver sends one reply. It does not wait out Telegram's retry_after:
// the sender (bot.LimitedSender) is the one layer that does, and a
// kbbot.RetryAfterError reaching here means the reply waits in the outbox.
// answerJob is a callback answer handed to an answerer: done is told when
// it was sent or failed.
type answerJob struct {
	ctx   context.Context
	reply kbbot.Reply
	done  *sync.WaitGroup
}

// answererIdle is how long an answerer waits for the next callback answer
// before it ends.
const answererIdle = 5 * time.Second

// answer sends a callback answer alongside the step's next replies: by an
// idle answerer when one waits, or by a new one. Answerers live on between
// answers, so a busy bot does not start a goroutine (and grow its stack)
// for each.
func (d *Dispatcher) answer(j answerJob) {
	select {
	case d.answers <- j:
	default:
		go d.answerer(j)
	}
}

// answerer sends j, then the answers handed to it until it has been idle
// for answererIdle.
func (d *Dispatcher) answerer(j answerJob) {
	var idle *time.Timer
	for {
		if err := d.deliver(j.ctx, j.reply); err != nil {
			d.log.Debug("callback answer not delivered", "error", err)
		}
		j.done.Done()
		j = answerJob{}
		if idle == nil {
			idle = time.NewTimer(answererIdle)
		} else {
			idle.Reset(answererIdle)
		}
		select {
		case j = <-d.answers:
		case <-idle.C:
			return
		}
	}
}

func (d *Dispatcher) deliver(ctx context.Context, r kbbot.Reply) error {
	_, err := d.sender.Send(ctx, r)
	if errors.Is(err, kbbot.ErrNotModified) {
		return nil
	}
	return err
}

// markBlocked records on the resident record that the resident blocked
// the bot, and applies the block rule (see conversations/block.go).
func (d *Dispatcher) markBlocked(ctx context.Context, lease kbbot.Lease, cs kbbot.ChatState) error {
	sess, rec, keep := d.decode(cs)
	now := d.clock.Now()
	res := d.engine.Step(ctx, sess, rec, kbbot.Event{Kind: kbbot.EventBlocked, ChatID: lease.Chat}, now)
	if res.Retry {
		return fmt.Errorf("mark blocked: a store is not reachable: %w", kbbot.ErrUnavailable)
	}
	c := kbbot.Commit{At: now}
	if err := d.encode(&c, res, now, keep); err != nil {
		return err
	}
	if _, err := d.store.Commit(ctx, lease, c); err != nil {
		return fmt.Errorf("mark blocked: %w", err)
	}
	return nil
}

// decode reads the session and the resident record of a chat. A session
// of the version-1 encoding yields the record it implies when the chat has
// none yet: that is the lazy, idempotent migration of residents whose
// durable data lived in the session. An unreadable session starts over. A
// stored record that cannot be read (corrupt, or written by a newer
// version) is logged and left as it is: keep is false, and encode then
// writes no record, so the step never overwrites it with an empty one.
func (d *Dispatcher) decode(cs kbbot.ChatState) (sess *conversations.Session, rec *resident.Record, keep bool) {
	sess, legacy, err := conversations.DecodeSession(cs.State)
	if err != nil {
		// A session we cannot read must not lock the resident out: start over.
		d.log.Error("unreadable session, starting over", "error", err)
		sess = conversations.NewSession()
	}
	rec, err = resident.Decode(cs.Record)
	if err != nil {
		d.log.Error("unreadable resident record; left as stored", "error", err)
		return sess, nil, false
	}
	if rec == nil && legacy != nil {
		rec = legacy
	}
	return sess, rec, true
}

// encode fills c with the step's session and, unless keep is false (the
// stored record could not be read), its record with the record's
// lifetime: the retention of a record with personal data, extended to the
// last planned course reminder; a chat's life for one without.
func (d *Dispatcher) encode(c *kbbot.Commit, res conversations.Result, now time.Time, keep bool) error {
	var err error
	if c.State, err = res.Session.Encode(); err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if res.Record == nil || !keep {
		return nil
	}
	if c.Record, err = res.Record.Encode(); err != nil {
		return fmt.Errorf("encode resident record: %w", err)
	}
	c.RecordTTL = conversations.RecordTTL(res.Record, now, d.cfg.SessionTTL, d.cfg.RecordRetention)
	return nil
}

// flushWorkers is how many chats FlushPending delivers to at once: after an
// outage the backlog drains across chats at the send limiter's global
// rate, not one paced chat after another.
const flushWorkers = 16

// FlushPending delivers every outbox left non-empty, e.g. by a crash or a
// Telegram outage, up to flushWorkers chats at a time. Run it at start and
// every few seconds.
func (d *Dispatcher) FlushPending(ctx context.Context) error {
	chats, err := d.store.PendingChats(ctx)
	if err != nil {
		return fmt.Errorf("list pending outboxes: %w", err)
	}
	if d.cfg.Backlog != nil {
		d.cfg.Backlog(len(chats))
	}
	sem := make(chan struct{}, flushWorkers)
	var wg sync.WaitGroup
	for _, chat := range chats {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Go(func() {
			defer func() { <-sem }()
			d.flushChat(ctx, chat)
		})
	}
	wg.Wait()
	return ctx.Err()
}

// flushChat delivers one chat's outbox, unless the chat is busy: then its
// handler delivers it.
func (d *Dispatcher) flushChat(ctx context.Context, chat kbbot.ChatID) {
	unlock, err := d.local.lock(ctx, chat)
	if err != nil {
		return
	}
	defer unlock()
	taken := time.Now()
	lease, cs, err := d.store.Begin(ctx, chat, 0, "", d.cfg.LockTTL)
	if err != nil {
		return
	}
	h := d.keep(ctx, lease, taken)
	d.deliverAll(h, cs.Outbox)
	d.finish(ctx, h, cs, len(cs.Outbox) == 0)
}

// apologize tells a resident, at most once every few minutes, that kbbot
// cannot answer right now. It needs no store, so it works while Redis is down.
func (d *Dispatcher) apologize(ctx context.Context, ev kbbot.Event, err error) {
	if !errors.Is(err, kbbot.ErrUnavailable) || ev.Kind == kbbot.EventReminder || ev.Kind == kbbot.EventBlocked {
		return
	}
	now := d.clock.Now()
	d.sorryMu.Lock()
	last, ok := d.sorry[ev.ChatID]
	if ok && now.Sub(last) < 5*time.Minute {
		d.sorryMu.Unlock()
		return
	}
	d.sorry[ev.ChatID] = now
	if len(d.sorry) > 10000 {
		for chat, at := range d.sorry {
			if now.Sub(at) >= 5*time.Minute {
				delete(d.sorry, chat)
			}
		}
	}
	d.sorryMu.Unlock()
	if ev.Kind == kbbot.EventCallback {
		_, _ = d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: ev.ChatID, CallbackID: ev.CallbackID})
	}
	text := d.engine.Unavailable(ev.LanguageCode)
	if _, err := d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: ev.ChatID, Text: text}); err != nil {
		d.log.Warn("send apology", "error", err)
	}
}

// keyedMutex serializes work per chat within one process, so that the
// cross-process lock is contended only across processes.
type keyedMutex struct {
	mu sync.Mutex
	m  map[kbbot.ChatID]*keyEntry
}

// keyEntry is one chat's turn in a keyedMutex and the number of its users.
type keyEntry struct {
	ch chan struct{}
	n  int
}

func (k *keyedMutex) lock(ctx context.Context, key kbbot.ChatID) (func(), error) {
	k.mu.Lock()
	e := k.m[key]
	if e == nil {
		e = &keyEntry{ch: make(chan struct{}, 1)}
		k.m[key] = e
	}
	e.n++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		e.n--
		if e.n == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
