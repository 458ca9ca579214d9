package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
)

// ChatStore keeps sessions, per-chat locks, handled update ids and outboxes.
// Errors wrap kbbot.ErrUnavailable when the store cannot be reached, and
// kbbot.ErrBusy when a lock is held by someone else or a lease was lost.
type ChatStore interface {
	Lock(ctx context.Context, chat kbbot.ChatID, ttl time.Duration) (kbbot.Lease, error)
	Unlock(ctx context.Context, l kbbot.Lease) error
	// Load returns the stored session (nil when there is none) and whether
	// updateID was already handled.
	Load(ctx context.Context, chat kbbot.ChatID, updateID int64) (state []byte, seen bool, err error)
	// Commit writes a step atomically while l is held; committing an
	// update that was committed before changes nothing.
	Commit(ctx context.Context, l kbbot.Lease, c kbbot.Commit) error
	// Outbox returns the replies not yet delivered, oldest first.
	Outbox(ctx context.Context, chat kbbot.ChatID) ([]kbbot.Queued, error)
	// Ack removes the delivered oldest entry id of the outbox.
	Ack(ctx context.Context, l kbbot.Lease, id string) error
	// DropOutbox removes every pending reply.
	DropOutbox(ctx context.Context, l kbbot.Lease) error
	// PendingChats lists chats whose outbox is not empty.
	PendingChats(ctx context.Context) ([]kbbot.ChatID, error)
}

// Eraser deletes what one store keeps about a resident, for /hapusdata.
type Eraser interface {
	EraseResident(ctx context.Context, chat kbbot.ChatID) error
}

// DispatcherConfig tunes a Dispatcher. Zero values take the defaults.
type DispatcherConfig struct {
	// LockTTL bounds how long one step may hold a chat (default 30 s).
	LockTTL time.Duration
	// LockWait is how long an event waits for a busy chat (default 20 s).
	LockWait time.Duration
	// MaxRetryWait caps one wait for Telegram's retry_after (default 30 s).
	MaxRetryWait time.Duration
}

// Dispatcher runs one Engine step per event with everything around it:
// per-chat lock (in process and across processes), skip of redelivered
// updates, atomic commit of session + outbox, then delivery of the outbox.
type Dispatcher struct {
	engine  *Engine
	store   ChatStore
	sender  kbbot.Sender
	clock   kbbot.Clock
	erasers []Eraser
	log     *slog.Logger
	cfg     DispatcherConfig
	local   keyedMutex

	sorryMu sync.Mutex
	sorry   map[kbbot.ChatID]time.Time
}

// NewDispatcher wires a dispatcher. erasers are called, in order, before a
// /hapusdata commit.
func NewDispatcher(e *Engine, store ChatStore, sender kbbot.Sender, clock kbbot.Clock, log *slog.Logger, cfg DispatcherConfig, erasers ...Eraser) *Dispatcher {
	if cfg.LockTTL == 0 {
		cfg.LockTTL = 30 * time.Second
	}
	if cfg.LockWait == 0 {
		cfg.LockWait = 20 * time.Second
	}
	if cfg.MaxRetryWait == 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	return &Dispatcher{engine: e, store: store, sender: sender, clock: clock, erasers: erasers, log: log, cfg: cfg,
		local: keyedMutex{m: map[kbbot.ChatID]*keyEntry{}}, sorry: map[kbbot.ChatID]time.Time{}}
}

var _ kbbot.Handler = (*Dispatcher)(nil)

// Handle runs one event. It returns an error only when the event was not
// handled and should be delivered again (the store could not be reached, or
// the chat stayed busy); once a step is committed, delivery problems are
// logged and the outbox is retried by FlushPending.
func (d *Dispatcher) Handle(ctx context.Context, ev kbbot.Event) error {
	if ev.ChatID == 0 {
		return nil
	}
	unlock, err := d.local.lock(ctx, ev.ChatID)
	if err != nil {
		return err
	}
	defer unlock()
	lease, err := d.acquire(ctx, ev.ChatID)
	if err != nil {
		d.apologize(ctx, ev, err)
		return fmt.Errorf("handle update %d: %w", ev.UpdateID, err)
	}
	defer func() {
		if err := d.store.Unlock(context.WithoutCancel(ctx), lease); err != nil {
			d.log.Warn("unlock chat", "error", err)
		}
	}()
	// Deliver first what an interrupted earlier step left behind.
	d.flush(ctx, lease)

	raw, seen, err := d.store.Load(ctx, ev.ChatID, ev.UpdateID)
	if err != nil {
		d.apologize(ctx, ev, err)
		return fmt.Errorf("handle update %d: %w", ev.UpdateID, err)
	}
	if seen {
		d.log.Debug("skip redelivered update", "update_id", ev.UpdateID)
		return nil
	}
	sess, err := DecodeSession(raw)
	if err != nil {
		// A session we cannot read must not lock the resident out: start over.
		d.log.Error("unreadable session, starting over", "error", err)
		sess = NewSession()
	}
	if raw == nil {
		if l, ok := parseClientLang(ev.LanguageCode); ok {
			sess.Lang = l
		}
	}
	res := d.engine.Step(sess, ev, d.clock.Now())
	c := kbbot.Commit{UpdateID: ev.UpdateID, Replies: res.Replies, Erase: res.Erase}
	if res.Erase {
		for _, e := range d.erasers {
			if err := e.EraseResident(ctx, ev.ChatID); err != nil {
				return fmt.Errorf("erase resident data: %w", err)
			}
		}
	} else {
		if c.State, err = res.Session.Encode(); err != nil {
			return err
		}
	}
	if err := d.store.Commit(ctx, lease, c); err != nil {
		d.apologize(ctx, ev, err)
		return fmt.Errorf("commit update %d: %w", ev.UpdateID, err)
	}
	d.flush(ctx, lease)
	return nil
}

// acquire takes the chat's cross-process lock, waiting while it is busy.
func (d *Dispatcher) acquire(ctx context.Context, chat kbbot.ChatID) (kbbot.Lease, error) {
	deadline := d.clock.Now().Add(d.cfg.LockWait)
	wait := 2 * time.Millisecond
	for {
		lease, err := d.store.Lock(ctx, chat, d.cfg.LockTTL)
		if err == nil {
			return lease, nil
		}
		if !errors.Is(err, kbbot.ErrBusy) || !d.clock.Now().Before(deadline) {
			return kbbot.Lease{}, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return kbbot.Lease{}, ctx.Err()
		case <-t.C:
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

// flush delivers the chat's outbox in order. Replies that cannot ever be
// delivered are dropped with a log line; a transient failure leaves the rest
// for FlushPending.
func (d *Dispatcher) flush(ctx context.Context, lease kbbot.Lease) {
	replies, err := d.store.Outbox(ctx, lease.Chat)
	if err != nil {
		d.log.Warn("read outbox", "error", err)
		return
	}
	for _, q := range replies {
		r := q.Reply
		err := d.deliver(ctx, r)
		switch {
		case err == nil:
		case errors.Is(err, kbbot.ErrBlocked):
			d.log.Info("resident blocked the bot; dropping queued replies")
			if err := d.markBlocked(ctx, lease); err != nil {
				d.log.Warn("mark blocked", "error", err)
			}
			return
		case r.Kind == kbbot.ReplyAnswer, errors.Is(err, kbbot.ErrBadRequest), errors.Is(err, kbbot.ErrChatNotFound):
			// Never deliverable: an expired callback, or a request Telegram refuses.
			d.log.Warn("dropping undeliverable reply", "kind", r.Kind, "error", err)
		default:
			d.log.Warn("deliver reply; will retry", "error", err)
			return
		}
		if err := d.store.Ack(ctx, lease, q.ID); err != nil {
			d.log.Warn("ack outbox", "error", err)
			return
		}
	}
}

// deliver sends one reply, waiting out Telegram's retry_after a few times.
func (d *Dispatcher) deliver(ctx context.Context, r kbbot.Reply) error {
	for attempt := 0; ; attempt++ {
		_, err := d.sender.Send(ctx, r)
		if errors.Is(err, kbbot.ErrNotModified) {
			return nil
		}
		var ra *kbbot.RetryAfterError
		if !errors.As(err, &ra) || attempt >= 3 {
			return err
		}
		wait := min(ra.After, d.cfg.MaxRetryWait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// markBlocked records that the resident blocked the bot and drops what was queued.
func (d *Dispatcher) markBlocked(ctx context.Context, lease kbbot.Lease) error {
	if err := d.store.DropOutbox(ctx, lease); err != nil {
		return err
	}
	raw, _, err := d.store.Load(ctx, lease.Chat, 0)
	if err != nil {
		return err
	}
	sess, err := DecodeSession(raw)
	if err != nil {
		sess = NewSession()
	}
	res := d.engine.Step(sess, kbbot.Event{Kind: kbbot.EventBlocked, ChatID: lease.Chat}, d.clock.Now())
	state, err := res.Session.Encode()
	if err != nil {
		return err
	}
	return d.store.Commit(ctx, lease, kbbot.Commit{State: state})
}

// FlushPending delivers every outbox left non-empty, e.g. by a crash or a
// Telegram outage. Run it at start and periodically.
func (d *Dispatcher) FlushPending(ctx context.Context) error {
	chats, err := d.store.PendingChats(ctx)
	if err != nil {
		return fmt.Errorf("list pending outboxes: %w", err)
	}
	for _, chat := range chats {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		unlock, err := d.local.lock(ctx, chat)
		if err != nil {
			return err
		}
		lease, err := d.store.Lock(ctx, chat, d.cfg.LockTTL)
		if err != nil {
			unlock()
			continue // busy: its handler flushes it
		}
		d.flush(ctx, lease)
		if err := d.store.Unlock(context.WithoutCancel(ctx), lease); err != nil {
			d.log.Warn("unlock chat", "error", err)
		}
		unlock()
	}
	return nil
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
	d.sorryMu.Unlock()
	lang, _ := parseClientLang(ev.LanguageCode)
	if ev.Kind == kbbot.EventCallback {
		_, _ = d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: ev.ChatID, CallbackID: ev.CallbackID})
	}
	text := d.engine.lib.UI.T(lang, "unavailable")
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
