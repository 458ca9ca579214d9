package conversations

import (
	"strings"

	"github.com/kbbot/kbbot/content"
)

// Callback data is "<flow>[:<op>[:<arg>...][:<nonce>]]" in at most 64
// bytes: the registered flow's name, then one of its routes (flow.go).
// Buttons that act within a flow carry the flow's nonce as their last part,
// so a button of an earlier flow or a forged one is refused as expired.
// The resident a button acts for is always the one who tapped it: callback
// data never names a chat or user.

// cbMenu is the main menu's action (menu.go).
const cbMenu = "menu"

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
	switch len(args) {
	case 0:
		return action
	case 1:
		return action + ":" + args[0]
	}
	n := len(action)
	for _, a := range args {
		n += 1 + len(a)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(action)
	for _, a := range args {
		b.WriteByte(':')
		b.WriteString(a)
	}
	return b.String()
}
