package scheduler

import (
	"context"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// Locker takes named locks with an owner token and a TTL. redisstore's
// Locker implements it.
type Locker interface {
	// Lock takes name for ttl; ok is false when someone else holds it.
	Lock(ctx context.Context, name string, ttl time.Duration) (token string, ok bool, err error)
	// Unlock releases name if token still holds it.
	Unlock(ctx context.Context, name, token string) (released bool, err error)
	// Extend renews name's ttl if token still holds it.
	Extend(ctx context.Context, name, token string, ttl time.Duration) (ok bool, err error)
}

// Store keeps due reminders. redisstore.ReminderStore implements it; cmd
// wires it in, so this package never imports redisstore.
type Store interface {
	Locker
	// Claim atomically moves up to limit items due at now to in flight,
	// with a lease until now+lease, earliest first.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]reminders.Item, error)
	// Ack marks claimed items delivered or dropped, for good.
	Ack(ctx context.Context, items ...reminders.Item) error
	// Renew extends the lease of claimed items still in flight to until.
	Renew(ctx context.Context, until time.Time, items ...reminders.Item) (int, error)
	// Retry puts a claimed item back, due at at.
	Retry(ctx context.Context, it reminders.Item, at time.Time) error
	// Reap returns items whose lease ended by now to the due items.
	Reap(ctx context.Context, now time.Time) (int, error)
	// CancelResident removes chat's pending items (of kinds, or all).
	CancelResident(ctx context.Context, chat kbbot.ChatID, kinds ...string) (int, error)
}
