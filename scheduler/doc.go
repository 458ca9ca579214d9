// Package scheduler sends due reminders: short sweeps, driven by robfig/cron
// v3, claim due items from a Store (Redis in production) and feed each to
// the same kbbot.Handler that handles messages, as a kbbot.EventReminder.
// It never composes message text.
//
// Reliability comes from the store, not from cron: items live in Redis
// scored by due time, a claim moves them atomically to in flight under a
// lease, a delivered item is acked, and the reaper returns the items of a
// process that died. So any number of processes may sweep; a named lock per
// sweep only saves duplicate work. Delivery is at least once: a crash
// repeats at most the items that were in flight.
//
// Quiet hours (21:00-06:00 in the item's zone by default) are checked again
// at send time: an item that arrives late into the night waits for the
// morning if it is still useful then, and is dropped otherwise. Items past
// their NotAfter are dropped with a log line.
//
// Periodic jobs (Add) run once per fire across processes, under a lock
// named after the job; among them the retention purge (AddPurge), which
// deletes bookings' personal data once their event is long past.
//
// cron types stay inside this package; the rest of kbbot sees New, Sweep,
// Start, Add, AddPurge and Stop.
package scheduler
