package conversations

import (
	"strings"

	"github.com/kbbot/kbbot/content"
)

// Callback data is "<action>" or "<action>:<arg>:..." in at most 64 bytes.
// Buttons that act within a flow carry the flow's nonce as their last part,
// so a button of an earlier flow or a forged one is refused as expired.
// The resident a button acts for is always the one who tapped it: callback
// data never names a chat or user.

// Callback actions of the flows not yet moved to the Flow shape.
const (
	cbMenu = "menu" // menu:<item>, see menu.go
)

// callback is parsed callback data.
type callback struct {
	action string
	args   []string
}

// parseCallback splits data and checks that it names a registered flow
// and has no empty part; the flow's routes check the rest.
func parseCallback(data string) (callback, bool) {
	if data == "" || len(data) > content.MaxCallbackBytes {
		return callback{}, false
	}
	parts := strings.Split(data, ":")
	cb := callback{action: parts[0], args: parts[1:]}
	if _, ok := flowNamed(cb.action); !ok {
		return callback{}, false
	}
	for _, a := range cb.args {
		if a == "" {
			return callback{}, false
		}
	}
	return cb, true
}

// data builds callback data from an action and its arguments.
func data(action string, args ...string) string {
	if len(args) == 0 {
		return action
	}
	return action + ":" + strings.Join(args, ":")
}

// flowArg checks that a button belongs to the running flow: the flow is
// flow and the button's last argument is the flow's nonce. It returns the
// button's argument between operation and nonce ("" when there is none);
// ok is false for a button of another or an earlier flow, or a forged one.
func (st *step) flowArg(flow string, args []string) (arg string, ok bool) {
	if st.s.Flow != flow || len(args) < 2 || args[len(args)-1] != st.s.Nonce {
		return "", false
	}
	if len(args) == 3 {
		arg = args[1]
	}
	return arg, true
}
