package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

const (
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeCSV  = "text/csv"
)

// importFile is an events file an admin sends in the tests, by name: the
// demo events (on the test clock's coming days) as a workbook (acara.xlsx)
// or as CSV with ";" (acara.csv); the workbook with mistakes (rusak.xlsx);
// the workbook with Puskesmas Bendan's IUD quota cut to 0
// (kuota-turun.xlsx); the workbook with the first event dated a year ago
// and a quota beyond its site's sessions (lalu.xlsx); the workbook with
// Puskesmas Bendan's 08:00 session moved to 13:00–15:00 (pindah.xlsx:
// pindah_dari 08:00), or with that session moved but pindah_dari left
// empty (pindah-tanpa.xlsx); the workbook with Puskesmas Bendan's site
// cancelled (batal.xlsx: dibatalkan ya).
func importFile(t testing.TB, e *env, name string) ([]byte, string) {
	t.Helper()
	cat, err := booking.Demo(e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if name == "acara.csv" {
		if err := sheet.WriteCSV(&b, cat, ';'); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), mimeCSV
	}
	if err := sheet.WriteXLSX(&b, cat); err != nil {
		t.Fatal(err)
	}
	edits := map[string]map[string]any{
		"acara.xlsx":       nil,
		"rusak.xlsx":       {"sesi!E7": "dua puluh", "fasilitas!I3": "utara", "lokasi!B3": "rs-tidak-ada"},
		"kuota-turun.xlsx": {"lokasi!H2": 0},
		// The first event a year ago, Bendan's quotas beyond its sessions.
		"lalu.xlsx": {"acara!C2": e.clock.Now().AddDate(-1, 0, 0).Format("2006-01-02"), "lokasi!C2": 500},
		// Columns of sesi: acara, fasilitas, mulai, selesai, kapasitas,
		// pindah_dari; of lokasi: acara, fasilitas, ten kuota_*,
		// lebih_kuota, dibatalkan. Row 2 is Puskesmas Bendan's (first).
		"pindah.xlsx":       {"sesi!C2": "13:00", "sesi!D2": "15:00", "sesi!F2": "08:00"},
		"pindah-tanpa.xlsx": {"sesi!C2": "13:00", "sesi!D2": "15:00"},
		"batal.xlsx":        {"lokasi!N2": "ya"},
	}
	cells, ok := edits[name]
	if !ok {
		t.Fatalf("no test file %q", name)
	}
	if len(cells) == 0 {
		return b.Bytes(), mimeXLSX
	}
	f, err := excelize.OpenReader(&b)
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
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), mimeXLSX
}

// TestE2EImportFromSpreadsheet: an admin sends the events as a workbook:
// a broken one is answered with its sheets, rows and columns; a good one
// is previewed, imported once on the confirmation (a double tap and a
// forged button import nothing more), audited, and its events are
// bookable. A quota cut below a booking is refused; a CSV with ";" of the
// same events changes nothing. A resident's document is not imported.
func TestE2EImportFromSpreadsheet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const adminID = 9001
	e.cfg.Admins = []int64{adminID}
	p := e.start()
	ctx := context.Background()
	keys := redisstore.NewKeys(e.prefix)
	admin := e.srv.User(adminID, "Sari")
	dewi := e.srv.User(9101, "Dewi")
	consent(t, dewi)

	// A resident's workbook is a document like any other: not read.
	data, mime := importFile(t, e, "acara.xlsx")
	must(t)(dewi.SendFile("acara.xlsx", mime, data, ""))
	if got := lastText(t, dewi); !strings.Contains(got, "belum bisa stiker, foto, suara atau dokumen") {
		t.Fatalf("resident's workbook: %q", got)
	}
	if e.srv.Downloads() != 0 || e.rdb.Exists(ctx, keys.ChatImport(kbbot.ChatID(dewi.ID))).Val() != 0 {
		t.Fatalf("a resident's file was fetched (%d) or kept", e.srv.Downloads())
	}

	// /impor explains and sends the template.
	must(t)(admin.Send("/impor"))
	msgs := admin.Messages()
	if tmpl := msgs[len(msgs)-1].Document; tmpl == nil || tmpl.Name != "templat-acara-kbbot.xlsx" || !strings.Contains(msgs[len(msgs)-2].Plain(), "Impor jadwal KB serentak") {
		t.Fatalf("/impor: %+v", msgs[len(msgs)-2:])
	} else if _, err := sheet.ReadXLSX(bytes.NewReader(tmpl.Data), "t.xlsx"); err != nil {
		t.Fatalf("the template sent does not read back: %v", err)
	}

	broken, _ := importFile(t, e, "rusak.xlsx")
	must(t)(admin.SendFile("rusak.xlsx", mimeXLSX, broken, ""))
	got := lastText(t, admin)
	for _, want := range []string{"rusak.xlsx belum bisa diimpor: ", `Sheet "sesi", baris 7, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "dua puluh"`,
		`Sheet "fasilitas", baris 3, kolom "lat": harus angka desimal antara -11,5 dan 6,5 (lintang di Indonesia), bukan "utara"`,
		`Sheet "lokasi", baris 3, kolom "fasilitas": fasilitas "rs-tidak-ada" tidak ada di sheet fasilitas`} {
		if !strings.Contains(got, want) {
			t.Errorf("broken workbook: answer lacks %q:\n%s", want, got)
		}
	}
	// The planner's checks: a past event, a quota beyond the sessions.
	past, _ := importFile(t, e, "lalu.xlsx")
	must(t)(admin.SendFile("lalu.xlsx", mimeXLSX, past, ""))
	got = lastText(t, admin)
	for _, want := range []string{"lalu.xlsx belum bisa diimpor: ", `Sheet "acara", baris 2, kolom "tanggal": tanggal ` + e.clock.Now().AddDate(-1, 0, 0).Format("2006-01-02") + " sudah lewat",
		`Sheet "lokasi", baris 2: jumlah kuota`} {
		if !strings.Contains(got, want) {
			t.Errorf("past workbook: answer lacks %q:\n%s", want, got)
		}
	}
	must(t)(admin.SendFileSized("besar.xlsx", mimeXLSX, data, 3<<20, ""))
	if got := lastText(t, admin); !strings.Contains(got, "besar.xlsx terlalu besar (3 MB). Paling besar 2 MB") {
		t.Errorf("too big: %q", got)
	}

	// Telegram fails to hand the file over: say so; nothing is kept.
	e.srv.FailNext("getFile", 502, 0, "Bad Gateway")
	must(t)(admin.SendFile("acara.xlsx", mimeXLSX, data, ""))
	if got := lastText(t, admin); !strings.Contains(got, "file acara.xlsx belum bisa saya ambil dari Telegram") ||
		e.rdb.Exists(ctx, keys.ChatImport(adminID)).Val() != 0 {
		t.Errorf("failed download: %q", got)
	}

	must(t)(admin.SendFile("acara.xlsx", mimeXLSX, data, ""))
	preview, _ := admin.Last()
	for _, want := range []string{"Pratinjau impor: acara.xlsx", "3 acara, 10 fasilitas, 10 lokasi, 21 sesi.", "IUD 117, kondom 47, MOW 18, MOP 5",
		"Acara baru 3, diubah 0, tetap 0 · fasilitas baru 10, diubah 0."} {
		if !strings.Contains(preview.Plain(), want) {
			t.Errorf("preview lacks %q:\n%s", want, preview.Plain())
		}
	}
	if ttl := e.rdb.TTL(ctx, keys.ChatImport(adminID)).Val(); ttl <= 29*time.Minute || ttl > 30*time.Minute {
		t.Errorf("the previewed file is kept for %v, want 30 minutes", ttl)
	}
	if c, _ := p.App.Bookings.Catalog(ctx); len(c.Events()) != 0 {
		t.Fatal("the preview imported something")
	}
	if got := forge(t, admin, "imp:ok:zzzz"); !strings.Contains(got, "Menu utama") {
		t.Errorf("forged confirmation: %q", got)
	}
	if !strings.Contains(admin.Messages()[len(admin.Messages())-2].Plain(), "Tombol ini sudah tidak berlaku") {
		t.Error("a forged confirmation is not told it expired")
	}
	if c, _ := p.App.Bookings.Catalog(ctx); len(c.Events()) != 0 {
		t.Fatal("a forged button imported something")
	}
	// The forged tap left the flow: the preview's own button has expired
	// too. Send the file again for a fresh preview.
	must(t)(admin.SendFile("acara.xlsx", mimeXLSX, data, ""))
	preview, _ = admin.Last()
	var okData string
	for _, row := range preview.Buttons {
		for _, b := range row {
			if b.Text == "✅ Impor" {
				okData = b.Data
			}
		}
	}
	must(t)(admin.Tap("✅ Impor"))
	if got := lastText(t, admin); !strings.Contains(got, "Impor selesai: acara.xlsx") || !strings.Contains(got, "Acara baru 3, diubah 0, tetap 0; 10 fasilitas.") {
		t.Fatalf("confirmation: %q", got)
	}
	must(t)(admin.TapData(preview.ID, okData)) // a double tap
	if got := admin.Messages(); !strings.Contains(got[len(got)-2].Plain(), "Tombol ini sudah tidak berlaku") {
		t.Errorf("double tap: %q", got[len(got)-2].Plain())
	}
	es := reportsAudit(t, e)
	if n := countAudit(es, cadre.ActImport, "acara.xlsx|3|0|0"); n != 1 {
		t.Errorf("%d import entries in the audit log, want 1: %+v", n, es)
	}
	c, err := p.App.Bookings.Catalog(ctx)
	if err != nil || len(c.Events()) != 3 || len(c.Facilities()) != 10 {
		t.Fatalf("imported: %v", err)
	}

	// The events are bookable, at once (this process's catalog cache was
	// reset by the import).
	code := bookIUDAtBendan(t, dewi)

	// A quota cut below the booking is refused, naming it; nothing changes.
	cut, _ := importFile(t, e, "kuota-turun.xlsx")
	must(t)(admin.SendFile("kuota-turun.xlsx", mimeXLSX, cut, ""))
	if got := lastText(t, admin); !strings.Contains(got, "kuota-turun.xlsx belum bisa diimpor") ||
		!strings.Contains(got, "kbs-pekalongan-demo, Puskesmas Bendan, IUD: 0 (tidak dilayani), sudah terdaftar 1") || strings.Contains(got, "Impor\n") {
		t.Errorf("quota below the booking: %q", got)
	}
	if b, err := p.App.Bookings.Get(ctx, code); err != nil || b.Status != booking.Active {
		t.Errorf("booking after a refused import: %+v %v", b, err)
	}

	// The same events as CSV with ";" and decimal commas: nothing to change.
	csvData, _ := importFile(t, e, "acara.csv")
	must(t)(admin.SendFile("acara.csv", mimeCSV, csvData, ""))
	if got := lastText(t, admin); !strings.Contains(got, "Acara baru 0, diubah 0, tetap 3 · fasilitas baru 0, diubah 0.") {
		t.Errorf("CSV preview: %q", got)
	}
	must(t)(admin.Tap("✖️ Batal"))
	if got := lastText(t, admin); !strings.Contains(got, "Impor dibatalkan") || e.rdb.Exists(ctx, keys.ChatImport(adminID)).Val() != 0 {
		t.Errorf("cancel: %q", got)
	}
	if n := countAudit(reportsAudit(t, e), cadre.ActImport, "acara.xlsx|3|0|0"); n != 1 {
		t.Errorf("%d import entries after the refusal and the cancel, want 1", n)
	}
}
