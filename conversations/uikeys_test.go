package conversations_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kbbot/kbbot/content"
)

// TestUIKeysExistWithTheirArguments reads the dialog's source: every UI
// key a call names as a string literal (st.t, st.btn, st.other,
// st.notice, and every helper that hands its key on to Catalog.T) exists
// in both languages, and each language's text takes exactly the values the
// call gives it. A text with a %s the call does not fill shows "%s" to the
// resident; a value without a verb shows "%!(EXTRA ...)".
func TestUIKeysExistWithTheirArguments(t *testing.T) {
	t.Parallel()
	ui := uiCatalog(t)
	src := parseDialog(t)
	if len(src.uses) < 300 {
		t.Fatalf("found %d UI key uses in conversations/*.go; the source scan has lost its way", len(src.uses))
	}
	for _, u := range src.uses {
		if u.prefix {
			continue
		}
		txt, ok := ui.Text(u.key)
		if !ok {
			t.Errorf("%s: UI key %q is not in content/data/ui*.yaml", u.pos, u.key)
			continue
		}
		for _, l := range content.Langs {
			s := txt.In(l)
			if (l == content.ID && txt.ID == "") || (l == content.EN && txt.EN == "") {
				t.Errorf("%s: UI key %q has no %s text", u.pos, u.key, l)
				continue
			}
			if u.args < 0 {
				continue // the values are spread from a slice: not countable
			}
			want, err := fmtArgs(s)
			switch {
			case err != nil:
				t.Errorf("%s: UI key %q (%s): %v", u.pos, u.key, l, err)
			case want != u.args:
				t.Errorf("%s: UI key %q (%s) takes %d values, the call gives %d", u.pos, u.key, l, want, u.args)
			case u.args == 0 && strings.Contains(s, "%%"):
				t.Errorf("%s: UI key %q (%s) is shown unformatted, so %%%% shows as two percent signs", u.pos, u.key, l)
			}
		}
	}
}

// TestUIKeyPrefixesBothLanguages: for a key the dialog builds at run time
// ("cat_"+category, "me_entry_"+kind, "rem_aftercare_"+method, ...) the
// source cannot tell which keys are used. Every catalog key with such a
// prefix has a text in both languages taking the same number of values,
// and at least one key has the prefix.
func TestUIKeyPrefixesBothLanguages(t *testing.T) {
	t.Parallel()
	ui := uiCatalog(t)
	src := parseDialog(t)
	prefixes := map[string]string{} // prefix -> first use
	for _, u := range src.uses {
		if _, seen := prefixes[u.key]; u.prefix && !seen {
			prefixes[u.key] = u.pos
		}
	}
	if len(prefixes) < 10 {
		t.Fatalf("found %d dynamic UI key prefixes; the source scan has lost its way", len(prefixes))
	}
	keys := ui.Keys()
	for p, pos := range prefixes {
		n := 0
		for _, k := range keys {
			if !strings.HasPrefix(k, p) {
				continue
			}
			n++
			txt, _ := ui.Text(k)
			if txt.ID == "" || txt.EN == "" {
				t.Errorf("%s: UI key %q (prefix %q) lacks a language: id %q, en %q", pos, k, p, txt.ID, txt.EN)
				continue
			}
			a, errA := fmtArgs(txt.ID)
			b, errB := fmtArgs(txt.EN)
			if errA != nil || errB != nil {
				t.Errorf("%s: UI key %q (prefix %q): id: %v; en: %v", pos, k, p, errA, errB)
			} else if a != b {
				t.Errorf("%s: UI key %q (prefix %q) takes %d values in id, %d in en", pos, k, p, a, b)
			}
		}
		if n == 0 {
			t.Errorf("%s: no UI key starts with %q, so every key built from it shows as [%s...]", pos, p, p)
		}
	}
}

// TestFmtArgs pins the verb counting the two tests above rely on.
func TestFmtArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want int
		bad  bool
	}{
		{"plain", 0, false},
		{"100%% sure", 0, false},
		{"%s and %d", 2, false},
		{"%[2]s before %[1]s, %[1]s again", 2, false},
		{"%[1]s %s", 2, false}, // %s after %[1]s is argument 2
		{"%-5s|%05d|%.2f|%+v|%q", 5, false},
		{"%*d", 2, false},
		{"%[3]d only", 3, false}, // fmt ignores values 1 and 2
		{"%[2]s then %s", 3, false},
		{"ends in %", 0, true},
	} {
		got, err := fmtArgs(tc.s)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("fmtArgs(%q) = %d, %v; want %d, error %v", tc.s, got, err, tc.want, tc.bad)
		}
	}
}

// uiCatalog loads the embedded UI strings.
func uiCatalog(t *testing.T) *content.Catalog {
	t.Helper()
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	return lib.UI
}

// fmtArgs returns how many values s takes as a fmt format: the highest
// argument index its verbs (and * widths) use. Without explicit indexes
// that is the number of verbs (distinct indexes 1..n); a format with
// explicit indexes (%[2]s) may leave values out, which fmt ignores: the
// course reminders all get the method, the date given and the date due,
// and use what they need. The error is for a malformed format.
func fmtArgs(s string) (int, error) {
	used := map[int]bool{}
	next := 1 // fmt's argument number, 1-based
	index := func(i int) (int, bool) {
		// An explicit [n] at s[i:], if any.
		if i < len(s) && s[i] == '[' {
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return 0, false
			}
			n, err := strconv.Atoi(s[i+1 : i+j])
			if err != nil || n < 1 {
				return 0, false
			}
			next = n
			return i + j + 1, true
		}
		return i, true
	}
	for i := 0; i < len(s); {
		if s[i] != '%' {
			i++
			continue
		}
		i++
		if i < len(s) && s[i] == '%' {
			i++
			continue
		}
		for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 {
			i++
		}
		var ok bool
		// Width, then precision: a number, or * taking an argument.
		for part := 0; part < 2; part++ {
			if part == 1 {
				if i >= len(s) || s[i] != '.' {
					break
				}
				i++
			}
			if i, ok = index(i); !ok {
				return 0, fmt.Errorf("bad argument index in %q", s)
			}
			if i < len(s) && s[i] == '*' {
				used[next] = true
				next++
				i++
			} else {
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
			}
		}
		if i, ok = index(i); !ok {
			return 0, fmt.Errorf("bad argument index in %q", s)
		}
		if i >= len(s) {
			return 0, fmt.Errorf("%% without a verb at the end of %q", s)
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		used[next] = true
		next++
	}
	highest := 0
	for n := range used {
		highest = max(highest, n)
	}
	return highest, nil
}

// keyUse is one UI key a call of the dialog names.
type keyUse struct {
	pos string // file:line
	key string // the key, or with prefix the start of keys built at run time
	// prefix marks a key built at run time that starts with key.
	prefix bool
	// args is how many values the call gives the text; -1 when not
	// countable.
	args int
}

// keyFunc is a function that hands a key on to Catalog.T: the key is its
// parameter keyAt; the text gets fixed values, or (spread) the call's
// arguments from parameter spreadFrom on plus fixed.
type keyFunc struct {
	keyAt      int
	fixed      int
	spread     bool
	spreadFrom int
}

// values is how many values a call with n arguments gives the text.
func (k keyFunc) values(n int) int {
	if k.spread {
		return k.fixed + n - k.spreadFrom
	}
	return k.fixed
}

// dialogSource is what the scan of conversations/*.go found.
type dialogSource struct {
	uses []keyUse
}

// parseDialog scans the non-test Go files of this package for UI keys.
//
// It starts from Catalog.T (key at 1, values spread from 2) and finds the
// helpers that hand a parameter on as the key (st.t, st.btn, st.other,
// st.notice, btnf, local closures), until no new one appears. A key
// argument is resolved when it is a string literal, a constant, a local
// variable assigned such values (or a map literal indexed), or a "+" whose
// left operands are: then it is a prefix of keys built at run time.
func parseDialog(t *testing.T) *dialogSource {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
	}
	consts := map[string]string{}
	for _, f := range parsed {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := strLit(vs.Values[i]); ok {
							consts[name.Name] = s
						}
					}
				}
			}
		}
	}
	sc := &scan{fset: fset, consts: consts, global: map[string]keyFunc{"T": {keyAt: 1, spread: true, spreadFrom: 2}}}
	// Find the helpers, to a fixed point: st.btn calls st.t, which calls
	// Catalog.T.
	for changed := true; changed; {
		changed = false
		for _, f := range parsed {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				if _, known := sc.global[fd.Name.Name]; known {
					continue
				}
				if k, ok := sc.forwards(fd.Type, fd.Body, sc.global, nil); ok {
					sc.global[fd.Name.Name] = k
					changed = true
				}
			}
		}
	}
	for _, f := range parsed {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				sc.function(fd)
			}
		}
	}
	return &dialogSource{uses: sc.uses}
}

// scan holds the state of parseDialog.
type scan struct {
	fset   *token.FileSet
	consts map[string]string
	global map[string]keyFunc // methods and functions, by name
	uses   []keyUse
}

// function records the key uses of one function, with its closures that
// hand on a key.
func (sc *scan) function(fd *ast.FuncDecl) {
	binds := bindings(fd.Body)
	local := map[string]keyFunc{}
	for changed := true; changed; {
		changed = false
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				return true
			}
			id, ok1 := as.Lhs[0].(*ast.Ident)
			fl, ok2 := as.Rhs[0].(*ast.FuncLit)
			if !ok1 || !ok2 {
				return true
			}
			if _, known := local[id.Name]; known {
				return true
			}
			if k, ok := sc.forwards(fl.Type, fl.Body, sc.global, local); ok {
				local[id.Name] = k
				changed = true
			}
			return true
		})
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		k, ok := sc.keyFuncOf(call, sc.global, local)
		if !ok || k.keyAt >= len(call.Args) {
			return true
		}
		args := k.values(len(call.Args))
		if k.spread && call.Ellipsis.IsValid() {
			args = -1
		}
		pos := sc.fset.Position(call.Args[k.keyAt].Pos())
		at := fmt.Sprintf("conversations/%s:%d", filepath.Base(pos.Filename), pos.Line)
		for _, r := range sc.resolve(call.Args[k.keyAt], binds, 0) {
			sc.uses = append(sc.uses, keyUse{pos: at, key: r.s, prefix: r.prefix, args: args})
		}
		return true
	})
}

// keyFuncOf returns the helper call calls, if it is one.
func (sc *scan) keyFuncOf(call *ast.CallExpr, global, local map[string]keyFunc) (keyFunc, bool) {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if k, ok := local[fn.Name]; ok {
			return k, true
		}
		k, ok := global[fn.Name]
		return k, ok
	case *ast.SelectorExpr:
		k, ok := global[fn.Sel.Name]
		return k, ok
	}
	return keyFunc{}, false
}

// forwards reports whether a function with type ft and body hands one of
// its parameters on as the key of a helper, and how.
func (sc *scan) forwards(ft *ast.FuncType, body *ast.BlockStmt, global, local map[string]keyFunc) (keyFunc, bool) {
	params := map[string]int{}
	variadic := ""
	i := 0
	for _, f := range ft.Params.List {
		for _, n := range f.Names {
			params[n.Name] = i
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				variadic = n.Name
			}
			i++
		}
	}
	var found keyFunc
	ok := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !isCall || ok {
			return !ok
		}
		k, isKey := sc.keyFuncOf(call, global, local)
		if !isKey || k.keyAt >= len(call.Args) {
			return true
		}
		id, isIdent := call.Args[k.keyAt].(*ast.Ident)
		if !isIdent {
			return true
		}
		at, isParam := params[id.Name]
		if !isParam {
			return true
		}
		found, ok = keyFunc{keyAt: at, fixed: k.values(len(call.Args))}, true
		if k.spread && call.Ellipsis.IsValid() && spreads(call.Args[len(call.Args)-1], variadic) {
			// f(key, ..., args...) -> helper(..., key, x, args...): the
			// values are the fixed ones before args, then f's spread.
			found.fixed = len(call.Args) - 1 - k.spreadFrom
			found.spread, found.spreadFrom = true, params[variadic]
		}
		return false
	})
	return found, ok
}

// spreads reports whether e, spread as the last argument of a call, is
// the variadic parameter named v: v itself, or v passed through a
// one-argument function that keeps the count (escapeArgs(v)).
func spreads(e ast.Expr, v string) bool {
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 {
		e = c.Args[0]
	}
	id, ok := e.(*ast.Ident)
	return ok && v != "" && id.Name == v
}

// bindings maps each local variable of body to the expressions assigned
// to it.
func bindings(body *ast.BlockStmt) map[string][]ast.Expr {
	b := map[string][]ast.Expr{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			if len(s.Lhs) == len(s.Rhs) {
				for i, l := range s.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						b[id.Name] = append(b[id.Name], s.Rhs[i])
					}
				}
			}
		case *ast.ValueSpec:
			if len(s.Names) == len(s.Values) {
				for i, id := range s.Names {
					b[id.Name] = append(b[id.Name], s.Values[i])
				}
			}
		}
		return true
	})
	return b
}

// resolved is a key a key argument may take, or the prefix of keys.
type resolved struct {
	s      string
	prefix bool
}

// resolve returns the keys e may be; none when it cannot tell.
func (sc *scan) resolve(e ast.Expr, binds map[string][]ast.Expr, depth int) []resolved {
	if depth > 12 {
		return nil // a variable assigned from itself: key = key + "_x"
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if s, ok := strLit(x); ok {
			return []resolved{{s: s}}
		}
	case *ast.ParenExpr:
		return sc.resolve(x.X, binds, depth+1)
	case *ast.Ident:
		var out []resolved
		for _, v := range binds[x.Name] {
			out = append(out, sc.resolve(v, binds, depth+1)...)
		}
		if len(binds[x.Name]) == 0 {
			if s, ok := sc.consts[x.Name]; ok {
				out = append(out, resolved{s: s})
			}
		}
		return out
	case *ast.IndexExpr:
		// map[K]string{...}[k]: any of the values.
		if cl, ok := x.X.(*ast.CompositeLit); ok {
			var out []resolved
			for _, el := range cl.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					out = append(out, sc.resolve(kv.Value, binds, depth+1)...)
				}
			}
			return out
		}
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return nil
		}
		var out []resolved
		for _, l := range sc.resolve(x.X, binds, depth+1) {
			if l.prefix {
				out = append(out, l)
				continue
			}
			rs := sc.resolve(x.Y, binds, depth+1)
			if len(rs) == 0 {
				out = append(out, resolved{s: l.s, prefix: true})
			}
			for _, r := range rs {
				out = append(out, resolved{s: l.s + r.s, prefix: r.prefix})
			}
		}
		return out
	}
	return nil
}

// strLit returns the value of a string literal.
func strLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// keyUsePattern is the shape of a UI key.
var keyUsePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// TestUIKeyScanFindsTheHelpers: the scan knows the helpers the dialog
// names keys with, and every key it found has the shape of a key (a
// resolved expression that is not a key would be checked as one).
func TestUIKeyScanFindsTheHelpers(t *testing.T) {
	t.Parallel()
	src := parseDialog(t)
	var bad []string
	for _, u := range src.uses {
		if !keyUsePattern.MatchString(u.key) {
			bad = append(bad, fmt.Sprintf("%s: %q", u.pos, u.key))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("not UI keys:\n%s", strings.Join(bad, "\n"))
	}
}
