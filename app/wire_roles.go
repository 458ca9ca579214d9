package app

import "github.com/kbbot/kbbot/redisstore"

// wireRoles sets up the stores of the roles flows in a.services, before the
// engine is built.
func (a *App) wireRoles(keys redisstore.Keys) error { return nil }

// jobsRoles adds the periodic jobs of the roles flows to a.Scheduler.
func (a *App) jobsRoles() error { return nil }
