package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
	reportrender "github.com/kbbot/kbbot/report/render"
)

// savePNG writes a PNG a test received to $KBBOT_TEST_PNG_DIR (unset:
// nowhere), to be looked at.
func savePNG(t *testing.T, name string, data []byte) {
	t.Helper()
	if dir := os.Getenv("KBBOT_TEST_PNG_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// oldNotice makes chat's resident record say they agreed to notice v.
func oldNotice(t *testing.T, e *env, chat int64, v int) {
	t.Helper()
	ctx := context.Background()
	key := redisstore.NewKeys(e.prefix).ChatRecord(kbbot.ChatID(chat))
	var r map[string]any
	if err := json.Unmarshal([]byte(e.rdb.Get(ctx, key).Val()), &r); err != nil {
		t.Fatal(err)
	}
	r["notice"] = v
	b, _ := json.Marshal(r)
	if err := e.rdb.Set(ctx, key, b, e.rdb.TTL(ctx, key).Val()).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestE2EFollowUp: Kader Rina of Pekalongan Barat follows residents up
// by name. Before the day, her H-1 and H-0 for Ibu Tarmi (booked without
// a phone) come to her with the name, place, time and queue number, and
// the slip comes as a PNG. After the sessions her list (first screen at
// most 5 lines, names, no ids) shows Sari who did not come, Wati who
// stopped (with the reason she gave), Dewi who blocked the bot and Ibu
// Tarmi; not Ani, who agreed to a notice before the follow-up was named,
// nor Nur, booked in Pekalongan Timur. Sari gets the personal reminder
// once a day; Wati and Dewi none (only "sudah dihubungi"), which is
// stored with who and when and audited.
func TestE2EFollowUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	sari := e.srv.User(8101, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)
	dewi := e.srv.User(8102, "Dewi")
	consent(t, dewi)
	dewiB := dayBook(t, p, 8102, "Dewi Lestari", "081298765432", "0800", booking.Suntik3, "")
	wati := e.srv.User(8103, "Wati")
	consent(t, wati)
	watiB := dayBook(t, p, 8103, "Wati Rahayu", "", "1000", booking.Implan, "")
	ani := e.srv.User(8104, "Ani")
	consent(t, ani)
	dayBook(t, p, 8104, "Ani Suryani", "", "1000", booking.Pil, "")
	oldNotice(t, e, 8104, 1)
	nur := e.srv.User(8105, "Nur")
	consent(t, nur)
	if _, err := p.App.Bookings.Book(ctx, booking.Request{EventID: demoEvent, FacilityID: "pkm-noyontaan", SessionID: "0800", Method: booking.Pil,
		Resident: 8105, Name: "Nur Hidayah", ConsentAt: testStart, IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}

	rina := e.srv.User(9202, "Kader Rina")
	reportsStaff(t, e, rina, cadre.Kader, areaBarat)
	cadreBooksTarmi(t, rina)
	timur := e.srv.User(9203, "Kader Timur")
	reportsStaff(t, e, timur, cadre.Kader, areaTimur)

	// Wati stops, and says why; Dewi blocks the bot.
	must(t)(wati.Send("/berhenti"))
	must(t)(wati.Tap("🤰 Sudah hamil"))
	must(t)(dewi.Block())

	// The day before at 16:00 WIB: Ibu Tarmi's H-1 comes to Rina.
	e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sweep(t, p)
	h1 := lastText(t, rina)
	for _, want := range []string{"Besok jadwal KB serentak Ibu Tarmi", "Puskesmas Bendan", "Kamis, 26 November 2026, 08.00–10.00 WIB",
		"Nomor antrean: 2. Perkiraan dilayani sekitar 08.05 WIB", "Bawa: KTP"} {
		if !strings.Contains(h1, want) {
			t.Fatalf("the cadre's H-1 lacks %q:\n%s", want, h1)
		}
	}
	must(t)(rina.Tap("🖼 Slip pendaftaran (PNG)"))
	slip, _ := rina.Last()
	if slip.Photo == nil || !strings.HasPrefix(slip.Photo.Name, "slip-KB-") || !strings.Contains(slip.Photo.Caption, "Slip pendaftaran <b>Ibu Tarmi</b>") {
		t.Fatalf("the slip: %+v", slip)
	}
	img, err := png.Decode(bytes.NewReader(slip.Photo.Data))
	if err != nil || img.Bounds().Dx() != reportrender.SlipWidth || img.Bounds().Dy() < 800 || img.Bounds().Dy() > reportrender.SlipMaxHeight {
		t.Fatalf("the slip PNG: %v %v", img.Bounds(), err)
	}
	savePNG(t, "slip.png", slip.Photo.Data)
	// The H-0 at 06:00 WIB on the day.
	e.clock.Set(time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC))
	sweep(t, p)
	if got := lastText(t, rina); !strings.Contains(got, "Hari ini jadwal KB serentak Ibu Tarmi") || !strings.Contains(got, "Nomor antrean: 2") {
		t.Fatalf("the cadre's H-0: %q", got)
	}
	// A resident has no such command.
	must(t)(sari.Send("/tindaklanjut"))
	if got := lastText(t, sari); got != unknownReply("/tindaklanjut") {
		t.Fatalf("/tindaklanjut for a resident: %q", got)
	}

	// After the sessions nobody came.
	e.clock.Set(afterSessions)
	must(t)(rina.Send("/kader"))
	must(t)(rina.Tap("📞 Tindak lanjut"))
	list := lastText(t, rina)
	t.Logf("Rina's list:\n%s", list)
	if n := headerLines(list); n > 5 {
		t.Fatalf("the list's first screen has %d lines:\n%s", n, list)
	}
	for _, want := range []string{"Tindak lanjut · Pekalongan Barat, Kota Pekalongan", "4 perlu dihubungi · 0 sudah dihubungi",
		"Sari Wulandari — tidak datang 26/11", "Wati Rahayu — tidak datang 26/11; berhenti: sudah hamil",
		"Dewi Lestari — tempat dilepas 25/11; memblokir bot", "Ibu Tarmi — tidak datang 26/11; Anda daftarkan, 26/11"} {
		if !strings.Contains(list, want) {
			t.Fatalf("the list lacks %q:\n%s", want, list)
		}
	}
	for _, not := range []string{"Ani", "Nur", "8101", "8103", "9202"} {
		if strings.Contains(list, not) {
			t.Fatalf("the list shows %q:\n%s", not, list)
		}
	}
	// The kader of Pekalongan Timur sees Nur, not Barat's residents.
	must(t)(timur.Send("/tindaklanjut"))
	if got := lastText(t, timur); !strings.Contains(got, "Nur Hidayah") || strings.Contains(got, "Sari") || strings.Contains(got, "Tarmi") {
		t.Fatalf("Pekalongan Timur's list:\n%s", got)
	}

	// Sari: one tap sends the personal reminder; a second the same day
	// sends nothing more.
	tapPrefix(t, rina, "Sari Wulandari")
	card := lastText(t, rina)
	if !strings.Contains(card, "Tidak datang: Puskesmas Bendan, Kamis, 26 November 2026, 08.00–10.00 WIB (kode "+code+")") ||
		!strings.Contains(card, "📱 +6281234567890") || !strings.Contains(card, "Belum dihubungi.") {
		t.Fatalf("Sari's card:\n%s", card)
	}
	must(t)(rina.Tap("🔔 Kirim pengingat"))
	if got := lastText(t, rina); !strings.Contains(got, "Pengingat dikirim kepada Sari Wulandari") {
		t.Fatalf("after sending: %q", got)
	}
	sweep(t, p)
	if got := lastText(t, sari); !strings.Contains(got, "Salam dari kader KB") || !strings.Contains(got, "belum datang") {
		t.Fatalf("Sari's personal reminder: %q", got)
	}
	must(t)(rina.Tap("🔔 Kirim pengingat"))
	sweep(t, p)
	if got := lastText(t, rina); !strings.Contains(got, "sudah dikirim hari ini") || countText(sari, "Salam dari kader KB") != 1 {
		t.Fatalf("a second reminder the same day: %q, Sari got %d", got, countText(sari, "Salam dari kader KB"))
	}

	// Wati stopped: no reminder button, only "sudah dihubungi".
	must(t)(rina.Tap("⬅️ Kembali ke daftar"))
	tapPrefix(t, rina, "Wati Rahayu")
	card = lastText(t, rina)
	m, _ := rina.Last()
	if hasButton(m, "🔔 Kirim pengingat") || !strings.Contains(card, "Berhenti menerima pesan sejak") || !strings.Contains(card, "Alasan: sudah hamil.") ||
		!strings.Contains(card, "saya tidak mengirim pesan kepadanya") {
		t.Fatalf("Wati's card:\n%s\n%+v", card, m.Buttons)
	}
	must(t)(rina.Tap("✅ Sudah dihubungi"))
	if got := lastText(t, rina); !strings.Contains(got, "Wati Rahayu ditandai sudah dihubungi") || !strings.Contains(got, "Sudah dihubungi oleh Anda, Kamis, 26 November 2026, 12.30 WIB") {
		t.Fatalf("Wati marked: %q", got)
	}
	// Dewi blocked the bot: likewise.
	must(t)(rina.Tap("⬅️ Kembali ke daftar"))
	if got := lastText(t, rina); !strings.Contains(got, "3 perlu dihubungi · 1 sudah dihubungi") || !strings.Contains(got, "✅ Wati Rahayu") {
		t.Fatalf("the list after a mark:\n%s", got)
	}
	tapPrefix(t, rina, "Dewi Lestari")
	if m, _ := rina.Last(); hasButton(m, "🔔 Kirim pengingat") || !strings.Contains(m.Plain(), "Memblokir bot sejak") {
		t.Fatalf("Dewi's card: %q", m.Plain())
	}
	must(t)(rina.Tap("✅ Sudah dihubungi"))

	// The marks are stored with who and when, and audited with the code.
	fu := redisstore.NewFollowUpStore(e.rdb, redisstore.NewKeys(e.prefix))
	marks, err := fu.Contacts(ctx, []string{"c8103", "c8102", "c8101"})
	if err != nil || len(marks) != 2 || marks["c8103"].By != 9202 || !marks["c8103"].At.Equal(afterSessions) {
		t.Fatalf("marks: %+v %v", marks, err)
	}
	es := reportsAudit(t, e)
	if countAudit(es, cadre.AuditContacted, watiB.Code) != 1 || countAudit(es, cadre.AuditContacted, dewiB.Code) != 1 || countAudit(es, cadre.AuditFollowUpSent, code) != 1 {
		t.Fatalf("audit log: %+v", es)
	}
	for _, x := range es {
		if strings.Contains(x.Detail, "hamil") || strings.Contains(x.Detail, "Wati") {
			t.Fatalf("the audit log names a reason or a name: %+v", x)
		}
	}

	// Ibu Tarmi: no message to send; her slip, until the day is over.
	must(t)(rina.Tap("⬅️ Kembali ke daftar"))
	tapPrefix(t, rina, "Ibu Tarmi")
	if m, _ := rina.Last(); hasButton(m, "🔔 Kirim pengingat") || !strings.Contains(m.Plain(), "Anda daftarkan tanpa HP: Puskesmas Bendan") ||
		!strings.Contains(m.Plain(), "nomor antrean 2") {
		t.Fatalf("Ibu Tarmi's card: %q %+v", m.Plain(), m.Buttons)
	}

	// An hour later Wati does something new: her row opens again.
	e.clock.Set(afterSessions.Add(time.Hour))
	must(t)(wati.Send("/mulai"))
	must(t)(wati.Send("/berhenti"))
	must(t)(rina.Send("/tindaklanjut"))
	if got := lastText(t, rina); !strings.Contains(got, "3 perlu dihubungi · 1 sudah dihubungi") || strings.Contains(got, "✅ Wati") {
		t.Fatalf("a new stop opens the row again:\n%s", got)
	}
	// /hapusdata forgets Dewi's mark.
	must(t)(dewi.Unblock())
	must(t)(dewi.Send("/hapusdata"))
	must(t)(dewi.Tap("🗑 Ya, hapus semuanya"))
	if marks, _ := fu.Contacts(ctx, []string{"c8102"}); len(marks) != 0 {
		t.Fatalf("Dewi's mark outlived /hapusdata: %+v", marks)
	}
}
