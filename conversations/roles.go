package conversations

// RoleStore is what the role flows need (invites, audit, check-in).
type RoleStore interface{}

// roleCommand handles the role commands (/kader CODE, /undang, /audit,
// /checkin); it reports whether cmd was one of them.
func (st *step) roleCommand(cmd, args string) bool { return false }

// roleText takes typed input of a role flow.
func (st *step) roleText(t string) bool { return false }

// roleCallback handles "k:..." buttons.
func (st *step) roleCallback(args []string) { st.expired() }
