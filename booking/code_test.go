package booking_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/kbbot/kbbot/booking"
)

func TestNewCode(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 20000 {
		c := booking.NewCode(rand.Reader)
		if len(c) != 9 || !strings.HasPrefix(c, "KB-") || !booking.ValidCode(c) {
			t.Fatalf("bad code %q", c)
		}
		if strings.ContainsAny(c[3:], "0O1IL5S2Z8B") {
			t.Fatalf("code %q has a look-alike character", c)
		}
		seen[c] = true
		for _, r := range c[3:] {
			counts[r]++
		}
	}
	if len(seen) < 19990 {
		t.Errorf("only %d distinct codes of 20000", len(seen))
	}
	// Every character is used, roughly uniformly (expected 4800 each).
	if len(counts) != len(booking.CodeAlphabet) {
		t.Errorf("%d characters used, want %d", len(counts), len(booking.CodeAlphabet))
	}
	for r, n := range counts {
		if n < 4200 || n > 5400 {
			t.Errorf("character %c drawn %d times, want about 4800", r, n)
		}
	}
	// Deterministic for a given source: bytes >= 250 are skipped.
	src := bytes.NewReader(append([]byte{255, 250, 0, 1, 2, 3, 4, 25}, make([]byte, 32)...))
	if got := booking.NewCode(src); got != "KB-34679"+"3" {
		t.Errorf("NewCode(fixed) = %q", got)
	}
}

func TestNormalizeCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"kb-7qh4xm": "KB-7QH4XM", " KB 7QH 4XM ": "KB-7QH4XM", "7qh-4xm": "KB-7QH4XM", "KB7QH4XM": "KB-7QH4XM"} {
		if got, ok := booking.NormalizeCode(in); !ok || got != want {
			t.Errorf("NormalizeCode(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "KB-7QH4X", "KB-7QH4XO", "hello"} {
		if _, ok := booking.NormalizeCode(in); ok {
			t.Errorf("NormalizeCode(%q) accepted", in)
		}
	}
}
