package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot/booking"
)

// The CSV shape: one file holds the four tables one after another, each
// as a section that opens with a row holding only its name in brackets,
// followed by its header row and its rows:
//
//	[fasilitas]
//	id;nama;jenis;alamat;…
//	pkm-bendan;Puskesmas Bendan;puskesmas;…
//
//	[acara]
//	id;nama;tanggal;…
//
// so that a whole events file is one file, as an XLSX workbook is, and a
// person can make it in any spreadsheet by putting the four tables below
// one another in one sheet and saving it as CSV. The separator is ";" (as
// Excel writes CSV in an Indonesian locale, with decimal commas), "," or a
// tab, told from the first lines; a "sep=;" first line names it. A UTF-8
// byte-order mark is skipped; a file that is not UTF-8 is read as Windows-1252
// (older Excel's "CSV"). Problems name the section as the sheet and the
// file's line as the row.

// ReadCSV reads an events file in the CSV shape above. It returns the
// catalog, or an *Error listing every problem by section, line and column;
// name labels the problems.
func ReadCSV(r io.Reader, name string, checks ...booking.Check) (*booking.Catalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) {
		return nil, fileError(name, "file CSV ini berformat UTF-16. Simpan ulang sebagai \"CSV UTF-8\" lalu kirim lagi", nil)
	}
	if !utf8.Valid(data) {
		data = fromWindows1252(data)
	}
	sep, skip := separator(data)
	rd := &reader{file: name, checks: checks}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = sep, -1, true, false
	var grids []*grid
	var cur *grid
	outside := false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fileError(name, "file CSV ini tidak dapat dibaca: "+csvReason(err), err)
		}
		line, _ := cr.FieldPos(0)
		if line <= skip {
			continue
		}
		row := gridRow{n: line, cells: rec}
		if row.empty() {
			continue
		}
		if sec, ok := section(rec); ok {
			t := tableFor(sec)
			if t == nil {
				rd.add(nil, 0, "", "baris %d: bagian [%s] tidak dikenal. Bagian file CSV: %s", line, sec, sectionNames())
			}
			cur = &grid{name: sec, t: t}
			grids = append(grids, cur)
			continue
		}
		if cur == nil {
			if !outside {
				rd.add(nil, 0, "", "baris %d: file CSV harus dimulai dengan baris [%s], lalu baris judul kolomnya (lihat kbbot template acara.csv)", line, SheetFacilities)
				outside = true
			}
			continue
		}
		cur.rows = append(cur.rows, row)
	}
	return rd.read(grids)
}

// section reports whether a record opens a section: "[name]" alone.
func section(rec []string) (string, bool) {
	first := strings.TrimSpace(rec[0])
	if len(first) < 3 || first[0] != '[' || first[len(first)-1] != ']' {
		return "", false
	}
	for _, c := range rec[1:] {
		if strings.TrimSpace(c) != "" {
			return "", false
		}
	}
	return strings.TrimSpace(first[1 : len(first)-1]), true
}

func sectionNames() string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = "[" + t.name + "]"
	}
	return strings.Join(names, ", ")
}

// separator tells the file's separator: a "sep=X" first line (skip is 1
// then), else the one of ';', ',' and tab most used, outside quotes, in
// the first lines.
func separator(data []byte) (sep rune, skip int) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if s, ok := strings.CutPrefix(strings.TrimSpace(string(first)), "sep="); ok && utf8.RuneCountInString(s) == 1 {
		return []rune(s)[0], 1
	}
	counts := map[rune]int{}
	quoted, lines := false, 0
	for _, c := range string(data) {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			lines++
		case c == ';' || c == ',' || c == '\t':
			counts[c]++
		}
		if lines >= 10 {
			break
		}
	}
	sep = ';'
	for _, c := range []rune{',', '\t'} {
		if counts[c] > counts[sep] {
			sep = c
		}
	}
	return sep, 0
}

// csvReason words a CSV syntax error.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("baris %d: tanda kutip (\") tidak tertutup", pe.StartLine)
	}
	return "formatnya rusak"
}

// fromWindows1252 turns Windows-1252 text into UTF-8.
func fromWindows1252(b []byte) []byte {
	// The printable characters of 0x80..0x9f; the rest is Latin-1.
	high := []rune("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ")
	var out bytes.Buffer
	for _, c := range b {
		switch {
		case c < 0x80:
			out.WriteByte(c)
		case c < 0xa0:
			out.WriteRune(high[c-0x80])
		default:
			out.WriteRune(rune(c))
		}
	}
	return out.Bytes()
}

// TemplateCSV returns the CSV template of kbbot template: the embedded
// Pekalongan demo in the CSV shape, with ";" and decimal commas.
func TemplateCSV() ([]byte, error) {
	c, err := booking.Parse(bytes.NewReader(booking.DemoYAML()), "demo.yaml")
	if err != nil {
		return nil, fmt.Errorf("sheet: template: %w", err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, c, ';'); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteCSV writes c in the CSV shape, with sep as the separator (';'
// writes decimal commas, as an Indonesian Excel does) and a UTF-8
// byte-order mark, so that Excel reads the text right. ReadCSV reads it
// back as c.
func WriteCSV(w io.Writer, c *booking.Catalog, sep rune) error {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	cw := csv.NewWriter(&b)
	cw.Comma = sep
	rows := catalogRows(c)
	for i, t := range tables {
		if i > 0 {
			_ = cw.Write([]string{""})
		}
		_ = cw.Write([]string{"[" + t.name + "]"})
		header := make([]string, len(t.cols))
		for k, col := range t.cols {
			header[k] = col.name
		}
		_ = cw.Write(header)
		for _, row := range rows[t] {
			rec := make([]string, len(row))
			for k, v := range row {
				rec[k] = csvValue(v, sep)
			}
			_ = cw.Write(rec)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	return nil
}

// csvValue writes one value as text.
func csvValue(v any, sep rune) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		if sep == ';' {
			return decimal(v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case booking.Date:
		return v.String()
	case clockValue:
		return fmt.Sprintf("%02d:%02d", int(v)/60, int(v)%60)
	case wallValue:
		return time.Time(v).Format("2006-01-02 15:04")
	case bool:
		return "ya"
	}
	return fmt.Sprint(v)
}
