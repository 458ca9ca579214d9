package sheet

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxProblems is how many problems an Error keeps; further ones are only
// counted (Error.More).
const MaxProblems = 50

// Problem is one thing wrong with a spreadsheet, in Indonesian, with where
// it is: the sheet (a CSV file's section), the row (as the spreadsheet
// program numbers it; in a CSV file the line) and the column's header.
type Problem struct {
	Sheet  string // "" for the file as a whole
	Row    int    // 0 for the sheet as a whole
	Column string // "" for the row as a whole
	Msg    string
}

// String returns e.g. `Sheet "sesi", baris 7, kolom "kapasitas": harus …`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Sheet != "" {
		fmt.Fprintf(&b, "Sheet %q", p.Sheet)
		if p.Row > 0 {
			b.WriteString(", baris " + strconv.Itoa(p.Row))
		}
		if p.Column != "" {
			fmt.Fprintf(&b, ", kolom %q", p.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is a spreadsheet that is not a valid events file: every problem
// found (up to MaxProblems, in sheet, row and column order) and how many
// more there were.
type Error struct {
	File     string
	Problems []Problem
	More     int
	// Cause is why the file could not be opened at all, if that is the
	// problem (its text is for logs: it may be in English).
	Cause error
}

// Error lists the problems, one per line when there are several.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.File)
	if len(e.Problems) == 1 && e.More == 0 {
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "%d masalah:", e.Count())
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … dan %d masalah lagi", e.More)
	}
	return b.String()
}

// Count is how many problems were found.
func (e *Error) Count() int { return len(e.Problems) + e.More }

// Unwrap returns the cause of a file that could not be opened.
func (e *Error) Unwrap() error { return e.Cause }

// fileError is a file that cannot be read at all.
func fileError(name, msg string, cause error) *Error {
	return &Error{File: name, Problems: []Problem{{Msg: msg}}, Cause: cause}
}
