package booking_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot/booking"
)

// parseICS unfolds and splits a calendar file into its properties, failing
// on anything RFC 5545 forbids that ICS could get wrong.
func parseICS(t *testing.T, data []byte) []([2]string) {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("does not end in CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var lines []string
	for _, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF in %q", l)
		}
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("fold split a UTF-8 sequence: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var props [][2]string
	for _, l := range lines {
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		props = append(props, [2]string{name, val})
	}
	return props
}

func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(s)
}

func TestICSParsesBack(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	c, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	slot, err := c.Slot("kbs-makassar-demo", "pkm-kassi-kassi", "1000")
	if err != nil {
		t.Fatal(err)
	}
	b := booking.Booking{Code: "KB-7QH4XM", EventID: slot.Event.ID, FacilityID: "pkm-kassi-kassi", SessionID: "1000",
		Method: booking.Implan, Name: "Siti; \"Ani\", \\ Rahma", CreatedAt: now, UpdatedAt: now, Status: booking.Active}
	f := *slot.Facility
	f.Address = "Jl. Contoh No; 1, Kel. Banta-Bantaeng, sebuah alamat yang sangat panjang sekali agar baris dilipat dengan benar — ya"
	props := parseICS(t, booking.ICS(b, f, *slot.Event, *slot.Session))
	get := func(name string) string {
		for _, p := range props {
			if p[0] == name {
				return p[1]
			}
		}
		t.Fatalf("no %s", name)
		return ""
	}
	if props[0] != [2]string{"BEGIN", "VCALENDAR"} || props[len(props)-1] != [2]string{"END", "VCALENDAR"} {
		t.Errorf("not a VCALENDAR: %v", props)
	}
	for name, want := range map[string]string{
		"VERSION": "2.0",
		"UID":     "KB-7QH4XM@kbbot",
		// 10:00 WITA on 13 May = 02:00 UTC.
		"DTSTART": "20260513T020000Z",
		"DTEND":   "20260513T040000Z",
		"DTSTAMP": "20260510T030000Z",
		"STATUS":  "CONFIRMED",
		"URL":     "https://www.google.com/maps/search/?api=1&query=-5.1651,119.4432",
		"GEO":     "-5.1651;119.4432",
	} {
		if got := get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := unescape(get("LOCATION")); got != "Puskesmas Kassi-Kassi, "+f.Address {
		t.Errorf("LOCATION = %q", got)
	}
	if got := unescape(get("SUMMARY")); got != "KB: Implan (susuk KB) di Puskesmas Kassi-Kassi" {
		t.Errorf("SUMMARY = %q", got)
	}
	desc := unescape(get("DESCRIPTION"))
	for _, want := range []string{"Kode booking: KB-7QH4XM", "Rabu, 13 Mei 2026, 10.00–12.00 WITA", "KTP, KK, dan kartu JKN/KIS bila ada"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
		}
	}
	// A cancelled booking cancels the same UID.
	b.Status = booking.Cancelled
	b.UpdatedAt = now.Add(time.Hour)
	props = parseICS(t, booking.ICS(b, f, *slot.Event, *slot.Session))
	if get("STATUS") != "CANCELLED" || get("METHOD") != "CANCEL" || get("SEQUENCE") != "3600" {
		t.Errorf("cancelled: %v", props)
	}
}
