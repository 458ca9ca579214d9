package conversations

import (
	"strconv"
	"strings"
)

// RegisteredCommands returns every command a registered flow opens.
func RegisteredCommands() []string {
	var out []string
	for _, f := range flows {
		out = append(out, f.Commands()...)
	}
	return out
}

// StaffButtons returns callback data for every button route that needs a
// staff right, shaped as the engine parses it: the flow, the operation,
// placeholder arguments and, for a button bound to a running flow, a
// nonce.
func StaffButtons() []string {
	var out []string
	for _, f := range flows {
		for _, r := range f.Routes() {
			if r.Right == "" {
				continue
			}
			parts := []string{f.Name()}
			if r.Op != "" {
				parts = append(parts, r.Op)
			}
			for range r.Args {
				parts = append(parts, "0")
			}
			if r.Steps != nil {
				parts = append(parts, "n1")
			}
			out = append(out, strings.Join(parts, ":"))
		}
	}
	return out
}

// EntryButtons lists the routes that work without a nonce (Steps nil), as
// "<flow>:<op>/<args>".
func EntryButtons() []string {
	var out []string
	for _, f := range flows {
		for _, r := range f.Routes() {
			if r.Steps == nil {
				out = append(out, f.Name()+":"+r.Op+"/"+strconv.Itoa(r.Args))
			}
		}
	}
	return out
}
