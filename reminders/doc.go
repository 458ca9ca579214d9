// Package reminders is the pure domain of kbbot's reminders: the kinds of
// reminder, the due Item the scheduler stores and hands on, quiet hours, and
// the planning functions that turn facts (a booking, a method received, a
// check-in) into items.
//
// Planning works in the local zone of the facility or resident (WIB, WITA,
// WIT; Indonesia has no DST) and stores times in UTC. An item's ID is
// deterministic, so planning the same fact twice yields the same items and
// scheduling them twice is a no-op in the store.
//
// The package imports only the standard library and the root kbbot package.
// It never composes message text: the conversations do that when the
// reminder arrives, from its Kind and Ref.
package reminders
