package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/reminders"
)

// tapPrefix taps the newest button whose label starts with prefix.
func tapPrefix(t *testing.T, u *telegramtest.User, prefix string) {
	t.Helper()
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, prefix) && b.Data != "" {
					must(t)(u.TapData(msgs[i].ID, b.Data))
					return
				}
			}
		}
	}
	t.Fatalf("no button starting with %q; last message: %+v", prefix, msgs[len(msgs)-1])
}

// buttonURL returns the URL of the newest URL button labelled label.
func buttonURL(u *telegramtest.User, label string) string {
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Buttons {
			for _, b := range row {
				if b.Text == label {
					return b.URL
				}
			}
		}
	}
	return ""
}

// importDemo loads the demo catalog as `kbbot chat` does.
func importDemo(t *testing.T, e *env, p *process) *booking.Catalog {
	t.Helper()
	cat, err := booking.Demo(e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	return cat
}

// importPastDemo imports the demo's facilities with their event 30 days
// over, and marks it announced: the places exist, nothing takes bookings.
func importPastDemo(t *testing.T, e *env, p *process) {
	t.Helper()
	past, err := booking.Demo(e.clock.Now().AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(context.Background(), past); err != nil {
		t.Fatal(err)
	}
	if err := p.App.AnnounceEvents(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// consent starts a resident and gives consent.
func consent(t *testing.T, u *telegramtest.User) {
	t.Helper()
	must(t)(u.Send("/start"))
	must(t)(u.Tap("✅ Setuju"))
}

func sweep(t *testing.T, p *process) {
	t.Helper()
	// A sweep the process runs by itself (at start) may hold the sweep
	// lock: then this one is skipped, and is tried again once it is done.
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := p.App.Scheduler.Sweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Skipped {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweep lock stayed taken for 20s")
		}
		time.Sleep(20 * time.Millisecond) // polling the lock, not waiting for time
	}
}

func pendingKinds(t *testing.T, p *process, chat int64) map[string]bool {
	t.Helper()
	items, err := p.App.Reminders.Pending(context.Background(), kbbot.ChatID(chat))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, it := range items {
		kinds[it.Kind] = true
	}
	return kinds
}

// bookIUDAtBendan walks the booking flow from the menu to the confirmation.
// checklistAllNo answers the pregnancy checklist's questions still asked
// with the checklist's "no": "Tidak", or "Sudah" to question 2, which is
// asked in the positive.
func checklistAllNo(t *testing.T, u *telegramtest.User) {
	t.Helper()
	for range 6 {
		m, _ := u.Last()
		switch {
		case hasButton(m, "Tidak"):
			must(t)(u.Tap("Tidak"))
		case hasButton(m, "Sudah"):
			must(t)(u.Tap("Sudah"))
		default:
			return
		}
	}
}

func bookIUDAtBendan(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	must(t)(u.Tap("📅 Jadwal & daftar KB serentak"))
	must(t)(u.Tap("📍 Terdekat dari lokasi saya"))
	if kb := u.ReplyKeyboard(); len(kb) == 0 || !kb[0][0].RequestLocation {
		t.Fatalf("want a location button under the input field, got %+v", kb)
	}
	must(t)(u.ShareLocation(-6.8886, 109.6596))
	last, _ := u.Last()
	if !strings.HasPrefix(last.Buttons[0][0].Text, "Puskesmas Bendan · 0") {
		t.Fatalf("the nearest facility must come first with its distance: %+v", last.Buttons)
	}
	tapPrefix(t, u, "Puskesmas Bendan")
	tapPrefix(t, u, "IUD (AKDR, spiral) · sisa")
	tapPrefix(t, u, "08.00–10.00 WIB")
	must(t)(u.Send("Sari Wulandari"))
	if kb := u.ReplyKeyboard(); len(kb) == 0 || !kb[0][0].RequestContact {
		t.Fatalf("want a share-contact button, got %+v", kb)
	}
	must(t)(u.ShareContact("+6281234567890"))
	// The WHO pregnancy checklist: the first "yes" ends it.
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Pertanyaan 1 dari 6") {
		t.Fatalf("IUD needs the pregnancy checklist, got %q", m.Plain())
	}
	must(t)(u.Tap("Tidak"))
	// Question 2 is asked in the positive ("sudah berhubungan?"): its
	// "Belum pernah" is the checklist's yes.
	if m, _ := u.Last(); !hasButton(m, "Belum pernah") || !hasButton(m, "Sudah") {
		t.Fatalf("question 2 must name its answers: %q", m.Plain())
	}
	must(t)(u.Tap("Belum pernah"))
	for _, m := range u.Messages() {
		low := strings.ToLower(m.Plain())
		if strings.Contains(low, "tidak hamil") || strings.Contains(low, "anda hamil") {
			t.Fatalf("the resident must never be told she is or is not pregnant: %q", m.Plain())
		}
	}
	must(t)(u.Tap("✅ Ya, daftarkan"))
	msgs := u.Messages()
	doc := msgs[len(msgs)-1]
	conf := msgs[len(msgs)-2]
	if doc.Document == nil || !strings.HasSuffix(doc.Document.Name, ".ics") || !strings.Contains(string(doc.Document.Data), "BEGIN:VEVENT") {
		t.Fatalf("want an .ics calendar file, got %+v", doc)
	}
	text := conf.Plain()
	for _, want := range []string{"Kode Ibu KB-", "Puskesmas Bendan", "08.00–10.00 WIB", "KTP, KK", "Sari Wulandari", "Kamis, 26 November 2026"} {
		if !strings.Contains(text, want) {
			t.Fatalf("confirmation lacks %q:\n%s", want, text)
		}
	}
	if url := buttonURL(u, "🗺 Lihat peta"); !strings.Contains(url, "query=-6.8886,109.6596") {
		t.Fatalf("want a map link to the facility, got %q", url)
	}
	i := strings.Index(text, "KB-")
	return text[i : i+9]
}

// TestE2EBookingJourney books the demo data end to end, then receives the
// H-1 reminder, changes the session from it, and cancels.
func TestE2EBookingJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(8101, "Sari")
	consent(t, u)
	code := bookIUDAtBendan(t, u)
	ctx := context.Background()

	b, err := p.App.Bookings.Get(ctx, code)
	if err != nil || b.Status != booking.Active || b.Phone != "+6281234567890" || b.Method != booking.IUD {
		t.Fatalf("stored booking: %+v, %v", b, err)
	}
	if b.Screening["checklist_result"] != "reasonably_sure_not_pregnant" || b.Screening["checklist_answers"] != "ny" {
		t.Fatalf("the provider must get the checklist result: %v", b.Screening)
	}
	// A double tap on the old confirm button books nothing more.
	last, _ := u.Last()
	_ = last
	msgs := u.Messages()
	for _, m := range msgs {
		for _, row := range m.Buttons {
			for _, btn := range row {
				if btn.Text == "✅ Ya, daftarkan" {
					must(t)(u.TapData(m.ID, btn.Data))
				}
			}
		}
	}
	if bs, _ := p.App.Bookings.Bookings(ctx, 8101); len(bs) != 1 {
		t.Fatalf("a second tap on confirm must not book again: %d bookings", len(bs))
	}
	if n := p.metric(t, `kbbot_bookings_total{method="iud"}`); n != 1 {
		t.Errorf("kbbot_bookings_total{method=\"iud\"} = %v after one booking confirmed twice, want 1", n)
	}
	if k := pendingKinds(t, p, 8101); !k[reminders.KindH1] || !k[reminders.KindH0] || !k[reminders.KindFollowup] {
		t.Fatalf("booking must plan H-1, H-0 and follow-up reminders, got %v", k)
	}

	// The day before at 16:00 WIB the H-1 reminder arrives.
	e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sweep(t, p)
	h1, _ := u.Last()
	if !strings.Contains(h1.Plain(), "Besok") || !strings.Contains(h1.Plain(), code) {
		t.Fatalf("want the H-1 reminder, got %q", h1.Plain())
	}
	for _, label := range []string{"👍 Saya akan datang", "📅 Ubah jadwal/tempat", "❌ Batalkan", "🔕 Jangan ingatkan jenis ini lagi"} {
		if !hasButton(h1, label) {
			t.Fatalf("H-1 reminder lacks %q: %+v", label, h1.Buttons)
		}
	}
	sweep(t, p)
	if last, _ := u.Last(); last.ID != h1.ID {
		t.Fatal("a second sweep sent the reminder again")
	}

	// Ubah: move to 10.00 in one step.
	must(t)(u.Tap("📅 Ubah jadwal/tempat"))
	tapPrefix(t, u, "10.00–12.00 WIB")
	b, _ = p.App.Bookings.Get(ctx, code)
	if b.SessionID != "1000" || b.Status != booking.Active {
		t.Fatalf("after the change: %+v", b)
	}
	av, _ := p.App.Bookings.Availability(ctx, b.EventID, b.FacilityID)
	if s, _ := av.Session("0800"); s.Taken != 0 {
		t.Fatalf("the old session must be free again, taken %d", s.Taken)
	}

	// Cancel from Pesanan saya: the place is free at once, reminders gone.
	must(t)(u.Send("/pesanan"))
	tapPrefix(t, u, "🎫 "+code)
	must(t)(u.Tap("❌ Batalkan"))
	must(t)(u.Tap("Ya, batalkan"))
	if b, _ := p.App.Bookings.Get(ctx, code); b.Status != booking.Cancelled {
		t.Fatalf("after cancel: %+v", b)
	}
	av, _ = p.App.Bookings.Availability(ctx, b.EventID, b.FacilityID)
	if m, _ := av.Method(booking.IUD); m.Taken != 0 {
		t.Fatalf("the IUD place must be free at once, taken %d", m.Taken)
	}
	if k := pendingKinds(t, p, 8101); len(k) != 0 {
		t.Fatalf("cancelled booking still has reminders: %v", k)
	}
}

// smallCatalog is one site with a single IUD place.
const smallCatalog = `
facilities:
  - id: pkm-satu
    name: Puskesmas Satu
    type: puskesmas
    address: Jl. Contoh 1
    kelurahan: Satu
    kecamatan: Kecamatan Satu
    kabupaten: Kota Contoh
    provinsi: Jawa Tengah
    lat: -6.9
    lon: 109.6
    timezone: Asia/Jakarta
events:
  - id: kbs-kecil
    name: KB Serentak Kecil
    date: 2026-11-26
    sites:
      - facility: pkm-satu
        sessions:
          - {start: "08:00", end: "10:00", capacity: 5}
        quota: {iud: 1, kondom: 5}
`

// TestE2EWaitlistOffer: a full method offers the waitlist; when the place is
// cancelled the first in line is told in their own chat and can take it.
func TestE2EWaitlistOffer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	cat, err := booking.Parse(strings.NewReader(smallCatalog), "small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	a, b := e.srv.User(8201, "Ani"), e.srv.User(8202, "Budi")
	book := func(u *telegramtest.User, name string) {
		must(t)(u.Tap("📅 Jadwal & daftar KB serentak"))
		must(t)(u.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
		tapPrefix(t, u, "Kota Contoh")
		tapPrefix(t, u, "Kecamatan Satu")
		tapPrefix(t, u, "Puskesmas Satu")
		tapPrefix(t, u, "IUD")
	}
	consent(t, a)
	book(a, "Ani")
	tapPrefix(t, a, "08.00")
	must(t)(a.Send("Ani Lestari"))
	must(t)(a.Send("Lewati"))
	checklistAllNo(t, a)
	must(t)(a.Tap("✅ Ya, daftarkan"))

	consent(t, b)
	book(b, "Budi")
	if m, _ := b.Last(); !strings.Contains(m.Plain(), "penuh") || !hasButton(m, "⏳ Masuk daftar tunggu") {
		t.Fatalf("a full method must offer the waitlist: %q", m.Plain())
	}
	must(t)(b.Tap("⏳ Masuk daftar tunggu"))
	if m, _ := b.Last(); !strings.Contains(m.Plain(), "urutan ke-1") {
		t.Fatalf("want place 1 in line: %q", m.Plain())
	}

	// Ani cancels; Budi hears about it from the scheduler, in his chat.
	must(t)(a.Send("/pesanan"))
	tapPrefix(t, a, "🎫 KB-")
	must(t)(a.Tap("❌ Batalkan"))
	must(t)(a.Tap("Ya, batalkan"))
	sweep(t, p)
	offer, _ := b.Last()
	if !strings.Contains(offer.Plain(), "Ada tempat kosong untuk Ibu") || !hasButton(offer, "✅ Ambil tempat ini") {
		t.Fatalf("want the offer in Budi's chat, got %q", offer.Plain())
	}
	must(t)(b.Tap("✅ Ambil tempat ini"))
	must(t)(b.Send("Budi Santoso"))
	must(t)(b.Send("Lewati"))
	checklistAllNo(t, b)
	must(t)(b.Tap("✅ Ya, daftarkan"))
	bs, _ := p.App.Bookings.Bookings(context.Background(), 8202)
	if len(bs) != 1 || bs[0].Status != booking.Active || bs[0].Method != booking.IUD {
		t.Fatalf("Budi must hold the IUD place now: %+v", bs)
	}
	av, _ := p.App.Bookings.Availability(context.Background(), "kbs-kecil", "pkm-satu")
	if m, _ := av.Method(booking.IUD); m.Taken != 1 || m.Limit != 1 {
		t.Fatalf("exactly the one IUD place is taken: %+v", m)
	}
}

// TestE2EDeepLinkAndCadre: a deep link lands on a facility; a cadre books
// for a resident without a phone.
func TestE2EDeepLinkAndCadre(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Cadres = []int64{8302}
	p := e.start()
	importDemo(t, e, p)

	u := e.srv.User(8301, "Rina")
	must(t)(u.Send("/start f-pkm-noyontaan"))
	must(t)(u.Tap("✅ Setuju"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Puskesmas Noyontaan") || !strings.Contains(m.Plain(), "Pilih cara KB") {
		t.Fatalf("the deep link must open the facility's methods after consent: %q", m.Plain())
	}

	// A resident is not a cadre: for her the command does not exist.
	must(t)(u.Send("/daftarkan"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "/daftarkan tidak saya kenal") {
		t.Fatalf("a resident must be refused: %q", m.Plain())
	}

	k := e.srv.User(8302, "Kader Wati")
	consent(t, k)
	must(t)(k.Tap("🧑‍⚕️ Daftarkan warga (kader)"))
	must(t)(k.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, k, "Kota Pekalongan")
	tapPrefix(t, k, "Pekalongan Timur")
	tapPrefix(t, k, "PMB Muryani")
	tapPrefix(t, k, "Kondom")
	tapPrefix(t, k, "08.00")
	must(t)(k.Send("Ibu Tarmi"))
	must(t)(k.Tap("✅ Ya, warga sudah setuju"))
	must(t)(k.Send("0812-3456-7890"))
	must(t)(k.Tap("✅ Ya, daftarkan"))
	bs, err := p.App.Bookings.Bookings(context.Background(), 8302)
	if err != nil || len(bs) != 1 {
		t.Fatalf("the cadre sees the booking they made: %+v %v", bs, err)
	}
	if b := bs[0]; b.Resident != 0 || b.BookedBy != 8302 || b.Name != "Ibu Tarmi" || b.Phone != "081234567890" || b.ConsentAt.IsZero() {
		t.Fatalf("cadre booking: %+v", b)
	}
}

// TestE2ERemindersStopAndErase: /berhenti removes pending reminders and
// /mulai plans them again; blocking removes them; /hapusdata frees the
// place and deletes the resident's bookings and reminders.
func TestE2ERemindersStopAndErase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(8401, "Dewi")
	consent(t, u)
	code := bookIUDAtBendan(t, u)
	ctx := context.Background()

	must(t)(u.Send("/berhenti"))
	if k := pendingKinds(t, p, 8401); len(k) != 0 {
		t.Fatalf("/berhenti left reminders: %v", k)
	}
	must(t)(u.Send("/mulai"))
	if k := pendingKinds(t, p, 8401); !k[reminders.KindH1] {
		t.Fatalf("/mulai must plan the booking's reminders again: %v", k)
	}
	must(t)(u.Block())
	// The block rule: no reminder is left but the release of the booking
	// at its cut-off, should the resident still block the bot then.
	if k := pendingKinds(t, p, 8401); len(k) != 1 || !k[reminders.KindRelease] {
		t.Fatalf("blocking left reminders: %v", k)
	}
	must(t)(u.Unblock())
	must(t)(u.Send("/hapusdata"))
	must(t)(u.Tap("🗑 Ya, hapus semuanya"))
	if _, err := p.App.Bookings.Get(ctx, code); err == nil {
		if b, _ := p.App.Bookings.Get(ctx, code); b.Status == booking.Active {
			t.Fatalf("booking still active after /hapusdata: %+v", b)
		}
	}
	if bs, _ := p.App.Bookings.Bookings(ctx, 8401); len(bs) != 0 {
		t.Fatalf("bookings still listed after /hapusdata: %+v", bs)
	}
	av, _ := p.App.Bookings.Availability(ctx, "kbs-pekalongan-demo", "pkm-bendan")
	_ = av
	keys := redistest.Keys(ctx, e.rdb, e.prefix+"*")
	// What the chat handled stays for a day (redisstore.Keys.ChatSeen): it
	// holds update ids and digests, nothing of hers.
	for _, k := range keys {
		if strings.Contains(k, "8401") && !strings.HasSuffix(k, ":handled") && !strings.Contains(k, ":outbox") && !strings.Contains(k, ":lock") {
			t.Errorf("key about the resident left after /hapusdata: %s", k)
		}
	}
}

// TestE2EBookWhileRemindersStopped: a resident who stopped reminders
// books; no reminder is planned with the booking, and /mulai plans them.
func TestE2EBookWhileRemindersStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(8411, "Wati")
	consent(t, u)
	must(t)(u.Send("/berhenti"))
	bookIUDAtBendan(t, u)
	if k := pendingKinds(t, p, 8411); len(k) != 0 {
		t.Fatalf("a booking planned reminders for a resident who stopped them: %v", k)
	}
	must(t)(u.Send("/mulai"))
	if k := pendingKinds(t, p, 8411); !k[reminders.KindH1] || !k[reminders.KindH0] {
		t.Fatalf("/mulai must plan the booking's reminders: %v", k)
	}
}

// TestE2EMethodCourse: a resident tells the bot she got suntik 3 bulan;
// twelve weeks later the reminder comes, in daytime, with a way to stop it.
func TestE2EMethodCourse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	u := e.srv.User(8501, "Lina")
	consent(t, u)
	must(t)(u.Tap("💉 Pengingat KB saya"))
	must(t)(u.Tap("Suntik KB 3 bulan"))
	must(t)(u.Tap("WITA"))
	must(t)(u.Tap("Hari ini"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Tercatat") || !strings.Contains(m.Plain(), "Suntik berikutnya") {
		t.Fatalf("want the planned reminders listed: %q", m.Plain())
	}
	e.clock.Set(testStart.Add(12*7*24*time.Hour + 3*time.Hour))
	sweep(t, p)
	m, _ := u.Last()
	if !strings.Contains(m.Plain(), "Suntik KB 3 bulan") || !strings.Contains(m.Plain(), "Sumber: WHO Family Planning Handbook 2018") || !hasButton(m, "🔕 Jangan ingatkan jenis ini lagi") {
		t.Fatalf("want the suntik reminder with its source and a stop button: %q", m.Plain())
	}
	// The stop button is bound to this resident: the same data tapped by
	// another resident has expired, and changes nothing of theirs.
	var stop string
	for _, row := range m.Buttons {
		for _, btn := range row {
			if btn.Text == "🔕 Jangan ingatkan jenis ini lagi" {
				stop = btn.Data
			}
		}
	}
	other := e.srv.User(8502, "Lain")
	consent(t, other)
	if got := forge(t, other, stop); !strings.HasPrefix(got, "Menu utama") {
		t.Fatalf("another resident's tap on %q: %q, want 'expired' and the menu", stop, got)
	}
	if off := e.record(t, 8502)["off_kinds"]; off != nil {
		t.Fatalf("another resident's tap stopped their reminders: %v", off)
	}
	must(t)(u.Tap("🔕 Jangan ingatkan jenis ini lagi"))
	if k := pendingKinds(t, p, 8501); k[reminders.KindSuntik3] {
		t.Fatalf("stopped kind still pending: %v", k)
	}
}

// TestE2EStaffBookOnlyInTheirArea: a kader books for residents without a
// phone at facilities of their own kecamatan, not elsewhere.
func TestE2EStaffBookOnlyInTheirArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	k := bcNewStaff(t, e, 8601, "Kader Timur", cadre.Kader, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"})
	must(t)(k.Send("/daftarkan"))
	must(t)(k.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, k, "Kota Pekalongan")
	tapPrefix(t, k, "Pekalongan Barat")
	tapPrefix(t, k, "Puskesmas Bendan")
	if m, _ := k.Last(); !strings.Contains(m.Plain(), "di luar wilayah Anda") {
		t.Fatalf("a kader of Pekalongan Timur must not book at Bendan (Pekalongan Barat): %q", m.Plain())
	}
	must(t)(k.Send("/daftarkan"))
	must(t)(k.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, k, "Kota Pekalongan")
	tapPrefix(t, k, "Pekalongan Timur")
	tapPrefix(t, k, "PMB Muryani")
	if m, _ := k.Last(); !strings.Contains(m.Plain(), "Pilih cara KB") {
		t.Fatalf("a kader books in their own kecamatan: %q", m.Plain())
	}
}
