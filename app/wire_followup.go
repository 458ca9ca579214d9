package app

import (
	"context"

	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/redisstore"
)

// wireFollowUp sets up, in a.services before the engine is built, the
// cadres' follow-up list (the residents' index, records and "sudah
// dihubungi" marks of redisstore.FollowUpStore; the bookings through the
// day list) and the notices of event changes (the booking store's change
// log). /hapusdata deletes the resident's mark.
func (a *App) wireFollowUp(keys redisstore.Keys) error {
	fu := redisstore.NewFollowUpStore(a.rdb, keys)
	a.services.FollowUps = fu
	a.services.Changes = a.Bookings
	a.erasers = append(a.erasers, fu)
	return nil
}

// jobsFollowUp adds the periodic job that carries out the changes of
// events (a session moved, a site cancelled) and tells their residents:
// after an import in the bot it has run already; after kbbot import, or a
// failure, it runs within 15 seconds.
func (a *App) jobsFollowUp() error {
	return a.Scheduler.Add("@every 15s", "event-changes", a.NotifyEventChanges)
}

// NotifyEventChanges carries out the pending changes of events and
// schedules the notices to every resident they concern
// (conversations.NotifyEventChanges).
func (a *App) NotifyEventChanges(ctx context.Context) error {
	n, err := conversations.NotifyEventChanges(ctx, a.services, a.clock.Now())
	if n > 0 {
		a.log.Info("event changes told", "notices", n)
	}
	return err
}

var (
	_ conversations.FollowUpStore = (*redisstore.FollowUpStore)(nil)
	_ conversations.ChangeStore   = (*redisstore.BookingStore)(nil)
)
