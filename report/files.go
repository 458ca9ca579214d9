package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// record returns a row's cells in the order of Columns.
func (r Rekap) record(x Row) []any {
	return []any{
		r.EventID, r.EventName, r.Date.String(), x.FacilityID, x.Facility, x.Kelurahan, x.Kecamatan, x.Kabupaten,
		string(x.Method), MethodName(x.Method), x.Target, x.TargetKind, x.Booked, x.Waitlist, x.Attended,
		x.New, x.Continuing, x.Switching, x.NoShow,
	}
}

// lines returns every line of the table: the facility rows, then the totals.
func (r Rekap) lines() [][]any {
	out := make([][]any, 0, len(r.Rows)+len(r.Totals))
	for _, x := range r.Rows {
		out = append(out, r.record(x))
	}
	for _, x := range r.Totals {
		out = append(out, r.record(x))
	}
	return out
}

// CSV returns the rekap as a CSV file (UTF-8, comma-separated, CRLF line
// ends as RFC 4180 has them): the header Columns, then one line per row.
func CSV(r Rekap) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(Columns); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	for _, l := range r.lines() {
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

// SheetRekap and SheetNotes are the sheets of the XLSX file.
const (
	SheetRekap = "Rekap"
	SheetNotes = "Keterangan"
)

// notes explain the columns on the second sheet, Indonesian first.
var notes = [][2]string{
	{"target", "Target per acara dan metode ada di baris JUMLAH (jenis_target target_acara) bila rekap mencakup semua lokasi acara; di baris faskes, \"target\" adalah kuota faskes (kuota_faskes); jumlah_kuota = jumlah kuota faskes yang tercakup. / Event targets per method are in the JUMLAH rows (target_acara) when the rekap covers every site; a facility's \"target\" is its quota; jumlah_kuota is the sum of the quotas covered."},
	{"terdaftar", "Pendaftaran aktif dan yang sudah hadir, menurut metode yang didaftarkan. / Active bookings and those checked in, by the method booked."},
	{"daftar_tunggu", "Warga dalam daftar tunggu atau yang sedang ditawari tempat. / Residents on the waitlist or holding an offered place."},
	{"hadir", "Klien yang sudah dicatat hadir, menurut metode yang diberikan. / Clients checked in, by the method given."},
	{"kb_baru, kb_lanjutan, ganti_cara", "Yang hadir menurut kategori register: peserta KB baru, ulang/lanjutan, ganti cara. / Attended, by register category: new acceptor, continuing, switching method."},
	{"tidak_hadir", "Pendaftaran aktif yang sesinya sudah selesai tanpa dicatat hadir. / Active bookings whose session ended without a check-in."},
}

// XLSX returns the rekap as an Excel workbook: sheet Rekap holds the
// header Columns and one line per row (numbers as numbers), sheet
// Keterangan explains the columns and says when the figures were taken.
func XLSX(r Rekap) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	fail := func(err error) ([]byte, error) { return nil, fmt.Errorf("report: xlsx: %w", err) }
	if err := f.SetSheetName("Sheet1", SheetRekap); err != nil {
		return fail(err)
	}
	header := make([]any, len(Columns))
	for i, c := range Columns {
		header[i] = c
	}
	if err := f.SetSheetRow(SheetRekap, "A1", &header); err != nil {
		return fail(err)
	}
	for i, l := range r.lines() {
		if err := f.SetSheetRow(SheetRekap, "A"+strconv.Itoa(i+2), &l); err != nil {
			return fail(err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}}})
	if err != nil {
		return fail(err)
	}
	last, err := excelize.CoordinatesToCellName(len(Columns), 1)
	if err != nil {
		return fail(err)
	}
	if err := f.SetCellStyle(SheetRekap, "A1", last, bold); err != nil {
		return fail(err)
	}
	lastCol, _ := excelize.ColumnNumberToName(len(Columns))
	if err := f.SetColWidth(SheetRekap, "A", lastCol, 14); err != nil {
		return fail(err)
	}
	for _, c := range []string{"B", "E"} {
		if err := f.SetColWidth(SheetRekap, c, c, 32); err != nil {
			return fail(err)
		}
	}
	if err := f.SetPanes(SheetRekap, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}

	if _, err := f.NewSheet(SheetNotes); err != nil {
		return fail(err)
	}
	info := [][]any{
		{"acara", r.EventName + " (" + r.EventID + "), " + r.Date.String()},
		{"dibuat / made", r.At.UTC().Format("2006-01-02 15:04") + " UTC"},
		{"cakupan / scope", map[bool]string{true: "semua lokasi acara / every site of the event", false: "lokasi di wilayah Anda / the sites in your area"}[r.Full]},
	}
	for _, n := range notes {
		info = append(info, []any{n[0], n[1]})
	}
	for i, l := range info {
		if err := f.SetSheetRow(SheetNotes, "A"+strconv.Itoa(i+1), &l); err != nil {
			return fail(err)
		}
	}
	if err := f.SetColWidth(SheetNotes, "A", "A", 30); err != nil {
		return fail(err)
	}
	if err := f.SetColWidth(SheetNotes, "B", "B", 120); err != nil {
		return fail(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return fail(err)
	}
	return buf.Bytes(), nil
}
