package fakes

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// Reminders is an in-memory reminder store: the items scheduled and not
// cancelled, by ID. It has what the dialog needs of the real store
// (conversations.ReminderStore); nothing is ever claimed or sent.
//
// Like every store it refuses calls within a dry run (kbbot.RefuseDryRun)
// without counting them.
type Reminders struct {
	mu    sync.Mutex
	items map[string]reminders.Item
	err   error
	calls int
}

// Calls is how many calls reached the store (not refused in a dry run).
func (r *Reminders) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// reach counts a call, or refuses it within a dry run.
func (r *Reminders) reach(ctx context.Context) error {
	if err := kbbot.RefuseDryRun(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	return nil
}

// NewReminders returns an empty reminder store.
func NewReminders() *Reminders { return &Reminders{items: map[string]reminders.Item{}} }

// Fail makes every later call return err (nil: work again), as a store
// that cannot be reached.
func (r *Reminders) Fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Schedule adds items and returns how many it created or changed. As in
// the real store the ID decides: the same item again changes nothing, and
// an invalid item fails the call before anything is written.
func (r *Reminders) Schedule(ctx context.Context, items ...reminders.Item) (int, error) {
	if err := r.reach(ctx); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	for _, it := range items {
		if err := it.Validate(); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, it := range items {
		if old, ok := r.items[it.ID]; !ok || old != it {
			r.items[it.ID] = it
			n++
		}
	}
	return n, nil
}

// CancelResident removes chat's pending items, of kinds or of every kind,
// and returns how many.
func (r *Reminders) CancelResident(ctx context.Context, chat kbbot.ChatID, kinds ...string) (int, error) {
	if err := r.reach(ctx); err != nil {
		return 0, err
	}
	return r.cancel(func(it reminders.Item) bool { return it.Chat == chat }, kinds)
}

// CancelRef removes chat's pending items about ref, of kinds or of every
// kind, and returns how many.
func (r *Reminders) CancelRef(ctx context.Context, chat kbbot.ChatID, ref string, kinds ...string) (int, error) {
	if err := r.reach(ctx); err != nil {
		return 0, err
	}
	return r.cancel(func(it reminders.Item) bool { return it.Chat == chat && it.Ref == ref }, kinds)
}

func (r *Reminders) cancel(match func(reminders.Item) bool, kinds []string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	n := 0
	for id, it := range r.items {
		if match(it) && (len(kinds) == 0 || slices.Contains(kinds, it.Kind)) {
			delete(r.items, id)
			n++
		}
	}
	return n, nil
}

// Pending returns chat's pending items, earliest first (then by ID).
func (r *Reminders) Pending(chat kbbot.ChatID) []reminders.Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []reminders.Item
	for _, it := range r.items {
		if it.Chat == chat {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
