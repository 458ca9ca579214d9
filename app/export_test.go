package app

import "context"

// SampleReminderLag runs the reminder-lag job once (the scheduler runs it
// every 15 s of real time), for tests that move the clock.
func (a *App) SampleReminderLag(ctx context.Context) error { return a.sampleReminderLag(ctx) }
