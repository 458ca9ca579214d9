package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
)

// dayBook books a place at Puskesmas Bendan through the store, as another
// resident would have, and returns the booking.
func dayBook(t *testing.T, p *process, chat int64, name, phone, sess string, m booking.Method, answers string) booking.Booking {
	t.Helper()
	r := booking.Request{EventID: demoEvent, FacilityID: "pkm-bendan", SessionID: sess, Method: m,
		Resident: kbbot.ChatID(chat), Name: name, Phone: phone, ConsentAt: testStart, IdempotencyKey: "seed"}
	if answers != "" {
		r.Screening = map[string]string{"checklist_answers": answers}
	}
	b, err := p.App.Bookings.Book(context.Background(), r)
	if err != nil {
		t.Fatalf("book %s: %v", name, err)
	}
	return b
}

// headerLines counts the lines of a message before its first empty line.
func headerLines(s string) int {
	head, _, _ := strings.Cut(s, "\n\n")
	return strings.Count(head, "\n") + 1
}

// TestE2EDayList: on the service day at Puskesmas Bendan a bidan and a
// kader of Pekalongan Barat open /hariini. Both see the clients of the
// session under way with queue number, name, code, booked or walk-in and
// status; only the bidan sees the pregnancy checklist's result. The bidan
// searches by name, phone and code, checks Sari in with a tap (through the
// check-in flow, back to the list), marks Dewi "tidak jadi dilayani"
// (hamil: the kader reads only "tidak jadi dilayani"), and registers a
// walk-in who takes Dewi's freed place from the quota, with her spoken
// consent attested and audited; a method whose quota is gone gets a
// clear answer. A resident has no /hariini, and the kader no walk-in.
func TestE2EDayList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	sari := e.srv.User(8101, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)
	// The confirmation gives her number in the IUD queue of the 08.00
	// session, and when she will be served.
	if txt := bookingConfirmation(t, sari); !strings.Contains(txt, "Nomor antrean Ibu: 1. Perkiraan dilayani sekitar 08.00 WIB.") {
		t.Fatalf("confirmation without queue number:\n%s", txt)
	}
	dewi := dayBook(t, p, 8102, "Dewi Lestari", "081298765432", "0800", booking.IUD, "nnnnnn")
	if dewi.Queue != 2 {
		t.Fatalf("Dewi's number %d, want 2", dewi.Queue)
	}
	// Pil: a quota of 5, all taken.
	for i := range 5 {
		dayBook(t, p, int64(8110+i), "Warga Pil "+string(rune('A'+i)), "", "0800", booking.Pil, "")
	}

	bidan := e.srv.User(9201, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	kader := e.srv.User(9202, "Kader Rina")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)

	// Before the day there is nothing to list, and the next day is named.
	must(t)(bidan.Send("/hariini"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Hari ini tidak ada KB serentak") || !strings.Contains(txt, "Kamis, 26 November 2026") {
		t.Fatalf("before the day: %q", txt)
	}

	// The H-0 reminder at 06.00 WIB repeats the number and the time.
	e.clock.Set(time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC))
	sweep(t, p)
	if txt := lastText(t, sari); !strings.Contains(txt, "Hari ini") || !strings.Contains(txt, "Nomor antrean Ibu: 1. Perkiraan dilayani sekitar 08.00 WIB.") {
		t.Fatalf("H-0 reminder without the queue number: %q", txt)
	}

	e.clock.Set(eventMorning)
	// A resident has no such command.
	must(t)(sari.Send("/hariini"))
	if got := lastText(t, sari); got != unknownReply("/hariini") {
		t.Fatalf("/hariini for a resident: %q", got)
	}

	// Two sites of Pekalongan Barat serve today: the bidan picks Bendan.
	must(t)(bidan.Send("/kader"))
	must(t)(bidan.Tap("📋 Klien hari ini"))
	must(t)(bidan.Tap("🏥 Puskesmas Bendan"))
	list := lastText(t, bidan)
	t.Logf("bidan's list:\n%s", list)
	if n := headerLines(list); n > 5 {
		t.Fatalf("the list's header has %d lines, want at most 5:\n%s", n, list)
	}
	for _, want := range []string{"Puskesmas Bendan", "Sesi 08.00–10.00 WIB: 7 klien · 7 menunggu",
		"1. Sari Wulandari · " + code + " · daftar · ⏳ menunggu", "Daftar periksa: YA no. 2",
		"2. Dewi Lestari · " + dewi.Code + " · daftar · ⏳ menunggu", "kehamilan belum dapat disingkirkan"} {
		if !strings.Contains(list, want) {
			t.Fatalf("the bidan's list lacks %q:\n%s", want, list)
		}
	}
	// The kader sees the same clients, without any checklist.
	must(t)(kader.Send("/hariini"))
	must(t)(kader.Tap("🏥 Puskesmas Bendan"))
	klist := lastText(t, kader)
	if !strings.Contains(klist, "1. Sari Wulandari · "+code) || strings.Contains(klist, "🩺") || strings.Contains(strings.ToLower(klist), "hamil") {
		t.Fatalf("the kader's list must show clients but no checklist:\n%s", klist)
	}
	kmsg, _ := kader.Last()
	if hasButton(kmsg, "➕ Klien datang langsung") {
		t.Fatalf("a kader may not register walk-ins: %+v", kmsg.Buttons)
	}
	tapPrefix(t, kader, "1 · Sari Wulandari")
	if card := lastText(t, kader); strings.Contains(card, "🩺") || !strings.Contains(card, "Mendaftar sendiri lewat Telegram") {
		t.Fatalf("the kader's card of Sari:\n%s", card)
	}
	kcard, _ := kader.Last()
	if hasButton(kcard, "🚫 Tidak jadi dilayani") || !hasButton(kcard, "✅ Check-in klien ini") {
		t.Fatalf("the kader's card buttons: %+v", kcard.Buttons)
	}
	// Her check-in card has no checklist for the kader either.
	must(t)(kader.Tap("✅ Check-in klien ini"))
	if txt := lastText(t, kader); !strings.Contains(txt, "Check-in "+code) || strings.Contains(txt, "🩺") {
		t.Fatalf("the kader's check-in card:\n%s", txt)
	}
	must(t)(kader.Tap("📋 Kembali ke daftar hari ini"))
	tapPrefix(t, kader, "1 · Sari Wulandari")
	kcard, _ = kader.Last()
	// A forged provider button acts for nobody.
	if got := forge(t, kader, "hr:ns:"+dayNonce(kcard)); !strings.HasPrefix(got, "Menu utama") {
		t.Fatalf("a kader's forged not-served button: %q", got)
	}

	// Search: by name, by phone (any prefix), by code, and nothing found.
	for _, q := range []string{"dewi", "0812 9876 5432", "+62 812-98765432", strings.ToLower(dewi.Code)} {
		must(t)(bidan.Send(q))
		if txt := lastText(t, bidan); !strings.Contains(txt, "1 klien cocok") || !strings.Contains(txt, "Dewi Lestari") {
			t.Fatalf("search %q: %q", q, txt)
		}
	}
	must(t)(bidan.Send("Wulan"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Sari Wulandari") {
		t.Fatalf("search by part of a name: %q", txt)
	}
	must(t)(bidan.Send("Rahmawati"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Tidak ada klien hari ini yang cocok dengan «Rahmawati»") {
		t.Fatalf("search without a match: %q", txt)
	}

	// Check Sari in with a tap, through the check-in flow, and back.
	must(t)(bidan.Tap("📋 Kembali ke daftar hari ini"))
	tapPrefix(t, bidan, "1 · Sari Wulandari")
	card := lastText(t, bidan)
	t.Logf("bidan's card:\n%s", card)
	if !strings.Contains(card, "klien menjawab YA pada pertanyaan nomor 2") {
		t.Fatalf("the bidan's card lacks the checklist:\n%s", card)
	}
	must(t)(bidan.Tap("✅ Check-in klien ini"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Check-in "+code) || !strings.Contains(txt, "klien menjawab YA") {
		t.Fatalf("check-in card from the list: %q", txt)
	}
	must(t)(bidan.Tap("🆕 KB baru"))
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	must(t)(bidan.Tap("💾 JKN non-PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "tercatat hadir") {
		t.Fatalf("after check-in: %q", txt)
	}
	if _, ci, ok, err := p.App.Bookings.CheckInOf(ctx, code); err != nil || !ok || ci.By != 9201 {
		t.Fatalf("check-in: %+v %v %v", ci, ok, err)
	}
	must(t)(bidan.Tap("📋 Kembali ke daftar hari ini"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "1. Sari Wulandari · "+code+" · daftar · ✅ sudah datang") {
		t.Fatalf("list after the check-in:\n%s", txt)
	}

	// Dewi is pregnant: not served.
	tapPrefix(t, bidan, "2 · Dewi Lestari")
	must(t)(bidan.Tap("🚫 Tidak jadi dilayani"))
	must(t)(bidan.Tap("🤰 Hamil"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Status: 🚫 tidak jadi dilayani: hamil (pukul 09.00, oleh Anda)") {
		t.Fatalf("Dewi's card after the mark:\n%s", txt)
	}
	b, err := p.App.Bookings.Get(ctx, dewi.Code)
	if err != nil || b.Status != booking.NotServed || b.NotServed == nil || b.NotServed.Reason != booking.ReasonPregnant || b.NotServed.By != 9201 {
		t.Fatalf("Dewi's booking: %+v %v", b, err)
	}
	must(t)(kader.Send("/hariini"))
	must(t)(kader.Tap("🏥 Puskesmas Bendan"))
	if txt := lastText(t, kader); !strings.Contains(txt, "2. Dewi Lestari · "+dewi.Code+" · daftar · 🚫 tidak jadi dilayani") || strings.Contains(txt, "hamil") {
		t.Fatalf("the kader's list must not say why Dewi was not served:\n%s", txt)
	}

	// A walk-in takes Dewi's place. First the pil, whose quota is gone.
	av, _ := p.App.Bookings.Availability(ctx, demoEvent, "pkm-bendan")
	iudLeft := av.Bookable(booking.IUD)
	must(t)(bidan.Tap("📋 Kembali ke daftar hari ini"))
	must(t)(bidan.Tap("➕ Klien datang langsung"))
	must(t)(bidan.Send("1"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Nama itu belum bisa dipakai") {
		t.Fatalf("a bad name: %q", txt)
	}
	must(t)(bidan.Send("Rukmini"))
	must(t)(bidan.Send("0813 1111 2222"))
	wm, _ := bidan.Last()
	if hasButton(wm, "Pil KB · sisa 0") || strings.Contains(wm.Plain(), "Pil KB ·") {
		t.Fatalf("a full method must not be offered: %+v", wm.Buttons)
	}
	// The pil's last place went while the bidan looked: a clear answer.
	if got := forge(t, bidan, "hr:wm:pil:"+dayNonce(wm)); !strings.Contains(got, "Kuota Pil KB kombinasi di Puskesmas Bendan hari ini sudah habis") {
		t.Fatalf("a full quota: %q", got)
	}
	tapPrefix(t, bidan, "IUD (AKDR, spiral) · sisa")
	tapPrefix(t, bidan, "08.00–10.00 WIB")
	if txt := lastText(t, bidan); !strings.Contains(txt, "Sampaikan dulu kepada klien") || !strings.Contains(txt, "Rukmini") {
		t.Fatalf("consent question: %q", txt)
	}
	must(t)(bidan.Tap("✅ Klien sudah setuju secara lisan"))
	done := lastText(t, bidan)
	if !strings.Contains(done, "Rukmini tercatat sebagai klien datang langsung") || !strings.Contains(done, "Nomor antrean 3 (IUD") {
		t.Fatalf("walk-in registered: %q", done)
	}
	i := strings.Index(done, "Kode: KB-")
	wcode := done[i+6 : i+15]
	w, err := p.App.Bookings.Get(ctx, wcode)
	if err != nil || !w.WalkIn || w.BookedBy != 9201 || w.Resident != 0 || !w.ConsentAt.Equal(eventMorning) || w.Phone != "081311112222" || w.Queue != 3 {
		t.Fatalf("walk-in booking: %+v %v", w, err)
	}
	if av, _ := p.App.Bookings.Availability(ctx, demoEvent, "pkm-bendan"); av.Bookable(booking.IUD) != iudLeft-1 {
		t.Fatalf("the walk-in must take a place of the quota: %d left, were %d", av.Bookable(booking.IUD), iudLeft)
	}
	es := reportsAudit(t, e)
	if countAudit(es, cadre.AuditWalkIn, wcode) != 1 || countAudit(es, cadre.AuditNotServed, dewi.Code) != 1 || countAudit(es, cadre.ActCheckIn, code) != 1 {
		t.Fatalf("audit log: %+v", es)
	}
	for _, x := range es {
		if strings.Contains(x.Detail, "hamil") || strings.Contains(x.Detail, "Rukmini") {
			t.Fatalf("the audit log names health data or a name: %+v", x)
		}
	}
	// The walk-in is checked in from the same screen.
	must(t)(bidan.Tap("✅ Check-in klien ini"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Check-in "+wcode) {
		t.Fatalf("check-in of the walk-in: %q", txt)
	}
	must(t)(bidan.Tap("📋 Kembali ke daftar hari ini"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "3. Rukmini · "+wcode+" · datang langsung · ⏳ menunggu") {
		t.Fatalf("the list with the walk-in:\n%s", txt)
	}
	// Rukmini, who has no Telegram, asks to be forgotten: the bidan erases
	// her by the code, as a cadre erases a resident booked without a phone.
	must(t)(bidan.Send("/hapuspeserta " + wcode))
	must(t)(bidan.Tap("🗑 Ya, hapus data warga"))
	if _, err := p.App.Bookings.Get(ctx, wcode); err == nil {
		t.Fatalf("the walk-in's booking is still there; last %q", lastText(t, bidan))
	}
	for _, x := range reportsAudit(t, e) {
		if strings.Contains(x.Detail, wcode) {
			t.Fatalf("the audit log still names the erased walk-in: %+v", x)
		}
	}
	// Sari booked herself: /hapuspeserta refuses her booking (she has
	// /hapusdata).
	must(t)(bidan.Send("/hapuspeserta " + code))
	if txt := lastText(t, bidan); strings.Contains(txt, "Ya, hapus") {
		t.Fatalf("a bidan offered to erase a resident's own booking: %q", txt)
	}
}

// bookingConfirmation is the newest booking confirmation in u's chat.
func bookingConfirmation(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if txt := msgs[i].Plain(); strings.Contains(txt, "Pendaftaran berhasil") {
			return txt
		}
	}
	t.Fatalf("no booking confirmation; last %q", lastText(t, u))
	return ""
}

// dayNonce is the nonce of a message's day-list buttons.
func dayNonce(m telegramtest.Message) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if parts := strings.Split(b.Data, ":"); parts[0] == "hr" && len(parts) > 2 {
				return parts[len(parts)-1]
			}
		}
	}
	return "none"
}

// TestE2EDayListPages: a busy session is paged ten clients at a time, the
// header stays within five lines on every page, and the session buttons
// switch sessions; by default the list opens at the session under way.
func TestE2EDayListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	for i := range 25 {
		m, sess := booking.IUD, "0800"
		if i >= 16 {
			m = booking.Implan
		}
		dayBook(t, p, int64(8200+i), "Warga Nomor "+strconv.Itoa(i+1), "", sess, m, "")
	}
	for i := range 3 {
		dayBook(t, p, int64(8300+i), "Warga Siang "+strconv.Itoa(i+1), "", "1000", booking.Implan, "")
	}
	bidan := e.srv.User(9201, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"})
	e.clock.Set(eventMorning)
	// Only Bendan lies in her kelurahan: the list opens at once.
	must(t)(bidan.Send("/hariini"))
	for page := 1; page <= 3; page++ {
		m, _ := bidan.Last()
		txt := m.Plain()
		if n := headerLines(txt); n > 5 || !strings.Contains(txt, "25 klien") || !strings.Contains(txt, "halaman "+strconv.Itoa(page)+"/3") {
			t.Fatalf("page %d (%d header lines):\n%s", page, n, txt)
		}
		if len(m.Text) > 4096 {
			t.Fatalf("page %d is %d characters", page, len(m.Text))
		}
		clients := 0
		for _, row := range m.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, "Warga") {
					clients++
				}
			}
		}
		if want := min(10, 25-10*(page-1)); clients != want {
			t.Fatalf("page %d has %d client buttons, want %d", page, clients, want)
		}
		if page < 3 {
			must(t)(bidan.Tap("Berikutnya ▶️"))
		}
	}
	// Implan comes before IUD (the methods' order); a page that starts
	// within a method names it again.
	if txt := lastText(t, bidan); !strings.Contains(txt, "IUD (AKDR, spiral)\n12. Warga Nomor 12") || !strings.Contains(txt, "16. Warga Nomor 16") {
		t.Fatalf("the last page:\n%s", txt)
	}
	must(t)(bidan.Tap("◀️ Sebelumnya"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "halaman 2/3") {
		t.Fatalf("back a page: %q", txt)
	}
	must(t)(bidan.Tap("🕗 10.00"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Sesi 10.00–12.00 WIB: 3 klien") || !strings.Contains(txt, "3. Warga Siang 3") {
		t.Fatalf("the 10.00 session:\n%s", txt)
	}
	// The admin's area is the whole country: every site serving today,
	// ten to a page, and a typed name finds one. A second event the same
	// day at Puskesmas Bendan names the events, shortened at a word.
	second, err := booking.Parse(strings.NewReader(secondEventYAML), "second.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	admin := e.srv.User(9001, "Admin")
	must(t)(admin.Send("/hariini"))
	var labels []string
	for page := 0; page < 2; page++ {
		pick, _ := admin.Last()
		for _, row := range pick.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, "🏥 ") {
					labels = append(labels, b.Text)
				}
			}
		}
		if page == 0 {
			if len(labels) != 10 || !strings.Contains(pick.Plain(), "Ada 13 tempat layanan hari ini") {
				t.Fatalf("the first page of 13 sites: %q %v", pick.Plain(), labels)
			}
			must(t)(admin.Tap("Berikutnya ▶️"))
		}
	}
	all := strings.Join(labels, "\n")
	if len(labels) != 13 || !strings.Contains(all, "🏥 Puskesmas Bendan · Bulan Bakti KB dan…") || !strings.Contains(all, "🏥 Puskesmas Bendan · Pelayanan KB Serentak…") {
		t.Fatalf("the sites on two pages:\n%s", all)
	}
	must(t)(admin.Send("noyon"))
	if txt := lastText(t, admin); !strings.HasPrefix(txt, "📋 Puskesmas Noyontaan") {
		t.Fatalf("typing a facility's name: %q", txt)
	}
	// At 10.30 the list opens at the session under way.
	e.clock.Set(eventMorning.Add(90 * time.Minute))
	must(t)(bidan.Send("/hariini"))
	must(t)(bidan.Tap("🏥 Puskesmas Bendan · Pelayanan KB Serentak…"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Sesi 10.00–12.00 WIB") {
		t.Fatalf("at 10.30: %q", txt)
	}
	// The next day the list is over.
	e.clock.Set(eventMorning.Add(24 * time.Hour))
	must(t)(bidan.Tap("🔄 Muat ulang"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Hari pelayanan daftar ini sudah lewat") {
		t.Fatalf("the day after: %q", txt)
	}
}

// TestE2EStaffBookingAudited: a kader's booking for a resident without a
// phone (/daftarkan), its move to another session and its cancellation are
// each written to the audit log once, with the code and the facility's
// area and nothing of the resident; a resident's own booking and
// cancellation are not staff work and write nothing.
func TestE2EStaffBookingAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	kader := e.srv.User(9202, "Kader Rina")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)
	code := ebCadreBooks(t, kader, "Ibu Sumi Lestari", "085700000002")

	must(t)(kader.Send("/pesanan"))
	tapPrefix(t, kader, "🎫 "+code)
	must(t)(kader.Tap("📅 Ubah jadwal/tempat"))
	tapPrefix(t, kader, "10.00–12.00 WIB")
	if b, err := p.App.Bookings.Get(context.Background(), code); err != nil || b.SessionID != "1000" || b.Queue != 1 {
		t.Fatalf("moved booking: %+v %v", b, err)
	}
	must(t)(kader.Send("/pesanan"))
	tapPrefix(t, kader, "🎫 "+code)
	must(t)(kader.Tap("❌ Batalkan"))
	must(t)(kader.Tap("Ya, batalkan"))
	// The confirmation tapped again writes nothing more.
	forge(t, kader, "ord:cxy:"+code)
	for _, act := range []cadre.Action{cadre.ActBookFor, cadre.AuditChangeFor, cadre.AuditCancelFor} {
		if n := countAudit(reportsAudit(t, e), act, code); n != 1 {
			t.Fatalf("%d %s entries for %s: %+v", n, act, code, reportsAudit(t, e))
		}
	}
	for _, x := range reportsAudit(t, e) {
		if x.Detail == code && (x.Actor != 9202 || x.Role != cadre.Kader || x.Area.Kecamatan != "Pekalongan Barat") {
			t.Fatalf("entry %+v", x)
		}
		if strings.Contains(x.Detail, "Sumi") || strings.Contains(x.Detail, "0857") {
			t.Fatalf("the audit log names the resident: %+v", x)
		}
	}

	// A resident's own booking and cancellation are not in the log.
	before := len(reportsAudit(t, e))
	sari := e.srv.User(8101, "Sari")
	consent(t, sari)
	own := bookIUDAtBendan(t, sari)
	must(t)(sari.Send("/pesanan"))
	tapPrefix(t, sari, "🎫 "+own)
	must(t)(sari.Tap("❌ Batalkan"))
	must(t)(sari.Tap("Ya, batalkan"))
	if after := reportsAudit(t, e); len(after) != before {
		t.Fatalf("a resident's own booking wrote %d audit entries: %+v", len(after)-before, after[:len(after)-before])
	}
}

// secondEventYAML is a second event on the demo's service day: Puskesmas
// Bendan again, and two more Puskesmas.
const secondEventYAML = `
facilities:
  - {id: pkm-bendan, name: Puskesmas Bendan, type: puskesmas, address: "Alamat contoh, Kec. Pekalongan Barat, Kota Pekalongan", kelurahan: Bendan Kergon, kecamatan: Pekalongan Barat, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta, demo: true}
  - {id: pkm-contoh-a, name: Puskesmas Contoh A, type: puskesmas, address: "Jl. Contoh", kecamatan: Contoh, kabupaten: Kota Contoh, provinsi: Jawa Tengah, lat: -6.9, lon: 109.6, timezone: Asia/Jakarta}
  - {id: pkm-contoh-b, name: Puskesmas Contoh B, type: puskesmas, address: "Jl. Contoh", kecamatan: Contoh, kabupaten: Kota Contoh, provinsi: Jawa Tengah, lat: -6.9, lon: 109.6, timezone: Asia/Jakarta}
events:
  - id: kbs-bulan-bakti
    name: Bulan Bakti KB dan Kesehatan Ibu Kota Pekalongan
    date: 2026-11-26
    sites:
      - facility: pkm-bendan
        sessions: [{start: "13:00", end: "15:00", capacity: 10}]
        quota: {pil: 10}
      - facility: pkm-contoh-a
        sessions: [{start: "08:00", end: "12:00", capacity: 10}]
        quota: {pil: 10}
      - facility: pkm-contoh-b
        sessions: [{start: "08:00", end: "12:00", capacity: 10}]
        quota: {pil: 10}
`
