package report_test

import (
	"bytes"
	"encoding/csv"
	"image"
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

// seeded is the scenario: at 11:00 WIB the 08:00 sessions are over, the
// 10:00 session of pkm-a is not.
func seeded(t *testing.T) (*booking.Catalog, *booking.Event, booking.Tally, time.Time) {
	t.Helper()
	c, err := booking.Parse(strings.NewReader(catalogYAML), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := c.Event("kbs-x")
	tally := booking.Tally{EventID: "kbs-x",
		Bookings: []booking.BookingCount{
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "1000", Method: booking.IUD, N: 3},
			{Status: booking.Active, FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan, N: 4},
			{Status: booking.Attended, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 4},
			{Status: booking.Cancelled, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 7},
			{Status: booking.Active, FacilityID: "pmb-b", SessionID: "0800", Method: booking.IUD, N: 1},
			{Status: booking.Attended, FacilityID: "pmb-b", SessionID: "0800", Method: booking.IUD, N: 4},
			{Status: booking.Active, FacilityID: "rs-c", SessionID: "0800", Method: booking.MOW, N: 2},
			{Status: booking.Active, FacilityID: "gone", SessionID: "0800", Method: booking.MOW, N: 9},
		},
		Served: []booking.ServedCount{
			// pkm-a: 5 served at 08:00 (one erased since): 3 new IUD,
			// 1 continuing IUD, 1 IUD booked but implan given (switching).
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.NewAcceptor, N: 3},
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.Continuing, N: 1},
			{FacilityID: "pkm-a", SessionID: "0800", Booked: booking.IUD, Given: booking.Implan, Category: booking.Switching, N: 1},
			// pmb-b: 4 served, given suntik3 although not offered there.
			{FacilityID: "pmb-b", SessionID: "0800", Booked: booking.IUD, Given: booking.IUD, Category: booking.NewAcceptor, N: 3},
			{FacilityID: "pmb-b", SessionID: "0800", Booked: booking.IUD, Given: booking.Suntik3, Category: booking.Switching, N: 1},
		},
		Waiting: []booking.WaitCount{
			{FacilityID: "pmb-b", Method: booking.IUD, N: 2},
			{FacilityID: "pmb-b", Method: booking.IUD, Offered: true, N: 1},
			{FacilityID: "rs-c", Method: booking.MOW, N: 1},
		},
	}
	return c, ev, tally, time.Date(2030, 1, 10, 4, 0, 0, 0, time.UTC)
}

// wantFull is the expected table of the full rekap, in Columns order from
// "faskes" on (the event columns are checked separately).
var wantFull = [][]string{
	// faskes, kecamatan, metode, target, jenis, terdaftar, tunggu, hadir, baru, lanjut, ganti, tidak_hadir
	{"PMB B", "Barat", "suntik3", "0", "kuota_faskes", "0", "0", "1", "0", "0", "1", "0"},
	{"PMB B", "Barat", "iud", "5", "kuota_faskes", "5", "3", "3", "3", "0", "0", "1"},
	{"Puskesmas A", "Barat", "implan", "20", "kuota_faskes", "4", "0", "1", "0", "0", "1", "0"},
	{"Puskesmas A", "Barat", "iud", "10", "kuota_faskes", "10", "0", "4", "3", "1", "0", "2"},
	{"RS C", "Timur", "iud", "10", "kuota_faskes", "0", "0", "0", "0", "0", "0", "0"},
	{"RS C", "Timur", "mow", "5", "kuota_faskes", "2", "1", "0", "0", "0", "0", "2"},
	{"JUMLAH", "", "suntik3", "0", "jumlah_kuota", "0", "0", "1", "0", "0", "1", "0"},
	{"JUMLAH", "", "implan", "20", "target_acara", "4", "0", "1", "0", "0", "1", "0"},
	{"JUMLAH", "", "iud", "30", "target_acara", "15", "3", "7", "6", "1", "0", "3"},
	{"JUMLAH", "", "mow", "5", "target_acara", "2", "1", "0", "0", "0", "0", "2"},
}

func pick(rec []string) []string {
	idx := map[string]int{}
	for i, c := range report.Columns {
		idx[c] = i
	}
	var out []string
	for _, c := range []string{"faskes", "kecamatan", "metode", "target", "jenis_target", "terdaftar", "daftar_tunggu", "hadir", "kb_baru", "kb_lanjutan", "ganti_cara", "tidak_hadir"} {
		out = append(out, rec[idx[c]])
	}
	return out
}

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
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(report.Columns, ",") {
		t.Fatalf("CSV header %v", recs[0])
	}
	checkTable(t, "CSV", recs[1:])
	if recs[1][0] != "kbs-x" || recs[1][1] != "KB Serentak X" || recs[1][2] != "2030-01-10" || recs[1][3] != "pmb-b" {
		t.Fatalf("CSV event columns: %v", recs[1])
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
	if strings.Join(rows[0], ",") != strings.Join(report.Columns, ",") {
		t.Fatalf("XLSX header %v", rows[0])
	}
	checkTable(t, "XLSX", rows[1:])
	// Figures are numbers, not text, so that they add up when pasted.
	// (excelize writes a number without a type attribute: "unset".)
	if typ, err := f.GetCellType(render.SheetRekap, "M2"); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		t.Fatalf("terdaftar cell type %v, %v", typ, err)
	}
	if v, _ := f.GetCellValue(render.SheetNotes, "B4"); !strings.Contains(v, "kuota") {
		t.Fatalf("the notes must explain targets and quotas, got %q", v)
	}

	sum := r.Sum()
	if sum.Booked != 21 || sum.Attended != 9 || sum.NoShow != 5 || sum.Waitlist != 4 || sum.Target != 55 {
		t.Fatalf("sum %+v", sum)
	}
}

func checkTable(t *testing.T, what string, recs [][]string) {
	t.Helper()
	if len(recs) != len(wantFull) {
		t.Fatalf("%s: %d rows, want %d:\n%v", what, len(recs), len(wantFull), recs)
	}
	for i, rec := range recs {
		if got := pick(rec); strings.Join(got, ",") != strings.Join(wantFull[i], ",") {
			t.Errorf("%s row %d:\n got %v\nwant %v", what, i+1, got, wantFull[i])
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
	if len(r.Totals) != 2 || r.Totals[0].Method != booking.IUD || r.Totals[0].Target != 10 || r.Totals[1].Target != 5 || r.Totals[1].Booked != 2 {
		t.Fatalf("totals %+v", r.Totals)
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

func TestChart(t *testing.T) {
	t.Parallel()
	c, ev, tally, now := seeded(t)
	r := report.Build(c, ev, tally, nil, now)
	labels := report.ChartLabels{Title: "KB Serentak X", Subtitle: "Kamis, 10 Januari 2030 · semua lokasi · data 11.00 WIB",
		Booked: "Terdaftar", Attended: "Hadir", Target: "Target / kuota", Empty: "Belum ada data"}
	b, err := render.Chart(r, labels)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart.png", b)
	img := decodePNG(t, b)
	if img.Bounds().Dx() != render.ChartWidth || img.Bounds().Dy() != render.ChartHeight {
		t.Fatalf("chart is %v", img.Bounds())
	}
	// The bars are there: count the pixels of each series' colour.
	counts := map[[3]uint32]int{}
	for y := 0; y < img.Bounds().Dy(); y += 2 {
		for x := 0; x < img.Bounds().Dx(); x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			counts[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	for name, col := range map[string][3]uint32{"booked": {0x2f, 0x6d, 0xb5}, "attended": {0x2e, 0x9d, 0x5b}, "target": {0xb8, 0xbe, 0xc8}} {
		if counts[col] < 500 {
			t.Errorf("%s bars: %d pixels", name, counts[col])
		}
	}

	empty, err := render.Chart(report.Rekap{}, labels)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, empty)
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
// day stays booked and counts as not attended at once, before its session
// ends.
func TestRekapCountsNotServed(t *testing.T) {
	t.Parallel()
	c, ev, _, _ := seeded(t)
	before := time.Date(2030, 1, 10, 1, 30, 0, 0, time.UTC) // 08:30 WIB
	tally := booking.Tally{EventID: "kbs-x", Bookings: []booking.BookingCount{
		{Status: booking.Active, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 2},
		{Status: booking.NotServed, FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD, N: 3},
	}}
	sum := report.Build(c, ev, tally, nil, before).Sum()
	if sum.Booked != 5 || sum.NoShow != 3 {
		t.Fatalf("booked %d, not attended %d; want 5 and 3", sum.Booked, sum.NoShow)
	}
}
