package redisstore

// Hooks for the tests of package redisstore_test.

// FunctionLibraries names the Redis Function libraries of the booking and
// reminder hot paths, for tests that delete them.
func FunctionLibraries() []string { return []string{bookManyFunc.library, remScheduleFunc.library} }

// QueuedBookings is how many booking requests wait for the store's next
// batch.
func QueuedBookings(s *BookingStore) int {
	return s.books.queued()
}
