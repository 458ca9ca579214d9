package render

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/report"
)

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
// header report.Columns and one line per row (numbers as numbers), sheet
// Keterangan explains the columns and says when the figures were taken.
func XLSX(r report.Rekap) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	fail := func(err error) ([]byte, error) { return nil, fmt.Errorf("render: xlsx: %w", err) }
	if err := f.SetSheetName("Sheet1", SheetRekap); err != nil {
		return fail(err)
	}
	header := make([]any, len(report.Columns))
	for i, c := range report.Columns {
		header[i] = c
	}
	if err := f.SetSheetRow(SheetRekap, "A1", &header); err != nil {
		return fail(err)
	}
	for i, l := range r.Table() {
		if err := f.SetSheetRow(SheetRekap, "A"+strconv.Itoa(i+2), &l); err != nil {
			return fail(err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}}})
	if err != nil {
		return fail(err)
	}
	last, err := excelize.CoordinatesToCellName(len(report.Columns), 1)
	if err != nil {
		return fail(err)
	}
	if err := f.SetCellStyle(SheetRekap, "A1", last, bold); err != nil {
		return fail(err)
	}
	lastCol, _ := excelize.ColumnNumberToName(len(report.Columns))
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
