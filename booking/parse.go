package booking

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with an events file: the path of the entry
// and field, e.g. `events[0] (kbs-x).sites[1].facility`, and what is wrong.
// Problems found by Build also say which entry (its Draft label), which
// field and which rule, with the rule's values, so that a reader of
// another format (package booking/sheet) can name its own rows and
// columns and word the problem in its own language.
type Problem struct {
	Path string
	Msg  string
	// Entry is the Label of the draft entry at fault; Field the field in
	// the events file's terms ("capacity", "quota.iud"), "" for the
	// entry as a whole.
	Entry, Field string
	// Code is the rule broken; Args are its values (see the codes).
	Code ProblemCode
	Args []string
}

// String returns "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// ParseError lists every problem found in an events file.
type ParseError struct {
	File     string
	Problems []Problem
}

// Error lists the file's problems, one per line when there are several.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.File)
	if len(e.Problems) == 1 {
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// ParseFile reads and validates an events file (see Parse).
func ParseFile(path string, checks ...Check) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("booking: %w", err)
	}
	defer f.Close()
	return Parse(f, filepath.Base(path), checks...)
}

// Parse reads a facilities and events file (the format of DESIGN.md) and
// validates it strictly: unknown fields, unknown facilities, time zones
// other than WIB/WITA/WIT, overlapping or empty sessions, unknown method
// codes, duplicate or malformed ids, coordinates outside Indonesia and
// malformed dates are errors. It reports every problem at once, as a
// *ParseError naming each entry and field; name labels the messages.
// Events must name facilities defined in the same file.
//
// A Check (at most one) adds the checks that depend on the time of the
// import: events whose day is over are refused unless it allows them.
func Parse(r io.Reader, name string, checks ...Check) (*Catalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("booking: read %s: %w", name, err)
	}
	raw, probs := decodeFile(data)
	if len(probs) > 0 {
		return nil, &ParseError{File: name, Problems: probs}
	}
	return Build(raw, name, checks...)
}

// decoder walks the YAML tree, or checks a Draft, collecting problems
// with their paths.
type decoder struct {
	probs []Problem
	// planner says Build was given a Check: the import checks apply.
	planner bool
	check   Check
}

// add reports a structural problem of the YAML file at path (no entry,
// field or code: only YAML has these).
func (d *decoder) add(path, format string, args ...any) {
	d.probs = append(d.probs, Problem{Path: path, Msg: fmt.Sprintf(format, args...), Code: CodeSyntax})
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// fields decodes a mapping node: each key must be in fields (a pointer to
// decode its value into, or nil for values the caller walks itself, which
// are returned). It reports unknown and duplicate keys and bad values.
func (d *decoder) fields(path string, n *yaml.Node, fields map[string]any) (present map[string]bool, nodes map[string]*yaml.Node) {
	present, nodes = map[string]bool{}, map[string]*yaml.Node{}
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.add(path, "must be a mapping (key: value)")
		return present, nodes
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, resolve(n.Content[i+1])
		target, ok := fields[key]
		switch {
		case !ok:
			d.add(join(path, key), "unknown field")
			continue
		case present[key]:
			d.add(join(path, key), "field given twice")
			continue
		}
		present[key] = true
		if target == nil {
			nodes[key] = val
			continue
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			present[key] = false
			continue
		}
		if err := val.Decode(target); err != nil {
			d.add(join(path, key), "invalid value: %s", yamlMsg(err))
		}
	}
	return present, nodes
}

// yamlMsg shortens a yaml.v3 error to its message and line.
func yamlMsg(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return te.Errors[0]
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// seq returns the items of a sequence node, reporting anything else.
func (d *decoder) seq(path string, n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.add(path, "must be a list")
		return nil
	}
	return n.Content
}

// intMap decodes a mapping of names to integers, naming the key of a bad
// value.
func (d *decoder) intMap(path string, n *yaml.Node) map[string]int {
	out := map[string]int{}
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.add(path, "must be a mapping (method: number)")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if _, dup := out[key]; dup {
			d.add(join(path, key), "given twice")
			continue
		}
		var v int
		if err := resolve(n.Content[i+1]).Decode(&v); err != nil {
			d.add(join(path, key), "invalid value: %s", yamlMsg(err))
			continue
		}
		out[key] = v
	}
	return out
}

// idOf peeks at the id of a mapping node, to name the entry in messages.
func idOf(n *yaml.Node, key string) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && resolve(n.Content[i+1]).Kind == yaml.ScalarNode {
			return resolve(n.Content[i+1]).Value
		}
	}
	return ""
}

func entry(list string, i int, id string) string {
	p := fmt.Sprintf("%s[%d]", list, i)
	if id != "" {
		p += " (" + id + ")"
	}
	return p
}

// decodeFile turns YAML into a Draft; problems are structural (syntax,
// unknown fields, wrong types).
func decodeFile(data []byte) (Draft, []Problem) {
	var d decoder
	var raw Draft
	if len(bytes.TrimSpace(data)) == 0 {
		d.add("", "the file is empty")
		return raw, d.probs
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.add("", "malformed YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return raw, d.probs
	}
	if len(doc.Content) == 0 {
		d.add("", "the file is empty")
		return raw, d.probs
	}
	_, top := d.fields("", doc.Content[0], map[string]any{"facilities": nil, "events": nil})
	if n, ok := top["facilities"]; ok {
		for i, item := range d.seq("facilities", n) {
			f := DraftFacility{Label: entry("facilities", i, idOf(item, "id"))}
			f.Given, _ = d.fields(f.Label, item, map[string]any{
				"id": &f.ID, "name": &f.Name, "type": &f.Type, "address": &f.Address,
				"kelurahan": &f.Kelurahan, "kecamatan": &f.Kecamatan, "kabupaten": &f.Kabupaten,
				"provinsi": &f.Provinsi, "lat": &f.Lat, "lon": &f.Lon, "timezone": &f.TimeZone, "demo": &f.Demo,
			})
			raw.Facilities = append(raw.Facilities, f)
		}
	}
	if n, ok := top["events"]; ok {
		for i, item := range d.seq("events", n) {
			raw.Events = append(raw.Events, d.event(entry("events", i, idOf(item, "id")), item))
		}
	}
	return raw, d.probs
}

func (d *decoder) event(path string, n *yaml.Node) DraftEvent {
	e := DraftEvent{Label: path}
	var nodes map[string]*yaml.Node
	e.Given, nodes = d.fields(path, n, map[string]any{
		"id": &e.ID, "name": &e.Name, "date": &e.Date, "booking_closes": &e.BookingCloses,
		"targets": nil, "sites": nil, "cancelled": &e.Cancelled,
	})
	if t, ok := nodes["targets"]; ok {
		e.Targets = d.intMap(join(path, "targets"), t)
	}
	if s, ok := nodes["sites"]; ok {
		for j, item := range d.seq(join(path, "sites"), s) {
			e.Sites = append(e.Sites, d.site(fmt.Sprintf("%s.sites[%d]", path, j), item))
		}
	}
	return e
}

func (d *decoder) site(path string, n *yaml.Node) DraftSite {
	s := DraftSite{Label: path}
	var nodes map[string]*yaml.Node
	s.Given, nodes = d.fields(path, n, map[string]any{"facility": &s.Facility, "sessions": nil, "quota": nil, "oversubscribe": &s.Oversubscribe,
		"cancelled": &s.Cancelled})
	if q, ok := nodes["quota"]; ok {
		s.Quota = d.intMap(join(path, "quota"), q)
	}
	if ss, ok := nodes["sessions"]; ok {
		for k, item := range d.seq(join(path, "sessions"), ss) {
			x := DraftSession{Label: fmt.Sprintf("%s.sessions[%d]", path, k)}
			x.Given, _ = d.fields(x.Label, item, map[string]any{"start": &x.Start, "end": &x.End, "capacity": &x.Capacity,
				"moved_from": &x.MovedFrom})
			s.Sessions = append(s.Sessions, x)
		}
	}
	return s
}
