package app

import "github.com/kbbot/kbbot/redisstore"

// wireBroadcasts sets up the stores of the broadcasts flows in a.services, before the
// engine is built.
func (a *App) wireBroadcasts(keys redisstore.Keys) error { return nil }

// jobsBroadcasts adds the periodic jobs of the broadcasts flows to a.Scheduler.
func (a *App) jobsBroadcasts() error { return nil }
