package report_test

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/report"
	"github.com/kbbot/kbbot/report/render"
)

// catalogYAML: an event with targets at three sites in two kecamatan.
const catalogYAML = `
facilities:
  - {id: pkm-a, name: Puskesmas A, type: puskesmas, address: "Jl. Contoh", kelurahan: Bendan, kecamatan: Barat, kabupaten: Kota Contoh, provinsi: Jawa Tengah, lat: -6.8, lon: 109.6, timezone: Asia/Jakarta}
  - {id: pmb-b, name: PMB B, type: pmb, address: "Jl. Contoh", kecamatan: Barat, kabupaten: Kota Contoh, provinsi: Jawa Tengah, lat: -6.8, lon: 109.6, timezone: Asia/Jakarta}
  - {id: rs-c, name: RS C, type: rs, address: "Jl. Contoh", kecamatan: Timur, kabupaten: Kota Contoh, provinsi: Jawa Tengah, lat: -6.8, lon: 109.6, timezone: Asia/Jakarta}
events:
  - id: kbs-x
    name: KB Serentak X
    date: 2030-01-10
    targets: {iud: 30, implan: 20, mow: 5}
    sites:
      - facility: rs-c
        sessions: [{start: "08:00", end: "10:00", capacity: 20}]
        quota: {iud: 10, mow: 5}
      - facility: pmb-b
        sessions: [{start: "08:00", end: "10:00", capacity: 10}]
        quota: {iud: 5}
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "10:00", capacity: 10}
          - {start: "10:00", end: "12:00", capacity: 10}
        quota: {iud: 10, implan: 20}
`

// seeded is the scenario: at 11:00 WIB the sites with only an 08:00
// session (pmb-b, rs-c) are over for the day; pkm-a, whose 10:00 session
// is not, is not.
func seeded(t *testing.T) (*booking.Catalog, *booking.Event, booking.Tally, time.Time) {
	t.Helper()
	c, err := booking.Parse(strings.NewReader(catalogYAML), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := c.Event("kbs-x")
	newIUD := booking.Register{Consent: true, JKN: booking.JKNNonPBI}
	tally := booking.Tally{EventID: "kbs-x",
		Bookings: []booking.BookingCount{
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "1000", Method: booking.IUD, N: 3},
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan, N: 4},
			{Status: booking.Attended, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 4},
			{Status: booking.Cancelled, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 7},
			{Status: booking.NotServed, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
			{Status: booking.Active, FacilityID: "pmb-b", SessionID: "0800", Method: booking.IUD, N: 1},
			{Status: booking.Attended, FacilityID: "pmb-b", SessionID: "0800", Method: booking.IUD, N: 4},
			{Status: booking.Active, FacilityID: "rs-c", SessionID: "0800", Method: booking.MOW, N: 2},
			{Status: booking.NotServed, FacilityID: "rs-c", SessionID: "0800", Method: booking.MOW, N: 1},
			{Status: booking.Active, FacilityID: "gone", SessionID: "0800", Method: booking.MOW, N: 9},
		},
		NotServed: []booking.NotServedCount{
			{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, Reason: booking.ReasonPregnant, N: 1},
			{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, Reason: booking.ReasonAbsent, N: 1},
			{FacilityID: "rs-c", SessionID: "0800", Method: booking.MOW, Reason: booking.ReasonChanged, N: 1},
		},
		Served: []booking.ServedCount{
			// pkm-a: 3 new IUD (2 right after a delivery), 1 continuing
			// IUD, 1 IUD booked but switched from IUD to implan (the IUD
			// removed), 1 implant removed alone.
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.NewAcceptor,
				Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}, N: 2},
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.NewAcceptor, Register: newIUD, N: 1},
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.Continuing,
				Register: booking.Register{JKN: booking.JKNNone}, N: 1},
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.Implan, Category: booking.Switching,
				Register: booking.Register{Removed: booking.IUD, Consent: true, JKN: booking.JKNPBI}, N: 1},
			{FacilityID: "pkm-a", SessionID: "1000", Booked: booking.Implan, Given: booking.Implan, Category: booking.RemovalOnly,
				Register: booking.Register{Removed: booking.Implan, JKN: booking.JKNPBI}, N: 1},
			// pmb-b: 3 new IUD; 1 given suntik3 although not offered there;
			// 1 failure of an IUD (taken out).
			{FacilityID: "pmb-b", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.NewAcceptor, Register: newIUD, N: 3},
			{FacilityID: "pmb-b", SessionID: "0800", Booked: booking.IUD, Given: booking.Suntik3, Category: booking.Switching,
				Register: booking.Register{Consent: true, JKN: booking.JKNNone}, N: 1},
			{FacilityID: "pmb-b", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.Failure,
				Register: booking.Register{Removed: booking.IUD, Complication: true, JKN: booking.JKNNone}, N: 1},
		},
		Waiting: []booking.WaitCount{
			{FacilityID: "pmb-b", Method: booking.IUD, N: 2},
			{FacilityID: "pmb-b", Method: booking.IUD, Offered: true, N: 1},
			{FacilityID: "rs-c", Method: booking.MOW, N: 1},
		},
		WalkIns: []booking.WalkInCount{
			{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
			{FacilityID: "rs-c", SessionID: "0800", Method: booking.MOW, N: 1},
			{FacilityID: "gone", SessionID: "0800", Method: booking.MOW, N: 5},
		},
	}
	return c, ev, tally, time.Date(2030, 1, 10, 4, 0, 0, 0, time.UTC)
}

// picked are the columns the tables are checked on.
var picked = []string{"Faskes", "Kecamatan", "Kode metode", "MKJP", "Target", "Jenis target", "Terdaftar", "Daftar tunggu",
	"Datang langsung", "Hadir", "Dilayani", "% capaian", "KB baru", "KB pasca persalinan", "KB ulang", "Ganti cara",
	"Pencabutan IUD/implan", "Komplikasi berat", "Kegagalan", "Informed consent", "JKN PBI", "JKN non-PBI", "Tanpa JKN",
	"Tidak datang", "Tidak dilayani: hamil", "Tidak dilayani: berubah pikiran"}

// wantFull is the expected table of the full rekap in the picked columns.
var wantFull = []string{
	// faskes kec metode mkjp target jenis | terdaftar tunggu langsung hadir dilayani capaian | baru pp ulang ganti cabut kx gagal ic | pbi non tanpa | tidak-datang hamil berubah
	"PMB B|Barat|suntik3|tidak|0|kuota faskes|0|0|0|1|1||0|0|0|1|0|0|0|1|0|0|1|0|0|0",
	"PMB B|Barat|iud|ya|5|kuota faskes|6|3|0|4|3|60|3|0|0|0|1|1|1|3|0|3|1|1|0|0",
	"Puskesmas A|Barat|implan|ya|20|kuota faskes|5|0|0|2|1|5|0|0|0|1|1|0|0|1|2|0|0|0|0|0",
	"Puskesmas A|Barat|iud|ya|10|kuota faskes|12|0|2|4|4|40|3|2|1|0|1|0|0|3|2|1|1|1|1|0",
	"RS C|Timur|iud|ya|10|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"RS C|Timur|mow|ya|5|kuota faskes|3|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|2|0|1",
	"JUMLAH||suntik3|tidak|0|jumlah kuota|0|0|0|1|1||0|0|0|1|0|0|0|1|0|0|1|0|0|0",
	"JUMLAH||implan|ya|20|target acara|5|0|0|2|1|5|0|0|0|1|1|0|0|1|2|0|0|0|0|0",
	"JUMLAH||iud|ya|30|target acara|18|3|2|8|7|23|6|2|1|0|2|1|1|6|2|4|2|2|1|0",
	"JUMLAH||mow|ya|5|target acara|3|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|2|0|1",
	"JUMLAH|||ya|55|target acara|26|4|3|10|8|15|6|2|1|1|3|1|1|7|4|4|2|4|1|1",
	"JUMLAH|||tidak|0|jumlah kuota|0|0|0|1|1||0|0|0|1|0|0|0|1|0|0|1|0|0|0",
	"JUMLAH||||55|target acara|26|4|3|11|9|16|6|2|1|2|3|1|1|8|4|4|3|4|1|1",
}

func pick(t *testing.T, header, rec []string) string {
	t.Helper()
	idx := map[string]int{}
	for i, c := range header {
		idx[c] = i
	}
	var out []string
	for _, c := range picked {
		i, ok := idx[c]
		if !ok {
			t.Fatalf("no column %q in %q", c, header)
		}
		out = append(out, rec[i])
	}
	return strings.Join(out, "|")
}

// TestRekapFiguresCSVAndXLSX checks every figure of the rekap, through
// the CSV Excel opens in an Indonesian locale and the XLSX: % capaian,
// the MKJP, non-MKJP and overall totals, walk-ins, no-shows and the
// not-served reasons.
func TestRekapFiguresCSVAndXLSX(t *testing.T) {
	t.Parallel()
	c, ev, tally, now := seeded(t)
	r := report.Build(c, ev, tally, nil, now)
	if !r.Full || r.EventID != "kbs-x" {
		t.Fatalf("rekap header: %+v", r)
	}

	raw, err := report.CSV(r)
	if err != nil {
		t.Fatal(err)
	}
	recs := readExcelCSV(t, raw)
	if strings.Join(recs[0], "|") != strings.Join(report.Columns, "|") {
		t.Fatalf("CSV header %v", recs[0])
	}
	checkTable(t, "CSV", recs[0], recs[1:])
	if recs[1][0] != "kbs-x" || recs[1][1] != "KB Serentak X" || recs[1][2] != "2030-01-10" || recs[1][3] != "pmb-b" {
		t.Fatalf("CSV event columns: %v", recs[1])
	}
	if last := recs[len(recs)-1]; last[9] != "Semua metode" || recs[len(recs)-3][9] != "MKJP (IUD, implan, MOW, MOP)" {
		t.Fatalf("group rows named %q, %q", recs[len(recs)-3][9], last[9])
	}

	x, err := render.XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != render.SheetRekap || got[1] != render.SheetNotes {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows(render.SheetRekap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], "|") != strings.Join(report.Columns, "|") {
		t.Fatalf("XLSX header %v", rows[0])
	}
	checkTable(t, "XLSX", rows[0], rows[1:])
	// Figures are numbers, not text, so that they add up when pasted.
	// (excelize writes a number without a type attribute: "unset".)
	for _, cell := range []string{"N2", "S3"} { // Terdaftar, % capaian
		if typ, err := f.GetCellType(render.SheetRekap, cell); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Fatalf("%s cell type %v, %v", cell, typ, err)
		}
	}
	if v, _ := f.GetCellValue(render.SheetNotes, "B4"); !strings.Contains(v, "kuota") {
		t.Fatalf("the notes must explain targets and quotas, got %q", v)
	}

	sum := r.Sum()
	if sum.Booked != 26 || sum.Served != 9 || sum.Attended != 11 || sum.NoShow != 4 || sum.Waitlist != 4 || sum.Target != 55 || sum.WalkIns != 3 {
		t.Fatalf("sum %+v", sum)
	}
	if p, ok := r.Group(report.GroupMKJP).Capaian(); !ok || p != 15 {
		t.Fatalf("MKJP capaian %d %v", p, ok)
	}
}

// readExcelCSV reads a CSV as Excel in an Indonesian locale does: it must
// open with a UTF-8 BOM and split at ';'.
func readExcelCSV(t *testing.T, raw []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without a UTF-8 BOM: %q", raw[:min(len(raw), 20)])
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || len(recs[0]) < 10 {
		t.Fatalf("CSV opens as %d columns", len(recs[0]))
	}
	return recs
}

func checkTable(t *testing.T, what string, header []string, recs [][]string) {
	t.Helper()
	if len(recs) != len(wantFull) {
		t.Fatalf("%s: %d rows, want %d:\n%v", what, len(recs), len(wantFull), recs)
	}
	for i, rec := range recs {
		if got := pick(t, header, rec); got != wantFull[i] {
			t.Errorf("%s row %d:\n got %s\nwant %s", what, i+1, got, wantFull[i])
		}
	}
}

// TestRekapScope covers a rekap limited to one kecamatan: its sites only,
// and the totals compare with the quotas covered, not the event's targets.
func TestRekapScope(t *testing.T) {
	t.Parallel()
	c, ev, tally, now := seeded(t)
	r := report.Build(c, ev, tally, func(f *booking.Facility) bool { return f.Kecamatan == "Timur" }, now)
	if r.Full {
		t.Fatal("a rekap of one kecamatan is not full")
	}
	if len(r.Rows) != 2 || r.Rows[0].FacilityID != "rs-c" || r.Rows[1].FacilityID != "rs-c" {
		t.Fatalf("rows %+v", r.Rows)
	}
	for _, x := range r.Totals {
		if x.TargetKind != report.TargetQuotaTotal {
			t.Fatalf("a partial rekap must not show the event's targets: %+v", x)
		}
	}
	if len(r.Totals) != 2 || r.Totals[0].Method != booking.IUD || r.Totals[0].Target != 10 || r.Totals[1].Target != 5 || r.Totals[1].Booked != 3 {
		t.Fatalf("totals %+v", r.Totals)
	}
	// The walk-ins of a site not covered are not counted.
	if s := r.Sum(); s.WalkIns != 1 || s.Changed != 1 || s.NoShow != 2 {
		t.Fatalf("sum %+v", s)
	}
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// keep writes a PNG under $KBBOT_REPORT_OUT, to look at.
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("KBBOT_REPORT_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChart draws the seeded rekap: a phone-width PNG with the target,
// booked and served bars in their own colours (a quota standing in for a
// target paler), and the empty chart. Set KBBOT_REPORT_OUT to a folder to
// look at chart.png.
func TestChart(t *testing.T) {
	t.Parallel()
	c, ev, tally, now := seeded(t)
	r := report.Build(c, ev, tally, nil, now)
	labels := report.ChartLabels{Title: "KB Serentak X", Subtitle: "Kamis, 10 Januari 2030 · semua lokasi · data 11.00 WIB",
		Target: "Target", Booked: "Terdaftar", Served: "Dilayani", Quota: "Kuota (tanpa target)", QuotaShort: "Kuota", Capaian: "capaian",
		Notes: []string{"MKJP: dilayani 8 dari target 55 (15%)", "Tidak datang 4 · datang langsung 3"}, Empty: "Belum ada data"}
	b, err := render.Chart(r, labels)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart.png", b)
	img := decodePNG(t, b)
	if img.Bounds().Dx() != render.ChartWidth || img.Bounds().Dy() < 1000 || img.Bounds().Dy() > 3000 {
		t.Fatalf("chart is %v", img.Bounds())
	}
	// The bars are there: count the pixels of each series' colour.
	for name, col := range map[string]color.RGBA{"target": render.ColTarget, "booked": render.ColBooked, "served": render.ColServed} {
		if n := colourPixels(img, col); n < 300 {
			t.Errorf("%s bars: %d pixels", name, n)
		}
	}
	// A rekap of one kecamatan compares with the quotas: paler bars.
	scoped, err := render.Chart(report.Build(c, ev, tally, func(f *booking.Facility) bool { return f.Kecamatan == "Barat" }, now), labels)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart-area.png", scoped)
	if n := colourPixels(decodePNG(t, scoped), render.ColQuota); n < 300 {
		t.Errorf("quota bars: %d pixels", n)
	}

	empty, err := render.Chart(report.Rekap{}, labels)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart-empty.png", empty)
	decodePNG(t, empty)
}

// colourPixels counts the pixels of colour col, every other one in each
// direction.
func colourPixels(img image.Image, col color.RGBA) int {
	n := 0
	for y := 0; y < img.Bounds().Dy(); y += 2 {
		for x := 0; x < img.Bounds().Dx(); x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == col.R && uint8(g>>8) == col.G && uint8(b>>8) == col.B {
				n++
			}
		}
	}
	return n
}

func TestPosterQR(t *testing.T) {
	t.Parallel()
	link := "https://t.me/kbbot_bot?start=e-kbs-pekalongan-2023-07-20"
	b, err := render.Poster(report.Poster{Title: "KB Serentak", Link: link, Name: "Pelayanan KB Serentak HUT Bhayangkara ke-77, Kamis 20 Juli 2023",
		Lines: []string{"Scan untuk daftar KB serentak"}})
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "poster.png", b)
	img := decodePNG(t, b)
	if img.Bounds().Dx() != render.PosterWidth || img.Bounds().Dy() != render.PosterHeight {
		t.Fatalf("poster is %v", img.Bounds())
	}
	if got := decodeQR(t, img); got != link {
		t.Fatalf("QR holds %q, want %q", got, link)
	}
	if _, err := render.Poster(report.Poster{Link: strings.Repeat("x", 3000)}); err == nil {
		t.Fatal("a link too long for a QR code must fail")
	}
}

// decodeQR reads the QR code of img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

// TestRekapCountsNotServed: a booking marked "tidak jadi dilayani" on the
// day stays booked and counts at once, before its session ends: as a
// no-show when the client did not come, else by reason; an active booking
// counts as a no-show only once the site's last session has ended.
func TestRekapCountsNotServed(t *testing.T) {
	t.Parallel()
	c, ev, _, _ := seeded(t)
	tally := booking.Tally{EventID: "kbs-x", Bookings: []booking.BookingCount{
		{Status: booking.Active, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
		{Status: booking.NotServed, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 3},
	}, NotServed: []booking.NotServedCount{
		{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, Reason: booking.ReasonAbsent, N: 1},
		{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, Reason: booking.ReasonExam, N: 2},
	}}
	for _, tc := range []struct {
		at           time.Time
		noShow, exam int
	}{
		{time.Date(2030, 1, 10, 1, 30, 0, 0, time.UTC), 1, 2}, // 08:30 WIB
		{time.Date(2030, 1, 10, 4, 0, 0, 0, time.UTC), 1, 2},  // 11:00: the 10:00 session is on
		{time.Date(2030, 1, 10, 5, 0, 0, 0, time.UTC), 3, 2},  // 12:00: the day is over there
	} {
		sum := report.Build(c, ev, tally, nil, tc.at).Sum()
		if sum.Booked != 5 || sum.NoShow != tc.noShow || sum.Exam != tc.exam {
			t.Errorf("at %v: booked %d, no-shows %d, exam %d; want 5, %d, %d", tc.at, sum.Booked, sum.NoShow, sum.Exam, tc.noShow, tc.exam)
		}
	}
}

// rikbOrder is the order of the per-client fields of the R/I/KB register
// as the domain reference lists them (../shared/reference/kb-domain.md §7,
// from the R/I/KB/13 column instructions), each with the column of the
// export that holds it.
var rikbOrder = [][2]string{
	{"(row number)", "No."},
	{"service date", "Tanggal pelayanan"},
	{"client card serial no.", "No. seri Kartu Peserta KB (K/I/KB)"},
	{"name", "Nama peserta"},
	{"address", "Alamat"},
	{"wife's age", "Umur istri"},
	{"number of living children", "Jumlah anak hidup"},
	{"new acceptor (PB) by method", "Peserta KB baru: metode"},
	{"PB pasca persalinan", "PB pasca persalinan"},
	{"PB pasca keguguran", "PB pasca keguguran"},
	{"informed consent given", "Informed consent"},
	{"JKN participant PBI", "JKN PBI"},
	{"JKN participant non-PBI", "JKN non-PBI"},
	{"ganti cara (from)", "Ganti cara: dari metode"},
	{"ganti cara (to which method)", "Ganti cara: ke metode"},
	{"pelayanan ulang", "Pelayanan ulang: metode"},
	{"IUD/implant removal", "Pencabutan IUD/implan"},
	{"serious complications", "Komplikasi berat: metode"},
	{"failure (pregnancy)", "Kegagalan: metode"},
	{"PB from KPS/KS I families", "PB dari keluarga KPS/KS I"},
}

// TestRegister builds the per-client register of a few check-ins: the
// columns in R/I/KB order, Indonesian headers, one line per client with
// its register marks, the CSV for Indonesian-locale Excel and the XLSX.
func TestRegister(t *testing.T) {
	t.Parallel()
	c, ev, _, now := seeded(t)
	if report.RegisterFormColumns != len(rikbOrder) {
		t.Fatalf("%d form columns, the reference lists %d", report.RegisterFormColumns, len(rikbOrder))
	}
	for i, f := range rikbOrder {
		if report.RegisterColumns[i] != f[1] {
			t.Errorf("column %d is %q, want %q (%s)", i+1, report.RegisterColumns[i], f[1], f[0])
		}
	}
	for _, h := range report.RegisterColumns {
		if strings.Contains(h, "_") || strings.ToLower(h) == h && !strings.Contains(h, " ") && h != "no." {
			t.Errorf("header %q is not in words", h)
		}
	}
	at := time.Date(2030, 1, 10, 2, 0, 0, 0, time.UTC)
	line := func(code, fac, name string, booked booking.Method, walkIn bool, ci booking.CheckIn) booking.CheckedIn {
		ci.Code, ci.By = code, 900
		if ci.At.IsZero() {
			ci.At = at
		}
		return booking.CheckedIn{Booking: booking.Booking{Code: code, EventID: "kbs-x", FacilityID: fac, Method: booked, Name: name,
			Phone: "081234567890", Status: booking.Attended, WalkIn: walkIn, Screening: map[string]string{"checklist_answers": "ynnnnn"}}, CheckIn: ci}
	}
	list := []booking.CheckedIn{
		line("KB-AAAAA2", "pkm-a", "Ibu Sari", booking.IUD, false, booking.CheckIn{Method: booking.IUD, Category: booking.NewAcceptor, At: at.Add(time.Hour),
			Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}}),
		line("KB-AAAAA3", "pkm-a", "Ibu Dewi", booking.Implan, true, booking.CheckIn{Method: booking.Implan, Category: booking.Switching,
			Register: booking.Register{From: booking.IUD, Removed: booking.IUD, Consent: true, Complication: true, JKN: booking.JKNNonPBI}}),
		line("KB-AAAAA4", "rs-c", "Ibu Rina", booking.MOW, false, booking.CheckIn{Method: booking.MOW, Category: booking.Failure,
			Register: booking.Register{JKN: booking.JKNNone}}),
		line("KB-AAAAA5", "pkm-a", "Ibu Ani", booking.Implan, false, booking.CheckIn{Method: booking.Implan, Category: booking.RemovalOnly,
			Register: booking.Register{Removed: booking.Implan, JKN: booking.JKNPBI}}),
		line("KB-AAAAA6", "pmb-b", "Ibu Eka", booking.Suntik3, false, booking.CheckIn{Method: booking.Suntik3, Category: booking.Continuing,
			Register: booking.Register{JKN: booking.JKNPBI}}),
	}
	r := report.BuildRegister(c, ev, func(f *booking.Facility) bool { return f.Kecamatan == "Barat" }, list, 2, now)
	if r.Full || len(r.Lines) != 4 || r.Purged != 2 {
		t.Fatalf("register: full %v, %d lines, purged %d", r.Full, len(r.Lines), r.Purged)
	}
	raw, err := report.RegisterCSV(r)
	if err != nil {
		t.Fatal(err)
	}
	recs := readExcelCSV(t, raw)
	if strings.Join(recs[0], "|") != strings.Join(report.RegisterColumns, "|") {
		t.Fatalf("header %q", recs[0])
	}
	want := []string{
		// PMB B first (by facility name), then Puskesmas A by time.
		"1|2030-01-10||Ibu Eka||||||||1||||Suntik 3 bulan|||||KB-AAAAA6|PMB B|Barat|Suntik 3 bulan|",
		"2|2030-01-10||Ibu Dewi|||||||1||1|IUD/AKDR|Implan||IUD/AKDR|Implan|||KB-AAAAA3|Puskesmas A|Barat|Implan|1",
		"3|2030-01-10||Ibu Ani||||||||1|||||Implan||||KB-AAAAA5|Puskesmas A|Barat|Implan|",
		"4|2030-01-10||Ibu Sari||||IUD/AKDR|1||1|1|||||||||KB-AAAAA2|Puskesmas A|Barat|IUD/AKDR|",
	}
	for i, rec := range recs[1:] {
		if got := strings.Join(rec, "|"); got != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got, want[i])
		}
	}
	if strings.Contains(string(raw), "081234567890") || strings.Contains(string(raw), "ynnnnn") {
		t.Error("the register holds a phone number or checklist answers")
	}

	x, err := render.Register(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetRegister)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], "|") != strings.Join(report.RegisterColumns, "|") || len(rows) != 5 {
		t.Fatalf("XLSX: %d rows, header %q", len(rows), rows[0])
	}
	if got := strings.Join(rows[2][:17], "|"); got != strings.Join(recs[2][:17], "|") {
		t.Fatalf("XLSX line 2 %q, CSV %q", got, recs[2][:17])
	}
	notes, _ := f.GetRows(render.SheetNotes)
	var all strings.Builder
	for _, n := range notes {
		all.WriteString(strings.Join(n, " ") + "\n")
	}
	if !strings.Contains(all.String(), "R/I/KB") || !strings.Contains(all.String(), "2 klien tidak dimuat") {
		t.Fatalf("notes:\n%s", all.String())
	}
}
