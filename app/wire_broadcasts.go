package app

import (
	"context"
	"fmt"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast/send"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/redisstore"
)

// wireBroadcasts sets up the store of residents' areas and groups and of
// broadcasts in a.services, before the engine is built, and has /hapusdata
// erase what it keeps about a resident.
func (a *App) wireBroadcasts(keys redisstore.Keys) error {
	s := redisstore.NewBroadcastStore(a.rdb, keys, a.Bookings.BookedChats)
	a.services.Broadcasts = s
	a.erasers = append(a.erasers, s)
	return nil
}

// jobsBroadcasts adds the sending of broadcasts to a.Scheduler: every sweep
// period, one process per fire starts the broadcasts due and sends (the
// others join in on later fires while a long broadcast runs).
func (a *App) jobsBroadcasts() error {
	return a.Scheduler.Add(fmt.Sprintf("@every %s", a.cfg.SweepEvery), "broadcasts", a.SendBroadcasts)
}

// BroadcastStore returns the store of residents' profiles and broadcasts.
func (a *App) BroadcastStore() *redisstore.BroadcastStore {
	s, _ := a.services.Broadcasts.(*redisstore.BroadcastStore)
	return s
}

// SendBroadcasts starts the broadcasts due and sends them until nothing is
// left to take, then sends the reports of those finished (see
// package broadcast/send). The scheduler runs it periodically; it
// is safe to run in any number of processes at once.
func (a *App) SendBroadcasts(ctx context.Context) error {
	return a.broadcastSender().Run(ctx)
}

// broadcastSender sends through a.Sender, so within Telegram's limits and
// behind replies and reminders. Its workers keep enough messages in flight
// for the configured rate.
func (a *App) broadcastSender() *send.Sender {
	workers := min(max(a.cfg.SendRate/4, 4), 64)
	onBlocked := func(ctx context.Context, chat kbbot.ChatID) {
		// The resident blocked the bot: the dispatcher records it and
		// stops their reminders.
		if err := a.Dispatcher.Handle(ctx, kbbot.Event{Kind: kbbot.EventBlocked, ChatID: chat}); err != nil {
			a.log.Warn("record a block found by a broadcast", "error", err)
		}
	}
	return send.New(conversations.BroadcastTexts{Lib: a.Library}, countingQueue{Queue: a.BroadcastStore(), m: a.metrics}, a.Sender, a.clock,
		a.log.With("comp", "broadcast"), send.Config{Workers: workers}, onBlocked)
}
