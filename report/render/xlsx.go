package render

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/report"
)

// The sheets of the XLSX files.
const (
	SheetRekap    = "Rekap"
	SheetRegister = "Register R-I-KB" // a sheet name cannot hold "/"
	SheetNotes    = "Keterangan"
)

// notes explain the rekap's columns on its second sheet, Indonesian first.
var notes = [][2]string{
	{"Target", "Target per acara dan metode ada di baris JUMLAH (Jenis target: target acara) bila rekap mencakup semua lokasi acara; di baris faskes, \"Target\" adalah kuota faskes (kuota faskes); jumlah kuota = jumlah kuota faskes yang tercakup. / Event targets per method are in the JUMLAH rows (target acara) when the rekap covers every site; a facility's \"Target\" is its quota; jumlah kuota is the sum of the quotas covered."},
	{"Terdaftar", "Pendaftaran aktif, yang sudah hadir dan yang tidak jadi dilayani, menurut metode yang didaftarkan. / Active bookings, those checked in and those not served, by the method booked."},
	{"Daftar tunggu", "Warga dalam daftar tunggu atau yang sedang ditawari tempat. / Residents on the waitlist or holding an offered place."},
	{"Datang langsung", "Klien yang didaftarkan di meja layanan pada hari itu, tanpa pendaftaran sebelumnya. / Walk-ins registered at the service table on the day."},
	{"Hadir", "Semua klien yang dicatat hadir, di baris metode pada register (metode diberikan; untuk pencabutan saja metode yang dicabut; untuk kegagalan metode yang gagal). / Every client checked in, in the row of their register line's method."},
	{"Dilayani, % capaian", "Dilayani = KB baru + KB ulang + ganti cara, menurut metode yang diberikan. % capaian = Dilayani ÷ Target × 100 (dibulatkan). / Served = new + continuing + switching, by the method given; % capaian = served ÷ target × 100."},
	{"KB pasca persalinan / keguguran", "Bagian dari KB baru. / Part of KB baru (new acceptors)."},
	{"MKJP", "Metode kontrasepsi jangka panjang: IUD, implan, MOW, MOP. Baris JUMLAH MKJP, non-MKJP dan semua metode ada di akhir. / Long-acting methods; their totals, the others' and all methods' are the last rows."},
	{"Tidak datang", "Pendaftaran aktif di lokasi yang sesi terakhirnya hari itu sudah selesai tanpa dicatat hadir, ditambah yang ditandai tidak datang. / No-shows: active bookings at a site whose last session has ended, plus those marked as not come."},
	{"Tidak dilayani", "Klien yang datang tetapi tidak jadi dilayani, menurut alasan. / Clients who came but were not served, by reason."},
}

// XLSX returns the rekap as an Excel workbook: sheet Rekap holds the
// header report.Columns and one line per row (numbers as numbers), sheet
// Keterangan explains the columns and says when the figures were taken.
func XLSX(r report.Rekap) ([]byte, error) {
	info := [][]any{
		{"Acara", r.EventName + " (" + r.EventID + "), " + r.Date.String()},
		{"Dibuat / made", r.At.UTC().Format("2006-01-02 15:04") + " UTC"},
		{"Cakupan / scope", scope(r.Full)},
	}
	for _, n := range notes {
		info = append(info, []any{n[0], n[1]})
	}
	return workbook(SheetRekap, report.Columns, r.Table(), info, map[string]float64{"B": 32, "E": 32, "J": 24})
}

// Register returns the per-client register as an Excel workbook: sheet
// "Register R-I-KB" holds report.RegisterColumns and one line per client,
// sheet Keterangan explains the columns and where their order comes from.
func Register(r report.Register) ([]byte, error) {
	info := [][]any{
		{"Acara", r.EventName + " (" + r.EventID + "), " + r.Date.String()},
		{"Dibuat / made", r.At.UTC().Format("2006-01-02 15:04") + " UTC"},
		{"Cakupan / scope", scope(r.Full)},
		{"Klien / clients", len(r.Lines)},
	}
	if r.Purged > 0 {
		info = append(info, []any{"Data dihapus / purged", strconv.Itoa(r.Purged) + " klien tidak dimuat: data pribadinya sudah dihapus sesuai masa simpan (tetap dihitung di rekap). / clients left out: their personal data was purged (still counted in the rekap)."})
	}
	for _, n := range report.RegisterNotes {
		info = append(info, []any{n[0], n[1]})
	}
	return workbook(SheetRegister, report.RegisterColumns, r.Table(), info, map[string]float64{"A": 6, "D": 28, "V": 28})
}

func scope(full bool) string {
	if full {
		return "semua lokasi acara / every site of the event"
	}
	return "lokasi di wilayah Anda / the sites in your area"
}

// workbook writes a two-sheet workbook: sheet holds header (bold, frozen)
// and rows (numbers as numbers), with the column widths given (others 14);
// Keterangan holds info, two columns a line.
func workbook(sheet string, header []string, rows [][]any, info [][]any, widths map[string]float64) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	fail := func(err error) ([]byte, error) { return nil, fmt.Errorf("render: xlsx: %w", err) }
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fail(err)
	}
	h := make([]any, len(header))
	for i, c := range header {
		h[i] = c
	}
	if err := f.SetSheetRow(sheet, "A1", &h); err != nil {
		return fail(err)
	}
	for i, l := range rows {
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &l); err != nil {
			return fail(err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}}})
	if err != nil {
		return fail(err)
	}
	last, err := excelize.CoordinatesToCellName(len(header), 1)
	if err != nil {
		return fail(err)
	}
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return fail(err)
	}
	lastCol, _ := excelize.ColumnNumberToName(len(header))
	if err := f.SetColWidth(sheet, "A", lastCol, 14); err != nil {
		return fail(err)
	}
	for c, w := range widths {
		if err := f.SetColWidth(sheet, c, c, w); err != nil {
			return fail(err)
		}
	}
	if err := f.SetRowHeight(sheet, 1, 45); err != nil {
		return fail(err)
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}

	if _, err := f.NewSheet(SheetNotes); err != nil {
		return fail(err)
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
