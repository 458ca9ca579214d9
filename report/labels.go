package report

import "github.com/kbbot/kbbot/booking"

// The inputs of the files package report/render draws: they are plain
// data, so that the dialog can fill them in without importing the drawing
// code.

// ChartLabels are the texts of a chart, in the reader's language.
type ChartLabels struct {
	Title    string // the event's name
	Subtitle string // its date, the area covered, when the figures were taken
	// The legend: the event's target, the bookings, the clients served
	// (given the method), and the quota drawn for a method without an
	// event target.
	Target, Booked, Served, Quota string
	// QuotaShort labels a quota bar ("kuota").
	QuotaShort string
	// Capaian goes before each method's percentage ("capaian").
	Capaian string
	// Notes are lines written under the bars (the MKJP and non-MKJP
	// totals, no-shows, walk-ins).
	Notes []string
	// Empty is written when there is nothing to draw.
	Empty string
	// Method names a method under its bars; nil uses MethodName.
	Method func(booking.Method) string
}

// Poster is a printable QR poster: a title band, a large QR code of Link
// with its quiet zone, the area's or event's name under it, a few lines of
// text, and the link written out for those who cannot scan.
type Poster struct {
	// Title is written in the band at the top, e.g. "KB Serentak".
	Title string
	// Link is what the QR code holds: a t.me deep link.
	Link string
	// Name is the area or event, written large under the code.
	Name string
	// Lines follow the name, e.g. "Scan untuk daftar KB serentak".
	Lines []string
}
