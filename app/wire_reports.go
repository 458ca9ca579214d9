package app

import "github.com/kbbot/kbbot/redisstore"

// wireReports sets up the stores of the reports flows in a.services, before the
// engine is built.
func (a *App) wireReports(keys redisstore.Keys) error { return nil }

// jobsReports adds the periodic jobs of the reports flows to a.Scheduler.
func (a *App) jobsReports() error { return nil }
