package sheet_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
)

// demo is the embedded demo file as booking.Parse reads it.
func demo(t *testing.T) *booking.Catalog {
	t.Helper()
	c, err := booking.Parse(bytes.NewReader(booking.DemoYAML()), "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameCatalog fails unless a and b hold the same facilities and events.
func sameCatalog(t *testing.T, got, want *booking.Catalog) {
	t.Helper()
	enc := func(c *booking.Catalog) string {
		b, err := json.MarshalIndent(struct {
			F []*booking.Facility
			E []*booking.Event
		}{c.Facilities(), c.Events()}, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	g, w := enc(got), enc(want)
	if g == w {
		return
	}
	gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("catalogs differ at line %d:\n got: %s\nwant: %s", i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("catalogs differ in length: %d lines, want %d", len(gl), len(wl))
}

func TestTemplateRoundTrip(t *testing.T) {
	t.Parallel()
	xlsx, err := sheet.Template()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sheet.ReadXLSX(bytes.NewReader(xlsx), "template.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, got, demo(t))
	if len(got.Events()) != 3 || len(got.Facilities()) != 10 {
		t.Errorf("%d events, %d facilities", len(got.Events()), len(got.Facilities()))
	}

	csvT, err := sheet.TemplateCSV()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csvT, []byte("\xef\xbb\xbf[fasilitas]\n")) || !bytes.Contains(csvT, []byte(";-6,8886;109,6596;")) {
		t.Errorf("CSV template starts %q; want a BOM, [fasilitas] and decimal commas", csvT[:min(len(csvT), 200)])
	}
	got, err = sheet.ReadCSV(bytes.NewReader(csvT), "template.csv")
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, got, demo(t))

	var comma bytes.Buffer
	if err := sheet.WriteCSV(&comma, demo(t), ','); err != nil {
		t.Fatal(err)
	}
	got, err = sheet.Read(comma.Bytes(), "acara.csv")
	if err != nil {
		t.Fatal(err)
	}
	sameCatalog(t, got, demo(t))
}

// TestRoundTripCutoffs checks that an event's booking cut-off survives a
// workbook: the default (empty), a local time, and the day and time in
// other zones.
func TestRoundTripCutoffs(t *testing.T) {
	t.Parallel()
	in := `
facilities:
  - {id: a, name: A, type: pmb, address: x, kecamatan: k, kabupaten: Kota Makassar, provinsi: p, lat: -5.1, lon: 119.4, timezone: Asia/Makassar}
  - {id: b, name: B, type: klinik, address: x, kecamatan: k, kabupaten: Kota Jayapura, provinsi: p, lat: -2.5, lon: 140.7, timezone: Asia/Jayapura}
events:
  - id: local
    name: Local
    date: 2024-03-05
    booking_closes: 2024-03-04T17:30
    targets: {iud: 3, mal: 0}
    sites:
      - {facility: a, sessions: [{start: "07:45", end: "09:15", capacity: 1}, {start: "13:00", end: "14:00", capacity: 9999}], quota: {iud: 1, mop: 0}}
      - {facility: b, sessions: [{start: "08:00", end: "09:00", capacity: 1}], quota: {iud: 1}}
  - id: instant
    name: Instant
    date: 2024-03-06
    booking_closes: 2024-03-05T10:00:00Z
    sites:
      - {facility: a, sessions: [{start: "08:00", end: "09:00", capacity: 1}], quota: {kondom: 2}}
      - {facility: b, sessions: [{start: "23:00", end: "23:59", capacity: 1}], quota: {kondom: 2}}
`
	want, err := booking.Parse(strings.NewReader(in), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var x, c bytes.Buffer
	if err := sheet.WriteXLSX(&x, want); err != nil {
		t.Fatal(err)
	}
	if err := sheet.WriteCSV(&c, want, ';'); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"x.xlsx": x.Bytes(), "x.csv": c.Bytes()} {
		got, err := sheet.Read(data, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameCatalog(t, got, want)
	}
}

// TestTemplateHelpsTheEditor checks what the template offers the person
// filling it: a Petunjuk sheet, a comment on every header, drop-down lists
// for jenis and zona_waktu, and ranges for numbers.
func TestTemplateHelpsTheEditor(t *testing.T) {
	t.Parallel()
	xlsx, err := sheet.Template()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "Petunjuk,fasilitas,acara,lokasi,sesi" {
		t.Fatalf("sheets %v", got)
	}
	help, _ := f.GetRows(sheet.SheetHelp)
	var helpText strings.Builder
	for _, r := range help {
		helpText.WriteString(strings.Join(r, " | ") + "\n")
	}
	for _, w := range []string{"sesi | kapasitas | ya | Jumlah warga yang dapat dilayani", "fasilitas | zona_waktu | ya |", "tombol Impor"} {
		if !strings.Contains(helpText.String(), w) {
			t.Errorf("Petunjuk lacks %q", w)
		}
	}
	comments, err := f.GetComments("sesi")
	if err != nil || len(comments) != 6 {
		t.Fatalf("sesi has %d header comments (%v), want 6", len(comments), err)
	}
	dvs, err := f.GetDataValidations("fasilitas")
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]string{}
	for _, dv := range dvs {
		lists[dv.Sqref] = dv.Type + " " + dv.Formula1
	}
	if got := lists["C2:C2000"]; !strings.Contains(got, "list") || !strings.Contains(got, "puskesmas,pmb,klinik,rs") {
		t.Errorf("jenis validation %q", got)
	}
	if got := lists["K2:K2000"]; !strings.Contains(got, "Asia/Makassar") {
		t.Errorf("zona_waktu validation %q", got)
	}
	dvs, _ = f.GetDataValidations("sesi")
	for _, dv := range dvs {
		if dv.Sqref == "E2:E2000" && (dv.Type != "whole" || dv.Formula1 != "1" || dv.Formula2 != "10000") {
			t.Errorf("kapasitas validation %+v", dv)
		}
	}
}

// edit changes cells of the template and returns the workbook.
func edit(t *testing.T, cells map[string]any) []byte {
	t.Helper()
	xlsx, err := sheet.Template()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, v := range cells {
		sh, cell, _ := strings.Cut(ref, "!")
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrokenWorkbookNamesEveryProblem checks that every problem is named
// by sheet, row and column, in Indonesian, all in one error.
func TestBrokenWorkbookNamesEveryProblem(t *testing.T) {
	t.Parallel()
	data := edit(t, map[string]any{
		"sesi!E7":      "dua puluh",          // kapasitas
		"sesi!C8":      "09:00",              // overlaps the session of row 7 at the same site (08:00–10:00)
		"fasilitas!I3": "utara",              // lat
		"fasilitas!C4": "rsud",               // jenis
		"fasilitas!A5": "pkm-bendan",         // a second pkm-bendan
		"acara!C2":     "32/07/2023",         // tanggal
		"lokasi!B3":    "rs-tidak-ada",       // a facility no sheet has
		"sesi!D9":      "07:00",              // ends before it starts
		"acara!D3":     "besok",              // tutup_pendaftaran
		"lokasi!C4":    -1,                   // kuota_pil
		"fasilitas!K2": "Asia/Singapore",     // zona_waktu
		"fasilitas!A6": "PMB Nurul Firdaus!", // an id with spaces
	})
	_, err := sheet.ReadXLSX(bytes.NewReader(data), "acara.xlsx")
	var se *sheet.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v, want *sheet.Error", err, err)
	}
	for _, w := range []string{
		`Sheet "sesi", baris 7, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "dua puluh"`,
		`Sheet "fasilitas", baris 3, kolom "lat": harus angka desimal antara -11,5 dan 6,5 (lintang di Indonesia), bukan "utara"`,
		`Sheet "fasilitas", baris 4, kolom "jenis": harus salah satu dari: puskesmas, pmb, klinik, rs, bukan "rsud"`,
		`Sheet "fasilitas", baris 5, kolom "id": kode "pkm-bendan" sudah dipakai di baris 2`,
		`Sheet "fasilitas", baris 2, kolom "zona_waktu": harus salah satu dari: Asia/Jakarta, Asia/Pontianak, Asia/Makassar, Asia/Jayapura (atau WIB, WITA, WIT), bukan "Asia/Singapore"`,
		`Sheet "fasilitas", baris 6, kolom "id": harus kode: huruf kecil a-z, angka 0-9 dan tanda -, tanpa spasi`,
		`Sheet "acara", baris 2, kolom "tanggal": harus tanggal, mis. 2023-07-20 atau 20/07/2023, bukan "32/07/2023"`,
		`Sheet "acara", baris 3, kolom "tutup_pendaftaran": harus tanggal dan jam, mis. 2023-07-19 20:00, bukan "besok"`,
		`Sheet "lokasi", baris 3, kolom "fasilitas": fasilitas "rs-tidak-ada" tidak ada di sheet fasilitas`,
		`Sheet "lokasi", baris 4, kolom "kuota_pil": harus bilangan bulat 0–10000, bukan "-1"`,
		`Sheet "sesi", baris 8, kolom "mulai": sesi 09:00–12:00 bertumpuk dengan sesi 08:00–10:00 (baris 7) di lokasi yang sama`,
		`Sheet "sesi", baris 9, kolom "selesai": jam selesai 07:00 tidak sesudah jam mulai 08:00`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks\n  %s\nin:\n%v", w, err)
		}
	}
	// Rows of the facility with a broken zone or id are not reported again
	// where other sheets name them; the sessions of the broken lokasi row
	// are not reported as orphans.
	for _, no := range []string{"wajib diisi", "tidak ada di sheet lokasi", "tidak sah:"} {
		if strings.Contains(err.Error(), no) {
			t.Errorf("error says %q, a consequence already reported:\n%v", no, err)
		}
	}
	// Sorted by sheet, then row.
	if first := se.Problems[0]; first.Sheet != "fasilitas" || first.Row != 2 {
		t.Errorf("first problem %+v, want fasilitas row 2", first)
	}
}

func TestWorkbookShapeProblems(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", "Fasilitas")
	_ = f.SetSheetRow("Fasilitas", "A1", &[]any{"id", "nama", "warna"})
	_, _ = f.NewSheet("acara")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, err := sheet.ReadXLSX(&b, "x.xlsx")
	for _, w := range []string{
		`Sheet "fasilitas", baris 1, kolom "warna": kolom ini tidak dikenal`,
		`Sheet "fasilitas", baris 1, kolom "jenis": kolom wajib ini tidak ada di baris judul`,
		`Sheet "acara": sheet ini kosong`,
		`Sheet "lokasi": sheet ini tidak ada di file`,
		`Sheet "sesi": sheet ini tidak ada di file`,
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	_, err = sheet.ReadXLSX(strings.NewReader("this is no zip"), "x.xlsx")
	if err == nil || !strings.Contains(err.Error(), "tidak dapat dibuka sebagai file Excel") {
		t.Errorf("not an xlsx: %v", err)
	}
	_, err = sheet.Read([]byte("x"), "acara.pdf")
	if err == nil || !strings.Contains(err.Error(), "jenis file ini tidak dikenal") {
		t.Errorf("pdf: %v", err)
	}
}

// TestManyProblemsAreCapped checks that a file full of mistakes is
// reported with the first MaxProblems and a count of the rest.
func TestManyProblemsAreCapped(t *testing.T) {
	t.Parallel()
	cells := map[string]any{}
	for r := 2; r <= 20; r++ {
		cells[fmt.Sprintf("sesi!E%d", r)] = "banyak"
		cells[fmt.Sprintf("sesi!C%d", r)] = "pagi"
		cells[fmt.Sprintf("sesi!D%d", r)] = "siang"
	}
	_, err := sheet.ReadXLSX(bytes.NewReader(edit(t, cells)), "x.xlsx")
	var se *sheet.Error
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	if len(se.Problems) != sheet.MaxProblems || se.Count() != 57 || !strings.Contains(err.Error(), "57 masalah:") || !strings.Contains(err.Error(), "… dan 7 masalah lagi") {
		t.Errorf("%d problems kept, %d counted:\n%v", len(se.Problems), se.Count(), err)
	}
}

// indonesianCSV is an events file as an Indonesian Excel saves it: a
// byte-order mark, ";" between fields, decimal commas, dates day first,
// times with a dot, CRLF line ends, empty rows of separators, columns in
// another order with headers in capitals.
const indonesianCSV = "\xef\xbb\xbf[fasilitas];;;;;;;;;;\r\n" +
	"ID;Nama;Jenis;Alamat;Kelurahan;Kecamatan;Kabupaten;Provinsi;Lat;Lon;Zona Waktu\r\n" +
	"pkm-bendan;Puskesmas Bendan;Puskesmas;\"Jl. Contoh No. 1; Bendan\";Bendan Kergon;Pekalongan Barat;Kota Pekalongan;Jawa Tengah;-6,8886;109,6596;WIB\r\n" +
	";;;;;;;;;;\r\n" +
	"[acara];;;;;;;;;;\r\n" +
	"id;nama;tanggal;tutup_pendaftaran;target_iud;catatan;;;;;\r\n" +
	"kbs-1;KB Serentak;20/07/2023;19/07/2023 18.00;1.000;contoh saja;;;;;\r\n" +
	";;;;;;;;;;\r\n" +
	"[lokasi];;;;;;;;;;\r\n" +
	"acara;fasilitas;kuota_iud;kuota_implan;;;;;;;\r\n" +
	"kbs-1;PKM-BENDAN;20;15,0;;;;;;;\r\n" +
	"[sesi];;;;;;;;;;\r\n" +
	"acara;fasilitas;mulai;selesai;kapasitas;;;;;;\r\n" +
	"kbs-1;pkm-bendan;8.00;10.00;25;;;;;;\r\n" +
	"kbs-1;pkm-bendan;10:00;12:00:00;25;;;;;;\r\n" +
	";;;;;;;;;;\r\n;;;;;;;;;;\r\n"

func TestIndonesianCSV(t *testing.T) {
	t.Parallel()
	c, err := sheet.ReadCSV(strings.NewReader(indonesianCSV), "acara.csv")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := c.Facility("pkm-bendan")
	if !ok || f.Lat != -6.8886 || f.Lon != 109.6596 || f.TimeZone != "Asia/Jakarta" || f.Type != booking.Puskesmas || f.Address != "Jl. Contoh No. 1; Bendan" {
		t.Fatalf("facility %+v", f)
	}
	e, _ := c.Event("kbs-1")
	if e.Date != (booking.Date{Year: 2023, Month: time.July, Day: 20}) || e.Targets[booking.IUD] != 1000 {
		t.Errorf("event %+v", e)
	}
	s, _ := e.Site("pkm-bendan")
	if s.Quota[booking.IUD] != 20 || s.Quota[booking.Implan] != 15 || len(s.Sessions) != 2 {
		t.Fatalf("site %+v", s)
	}
	// 08:00 WIB is 01:00 UTC; the cut-off 18:00 WIB the day before.
	if !s.Sessions[0].Start.Equal(time.Date(2023, 7, 20, 1, 0, 0, 0, time.UTC)) || !s.Sessions[1].End.Equal(time.Date(2023, 7, 20, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("sessions %+v", s.Sessions)
	}
	if !s.Closes.Equal(time.Date(2023, 7, 19, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("closes %v", s.Closes)
	}

	// The same with a broken cell names the section and the file's line.
	broken := strings.Replace(indonesianCSV, "kbs-1;pkm-bendan;8.00;10.00;25", "kbs-1;pkm-bendan;8.00;10.00;dua puluh", 1)
	_, err = sheet.ReadCSV(strings.NewReader(broken), "acara.csv")
	if want := `Sheet "sesi", baris 14, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "dua puluh"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestCSVShapes(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"id,nama\npkm-a,A\n":                     "baris 1: file CSV harus dimulai dengan baris [fasilitas]",
		"[fasilitas]\nid\n[warna]\nx\n":          "baris 3: bagian [warna] tidak dikenal",
		"\xff\xfe[\x00":                          "UTF-16",
		"[fasilitas]\nid;nama\n\"pkm-a;A\n":      "", // lazy quotes: read, then reported as fields
		"sep=,\n[fasilitas]\nid,nama\npkm-a,A\n": `Sheet "fasilitas", baris 3, kolom "jenis": kolom wajib ini tidak ada di baris judul`,
	}
	for in, want := range cases {
		_, err := sheet.ReadCSV(strings.NewReader(in), "x.csv")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadCSV(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

// TestWindows1252CSV checks that a CSV saved by an older Excel in the
// Windows code page reads its accented letters right.
func TestWindows1252CSV(t *testing.T) {
	t.Parallel()
	in := strings.Replace(indonesianCSV, "Bendan Kergon", "Bend\xe9n Kergon", 1)
	c, err := sheet.ReadCSV(strings.NewReader(in), "acara.csv")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := c.Facility("pkm-bendan"); f.Kelurahan != "Bendén Kergon" {
		t.Errorf("kelurahan %q", f.Kelurahan)
	}
}

// TestCancelAndMoveColumns: "dibatalkan" in acara or lokasi cancels an
// event or a site, and "pindah_dari" in sesi names a moved session's old
// start; a bad time there is named by sheet, row and column.
func TestCancelAndMoveColumns(t *testing.T) {
	t.Parallel()
	in := strings.NewReplacer(
		"[lokasi];;;;;;;;;;\r\nacara;fasilitas;kuota_iud;kuota_implan;", "[lokasi];;;;;;;;;;\r\nacara;fasilitas;kuota_iud;kuota_implan;dibatalkan",
		"kbs-1;PKM-BENDAN;20;15,0;", "kbs-1;PKM-BENDAN;20;15,0;ya",
		"acara;fasilitas;mulai;selesai;kapasitas;", "acara;fasilitas;mulai;selesai;kapasitas;pindah_dari",
		"kbs-1;pkm-bendan;8.00;10.00;25;", "kbs-1;pkm-bendan;8.00;10.00;25;7.00",
	).Replace(indonesianCSV)
	c, err := sheet.ReadCSV(strings.NewReader(in), "acara.csv")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Event("kbs-1")
	s, _ := e.Site("pkm-bendan")
	if !s.Cancelled || e.Cancelled || s.Sessions[0].MovedFrom != "07:00" || s.Sessions[1].MovedFrom != "" {
		t.Fatalf("site %+v", s)
	}
	whole := strings.Replace(in, "id;nama;tanggal;tutup_pendaftaran;target_iud;catatan", "id;nama;tanggal;tutup_pendaftaran;target_iud;dibatalkan", 1)
	whole = strings.Replace(whole, "1.000;contoh saja", "1.000;ya", 1)
	if c, err = sheet.ReadCSV(strings.NewReader(whole), "acara.csv"); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Event("kbs-1"); !e.Cancelled || !e.Sites[0].Cancelled {
		t.Fatalf("a cancelled event: %+v", e)
	}
	bad := strings.Replace(in, "25;7.00", "25;pagi", 1)
	_, err = sheet.ReadCSV(strings.NewReader(bad), "acara.csv")
	if want := `Sheet "sesi", baris 14, kolom "pindah_dari": harus jam`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
}
