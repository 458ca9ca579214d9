package conversations

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kbbot/kbbot/booking"
)

// TestShortLabel: labels are shortened at a word boundary, never inside a
// word, with "…" where they were cut.
func TestShortLabel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"Puskesmas Bendan", 32, "Puskesmas Bendan"},
		{"Pelayanan KB Serentak HUT Bhayangkara ke-77", 30, "Pelayanan KB Serentak HUT…"},
		{"Pelayanan KB Serentak HUT Bhayangkara ke-77", 24, "Pelayanan KB Serentak…"},
		{"Pelayanan,  KB   Serentak", 14, "Pelayanan, KB…"},
		{"Sari, Wulandari Putri", 12, "Sari…"},                      // the comma before the cut goes
		{"Kusumawardhaningtyas Putri", 10, "Kusumawardhaningtyas…"}, // one long word stays whole
	} {
		got := shortLabel(c.in, c.n)
		if got != c.want {
			t.Errorf("shortLabel(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		// Every word of the label is a whole word of the input.
		words := strings.Fields(c.in)
		for _, w := range strings.Fields(strings.TrimSuffix(got, "…")) {
			found := false
			for _, x := range words {
				found = found || x == w || strings.TrimRight(x, ",") == w
			}
			if !found {
				t.Errorf("shortLabel(%q, %d) = %q cuts the word %q", c.in, c.n, got, w)
			}
		}
		if len(strings.Fields(got)) > 1 && utf8.RuneCountInString(got) > c.n {
			t.Errorf("shortLabel(%q, %d) = %q is longer than %d", c.in, c.n, got, c.n)
		}
	}
}

// TestSearchMatcher: a typed search finds a client by part of the name in
// any case, by the end of the phone number whatever its prefix, and by the
// code, whole or in part.
func TestSearchMatcher(t *testing.T) {
	t.Parallel()
	b := booking.Booking{Code: "KB-7QH4XM", Name: "Siti Nur Aminah", Phone: "+62 812-3456-7890"}
	for q, want := range map[string]bool{
		"siti":           true,
		"AMINAH siti":    true,
		"nur amin":       true,
		"dewi":           false,
		"081234567890":   true,
		"0812 3456 7890": true,
		"4567890":        true,
		"4567891":        false,
		"kb 7qh4xm":      true,
		"7QH4":           true,
		"QHX":            false,
		"123":            false,
	} {
		if got := searchMatcher(q)(b); got != want {
			t.Errorf("search %q matches %v, want %v", q, got, want)
		}
	}
}
