package sheet

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// The values of cells as people and spreadsheet programs write them. Each
// parser takes the cell's text (an XLSX cell's raw value: numbers with a
// decimal point, dates and times as serial numbers) and returns the value
// in the events file's terms, or the Indonesian reason it is not one.

var (
	plainInt     = regexp.MustCompile(`^[+]?\d+$`)
	groupedInt   = regexp.MustCompile(`^\d{1,3}([.,]\d{3})+$`)
	plainDecimal = regexp.MustCompile(`^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$`)
	serialRE     = regexp.MustCompile(`^\d+(\.\d+)?$`)
	clockRE      = regexp.MustCompile(`^(\d{1,2})[:.](\d{2})([:.](\d{2}))?$`)
)

// parseInt reads a whole number: "25", "25.0" (a float an export made of
// it), "1.000" (Indonesian thousands: a point or comma before each group
// of three digits is never a decimal one here), "24.999999999999996"
// (float noise).
func parseInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	switch {
	case plainInt.MatchString(s):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
		return n, err == nil
	case groupedInt.MatchString(s):
		n, err := strconv.Atoi(strings.NewReplacer(".", "", ",", "").Replace(s))
		return n, err == nil
	}
	f, ok := parseFloat(s)
	if !ok || math.Abs(f-math.Round(f)) > 1e-6 || math.Abs(f) > 1e9 {
		return 0, false
	}
	return int(math.Round(f)), true
}

// parseFloat reads a decimal number with a decimal point or comma.
func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !plainDecimal.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// excelEpoch is day 0 of Excel's 1900 date system (as Excel counts after
// February 1900); the 1904 system starts 1462 days later.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// fromSerial turns an Excel serial date-time into a wall-clock time,
// rounded to the minute.
func fromSerial(v float64, date1904 bool) time.Time {
	if date1904 {
		v += 1462
	}
	min := math.Round(v * 24 * 60)
	return excelEpoch.Add(time.Duration(min) * time.Minute)
}

// toSerial is the Excel serial (1900 system) of a wall-clock time.
func toSerial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
	return wall.Sub(excelEpoch).Hours() / 24
}

// months are the Indonesian and English month names and abbreviations.
var months = map[string]time.Month{
	"januari": 1, "jan": 1, "january": 1,
	"februari": 2, "feb": 2, "pebruari": 2, "february": 2,
	"maret": 3, "mar": 3, "march": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "jun": 6, "june": 6,
	"juli": 7, "jul": 7, "july": 7,
	"agustus": 8, "agu": 8, "agt": 8, "aug": 8, "august": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "okt": 10, "oct": 10, "october": 10,
	"november": 11, "nov": 11, "nopember": 11,
	"desember": 12, "des": 12, "dec": 12, "december": 12,
}

var (
	isoDate  = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	dmyDate  = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$`)
	wordDate = regexp.MustCompile(`^(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{4})$`)
)

// parseDate reads a date: an Excel serial, 2023-07-20, 20/07/2023 (day
// first, as Indonesians write it), 20-07-2023 or 20 Juli 2023.
func parseDate(s string, date1904 bool) (booking.Date, bool) {
	s = strings.TrimSpace(s)
	if serialRE.MatchString(s) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 1 || v > 2958465 {
			return booking.Date{}, false
		}
		return booking.DateOf(fromSerial(v, date1904), time.UTC), true
	}
	var y, m, d int
	switch {
	case isoDate.MatchString(s):
		p := isoDate.FindStringSubmatch(s)
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	case dmyDate.MatchString(s):
		p := dmyDate.FindStringSubmatch(s)
		d, m, y = atoi(p[1]), atoi(p[2]), atoi(p[3])
	case wordDate.MatchString(s):
		p := wordDate.FindStringSubmatch(s)
		mon, ok := months[strings.ToLower(p[2])]
		if !ok {
			return booking.Date{}, false
		}
		d, m, y = atoi(p[1]), int(mon), atoi(p[3])
	default:
		return booking.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return booking.Date{}, false // 31/02, month 13
	}
	return booking.Date{Year: y, Month: time.Month(m), Day: d}, true
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseClock reads a time of day as minutes since midnight: "08:00",
// "8:00", "08.00" (Indonesian) or "08:00:00", or a fraction of a day (how
// Excel stores a time: 0.333… is 08:00; a date-time serial keeps its
// time). A whole number other than 0 is not a time.
func parseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if m, ok := clockText(s); ok && !strings.HasPrefix(s, "0.") {
		return m, true
	}
	if s != "0" && !(serialRE.MatchString(s) && strings.Contains(s, ".")) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	min := int(math.Round((v - math.Floor(v)) * 24 * 60))
	if min >= 24*60 {
		return 0, false
	}
	return min, true
}

// clockText reads "HH:MM", "H.MM" or "HH:MM:SS" (seconds must be 0).
func clockText(s string) (int, bool) {
	p := clockRE.FindStringSubmatch(s)
	if p == nil {
		return 0, false
	}
	h, m := atoi(p[1]), atoi(p[2])
	if h > 23 || m > 59 || p[4] != "" && atoi(p[4]) != 0 {
		return 0, false
	}
	return h*60 + m, true
}

// parseDateTime reads a local date and time: an Excel serial, or a date
// and a time as parseDate and parseClock read them, apart by a space or a
// "T". It returns "2006-01-02T15:04"; an RFC 3339 time with a zone is kept
// as it is.
func parseDateTime(s string, date1904 bool) (string, bool) {
	s = strings.TrimSpace(s)
	if serialRE.MatchString(s) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 1 || v > 2958465 {
			return "", false
		}
		return fromSerial(v, date1904).Format("2006-01-02T15:04"), true
	}
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return s, true
	}
	i := strings.LastIndexAny(s, " T")
	if i < 0 {
		return "", false
	}
	d, okD := parseDate(strings.TrimSpace(s[:i]), date1904)
	c, okC := clockText(strings.TrimSpace(s[i+1:]))
	if !okD || !okC {
		return "", false
	}
	return fmt.Sprintf("%sT%02d:%02d", d, c/60, c%60), true
}

// parseBool reads a yes/no cell: "ya", "y", "yes", "true", "1", "x" or
// "benar" are yes; empty, "tidak", "no", "false", "0" or "salah" no.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ya", "y", "yes", "true", "1", "x", "benar", "v", "✓":
		return true, true
	case "", "tidak", "t", "no", "n", "false", "0", "salah", "-":
		return false, true
	}
	return false, false
}

// decimal writes a number the Indonesian way, with a decimal comma.
func decimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}
