package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// countText counts u's messages whose text holds s.
func countText(u *telegramtest.User, s string) int {
	n := 0
	for _, m := range u.Messages() {
		if strings.Contains(m.Plain(), s) {
			n++
		}
	}
	return n
}

// pendingIDs lists the ids of chat's pending reminders.
func pendingIDs(t *testing.T, p *process, chat int64) []string {
	t.Helper()
	items, err := p.App.Reminders.Pending(context.Background(), kbbot.ChatID(chat))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// cadreBooksTarmi: kader k books Ibu Tarmi, who has no phone, for an
// IUD at Puskesmas Bendan at 08:00, through /daftarkan.
func cadreBooksTarmi(t *testing.T, k *telegramtest.User) {
	t.Helper()
	must(t)(k.Send("/daftarkan"))
	must(t)(k.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, k, "Kota Pekalongan")
	tapPrefix(t, k, "Pekalongan Barat")
	tapPrefix(t, k, "Puskesmas Bendan")
	tapPrefix(t, k, "IUD (AKDR, spiral) · sisa")
	tapPrefix(t, k, "08.00–10.00 WIB")
	must(t)(k.Send("Ibu Tarmi"))
	must(t)(k.Tap("✅ Ya, warga sudah setuju"))
	must(t)(k.Tap("Lewati"))
	checklistAllNo(t, k)
	must(t)(k.Tap("✅ Ya, daftarkan"))
	if !strings.Contains(strings.Join(texts(k), "\n"), "Ibu Tarmi") {
		t.Fatalf("the cadre's booking: %q", lastText(t, k))
	}
}

// texts are the plain texts of every message u got.
func texts(u *telegramtest.User) []string {
	var out []string
	for _, m := range u.Messages() {
		out = append(out, m.Plain())
	}
	return out
}

// TestE2EEventChangeMovesASession: an admin sends the schedule again with
// Puskesmas Bendan's 08:00 session moved to 13:00. Without pindah_dari the
// preview refuses (the session has bookings) and says how a move is
// written; with it, the preview says that 4 booked residents will be
// told. After the import each is told once, in their language: Sari (keep,
// change or cancel), Dewi in English, and Kader Rina for Ibu Tarmi, who has
// no phone; Wati, who said /berhenti, is not. Their reminders move to the
// new time. Told again (the periodic job, a second import of the same
// file), nobody hears twice.
func TestE2EEventChangeMovesASession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const adminID = 9001
	e.cfg.Admins = []int64{adminID}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	sari := e.srv.User(8401, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)
	dewi := e.srv.User(8402, "Dewi")
	consent(t, dewi)
	must(t)(dewi.Send("/bahasa en"))
	dayBook(t, p, 8402, "Dewi Lestari", "", "0800", booking.Implan, "")
	wati := e.srv.User(8403, "Wati")
	consent(t, wati)
	dayBook(t, p, 8403, "Wati Rahayu", "", "0800", booking.Pil, "")
	must(t)(wati.Send("/berhenti"))
	rina := e.srv.User(9202, "Kader Rina")
	reportsStaff(t, e, rina, cadre.Kader, areaBarat)
	cadreBooksTarmi(t, rina)
	if kinds := pendingKinds(t, p, 9202); !kinds["kader_h1"] || !kinds["kader_h0"] {
		t.Fatalf("the cadre's reminders of Ibu Tarmi: %v", kinds)
	}
	oldH0 := "h0:" + code + ":202611260100"
	if ids := strings.Join(pendingIDs(t, p, 8401), " "); !strings.Contains(ids, oldH0) {
		t.Fatalf("Sari's reminders before: %s", ids)
	}

	admin := e.srv.User(adminID, "Admin")
	data, mime := importFile(t, e, "pindah-tanpa.xlsx")
	must(t)(admin.SendFile("pindah-tanpa.xlsx", mime, data, ""))
	if got := lastText(t, admin); !strings.Contains(got, "belum bisa diimpor") || !strings.Contains(got, "sesi 08.00: dihapus, sudah terdaftar 4") ||
		!strings.Contains(got, "pindah_dari") {
		t.Fatalf("a move without pindah_dari: %q", got)
	}
	data, mime = importFile(t, e, "pindah.xlsx")
	must(t)(admin.SendFile("pindah.xlsx", mime, data, ""))
	if got := lastText(t, admin); !strings.Contains(got, "Perubahan jadwal: 1 sesi pindah jam, 0 lokasi dibatalkan. 4 warga yang sudah mendaftar akan diberi tahu") {
		t.Fatalf("the preview of a move: %q", got)
	}
	must(t)(admin.Tap("✅ Impor"))
	if got := lastText(t, admin); !strings.Contains(got, "📣 4 warga yang terdaftar sedang diberi tahu.") {
		t.Fatalf("the import's answer: %q", got)
	}

	sweep(t, p)
	moved := lastText(t, sari)
	t.Logf("Sari's notice:\n%s\nDewi's:\n%s\nRina's:\n%s", moved, lastText(t, dewi), lastText(t, rina))
	for _, want := range []string{"Jadwal KB serentak Ibu berubah", "Puskesmas Bendan: sekarang Kamis, 26 November 2026, 13.00–15.00 WIB",
		"Sebelumnya: Kamis, 26 November 2026, 08.00 WIB", "Nomor antrean Ibu: 1. Perkiraan dilayani sekitar 13.00 WIB", "Apakah Ibu tetap datang?"} {
		if !strings.Contains(moved, want) {
			t.Fatalf("Sari's notice lacks %q:\n%s", want, moved)
		}
	}
	m, _ := sari.Last()
	for _, b := range []string{"👍 Ya, tetap datang", "📅 Ubah jadwal/tempat", "❌ Batalkan"} {
		if !hasButton(m, b) {
			t.Fatalf("Sari's notice lacks the button %q: %+v", b, m.Buttons)
		}
	}
	if got := lastText(t, dewi); !strings.Contains(got, "Your KB serentak time has changed") || !strings.Contains(got, "13:00–15:00 WIB") {
		t.Fatalf("Dewi's notice, in English: %q", got)
	}
	if got := lastText(t, rina); !strings.Contains(got, "Jadwal berubah untuk Ibu Tarmi") || !strings.Contains(got, "Nomor antrean: 2") {
		t.Fatalf("the cadre's notice for Ibu Tarmi: %q", got)
	}
	if n := countText(wati, "berubah"); n != 0 {
		t.Fatalf("Wati said /berhenti and was told %d times", n)
	}
	// The reminders follow the new time.
	ids := strings.Join(pendingIDs(t, p, 8401), " ")
	if strings.Contains(ids, oldH0) || !strings.Contains(ids, "h0:"+code+":202611260600") || !strings.Contains(ids, "h1:"+code+":202611260600") {
		t.Fatalf("Sari's reminders after the move: %s", ids)
	}
	if ids := strings.Join(pendingIDs(t, p, 9202), " "); !strings.Contains(ids, "kader_h0:") || !strings.Contains(ids, ":202611260600") || strings.Contains(ids, "0100 ") {
		t.Fatalf("the cadre's reminders after the move: %s", ids)
	}

	// Never twice: the periodic job, another sweep, the same file again.
	if err := p.App.NotifyEventChanges(ctx); err != nil {
		t.Fatal(err)
	}
	sweep(t, p)
	must(t)(admin.SendFile("pindah.xlsx", mime, data, ""))
	if got := lastText(t, admin); strings.Contains(got, "Perubahan jadwal") {
		t.Fatalf("the same file again announces changes: %q", got)
	}
	must(t)(admin.Tap("✅ Impor"))
	sweep(t, p)
	if n := countText(sari, "Jadwal KB serentak Ibu berubah"); n != 1 {
		t.Fatalf("Sari was told %d times", n)
	}
	if n := countText(rina, "Jadwal berubah untuk Ibu Tarmi"); n != 1 {
		t.Fatalf("Rina was told %d times", n)
	}

	must(t)(sari.Tap("👍 Ya, tetap datang"))
	if got := lastText(t, sari); !strings.Contains(got, "tempat Ibu (kode "+code+") tetap") {
		t.Fatalf("keep: %q", got)
	}
	// The H-1 reminder the day before names the new time.
	e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sweep(t, p)
	if got := lastText(t, sari); !strings.Contains(got, "Besok") || !strings.Contains(got, "13.00–15.00 WIB") {
		t.Fatalf("the H-1 after the move: %q", got)
	}
	if got := lastText(t, rina); !strings.Contains(got, "Besok jadwal KB serentak Ibu Tarmi") || !strings.Contains(got, "13.00–15.00 WIB") {
		t.Fatalf("the cadre's H-1 after the move: %q", got)
	}
}

// TestE2EEventChangeCancelsASite: an admin marks Puskesmas Bendan's site
// dibatalkan. The preview counts the residents booked there; after the
// import the site takes no booking, its bookings are cancelled and their
// places freed, their reminders cancelled, and Sari is told once and
// offered the event's other sites; Nina, who waited for a pill place
// there, leaves the waitlist and is told too.
func TestE2EEventChangeCancelsASite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const adminID = 9001
	e.cfg.Admins = []int64{adminID}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	sari := e.srv.User(8501, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)
	for i := range 5 {
		dayBook(t, p, int64(8510+i), "Warga Pil "+string(rune('A'+i)), "", "0800", booking.Pil, "")
	}
	nina := e.srv.User(8520, "Nina")
	consent(t, nina)
	if _, err := p.App.Bookings.JoinWaitlist(ctx, booking.WaitRequest{EventID: demoEvent, FacilityID: "pkm-bendan", Method: booking.Pil, Resident: 8520}); err != nil {
		t.Fatal(err)
	}
	if kinds := pendingKinds(t, p, 8501); !kinds["h1"] || !kinds["h0"] {
		t.Fatalf("Sari's reminders: %v", kinds)
	}

	admin := e.srv.User(adminID, "Admin")
	data, mime := importFile(t, e, "batal.xlsx")
	must(t)(admin.SendFile("batal.xlsx", mime, data, ""))
	if got := lastText(t, admin); !strings.Contains(got, "0 sesi pindah jam, 1 lokasi dibatalkan. 6 warga yang sudah mendaftar akan diberi tahu") {
		t.Fatalf("the preview of a cancellation: %q", got)
	}
	must(t)(admin.Tap("✅ Impor"))

	b, err := p.App.Bookings.Get(ctx, code)
	if err != nil || b.Status != booking.Cancelled || !b.SiteCancelled {
		t.Fatalf("Sari's booking after the cancellation: %+v %v", b, err)
	}
	if av, _ := p.App.Bookings.Availability(ctx, demoEvent, "pkm-bendan"); av.Methods[0].Taken != 0 {
		t.Fatalf("places still taken: %+v", av)
	}
	if _, err := p.App.Bookings.Book(ctx, booking.Request{EventID: demoEvent, FacilityID: "pkm-bendan", SessionID: "0800", Method: booking.IUD,
		Resident: 8530, Name: "Baru", ConsentAt: testStart, IdempotencyKey: "k"}); err == nil {
		t.Fatal("a cancelled site took a booking")
	}
	if kinds := pendingKinds(t, p, 8501); kinds["h1"] || kinds["h0"] {
		t.Fatalf("Sari's reminders are not cancelled: %v", kinds)
	}

	sweep(t, p)
	got := lastText(t, sari)
	t.Logf("Sari's notice:\n%s\nNina's:\n%s", got, lastText(t, nina))
	if !strings.Contains(got, "KB serentak di Puskesmas Bendan pada Kamis, 26 November 2026 dibatalkan.") || !strings.Contains(got, "kode "+code) {
		t.Fatalf("Sari's notice: %q", got)
	}
	if got := lastText(t, nina); !strings.Contains(got, "keluar dari daftar tunggu") {
		t.Fatalf("Nina's notice: %q", got)
	}
	if w, _ := p.App.Bookings.Waiting(ctx, 8520); len(w) != 0 {
		t.Fatalf("Nina still waits at a cancelled site: %+v", w)
	}
	must(t)(sari.Tap("📅 Pilih tempat lain"))
	other := lastText(t, sari)
	m, _ := sari.Last()
	if hasButton(m, "Puskesmas Bendan") || !hasButton(m, "RS Bhakti Ibu") {
		t.Fatalf("the other sites: %q %+v", other, m.Buttons)
	}

	if err := p.App.NotifyEventChanges(ctx); err != nil {
		t.Fatal(err)
	}
	sweep(t, p)
	if n := countText(sari, "dibatalkan."); n != 1 {
		t.Fatalf("Sari was told %d times", n)
	}
	// On the day, the cancelled site has no list at the service table (so
	// no walk-in either): RS Bhakti Ibu's opens at once.
	bidan := e.srv.User(9201, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	e.clock.Set(eventMorning)
	must(t)(bidan.Send("/hariini"))
	if got := lastText(t, bidan); !strings.Contains(got, "RS Bhakti Ibu") || strings.Contains(got, "Puskesmas Bendan") {
		t.Fatalf("the day list on the day of a cancelled site:\n%s", got)
	}
	e.clock.Set(testStart)
	// The cancelled site is no more offered to residents.
	must(t)(sari.Send("/daftar"))
	must(t)(sari.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, sari, "Kota Pekalongan")
	tapPrefix(t, sari, "Pekalongan Barat")
	if m, _ := sari.Last(); hasButton(m, "Puskesmas Bendan") {
		t.Fatalf("the cancelled site is offered: %+v", m.Buttons)
	}
}

// TestE2EEventChangeFromTheCommandLine: an admin moves the session with
// kbbot import, which writes to Redis beside the running bot: the bot's
// periodic job tells Sari, although the catalog it keeps in memory for a
// while still has the old time.
func TestE2EEventChangeFromTheCommandLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	sari := e.srv.User(8601, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)

	data, _ := importFile(t, e, "pindah.xlsx")
	cat, err := sheet.Read(data, "pindah.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	cli := redisstore.NewBookingStore(e.rdb, redisstore.NewKeys(e.prefix), e.clock, redisstore.BookingOptions{})
	if rep, err := cli.Import(ctx, cat); err != nil || rep.Told != 1 {
		t.Fatalf("kbbot import: %+v %v", rep, err)
	}
	if err := p.App.NotifyEventChanges(ctx); err != nil {
		t.Fatal(err)
	}
	sweep(t, p)
	if got := lastText(t, sari); !strings.Contains(got, "sekarang Kamis, 26 November 2026, 13.00–15.00 WIB") {
		t.Fatalf("Sari's notice after kbbot import: %q", got)
	}
	if ids := strings.Join(pendingIDs(t, p, 8601), " "); !strings.Contains(ids, "h0:"+code+":202611260600") {
		t.Fatalf("Sari's reminders after kbbot import: %s", ids)
	}
}
