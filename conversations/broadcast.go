package conversations

// BroadcastStore is what the broadcast flows need.
type BroadcastStore interface{}

// broadcastCommand handles /wilayah and /siaran; it reports whether cmd was one.
func (st *step) broadcastCommand(cmd, args string) bool { return false }

// broadcastText takes typed input of a broadcast flow.
func (st *step) broadcastText(t string) bool { return false }

// broadcastCallback handles "s:..." buttons.
func (st *step) broadcastCallback(args []string) { st.expired() }
