package conversations

import "slices"

// legacyFlow registers a flow that has not moved to the Flow shape yet:
// its own router checks its buttons, and its functions take commands and
// text. Each moves to a file of its own with typed state and declared
// routes; this adapter then goes away.
type legacyFlow struct {
	name     string   // the callback action and the flow's name
	sessions []string // the Session.Flow values it runs as
	start    func(st *step, args string)
	command  func(st *step, cmd, args string) bool
	route    func(st *step, args []string)
	text     func(st *step, t string) bool
	location func(st *step, lat, lon float64) bool
	contact  func(st *step, phone string, own bool) bool
	media    func(st *step) bool
}

func (l legacyFlow) Name() string       { return l.name }
func (l legacyFlow) Commands() []string { return nil }
func (l legacyFlow) Routes() []Route    { return nil }

func (l legacyFlow) Start(st *step, args string) {
	if l.start == nil {
		st.menu()
		return
	}
	l.start(st, args)
}

func (l legacyFlow) Text(st *step, t string) bool { return l.text != nil && l.text(st, t) }

func (l legacyFlow) owns(flow string) bool { return slices.Contains(l.sessions, flow) }

func (l legacyFlow) Location(st *step, lat, lon float64) bool {
	return l.location != nil && l.location(st, lat, lon)
}

func (l legacyFlow) Contact(st *step, phone string, own bool) bool {
	return l.contact != nil && l.contact(st, phone, own)
}

func (l legacyFlow) Media(st *step) bool { return l.media != nil && l.media(st) }

// legacyCommand runs cmd through the legacy flows' command functions.
func (st *step) legacyCommand(cmd, args string) bool {
	for _, f := range flows {
		if l, ok := f.(legacyFlow); ok && l.command != nil && l.command(st, cmd, args) {
			return true
		}
	}
	return false
}

var bookLegacy = legacyFlow{
	name: cbBook, sessions: []string{flowBook},
	start: func(st *step, preset string) { st.bookStart(preset) },
	command: func(st *step, cmd, _ string) bool {
		switch cmd {
		case "daftar", "book":
			st.s.resetFlow()
			st.bookStart("")
		case "daftarkan":
			st.s.resetFlow()
			st.cadreBookStart()
		default:
			return false
		}
		return true
	},
	route: (*step).bookCallback,
	text: func(st *step, t string) bool {
		return st.s.Flow == flowBook && st.bookText(t)
	},
	location: func(st *step, lat, lon float64) bool {
		if st.s.Flow != flowBook || st.s.Step != stepWhere {
			return false
		}
		st.bookNear(lat, lon)
		return true
	},
	contact: func(st *step, phone string, own bool) bool {
		if st.s.Flow != flowBook || st.s.Step != stepPhone {
			return false
		}
		st.bookPhone(phone, own)
		return true
	},
}

var roleLegacy = legacyFlow{
	name: cbRole, sessions: []string{flowRole},
	command: (*step).roleCommand,
	route:   (*step).roleCallback,
	text:    (*step).roleText,
}

var broadcastLegacy = legacyFlow{
	name: cbBroadcast, sessions: []string{flowBcast, flowBcastCancel, flowArea},
	command: (*step).broadcastCommand,
	route:   (*step).broadcastCallback,
	text:    (*step).broadcastText,
	media:   (*step).broadcastMedia,
}

var reportLegacy = legacyFlow{
	name: cbReport, sessions: []string{flowReport},
	command: (*step).reportCommand,
	route:   (*step).reportCallback,
	text:    (*step).reportText,
}

// Flows a resident may be heading to when consent is asked (needConsent).
const (
	nextBook = cbBook
)
