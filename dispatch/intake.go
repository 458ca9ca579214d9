package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kbbot/kbbot"
)

// Inbox is the durable intake store (redisstore.IntakeStore implements it):
// per-chat inboxes of accepted updates and a sharded index of chats with
// waiting updates, claimed by workers for a short lease.
type Inbox interface {
	// Push appends events to their chats' inboxes, in order, applying each
	// resident's flood limit, and indexes the chats as ready at now.
	Push(ctx context.Context, evs []kbbot.Event, now time.Time) (kbbot.PushResult, error)
	// PushClaim is Push that also claims up to claim of the chats (the
	// first, in order) for the caller until until, in the same round trip,
	// each only when it was not in the ready index (no one holds it, none
	// is about to take it). claimed, returned also with an error, are the
	// chats the caller now holds. With lockTTL > 0 the same trip also
	// begins the step of each claimed chat that was idle (Claimed.Begun:
	// its step lock taken for lockTTL and the step read, as
	// ChatStore.BeginInbox does).
	//
	// specs, when not nil, holds for evs[i] the step run ahead for it, or
	// nil (kbbot.Speculation): for a claimed chat with that one event,
	// the same trip commits it when the chat is still as the step saw it
	// (Claimed.Committed), else accepts the event as usual.
	PushClaim(ctx context.Context, evs []kbbot.Event, specs []*kbbot.Speculation, now, until time.Time, claim int, lockTTL time.Duration) (res kbbot.PushResult, claimed []kbbot.Claimed, err error)
	// Shards is the number of shards of the ready index.
	Shards() int
	// ShardOf is the shard of the ready index that holds chat.
	ShardOf(chat kbbot.ChatID) int
	// Claim takes up to n ready chats of a shard, oldest first, holding
	// each until until; next is when the oldest chat still ready there
	// began to wait (more false: none is).
	Claim(ctx context.Context, shard int, now, until time.Time, n int) (chats []kbbot.ChatID, next time.Time, more bool, err error)
	// Hold moves the time from which another worker may take chat to at.
	Hold(ctx context.Context, chat kbbot.ChatID, at time.Time) error
	// Release lets a claimed chat go, keeping it ready if updates wait.
	Release(ctx context.Context, chat kbbot.ChatID, now time.Time) error
	// ReadyKey names the ready index holding chat, for the step's last
	// round trip to leave it too ("": it cannot, e.g. on a cluster).
	ReadyKey(chat kbbot.ChatID) string
	// Requeue puts chat back in the ready index from at.
	Requeue(ctx context.Context, chat kbbot.ChatID, at time.Time) error
	// Head returns the entry at the head of chat's inbox.
	Head(ctx context.Context, chat kbbot.ChatID) (kbbot.InboxEntry, bool, error)
	// Ack removes a handled entry from the head of chat's inbox and
	// returns the entry now at the head (ok false: the inbox is empty).
	Ack(ctx context.Context, chat kbbot.ChatID, raw string) (next kbbot.InboxEntry, ok bool, err error)
	// Fail counts a failed try of the head entry; aside reports that it
	// was set aside (at the last try, or at once with setAside).
	Fail(ctx context.Context, chat kbbot.ChatID, e kbbot.InboxEntry, setAside bool) (tries int, aside bool, err error)
}

// IntakeConfig tunes an Intake. Zero values take the defaults.
type IntakeConfig struct {
	// Workers is how many chats one process handles at once (default 32).
	Workers int
	// Lease is how long a claimed chat stays with its worker unless
	// renewed (default 5 s); the worker renews it every Lease/3, so a
	// killed process's chats are free again within Lease.
	Lease time.Duration
	// Poll is how often idle workers look for chats that other processes
	// accepted or that a dead process left (default 100 ms). Updates this
	// process accepts wake its workers at once.
	Poll time.Duration
	// Turn is the most updates of one chat handled before the worker lets
	// the chat go and takes others (default 10).
	Turn int
	// HandleTimeout bounds one event's handling (default 30 s).
	HandleTimeout time.Duration
	// MaxBackoff caps the wait before a chat whose update failed is tried
	// again (default 5 s).
	MaxBackoff time.Duration
	// Done, when set, is called for each update that left its chat's
	// inbox, handled or set aside, once the worker has let the chat go;
	// for tests and the terminal demo, whose user waits for the answer to
	// what she sent.
	Done func(chat kbbot.ChatID, updateID int64)
}

// Intake is the continuous intake: Accept stores updates durably in their
// chats' inboxes and returns, so the caller confirms them to Telegram and
// fetches the next ones at once; Run's workers take chats with waiting
// updates and run the dispatcher for each update in order. A slow chat
// (paced replies, a busy lock) holds only its own worker; an update that
// keeps failing is set aside after a few tries, logged with its chat and
// answered with an apology; a resident who floods gets one notice, and the
// updates beyond the limit are dropped at acceptance. Several processes
// may share one Redis: each claims chats for a short lease.
type Intake struct {
	inbox Inbox
	d     *Dispatcher
	clock kbbot.Clock
	log   *slog.Logger
	cfg   IntakeConfig
	wake  chan struct{}
	hints shardHints
	// free holds one token per idle worker; handed are chats Accept
	// claimed for this process's workers, each holding a token taken
	// from free. running says Run is serving them.
	free    chan struct{}
	handed  chan claimedChat
	running atomic.Bool
	handle  func(context.Context, kbbot.Event) error
	// custom says handle was set by SetHandler: then the first update of
	// a turn is read on its own before being handled.
	custom bool
}

var _ kbbot.Acceptor = (*Intake)(nil)

// NewIntake returns an intake feeding d from inbox. clock tells the time of
// acceptance, claims and flood windows (the system clock in production).
func NewIntake(inbox Inbox, d *Dispatcher, clock kbbot.Clock, log *slog.Logger, cfg IntakeConfig) *Intake {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.Turn <= 0 {
		cfg.Turn = 10
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 30 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	in := &Intake{inbox: inbox, d: d, clock: clock, log: log, cfg: cfg, wake: make(chan struct{}, 1),
		free: make(chan struct{}, cfg.Workers), handed: make(chan claimedChat, cfg.Workers)}
	for range cfg.Workers {
		in.free <- struct{}{}
	}
	in.handle = d.Handle
	return in
}

// Accept stores evs durably in their chats' inboxes (see kbbot.Acceptor)
// and wakes this process's workers. Events without a chat are ignored.
// As many of the chats as this process has idle workers are claimed for
// them in the same round trip (Inbox.PushClaim), which also begins the
// step of each of those chats that was idle, and handed to them at once,
// so no further trip looks for them or begins their first step; the
// others wait in the ready index for any process's workers.
func (in *Intake) Accept(ctx context.Context, evs []kbbot.Event) error {
	keep := evs[:0:0]
	chats := 0
	for i, ev := range evs {
		if ev.ChatID == 0 {
			continue
		}
		keep = append(keep, ev)
		if !slices.ContainsFunc(evs[:i], func(e kbbot.Event) bool { return e.ChatID == ev.ChatID }) {
			chats++
		}
	}
	if len(keep) == 0 {
		return nil
	}
	now := in.clock.Now()
	claim := 0
	// The step lock a claim takes is timed in real time, like its TTL.
	taken := time.Now()
	if in.running.Load() {
	reserve:
		for claim < chats {
			select {
			case <-in.free:
				claim++
			default:
				break reserve
			}
		}
	}
	lockTTL := time.Duration(0)
	var specs []*kbbot.Speculation
	if !in.custom {
		lockTTL = in.d.cfg.LockTTL
		if claim > 0 {
			// Steps that need nothing but what this process last
			// committed run now, and are committed by the accepting trip
			// when still valid there (speculate.go).
			specs = in.d.speculate(keep, claim)
			taken = time.Now()
		}
	}
	res, claimed, err := in.inbox.PushClaim(ctx, keep, specs, now, now.Add(in.cfg.Lease), claim, lockTTL)
	for _, c := range claimed {
		in.handed <- claimedChat{Claimed: c, taken: taken} // never blocks: each holds a token of free
	}
	for range claim - len(claimed) {
		in.free <- struct{}{}
	}
	if err != nil {
		// Redis is away: the updates are not confirmed (Telegram sends
		// them again), and their residents are told to try again shortly,
		// at most once every few minutes each.
		for _, ev := range keep {
			if slices.ContainsFunc(claimed, func(c kbbot.Claimed) bool { return c.Committed && c.Chat == ev.ChatID }) {
				continue // its step is committed and its reply on the way
			}
			in.d.apologize(ctx, ev, err)
		}
		return fmt.Errorf("accept %d updates: %w", len(keep), err)
	}
	if res.Dropped > 0 {
		in.log.Info("updates beyond the flood limit dropped", "dropped", res.Dropped, "notices", res.Notices)
	}
	if len(claimed) == chats {
		return nil
	}
	shards := make([]int, 0, len(keep))
	for _, ev := range keep {
		if !slices.ContainsFunc(claimed, func(c kbbot.Claimed) bool { return c.Chat == ev.ChatID }) {
			shards = append(shards, in.inbox.ShardOf(ev.ChatID))
		}
	}
	in.hints.accepted(now, shards...)
	in.hint()
	return nil
}

// Wake makes idle workers look for waiting chats in every shard now.
func (in *Intake) Wake() {
	in.hints.addAll()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// Run handles waiting chats until ctx ends. Steps under way then finish
// (bounded by HandleTimeout) and their chats are let go for other
// processes before Run returns nil.
func (in *Intake) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	free := in.free
	// Work outlives a shutdown signal, bounded, so a step is not cut in half.
	wctx := context.WithoutCancel(ctx)
	// Long-lived workers, one per token of free, take the chats: a
	// goroutine per chat would grow a fresh stack for every turn. jobs
	// never blocks a send: each chat in it or under way holds a token.
	jobs := make(chan claimedChat, in.cfg.Workers)
	for range in.cfg.Workers {
		wg.Go(func() {
			for c := range jobs {
				in.work(wctx, c)
				free <- struct{}{}
			}
		})
	}
	// spawn runs a worker on chat, which holds a token of free.
	spawn := func(c claimedChat) { jobs <- c }
	in.running.Store(true)
	defer func() {
		in.running.Store(false)
		close(jobs)
		wg.Wait()
		// Chats Accept claimed that no worker took: let them go now
		// rather than when their claim runs out.
		for {
			select {
			case c := <-in.handed:
				// A step committed as accepted keeps its replies in the
				// outbox, for whoever flushes it next.
				in.d.unbegin(wctx, c.began())
				if c.NotClaimed {
					free <- struct{}{}
					continue
				}
				if err := in.inbox.Release(wctx, c.Chat, in.clock.Now()); err != nil {
					in.log.Warn("let chat go", "chat", int64(c.Chat), "error", err)
				}
				free <- struct{}{}
			default:
				return
			}
		}
	}()
	next := 0 // the shard to look at first: the one after the last claim
	backoff := time.Duration(0)
	var timer *time.Timer
	for {
		// Wait for a free worker, or a chat Accept claimed for one.
		select {
		case <-ctx.Done():
			return nil
		case c := <-in.handed:
			spawn(c)
			continue
		case <-free:
		}
		// Claim for every idle worker.
		n := 1
	more:
		for n < in.cfg.Workers {
			select {
			case <-free:
				n++
			default:
				break more
			}
		}
		// Look where this process just accepted updates, or at every
		// shard when woken so or at each Poll (updates other processes
		// accepted, chats a dead process left).
		shards, all := in.hints.take()
		nshards := in.inbox.Shards()
		if all {
			shards = shards[:0]
			for k := range nshards {
				shards = append(shards, k)
			}
		}
		// Oldest first, by when each shard's oldest waiting chat began to
		// wait as far as this process knows (a shard never looked at
		// first), then in turn from where the last claim left off: so no
		// shard's chats wait behind shards hinted more often.
		if len(shards) > 1 {
			since := in.hints.oldest(shards)
			slices.SortFunc(shards, func(a, b int) int {
				if c := since[a].Compare(since[b]); c != 0 {
					return c
				}
				return (a-next+nshards)%nshards - (b-next+nshards)%nshards
			})
		}
		var chats []kbbot.ChatID
		var err error
		for k, shard := range shards {
			now := in.clock.Now()
			var (
				after time.Time
				more  bool
			)
			chats, after, more, err = in.inbox.Claim(ctx, shard, now, now.Add(in.cfg.Lease), n)
			if err == nil {
				in.hints.seen(shard, after, more)
			}
			if err != nil || len(chats) > 0 {
				next = (shard + 1) % nshards
				// Those not looked at yet wait for the next round, and so
				// does this shard when chats still wait there.
				in.hints.add(shards[k+1:]...)
				if more {
					in.hint(shard)
				}
				break
			}
		}
		if err != nil && ctx.Err() == nil {
			backoff = min(max(2*backoff, 100*time.Millisecond), in.cfg.MaxBackoff)
			in.log.Warn("claim chats", "error", err, "retry_in", backoff)
			in.hints.addAll()
		} else {
			backoff = 0
		}
		for range n - len(chats) {
			free <- struct{}{}
		}
		if len(chats) == 0 {
			wait := in.cfg.Poll
			if backoff > 0 {
				wait = backoff
			}
			// One timer for the loop, stopped after each wait.
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case c := <-in.handed:
				spawn(c)
			case <-in.wake:
			case <-timer.C:
				in.hints.addAll()
			}
			timer.Stop()
			continue
		}
		if len(chats) > 1 && !in.custom {
			// Their first steps begin in one round trip rather than one
			// each.
			taken := time.Now()
			for _, c := range in.d.store.BeginInboxes(wctx, chats, in.d.cfg.LockTTL) {
				spawn(claimedChat{Claimed: c, taken: taken}) // each holds one of the n tokens
			}
			continue
		}
		for _, chat := range chats {
			spawn(claimedChat{Claimed: kbbot.Claimed{Chat: chat}}) // each holds one of the n tokens
		}
	}
}

// claimedChat is a chat handed to a worker: claimed by Accept (maybe with its
// step begun, its lock taken at taken) or by Run.
type claimedChat struct {
	kbbot.Claimed
	taken time.Time
}

// began returns the step Accept began (or committed), or nil.
func (c claimedChat) began() *begun {
	if !c.Begun && !c.Committed {
		return nil
	}
	return &begun{lease: c.Lease, state: c.State, head: c.Head, taken: c.taken}
}

// shardHints are the shards of the ready index worth a look: those where
// this process just accepted updates, or all of them; and, per shard, when
// its oldest waiting chat began to wait, as far as this process knows.
type shardHints struct {
	mu     sync.Mutex
	shards []int
	all    bool
	since  map[int]time.Time
}

func (h *shardHints) add(shards ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range shards {
		if !slices.Contains(h.shards, s) {
			h.shards = append(h.shards, s)
		}
	}
}

// accepted notes that updates were pushed to shards at at.
func (h *shardHints) accepted(at time.Time, shards ...int) {
	h.mu.Lock()
	if h.since == nil {
		h.since = map[int]time.Time{}
	}
	for _, s := range shards {
		if t, ok := h.since[s]; !ok || at.Before(t) {
			h.since[s] = at
		}
	}
	h.mu.Unlock()
	h.add(shards...)
}

// seen notes what a claim found: the oldest chat still waiting in shard
// began to wait at after (more), or none waits.
func (h *shardHints) seen(shard int, after time.Time, more bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !more {
		delete(h.since, shard)
		return
	}
	if h.since == nil {
		h.since = map[int]time.Time{}
	}
	h.since[shard] = after
}

// oldest returns when each of shards' oldest chat began to wait (zero:
// not known).
func (h *shardHints) oldest(shards []int) map[int]time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[int]time.Time, len(shards))
	for _, s := range shards {
		out[s] = h.since[s]
	}
	return out
}

func (h *shardHints) addAll() {
	h.mu.Lock()
	h.all = true
	h.mu.Unlock()
}

// take returns the hinted shards and whether every shard is worth a look,
// and forgets them.
func (h *shardHints) take() ([]int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	shards, all := h.shards, h.all
	h.shards, h.all = nil, false
	return shards, all
}

// hint makes idle workers look at a shard now.
func (in *Intake) hint(shards ...int) {
	in.hints.add(shards...)
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// work handles the waiting updates of one claimed chat, in order, up to a
// turn, renewing the claim meanwhile, then lets the chat go. A chat whose
// first step was begun by Accept's round trip (c.Begun) starts with it.
func (in *Intake) work(ctx context.Context, c claimedChat) {
	chat := c.Chat
	// The claim is renewed every Lease/3 on a timer, so a turn that ends
	// sooner starts no goroutine for it; stopped (under renewing) ends
	// the renewals, and a renewal under way is waited for.
	r := &claimRenewal{}
	r.mu.Lock() // until the timer is set: the renewal reads it
	r.timer = time.AfterFunc(in.cfg.Lease/3, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.stopped || c.NotClaimed {
			return
		}
		if err := in.inbox.Hold(ctx, chat, in.clock.Now().Add(in.cfg.Lease)); err != nil {
			in.log.Warn("renew chat claim", "chat", int64(chat), "error", err)
		}
		r.timer.Reset(in.cfg.Lease / 3)
	})
	r.mu.Unlock()
	retryAt := time.Time{}
	// released says the step's last round trip let the chat go already,
	// or that it was never this worker's to let go (c.NotClaimed).
	released := c.NotClaimed
	// finished are the updates that left the inbox this turn; Done hears
	// of them once the chat is let go.
	var finished []int64
	done := func(e kbbot.InboxEntry) { finished = append(finished, e.Event.UpdateID) }
	defer func() {
		r.mu.Lock()
		r.stopped = true
		r.timer.Stop()
		r.mu.Unlock()
		var err error
		if retryAt.IsZero() {
			if !released {
				err = in.inbox.Release(ctx, chat, in.clock.Now())
			}
		} else {
			err = in.inbox.Hold(ctx, chat, retryAt)
		}
		if err != nil {
			in.log.Warn("let chat go", "chat", int64(chat), "error", err)
		}
		if in.cfg.Done != nil {
			for _, id := range finished {
				in.cfg.Done(chat, id)
			}
		}
	}()
	// The first update is read by the round trip that takes the chat
	// (Dispatcher.HandleHead), and each later one by the trip that ends
	// the step before it (or by Ack).
	ready := in.inbox.ReadyKey(chat)
	// more says whether the step of the i-th update of the turn is to
	// begin the next one's in its last trip.
	more := func(i int) bool { return !in.custom && i < in.cfg.Turn-1 }
	turn := &inboxTurn{ready: ready, finish: ctx, next: more(0)}
	e, ok, handled, herr, err := in.first(ctx, c, turn)
	for i := range in.cfg.Turn {
		if err != nil {
			in.log.Warn("read inbox", "chat", int64(chat), "error", err)
			retryAt = in.clock.Now().Add(time.Second)
			return
		}
		if !ok {
			return
		}
		if handled {
			handled = false
			goto outcome
		}
		switch {
		case e.Unreadable:
			if _, aside := in.fail(ctx, chat, e, errors.New("unreadable inbox entry"), true); aside {
				done(e)
			}
			e, ok, err = in.inbox.Head(ctx, chat)
			continue
		case e.FloodNotice:
			in.notice(ctx, e.Event)
			next, more, err := in.inbox.Ack(ctx, chat, e.Raw)
			if err != nil {
				in.log.Warn("ack flood notice", "chat", int64(chat), "error", err)
				retryAt = in.clock.Now().Add(time.Second)
				return
			}
			done(e)
			e, ok = next, more
			continue
		}
		turn = &inboxTurn{raw: e.Raw, ready: ready, finish: ctx, next: more(i)}
		herr = in.one(withInboxTurn(ctx, turn), e.Event)
	outcome:
		if herr == nil && turn.acked {
			done(e)
			after := turn.after
			e, ok = after.Next, after.More
			if after.Unready {
				// The chat left the ready index with its step's last trip.
				now := in.clock.Now()
				switch {
				case after.More:
					// Still ours: claimed again for the rest of the turn.
					err = in.inbox.Requeue(ctx, chat, now.Add(in.cfg.Lease))
				case after.Waiting > 0:
					// Pushed just after the step: ready for anyone.
					released = true
					err = in.inbox.Requeue(ctx, chat, now)
				default:
					released = true
				}
				if err != nil {
					released = false // Release tries again
					in.log.Warn("requeue chat", "chat", int64(chat), "error", err)
					err = nil
				}
			}
			if b := turn.begun; b != nil {
				// The step's last trip began the next one.
				next := claimedChat{Claimed: kbbot.Claimed{Chat: chat, Begun: true, Lease: b.lease, State: b.state, Head: b.head}, taken: b.taken}
				turn = &inboxTurn{ready: ready, finish: ctx, next: more(i + 1)}
				e, ok, handled, herr, err = in.first(ctx, next, turn)
			}
			continue
		}
		if herr == nil {
			next, more, err := in.inbox.Ack(ctx, chat, e.Raw)
			if err != nil {
				in.log.Warn("ack update", "chat", int64(chat), "update_id", e.Event.UpdateID, "error", err)
				retryAt = in.clock.Now().Add(time.Second)
				return
			}
			done(e)
			e, ok = next, more
			continue
		}
		if transient(herr) {
			// Redis or Telegram unreachable, or the chat busy elsewhere:
			// not the update's fault; the chat waits and comes again.
			in.log.Warn("update not handled yet; will retry", "chat", int64(chat), "update_id", e.Event.UpdateID, "error", herr)
			retryAt = in.clock.Now().Add(time.Second)
			return
		}
		tries, aside := in.fail(ctx, chat, e, herr, false)
		if !aside {
			retryAt = in.clock.Now().Add(min(time.Duration(1<<min(tries, 10))*100*time.Millisecond, in.cfg.MaxBackoff))
			return
		}
		done(e)
		e, ok, err = in.inbox.Head(ctx, chat)
	}
}

// claimRenewal renews a worker's claim on a chat (Intake.work): timer
// runs the next renewal, under mu, which also guards stopped, set when
// the worker lets the chat go.
type claimRenewal struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

// fail counts a failed try of e; at the last one (or at once with
// setAside) the update is set aside, logged with its chat, and the
// resident gets an apology.
func (in *Intake) fail(ctx context.Context, chat kbbot.ChatID, e kbbot.InboxEntry, cause error, setAside bool) (int, bool) {
	tries, aside, err := in.inbox.Fail(ctx, chat, e, setAside)
	if err != nil {
		in.log.Warn("count failed try", "chat", int64(chat), "error", err)
		return 0, false
	}
	if !aside {
		in.log.Warn("update failed; will retry", "chat", int64(chat), "update_id", e.Event.UpdateID, "tries", tries, "error", cause)
		return tries, false
	}
	in.log.Error("update set aside after failed tries", "chat", int64(chat), "update_id", e.Event.UpdateID, "tries", tries, "error", cause)
	ev := e.Event
	if ev.Kind == kbbot.EventBlocked || ev.Kind == kbbot.EventReminder {
		return tries, true
	}
	if ev.Kind == kbbot.EventCallback && ev.CallbackID != "" {
		_, _ = in.d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: chat, CallbackID: ev.CallbackID})
	}
	if _, err := in.d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: chat, Text: in.d.engine.Failed(ev.LanguageCode)}); err != nil {
		in.log.Warn("send apology", "chat", int64(chat), "error", err)
	}
	return tries, true
}

// notice sends the one flood notice (best effort: it is not kept for a retry).
func (in *Intake) notice(ctx context.Context, ev kbbot.Event) {
	if ev.Kind == kbbot.EventCallback && ev.CallbackID != "" {
		_, _ = in.d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: ev.ChatID, CallbackID: ev.CallbackID})
	}
	if _, err := in.d.sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: ev.ChatID, Text: in.d.engine.Flooded(ev.LanguageCode)}); err != nil {
		in.log.Warn("send flood notice", "chat", int64(ev.ChatID), "error", err)
	}
}

// first handles the update at the head of chat's inbox: with the
// dispatcher's own step, in the round trip that takes the chat
// (Dispatcher.HandleHead) or in Accept's (c.Begun); with a handler set by
// SetHandler, after reading the head. handled says the update was run, with herr its outcome, as
// one's; otherwise e (ok) is left for the caller, which deals with
// unreadable entries and flood notices. err says the chat could not be
// read.
func (in *Intake) first(ctx context.Context, c claimedChat, turn *inboxTurn) (e kbbot.InboxEntry, ok, handled bool, herr, err error) {
	chat := c.Chat
	if in.custom {
		in.d.unbegin(ctx, c.began())
		e, ok, err = in.inbox.Head(ctx, chat)
		return e, ok, false, nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, in.cfg.HandleTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			perr := fmt.Errorf("panic handling update: %v", r)
			if turn.entry.Raw == "" {
				// Before any entry was read: as if the inbox could not be.
				e, ok, handled, herr, err = kbbot.InboxEntry{}, false, false, nil, perr
				return
			}
			// The entry's step panicked: a failed try of that entry.
			e, ok, handled, herr, err = turn.entry, true, true, perr, nil
		}
	}()
	if c.Committed {
		e, ok, handled, herr = in.d.HandleCommitted(hctx, c.Claimed, c.taken, turn)
		return e, ok, handled, herr, nil
	}
	e, ok, handled, herr = in.d.HandleHead(hctx, c.Chat, turn, c.began())
	if !handled && herr != nil {
		// The chat could not be taken: as if its inbox could not be read.
		return e, false, false, nil, herr
	}
	return e, ok, handled, herr, nil
}

// one handles a single event, turning a panic in the handler into an error
// (a failed try) so that one bad update cannot stop the bot.
func (in *Intake) one(ctx context.Context, ev kbbot.Event) (err error) {
	ctx, cancel := context.WithTimeout(ctx, in.cfg.HandleTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic handling update: %v", r)
		}
	}()
	return in.handle(ctx, ev)
}

// transient reports whether a failure is a passing condition rather than a
// fault of the update: such failures are retried without counting a try.
func transient(err error) bool {
	return errors.Is(err, kbbot.ErrUnavailable) || errors.Is(err, kbbot.ErrBusy) || errors.Is(err, ErrBacklog) ||
		errors.Is(err, context.Canceled)
}

// SetHandler replaces the step run for each update (Dispatcher.Handle);
// for tests that need a slow or failing step.
func (in *Intake) SetHandler(h func(context.Context, kbbot.Event) error) {
	in.handle, in.custom = h, true
}
