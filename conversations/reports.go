package conversations

// ReportStore is what the poster and rekap flows need.
type ReportStore interface{}

// reportCommand handles /qr and /rekap; it reports whether cmd was one.
func (st *step) reportCommand(cmd, args string) bool { return false }

// reportText takes typed input of a report flow.
func (st *step) reportText(t string) bool { return false }

// reportCallback handles "q:..." buttons.
func (st *step) reportCallback(args []string) { st.expired() }
