package booking

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// icsMethodNames names the methods in calendar entries (Indonesian).
var icsMethodNames = map[Method]string{
	Pil: "Pil KB", MiniPil: "Minipil", Suntik1: "Suntik KB 1 bulan", Suntik3: "Suntik KB 3 bulan",
	Implan: "Implan (susuk KB)", IUD: "IUD (AKDR, spiral)", Kondom: "Kondom",
	MOW: "MOW (tubektomi)", MOP: "MOP (vasektomi)", MAL: "MAL",
}

var idDays = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

var idMonths = [...]string{"", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// WhatToBring is what a resident brings to the service, in Indonesian.
const WhatToBring = "KTP, KK, dan kartu JKN/KIS bila ada"

// LocalDate formats t's day in loc in Indonesian: "Kamis, 20 Juli 2023".
func LocalDate(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	return fmt.Sprintf("%s, %d %s %d", idDays[l.Weekday()], l.Day(), idMonths[l.Month()], l.Year())
}

// ICS returns an RFC 5545 calendar file with one event for the booking:
// UTC start and end, the facility as location (with GEO and a map link),
// and in the description the code, the local date and time with WIB/WITA/
// WIT, and what to bring. Lines end in CRLF and are folded at 75 octets.
// A cancelled booking yields a cancellation of the same UID.
func ICS(b Booking, f Facility, e Event, s Session) []byte {
	const stamp = "20060102T150405Z"
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	method := icsMethodNames[b.Method]
	if method == "" {
		method = string(b.Method)
	}
	updated := b.UpdatedAt
	if updated.IsZero() {
		updated = b.CreatedAt
	}
	seq := 0
	if d := updated.Sub(b.CreatedAt); d > 0 {
		seq = int(d / time.Second)
	}
	desc := strings.Join([]string{
		"Kode booking: " + b.Code,
		e.Name,
		"Layanan: " + method,
		"Waktu: " + LocalDate(s.Start, loc) + ", " + strings.TrimSuffix(Clock(s.Start, loc), " "+ZoneLabel(loc)) + "–" + Clock(s.End, loc),
		"Tempat: " + f.Name + ", " + f.Address,
		"Peta: " + MapLink(&f),
		"Bawa: " + WhatToBring + ".",
		"Tunjukkan kode booking kepada petugas.",
	}, "\n")

	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//kbbot//KB Serentak//ID")
	w.line("CALSCALE:GREGORIAN")
	status := "CONFIRMED"
	if b.Status == Cancelled {
		w.line("METHOD:CANCEL")
		status = "CANCELLED"
	} else {
		w.line("METHOD:PUBLISH")
	}
	w.line("BEGIN:VEVENT")
	w.line("UID:" + icsText(b.Code+"@kbbot"))
	w.line("DTSTAMP:" + updated.UTC().Format(stamp))
	w.line("SEQUENCE:" + strconv.Itoa(seq))
	w.line("DTSTART:" + s.Start.UTC().Format(stamp))
	w.line("DTEND:" + s.End.UTC().Format(stamp))
	w.line("SUMMARY:" + icsText("KB: "+method+" di "+f.Name))
	w.line("LOCATION:" + icsText(f.Name+", "+f.Address))
	w.line(fmt.Sprintf("GEO:%s;%s", strconv.FormatFloat(f.Lat, 'f', -1, 64), strconv.FormatFloat(f.Lon, 'f', -1, 64)))
	w.line("URL:" + MapLink(&f))
	w.line("DESCRIPTION:" + icsText(desc))
	w.line("STATUS:" + status)
	w.line("TRANSP:OPAQUE")
	if b.Status != Cancelled {
		w.line("BEGIN:VALARM")
		w.line("ACTION:DISPLAY")
		w.line("TRIGGER:-PT12H")
		w.line("DESCRIPTION:" + icsText("Besok: "+method+" di "+f.Name+". Bawa "+WhatToBring+"."))
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return []byte(w.String())
}

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// icsWriter writes content lines folded at 75 octets without splitting a
// UTF-8 sequence (RFC 5545 §3.1).
type icsWriter struct {
	strings.Builder
}

func (w *icsWriter) line(s string) {
	const limit = 75
	n := 0 // octets on the current physical line
	for _, r := range s {
		size := utf8.RuneLen(r)
		if n+size > limit {
			w.WriteString("\r\n ")
			n = 1
		}
		w.WriteRune(r)
		n += size
	}
	w.WriteString("\r\n")
}
