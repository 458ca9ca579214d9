package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

// Steps run ahead (speculation). A resident who taps through the menus
// sends updates whose steps need nothing but her session and record.
// This process remembers the session and record it last committed for
// each chat (warmCache); when an update of such a chat comes, Accept runs
// its step at once, as a dry run (kbbot.WithDryRun: any store it asks for
// anything refuses, and the result is thrown away), and the round trip
// that accepts the update also commits that step, when the chat is still
// exactly as the step saw it (redisstore's intake_spec.lua checks the
// session and record by SHA1, an idle lock, an empty inbox and outbox, no
// staff hint, the flood limit and the handled update ids). So the step
// costs two round trips instead of three: accept-and-commit, then the
// acknowledgement of what was delivered. When the chat is not as seen
// (another replica handled it, a reminder came, a store was needed), the
// update is accepted as usual and its step runs afresh.

// warmCap bounds the chats a process remembers for speculation: the
// residents active in the last minutes, a session and a record of about
// 1 KB each, so at most some 32 MB.
const warmCap = 1 << 14

// warmEntry is a chat's session and record as this process last
// committed them.
type warmEntry struct {
	state, record []byte
}

// warmCache remembers, per chat, what this process last committed (never
// for staff chats). Entries may be stale: a speculation on them fails its
// check in Redis and costs only the dry run.
type warmCache struct {
	mu sync.Mutex
	m  map[kbbot.ChatID]warmEntry
}

// put remembers chat's committed session and record.
func (w *warmCache) put(chat kbbot.ChatID, state, record []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[kbbot.ChatID]warmEntry)
	}
	if _, ok := w.m[chat]; !ok && len(w.m) >= warmCap {
		// Full: forget about half, in map order (random enough).
		n := 0
		for k := range w.m {
			delete(w.m, k)
			if n++; n >= warmCap/2 {
				break
			}
		}
	}
	w.m[chat] = warmEntry{state: state, record: record}
}

// get returns what was remembered of chat.
func (w *warmCache) get(chat kbbot.ChatID) (warmEntry, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.m[chat]
	return e, ok
}

// forget drops chat.
func (w *warmCache) forget(chat kbbot.ChatID) {
	w.mu.Lock()
	delete(w.m, chat)
	w.mu.Unlock()
}

// speculate runs ahead the steps of evs that may go ahead (see above):
// out[i] is evs[i]'s, or nil. Only the first chats chats of evs in order
// of first appearance are looked at (those the accepting trip claims), and
// only an event alone of its chat in evs, of a kind a resident taps or
// types.
func (d *Dispatcher) speculate(evs []kbbot.Event, chats int) []*kbbot.Speculation {
	var out []*kbbot.Speculation
	seen := 0
	for i := range evs {
		ev := &evs[i]
		first, alone := true, true
		for j := range evs {
			if j != i && evs[j].ChatID == ev.ChatID {
				alone = false
				if j < i {
					first = false
				}
			}
		}
		if !first {
			continue
		}
		if seen++; seen > chats {
			break
		}
		if !alone {
			continue
		}
		if sp := d.speculateOne(*ev); sp != nil {
			if out == nil {
				out = make([]*kbbot.Speculation, len(evs))
			}
			out[i] = sp
		}
	}
	return out
}

// speculateOne runs ev's step ahead on what this process last committed
// for its chat, or returns nil.
func (d *Dispatcher) speculateOne(ev kbbot.Event) *kbbot.Speculation {
	switch ev.Kind {
	case kbbot.EventText, kbbot.EventCommand, kbbot.EventCallback:
	default:
		return nil
	}
	w, ok := d.warm.get(ev.ChatID)
	if !ok {
		return nil
	}
	sess, rec, keep := d.decode(kbbot.ChatState{State: w.state, Record: w.record})
	if !keep {
		return nil
	}
	if rec == nil {
		rec = conversations.NewRecord(ev.LanguageCode)
	}
	now := d.clock.Now()
	ctx, dry := kbbot.WithDryRun(context.Background())
	ctx = kbbot.WithNotStaff(ctx, ev.ChatID)
	res, ok := d.dryStep(ctx, sess, rec, ev, now)
	if !ok || dry.Touched() || res.Retry || res.Erase {
		return nil
	}
	c := kbbot.Commit{UpdateID: ev.UpdateID, Key: ev.Key, At: now, Replies: res.Replies}
	if d.encode(&c, res, now, keep) != nil {
		return nil
	}
	return &kbbot.Speculation{Commit: c, State: w.state, Record: w.record}
}

// dryStep runs a step ahead; a panic only makes it not go ahead (the step
// runs again, as usual, and its panic is dealt with there).
func (d *Dispatcher) dryStep(ctx context.Context, sess *conversations.Session, rec *resident.Record, ev kbbot.Event, now time.Time) (res conversations.Result, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return d.engine.Step(ctx, sess, rec, ev, now), true
}

// HandleCommitted finishes the step Accept's round trip committed for c
// (c.Committed): it delivers c.Queued while the chat's lease is renewed,
// then lets the chat go in one trip that also acknowledges the delivery
// (and, when the turn goes on, begins the next update pushed meanwhile,
// as HandleHead's steps do). taken is when the lock was taken.
func (d *Dispatcher) HandleCommitted(ctx context.Context, c kbbot.Claimed, taken time.Time, t *inboxTurn) (e kbbot.InboxEntry, ok, handled bool, err error) {
	h := d.keep(ctx, c.Lease, taken)
	e = c.Head
	t.raw, t.entry = "", e
	if c.NotClaimed {
		// Another worker holds the chat's claim: it takes the updates
		// pushed meanwhile once the lock is free.
		t.ready, t.next = "", false
	}
	d.warm.put(c.Chat, c.State.State, c.State.Record)
	d.deliverAll(h, c.Queued)
	d.finishDone(withInboxTurn(ctx, t), h, c.State)
	if h.blocked {
		d.warm.forget(c.Chat)
	}
	d.observe(e.Event.Kind, taken, nil)
	return e, true, true, nil
}
