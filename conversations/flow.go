package conversations

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// Flow is one dialog flow as a unit: one file declares its name, the
// commands that open it, its button routes and its handlers, and keeps its
// state in a typed struct (loadState, saveState). The engine checks
// everything about a tap before a handler runs: that the route exists, the
// number of arguments, that the flow is running at one of the route's
// steps with the button's nonce, and the staff right; anything else gets
// "this button has expired" and the menu. Register a flow in flows below.
type Flow interface {
	// Name names the flow in the session (Session.Flow) and is the
	// callback action of its buttons ("<name>:<op>[:<arg>...][:<nonce>]").
	Name() string
	// Commands are the /commands that start the flow (lower case).
	Commands() []string
	// Start opens the flow, for one of its commands or from another flow.
	Start(st *step, args string)
	// Routes are the flow's buttons.
	Routes() []Route
	// Text handles free text while the flow runs; false passes it on to
	// the search.
	Text(st *step, text string) bool
}

// Route is one button of a flow.
type Route struct {
	// Op is the button's operation, the first part after the flow's name.
	Op string
	// Args is how many arguments follow Op (before the nonce).
	Args int
	// Steps are the steps of the running flow where the button works. Nil
	// means the button works anywhere, without a nonce (an entry button).
	Steps []string
	// Right is the staff right the button needs; empty for residents.
	Right cadre.Action
	// Consent says the button needs the resident's consent.
	Consent bool
	// Do runs the button with its arguments.
	Do func(st *step, args []string)
}

// flows are the registered flows.
var flows = []Flow{
	menuFlow{},
	consentFlow{},
	eraseFlow{},
	stopReasonFlow{},
	dataFlow{},
	eraseBookedFlow{},
	bookFlow{},
	cadreBookFlow{},
	ordersFlow{},
	changeFlow{},
	offerFlow{},
	courseFlow{},
	learnFlow{},
	quizFlow{},
	staffFlow{},
	inviteFlow{},
	teamFlow{},
	areaContactFlow{},
	auditFlow{},
	areaFlow{},
	bcFlow{},
	bcCancelFlow{},
	reportDoors{},
	checkinFlow{},
	dayFlow{},
	rekapFlow{},
	posterFlow{},
	importFlow{},
	askFlow{},
	answerFlow{},
	newsFlow{},
	kbppFlow{},
	followUpFlow{},
	eventChangeFlow{},
}

// flowRoutes are the registered flows' routes by flow name, built once:
// flows are stateless, so their routes never change.
var flowRoutes = sync.OnceValue(func() map[string][]Route {
	m := make(map[string][]Route, len(flows))
	for _, f := range flows {
		if _, dup := m[f.Name()]; !dup { // flowNamed finds the first
			m[f.Name()] = f.Routes()
		}
	}
	return m
})

// routesOf returns f's routes; shared, not to be changed.
func routesOf(f Flow) []Route {
	if r, ok := flowRoutes()[f.Name()]; ok {
		return r
	}
	return f.Routes()
}

// flowNamed returns the registered flow called name.
func flowNamed(name string) (Flow, bool) {
	for _, f := range flows {
		if f.Name() == name {
			return f, true
		}
	}
	return nil, false
}

// flowCommand returns the registered flow opened by cmd.
func flowCommand(cmd string) (Flow, bool) {
	for _, f := range flows {
		if slices.Contains(f.Commands(), cmd) {
			return f, true
		}
	}
	return nil, false
}

// locationFlow is a flow that takes a shared location while it runs.
type locationFlow interface {
	Location(st *step, lat, lon float64) bool
}

// contactFlow is a flow that takes a shared contact while it runs.
type contactFlow interface {
	Contact(st *step, phone string, own bool) bool
}

// mediaFlow is a flow that takes a photo while it runs.
type mediaFlow interface {
	Media(st *step) bool
}

// runningFlow is the flow the session stands in, if it is registered.
func (st *step) runningFlow() (Flow, bool) {
	if st.s.Flow == "" {
		return nil, false
	}
	for _, f := range flows {
		if f.Name() == st.s.Flow {
			return f, true
		}
	}
	return nil, false
}

// open starts the flow called name with args, leaving any other flow;
// an unknown name shows the menu.
func (st *step) open(name, args string) {
	st.s.resetFlow()
	f, ok := flowNamed(name)
	if !ok {
		st.menu()
		return
	}
	f.Start(st, args)
}

// routeFlow runs a tap on a button of a registered flow. It reports false
// when action names no registered flow.
func (st *step) routeFlow(action string, args []string) bool {
	f, ok := flowNamed(action)
	if !ok {
		return false
	}
	op, rest := "", args
	if len(args) > 0 {
		op, rest = args[0], args[1:]
	}
	for _, r := range routesOf(f) {
		if r.Op != op {
			continue
		}
		if r.Steps != nil {
			// A flow button: the flow runs at one of the steps, and the
			// button carries its nonce last.
			if len(rest) != r.Args+1 || st.s.Flow != f.Name() || rest[r.Args] != st.s.Nonce || !slices.Contains(r.Steps, st.s.Step) {
				break
			}
			rest = rest[:r.Args]
		} else if len(rest) != r.Args {
			break
		}
		if r.Right != "" {
			m, ok, err := st.staffLookup()
			if err != nil {
				// The staff store is away: say so, rather than "expired".
				st.storeFailed("staff lookup", err)
				return true
			}
			if !ok || !cadre.Can(m, r.Right, m.Area) {
				break
			}
		}
		if r.Consent && !st.r.Consented() {
			break
		}
		r.Do(st, rest)
		return true
	}
	st.expired()
	return true
}

// enter starts flow f at step, with a fresh nonce and empty state.
func (st *step) enter(f Flow, step string) {
	st.s.resetFlow()
	st.s.Flow, st.s.Step, st.s.Nonce = f.Name(), step, st.e.nonce()
}

// flowButton is a button of the running flow: its callback data carries
// the flow's name, the operation, the arguments and the nonce.
func (st *step) flowButton(label string, op string, args ...string) kbbot.Button {
	parts := append(append([]string{op}, args...), st.s.Nonce)
	return kbbot.Button{Label: label, Data: data(st.s.Flow, parts...)}
}

// stateKey holds a registered flow's typed state in Session.Data.
const stateKey = "state"

// loadState reads the running flow's typed state into v (left as it is
// when there is none or it cannot be read).
func loadState[T any](st *step, v *T) {
	if raw := st.s.Data[stateKey]; raw != "" {
		_ = json.Unmarshal([]byte(raw), v)
	}
}

// saveState keeps v as the running flow's state.
func saveState[T any](st *step, v T) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	st.s.set(stateKey, string(b))
}
