package telegramtest

// SetPollHooks installs test hooks: wait runs whenever a getUpdates call
// starts waiting for updates, cancel when a waiting call sees its client
// disconnect. Call it before the server is used.
func SetPollHooks(s *Server, wait, cancel func()) {
	s.hookPollWait = wait
	s.hookPollCancel = cancel
}
