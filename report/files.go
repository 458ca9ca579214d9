package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
)

// Columns are the header of the rekap's CSV and of its XLSX sheet, in
// order (see the package comment).
var Columns = []string{
	"ID acara", "Acara", "Tanggal", "ID faskes", "Faskes", "Kelurahan", "Kecamatan", "Kabupaten/kota",
	"Kode metode", "Metode", "MKJP", "Target", "Jenis target", "Terdaftar", "Daftar tunggu", "Datang langsung",
	"Hadir", "Dilayani", "% capaian", "KB baru", "KB pasca persalinan", "KB pasca keguguran", "KB ulang",
	"Ganti cara", "Pencabutan IUD/implan", "Komplikasi berat", "Kegagalan", "Informed consent",
	"JKN PBI", "JKN non-PBI", "Tanpa JKN", "Tidak datang", "Tidak dilayani: hamil",
	"Tidak dilayani: perlu pemeriksaan lanjut", "Tidak dilayani: berubah pikiran",
}

// record returns a row's cells in the order of Columns.
func (r Rekap) record(x Row) []any {
	code, name, mkjp := string(x.Method), MethodName(x.Method), "tidak"
	if x.Method.LongActing() {
		mkjp = "ya"
	}
	if x.Group != "" {
		code, name, mkjp = "", GroupName(x.Group), ""
		if x.Group == GroupMKJP {
			mkjp = "ya"
		} else if x.Group == GroupNonMKJP {
			mkjp = "tidak"
		}
	}
	var capaian any = ""
	if p, ok := x.Capaian(); ok {
		capaian = p
	}
	return []any{
		r.EventID, r.EventName, r.Date.String(), x.FacilityID, x.Facility, x.Kelurahan, x.Kecamatan, x.Kabupaten,
		code, name, mkjp, x.Target, x.TargetKind, x.Booked, x.Waitlist, x.WalkIns,
		x.Attended, x.Served, capaian, x.New, x.PostPartum, x.PostAbortion, x.Continuing,
		x.Switching, x.Removals, x.Complications, x.Failures, x.Consent,
		x.JKNPBI, x.JKNNonPBI, x.JKNNone, x.NoShow, x.Pregnant,
		x.Exam, x.Changed,
	}
}

// Table returns every line of the rekap's table, the cells of each in the
// order of Columns (numbers as int): the facility rows, the totals per
// method, then the group totals.
func (r Rekap) Table() [][]any {
	out := make([][]any, 0, len(r.Rows)+len(r.Totals)+len(r.Groups))
	for _, x := range r.Rows {
		out = append(out, r.record(x))
	}
	for _, x := range r.Totals {
		out = append(out, r.record(x))
	}
	for _, x := range r.Groups {
		out = append(out, r.record(x))
	}
	return out
}

// BOM is the UTF-8 byte order mark the CSV files open with: without it,
// Excel reads a CSV as the locale's code page and garbles non-ASCII names.
const BOM = "\uFEFF"

// Separator is the CSV files' field separator. Excel in an Indonesian
// locale (whose decimal separator is the comma) splits CSV fields at the
// semicolon, not the comma, so a comma-separated file opens as a single
// column there.
const Separator = ';'

// CSV returns the rekap as a CSV file Excel in an Indonesian locale opens
// into columns: a UTF-8 BOM, fields separated by ';' (Separator), CRLF line
// ends; the header Columns, then one line per row of Table.
func CSV(r Rekap) ([]byte, error) { return excelCSV(Columns, r.Table()) }

// excelCSV writes header and rows as CSV for Excel (BOM, Separator, CRLF):
// ints in decimal, strings as they are.
func excelCSV(header []string, rows [][]any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(BOM)
	w := csv.NewWriter(&buf)
	w.Comma = Separator
	w.UseCRLF = true
	if err := w.Write(header); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	for _, l := range rows {
		rec := make([]string, len(l))
		for i, v := range l {
			switch v := v.(type) {
			case int:
				rec[i] = strconv.Itoa(v)
			case string:
				rec[i] = v
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("report: csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	return buf.Bytes(), nil
}
