package booking

import (
	"crypto/rand"
	"io"
	"strings"
)

// CodeAlphabet has the characters of booking codes: digits and capitals
// without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
const CodeAlphabet = "34679ACDEFGHJKMNPQRTUVWXY"

// codeLen is the number of random characters: 25^6 ≈ 244 million codes.
const codeLen = 6

// CodePrefix starts every booking code.
const CodePrefix = "KB-"

// NewCode returns a random booking code such as "KB-7QH4XM", reading
// randomness from r (crypto/rand when nil). The draw is unbiased.
func NewCode(r io.Reader) string {
	if r == nil {
		r = rand.Reader
	}
	const n = len(CodeAlphabet)
	const limit = 256 - 256%n // reject bytes >= limit to stay unbiased
	out := make([]byte, 0, len(CodePrefix)+codeLen)
	out = append(out, CodePrefix...)
	var buf [16]byte
	for len(out) < cap(out) {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			panic("booking: reading randomness: " + err.Error())
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < cap(out) {
				out = append(out, CodeAlphabet[int(b)%n])
			}
		}
	}
	return string(out)
}

// NormalizeCode turns what a resident typed ("kb 7qh4xm", "7QH-4XM") into a
// code ("KB-7QH4XM"); ok is false when it cannot be one.
func NormalizeCode(s string) (code string, ok bool) {
	s = strings.ToUpper(s)
	s = strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s)
	s = strings.TrimPrefix(s, "KB")
	if len(s) != codeLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(CodeAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	return CodePrefix + s, true
}

// ValidCode reports whether s is a well-formed booking code.
func ValidCode(s string) bool {
	c, ok := NormalizeCode(s)
	return ok && c == s
}
