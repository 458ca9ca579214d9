package wilayah

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
)

// Normalize is the form in which names are compared: lower case, letters
// and digits only, apostrophes dropped ("Ra'as" -> "raas"), any other
// punctuation a space, spaces collapsed.
func Normalize(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '"' || r == '’' || r == '‘' || r == '`':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// Key is a name's normalized form without spaces, so that "panjangwetan"
// and "Panjang Wetan" are one key.
func Key(s string) string { return strings.ReplaceAll(Normalize(s), " ", "") }

// prefixes are the words people put before a place's name, with the level
// they point to (and, for a regency, its kind).
var prefixes = map[string]struct {
	level Level
	kind  string
}{
	"provinsi": {Province, ""}, "propinsi": {Province, ""}, "prov": {Province, ""},
	"kabupaten": {Regency, "kabupaten"}, "kab": {Regency, "kabupaten"}, "kabupatan": {Regency, "kabupaten"},
	"kota": {Regency, "kota"}, "kodya": {Regency, "kota"}, "kotamadya": {Regency, "kota"},
	"kecamatan": {District, ""}, "kec": {District, ""}, "kecamatn": {District, ""}, "distrik": {District, ""},
	"kelurahan": {Village, ""}, "kel": {Village, ""}, "kelurahn": {Village, ""}, "lurah": {Village, ""},
	"desa": {Village, ""}, "ds": {Village, ""}, "dsa": {Village, ""},
}

// Options narrow a search.
type Options struct {
	// Under keeps places within this code ("" for the whole country).
	Under string
	// Levels keeps places of these levels (none: every level).
	Levels []Level
	// Limit is the most candidates returned (0: 5).
	Limit int
}

// Match is a candidate of a search.
type Match struct {
	Place
	// Parents tells places of one name apart: "Pekalongan Utara, Kota
	// Pekalongan" (List.Parents).
	Parents string
	// Score ranks candidates: 100 and more for the exact name, 85-94 for a
	// name it begins, 40-84 for a name a few typos away, 40-60 for the
	// words of the name (and of its parents) in any order.
	Score int
}

// Scores of the search's tiers.
const (
	scoreExact  = 100
	scorePrefix = 85
	scoreEdit   = 80
	scoreWords  = 40
	// keepWithin keeps the candidates scoring at most this much below the
	// best.
	keepWithin = 10
)

// query is what a typed text asks for.
type query struct {
	keys   []variant // the name's key, as typed and without its prefix word
	words  []string  // every word typed, but prefix words
	within []string  // keys of the parts after a comma: parents' names
}

// variant is one reading of the typed name: its key and what its prefix
// word said of the level and kind.
type variant struct {
	key   string
	level Level
	kind  string
}

func parseQuery(s string) query {
	var q query
	parts := strings.Split(s, ",")
	tokens := strings.Fields(Normalize(parts[0]))
	for _, p := range parts[1:] {
		if k := Key(stripPrefixes(strings.Fields(Normalize(p)))); k != "" {
			q.within = append(q.within, k)
		}
	}
	if stripPrefixes(tokens) == "" || len(tokens) == 1 && isPrefix(tokens[0]) {
		return q // nothing but a word such as "kel."
	}
	q.keys = append(q.keys, variant{key: strings.Join(tokens, "")})
	var hint variant
	rest := tokens
	for len(rest) > 1 {
		p, ok := prefixes[rest[0]]
		if !ok {
			break
		}
		hint.level, hint.kind = p.level, p.kind
		rest = rest[1:]
	}
	if len(rest) < len(tokens) {
		hint.key = strings.Join(rest, "")
		q.keys = append(q.keys, hint)
	}
	q.words = rest
	for _, p := range parts[1:] {
		q.words = append(q.words, strings.Fields(Normalize(p))...)
	}
	q.words = slices.DeleteFunc(q.words, func(w string) bool { _, ok := prefixes[w]; return ok })
	return q
}

func isPrefix(w string) bool { _, ok := prefixes[w]; return ok }

func stripPrefixes(tokens []string) string {
	for len(tokens) > 1 {
		if _, ok := prefixes[tokens[0]]; !ok {
			break
		}
		tokens = tokens[1:]
	}
	return strings.Join(tokens, " ")
}

// Search finds the places whose name is closest to what was typed: the
// exact name first (case, spaces, punctuation and a prefix such as
// "kel.", "desa", "kec.", "kab." or "kota" do not matter), then names it
// begins, then names a few typos away (Damerau-Levenshtein, scaled to the
// length), then names holding its words (words of the parents count:
// "sukamaju cibungbulang"). Text after a comma names parents: "sukamaju,
// bogor" puts the Sukamaju of Bogor first. It returns at most
// Options.Limit candidates, best first, those scoring well below the best
// left out; none when nothing is close.
func (l *List) Search(text string, opt Options) []Match {
	q := parseQuery(text)
	if len(q.keys) == 0 || len(q.keys[0].key) < 2 {
		return nil
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = 5
	}
	scores := map[int32]int{}
	keep := func(i int32, s int) {
		if !l.allowed(i, opt) {
			return
		}
		if s > scores[i] {
			scores[i] = s
		}
	}
	for _, v := range q.keys {
		if len(v.key) < 2 {
			continue
		}
		l.prefixed(v, keep)
		l.scan(v, keep)
	}
	l.byWords(q.words, keep)
	if len(scores) == 0 {
		return nil
	}
	if len(q.within) > 0 {
		for i := range scores {
			if l.hasParent(i, q.within) {
				scores[i] += 15
			}
		}
	}
	out := make([]Match, 0, len(scores))
	for i, s := range scores {
		out = append(out, Match{Place: l.places[i].Place, Score: s})
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		if a.Level != b.Level {
			return int(b.Level - a.Level) // a village before a district of one name
		}
		return strings.Compare(a.Code, b.Code)
	})
	best := out[0].Score
	n := 0
	for n < len(out) && n < limit && out[n].Score >= best-keepWithin {
		n++
	}
	out = out[:n]
	for j := range out {
		out[j].Parents = l.Parents(out[j].Code)
	}
	return out
}

// allowed reports whether place i is within the options' scope.
func (l *List) allowed(i int32, opt Options) bool {
	p := &l.places[i]
	if len(opt.Levels) > 0 && !slices.Contains(opt.Levels, p.Level) {
		return false
	}
	return Within(p.Code, opt.Under)
}

// hintBonus rewards a place of the level (and regency kind) the prefix
// word named, and costs one of another.
func (l *List) hintBonus(i int32, v variant) int {
	if v.level == 0 {
		return 0
	}
	p := &l.places[i]
	b := -3
	if p.Level == v.level {
		b = 3
		if v.kind != "" && p.kind != "" && p.kind != v.kind {
			b = -2
		}
	}
	return b
}

// prefixed scores the names equal to v's key, and those it begins (of
// three letters or more), from the sorted keys.
func (l *List) prefixed(v variant, keep func(int32, int)) {
	q := v.key
	j, _ := slices.BinarySearchFunc(l.keys, q, func(k keyed, q string) int { return strings.Compare(k.key, q) })
	for ; j < len(l.keys) && strings.HasPrefix(l.keys[j].key, q); j++ {
		k := l.keys[j]
		switch {
		case k.key == q:
			keep(k.i, scoreExact+l.hintBonus(k.i, v))
		case len(q) >= 3:
			keep(k.i, scorePrefix+9*len(q)/len(k.key)+l.hintBonus(k.i, v))
		default:
			return
		}
	}
}

// scan scores the names a few typos away from v's key.
func (l *List) scan(v variant, keep func(int32, int)) {
	q := v.key
	maxD := maxEdits(len(q))
	if maxD == 0 {
		return
	}
	qm := letters(q)
	var row [3][]int
	for i := range l.places {
		p := &l.places[i]
		for n, k := range [2]string{p.key, p.short} {
			if k == "" || abs(len(k)-len(q)) > maxD || k == q {
				continue
			}
			// Each letter one has and the other lacks costs an edit.
			km := p.mask
			if n == 1 {
				km = letters(k)
			}
			if bits.OnesCount32(qm&^km) > maxD || bits.OnesCount32(km&^qm) > maxD {
				continue
			}
			if d := editDistance(q, k, maxD, &row); d <= maxD {
				keep(int32(i), scoreEdit-100*d/max(len(q), len(k))+l.hintBonus(int32(i), v))
			}
		}
	}
}

// letters is the set of letters (and, as one, digits and others) in key.
func letters(key string) uint32 {
	var m uint32
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' {
			m |= 1 << (c - 'a')
		} else {
			m |= 1 << 26
		}
	}
	return m
}

// maxEdits is how many typos a key of n letters may have.
func maxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 7:
		return 1
	case n < 12:
		return 2
	}
	return 3
}

// byWords scores the places one of whose own words was typed, when every
// typed word is a word of the place or of its parents (a word of five
// letters or more may have one typo).
func (l *List) byWords(words []string, keep func(int32, int)) {
	if len(words) == 0 || len(words) > 8 {
		return
	}
	var row [3][]int
	// like[w] are the list's words close to typed word w.
	like := make([]map[string]bool, len(words))
	for j, w := range words {
		like[j] = map[string]bool{w: true}
		if len(w) < 5 {
			continue
		}
		for _, v := range l.vocab {
			if abs(len(v)-len(w)) <= 1 && v[0] == w[0] && editDistance(w, v, 1, &row) <= 1 {
				like[j][v] = true
			}
		}
	}
	seen := map[int32]bool{}
	for j := range words {
		for v := range like[j] {
			for _, i := range l.tokens[v] {
				if seen[i] {
					continue
				}
				seen[i] = true
				if s, ok := l.wordScore(i, like); ok {
					keep(i, s)
				}
			}
		}
	}
}

// wordScore checks that every typed word (like) is a word of place i or of
// its parents, and scores by the share of the place's own words typed.
func (l *List) wordScore(i int32, like []map[string]bool) (int, bool) {
	p := &l.places[i]
	own := 0
	words := strings.Fields(p.norm)
	for _, t := range words {
		for _, m := range like {
			if m[t] {
				own++
				break
			}
		}
	}
	if own == 0 {
		return 0, false
	}
	for _, m := range like {
		found := false
		for j := i; j >= 0 && !found; j = l.places[j].parent {
			for _, t := range strings.Fields(l.places[j].norm) {
				if m[t] {
					found = true
					break
				}
			}
		}
		if !found {
			return 0, false
		}
	}
	return scoreWords + 20*own/len(words), true
}

// hasParent reports whether one of place i's parents has one of the keys
// (exactly, or beginning with it).
func (l *List) hasParent(i int32, keys []string) bool {
	for j := l.places[i].parent; j >= 0; j = l.places[j].parent {
		p := &l.places[j]
		for _, k := range keys {
			if strings.HasPrefix(p.key, k) || p.short != "" && strings.HasPrefix(p.short, k) {
				return true
			}
		}
	}
	return false
}

// editDistance is the optimal string alignment (restricted
// Damerau-Levenshtein) distance of a and b, in bytes, or max+1 as soon as
// it must exceed max. rows is scratch space reused between calls.
func editDistance(a, b string, limit int, rows *[3][]int) int {
	n := len(b)
	for k := range rows {
		if cap(rows[k]) < n+1 {
			rows[k] = make([]int, n+1)
		}
		rows[k] = rows[k][:n+1]
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := 0; j <= n; j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		lo := cur[0]
		for j := 1; j <= n; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			lo = min(lo, v)
		}
		if lo > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
