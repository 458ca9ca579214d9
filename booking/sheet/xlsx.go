package sheet

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/booking"
)

// Limits on what opening an XLSX file may unpack: a small upload must not
// unzip into gigabytes.
const (
	unzipLimit    = 64 << 20
	unzipXMLLimit = 16 << 20
)

// ReadXLSX reads an events workbook: sheets fasilitas, acara, lokasi and
// sesi (in any order, names in any case; other sheets, Petunjuk among
// them, are ignored), each with a header row. It returns the catalog, or
// an *Error listing every problem by sheet, row and column; name labels
// the problems.
func ReadXLSX(r io.Reader, name string, checks ...booking.Check) (*booking.Catalog, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipXMLLimit})
	if err != nil {
		return nil, fileError(name, "file ini tidak dapat dibuka sebagai file Excel (.xlsx). Simpan ulang sebagai \"Excel Workbook (.xlsx)\" lalu kirim lagi", err)
	}
	defer f.Close()
	rd := &reader{file: name, checks: checks}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		rd.date1904 = *props.Date1904
	}
	var grids []*grid
	for _, sh := range f.GetSheetList() {
		t := tableFor(sh)
		if t == nil {
			continue
		}
		g, err := readSheet(f, sh, t)
		if err != nil {
			return nil, fileError(name, fmt.Sprintf("sheet %q tidak dapat dibaca. Simpan ulang file sebagai \"Excel Workbook (.xlsx)\"", sh), err)
		}
		grids = append(grids, g)
	}
	return rd.read(grids)
}

// readSheet reads a sheet's cells as their raw values (numbers with a
// decimal point, dates and times as serial numbers), up to maxRows+1 rows.
func readSheet(f *excelize.File, sh string, t *table) (*grid, error) {
	rows, err := f.Rows(sh)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	g := &grid{name: sh, t: t}
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		row := gridRow{n: n, cells: cells}
		if row.empty() {
			continue
		}
		g.rows = append(g.rows, row)
		if n > maxRows {
			break
		}
	}
	return g, rows.Error()
}

// Template returns the XLSX template of kbbot template: the four sheets
// with their validation rules and header comments, the Petunjuk sheet, and
// the embedded Pekalongan demo as the example rows.
func Template() ([]byte, error) {
	c, err := booking.Parse(bytes.NewReader(booking.DemoYAML()), "demo.yaml")
	if err != nil {
		return nil, fmt.Errorf("sheet: template: %w", err)
	}
	var b bytes.Buffer
	if err := WriteXLSX(&b, c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// validRows is how many rows of each sheet the template's validation
// rules cover.
const validRows = 2000

// WriteXLSX writes c as an events workbook: the Petunjuk sheet, then one
// sheet per table with a header row (each header with a comment saying
// what goes in the column), validation rules (lists for jenis and
// zona_waktu and for the ids other sheets name, number ranges, dates and
// times) and c's rows. ReadXLSX reads it back as c.
func WriteXLSX(w io.Writer, c *booking.Catalog) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f}
	x.do(f.SetSheetName("Sheet1", SheetHelp))
	x.styles()
	x.help()
	rows := catalogRows(c)
	for _, t := range tables {
		x.table(t, rows[t])
	}
	if x.err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", x.err)
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	return nil
}

// xlsxWriter writes one workbook, keeping the first error.
type xlsxWriter struct {
	f                                   *excelize.File
	err                                 error
	header, date, clock, stamp, wrap, b int
}

func (x *xlsxWriter) do(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

func (x *xlsxWriter) style(s *excelize.Style) int {
	id, err := x.f.NewStyle(s)
	x.do(err)
	return id
}

func (x *xlsxWriter) styles() {
	numFmt := func(s string) *excelize.Style { return &excelize.Style{CustomNumFmt: &s} }
	x.header = x.style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}}})
	x.date = x.style(numFmt("yyyy-mm-dd"))
	x.clock = x.style(numFmt("hh:mm"))
	x.stamp = x.style(numFmt("yyyy-mm-dd hh:mm"))
	x.wrap = x.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	x.b = x.style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func colLetter(col int) string {
	s, _ := excelize.ColumnNumberToName(col)
	return s
}

// helpLines open the Petunjuk sheet.
var helpLines = []string{
	"Isi empat sheet: fasilitas, acara, lokasi dan sesi. Baris pertama tiap sheet adalah judul kolom: jangan diubah. Satu baris untuk satu data.",
	"Baris yang sudah terisi adalah contoh dari KB serentak Kota Pekalongan, 20 Juli 2023 (alamat dan koordinat perkiraan): hapus atau ganti dengan data Anda.",
	"Kolom id berisi kode yang menghubungkan sheet: sheet lokasi dan sesi menyebut kode acara dan kode fasilitas. Kode memakai huruf kecil a-z, angka 0-9 dan tanda -.",
	"Arahkan kursor ke judul kolom untuk membaca penjelasannya. Kolom tambahan untuk catatan boleh, bila judulnya diawali \"catatan\" atau \"#\".",
	"Admin mengirim file ini ke bot sebagai dokumen (paling besar 2 MB). Bot memeriksa dan menampilkan ringkasannya; data baru disimpan setelah Anda menekan tombol Impor. Atau jalankan: kbbot import acara.xlsx",
	"Bila ada yang salah, bot menyebut sheet, baris dan kolomnya. Mengimpor file yang sama dua kali tidak mengubah apa pun; kuota atau kapasitas di bawah jumlah yang sudah terdaftar ditolak.",
	"CSV juga bisa: satu file berisi bagian [fasilitas], [acara], [lokasi] dan [sesi], masing-masing diikuti baris judul kolomnya; pemisah ; atau , (lihat kbbot template acara.csv).",
}

// help writes the Petunjuk sheet: how to fill the workbook, then every
// column of every sheet.
func (x *xlsxWriter) help() {
	f, sh := x.f, SheetHelp
	x.do(f.SetCellValue(sh, "A1", "Petunjuk pengisian jadwal KB serentak untuk kbbot"))
	x.do(f.SetCellStyle(sh, "A1", "A1", x.b))
	row := 3
	for i, l := range helpLines {
		x.do(f.SetCellValue(sh, cellName(1, row), fmt.Sprintf("%d.", i+1)))
		x.do(f.SetCellValue(sh, cellName(2, row), l))
		x.do(f.MergeCell(sh, cellName(2, row), cellName(5, row)))
		x.do(f.SetCellStyle(sh, cellName(2, row), cellName(5, row), x.wrap))
		x.do(f.SetRowHeight(sh, row, 32))
		row++
	}
	row++
	header := []any{"sheet", "kolom", "wajib", "isi", "contoh"}
	x.do(f.SetSheetRow(sh, cellName(1, row), &header))
	x.do(f.SetCellStyle(sh, cellName(1, row), cellName(5, row), x.header))
	row++
	for _, t := range tables {
		x.do(f.SetSheetRow(sh, cellName(1, row), &[]any{t.name, "", "", t.help}))
		x.do(f.SetCellStyle(sh, cellName(1, row), cellName(4, row), x.header))
		x.do(f.SetCellStyle(sh, cellName(4, row), cellName(4, row), x.wrap))
		row++
		for _, c := range t.cols {
			req := ""
			if c.required {
				req = "ya"
			}
			x.do(f.SetSheetRow(sh, cellName(1, row), &[]any{t.name, c.name, req, c.help, c.example}))
			x.do(f.SetCellStyle(sh, cellName(4, row), cellName(4, row), x.wrap))
			row++
		}
	}
	for col, wd := range map[string]float64{"A": 11, "B": 20, "C": 7, "D": 80, "E": 26} {
		x.do(f.SetColWidth(sh, col, col, wd))
	}
}

// table writes one sheet: header with comments, rows, validation rules.
func (x *xlsxWriter) table(t *table, rows [][]any) {
	f, sh := x.f, t.name
	_, err := f.NewSheet(sh)
	x.do(err)
	for i, c := range t.cols {
		col := i + 1
		x.do(f.SetCellValue(sh, cellName(col, 1), c.name))
		text := c.help
		if c.required {
			text = "Wajib. " + text
		}
		x.do(f.AddComment(sh, excelize.Comment{Cell: cellName(col, 1), Author: "kbbot", Text: text, Width: 280, Height: 110}))
		x.do(f.SetColWidth(sh, colLetter(col), colLetter(col), c.width))
		x.validate(t, c, col)
	}
	x.do(f.SetCellStyle(sh, "A1", cellName(len(t.cols), 1), x.header))
	x.do(f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	for r, row := range rows {
		for i, v := range row {
			x.value(sh, cellName(i+1, r+2), v)
		}
	}
}

// value writes one cell: dates and times as Excel serial numbers with
// their format, numbers as numbers.
func (x *xlsxWriter) value(sh, cell string, v any) {
	f := x.f
	switch v := v.(type) {
	case nil:
	case booking.Date:
		x.do(f.SetCellFloat(sh, cell, toSerial(time.Date(v.Year, v.Month, v.Day, 0, 0, 0, 0, time.UTC)), -1, 64))
		x.do(f.SetCellStyle(sh, cell, cell, x.date))
	case clockValue:
		x.do(f.SetCellFloat(sh, cell, float64(v)/(24*60), -1, 64))
		x.do(f.SetCellStyle(sh, cell, cell, x.clock))
	case wallValue:
		x.do(f.SetCellFloat(sh, cell, toSerial(time.Time(v)), -1, 64))
		x.do(f.SetCellStyle(sh, cell, cell, x.stamp))
	case bool:
		x.do(f.SetCellValue(sh, cell, "ya"))
	default:
		x.do(f.SetCellValue(sh, cell, v))
	}
}

// validate adds the column's validation rule to rows 2..validRows.
func (x *xlsxWriter) validate(t *table, c column, col int) {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s2:%s%d", colLetter(col), colLetter(col), validRows))
	style := excelize.DataValidationErrorStyleStop
	var msg string
	switch c.kind {
	case kList:
		x.do(dv.SetDropList(c.list))
		msg = "Pilih salah satu: " + strings.Join(c.list, ", ")
	case kZone:
		x.do(dv.SetDropList(append(append([]string(nil), c.list...), "WIB", "WITA", "WIT")))
		msg = "Pilih zona waktu dari daftar."
	case kBool:
		x.do(dv.SetDropList([]string{"ya"}))
		msg = "Isi \"ya\" atau kosongkan."
	case kRef:
		dv.SetSqrefDropList(fmt.Sprintf("%s!$A$2:$A$%d", c.ref, validRows))
		style = excelize.DataValidationErrorStyleWarning
		msg = fmt.Sprintf("Kode ini belum ada di kolom id sheet %s.", c.ref)
	case kID:
		x.do(dv.SetRange(1, booking.MaxIDLen, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween))
		style = excelize.DataValidationErrorStyleWarning
		msg = fmt.Sprintf("Kode: huruf kecil a-z, angka 0-9 dan tanda -, paling panjang %d karakter.", booking.MaxIDLen)
	case kInt:
		x.do(dv.SetRange(int(c.min), int(c.max), excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween))
		msg = fmt.Sprintf("Isi bilangan bulat %d–%d.", int(c.min), int(c.max))
	case kFloat:
		x.do(dv.SetRange(c.min, c.max, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween))
		msg = fmt.Sprintf("Isi angka desimal antara %s dan %s.", decimal(c.min), decimal(c.max))
	case kDate:
		from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
		x.do(dv.SetRange(int(toSerial(from)), int(toSerial(to)), excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween))
		style = excelize.DataValidationErrorStyleWarning
		msg = "Isi tanggal, mis. 2023-07-20."
	case kDateTime:
		from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
		x.do(dv.SetRange(toSerial(from), toSerial(to), excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween))
		style = excelize.DataValidationErrorStyleWarning
		msg = "Isi tanggal dan jam, mis. 2023-07-19 20:00."
	case kTime:
		x.do(dv.SetRange(0.0, 0.99999, excelize.DataValidationTypeTime, excelize.DataValidationOperatorBetween))
		style = excelize.DataValidationErrorStyleWarning
		msg = "Isi jam, mis. 08:00."
	default:
		return
	}
	dv.SetError(style, "Isian "+c.name, msg)
	x.do(x.f.AddDataValidation(t.name, dv))
}
