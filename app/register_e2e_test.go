package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/report"
	reportrender "github.com/kbbot/kbbot/report/render"
)

// regCheckIn has the bidan open the check-in of code and answer with taps:
// each a button label, or a prefix ending in "…".
func regCheckIn(t *testing.T, bidan *telegramtest.User, code string, taps ...string) string {
	t.Helper()
	must(t)(bidan.Send("/checkin " + code))
	for _, tap := range taps {
		if p, ok := strings.CutSuffix(tap, "…"); ok {
			tapPrefix(t, bidan, p)
			continue
		}
		must(t)(bidan.Tap(tap))
	}
	return lastText(t, bidan)
}

// registerOf returns the check-in of code, failing when there is none.
func registerOf(t *testing.T, p *process, code string) booking.CheckIn {
	t.Helper()
	_, ci, ok, err := p.App.Bookings.CheckInOf(context.Background(), code)
	if err != nil || !ok {
		t.Fatalf("check-in of %s: %v %v", code, ok, err)
	}
	return ci
}

// courseEnded reports whether the resident's last recorded course ended.
func courseEnded(t *testing.T, e *env, chat int64) bool {
	t.Helper()
	cur := recCurrent(e.record(t, chat))
	_, ok := cur["ended"]
	return ok
}

// TestE2EFullRegisterCheckIn: a bidan records, through the real check-in
// flow, one client of each category of the R/I/KB register, with the
// register's other columns, and each is stored with its check-in: KB baru
// pasca persalinan (IUD: the informed consent is required, and a save
// without it is refused), KB baru pasca keguguran (kondom: no consent
// asked), KB baru (suntik: consent required), KB ulang (suntik 3 bulan:
// the consent offered, not required), ganti cara from an IUD (its removal
// ticked by default, a serious complication ticked), pencabutan saja
// (implant) and kegagalan (pill). Each saves with its JKN answer. The
// reminders follow the category: a new or continuing method plans its
// aftercare and course; a removal ends the resident's course of the
// method removed, a failure ends whatever course, and neither plans an
// aftercare check.
func TestE2EFullRegisterCheckIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)

	// Residents with Telegram (their reminders matter), some with a
	// course recorded before.
	resident := func(id int64, name, course string) *telegramtest.User {
		u := e.srv.User(id, name)
		consent(t, u)
		if course != "" {
			recCourse(t, u, course)
		}
		return u
	}
	resident(8211, "Rina", "Implan (susuk KB)")
	resident(8212, "Dewi", "Suntik KB 3 bulan")
	resident(8213, "Ani", "")
	resident(8214, "Eka", "IUD (AKDR, spiral)")
	resident(8215, "Fitri", "Pil KB kombinasi")
	resident(8216, "Gita", "")
	resident(8217, "Hani", "")
	if k := pendingKinds(t, p, 8211); !k[reminders.KindImplanEnd] {
		t.Fatalf("Rina's implant course is not planned: %v", k)
	}
	codes := map[string]string{}
	for _, b := range []struct {
		id     int64
		name   string
		method booking.Method
	}{
		{8211, "Rina", booking.Implan}, {8212, "Dewi", booking.Suntik3}, {8213, "Ani", booking.IUD}, {8214, "Eka", booking.Implan},
		{8215, "Fitri", booking.Pil}, {8216, "Gita", booking.Kondom}, {8217, "Hani", booking.Suntik3},
	} {
		codes[b.name] = dayBook(t, p, b.id, b.name+" Lestari", "", "0800", b.method, "").Code
	}

	bidan := e.srv.User(9201, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	e.clock.Set(eventMorning)

	// Ani: KB baru after a delivery, IUD. The consent is required: a save
	// without it is refused and nothing is stored.
	txt := regCheckIn(t, bidan, codes["Ani"], "🤱 Baru, pasca persalinan")
	if !strings.Contains(txt, "IUD (AKDR, spiral) · KB baru, pasca persalinan") || !strings.Contains(txt, "Informed consent wajib") {
		t.Fatalf("Ani's last screen:\n%s", txt)
	}
	if n := strings.Count(txt, "\n") + 1; n > 5 {
		t.Fatalf("the last screen takes %d lines:\n%s", n, txt)
	}
	must(t)(bidan.Tap("💾 JKN PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Belum disimpan") || strings.Count(txt, "\n")+1 > 5 {
		t.Fatalf("a save without the consent (at most five lines): %q", txt)
	}
	if _, _, ok, _ := p.App.Bookings.CheckInOf(context.Background(), codes["Ani"]); ok {
		t.Fatal("Ani was checked in without the informed consent")
	}
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Informed consent sudah ditandatangani.") {
		t.Fatalf("after the consent tick: %q", txt)
	}
	must(t)(bidan.Tap("💾 JKN PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "tercatat hadir") || !strings.Contains(txt, "KB baru, pasca persalinan · JKN PBI") {
		t.Fatalf("Ani saved: %q", txt)
	}

	// Gita: KB baru after a miscarriage, condoms: no consent asked.
	txt = regCheckIn(t, bidan, codes["Gita"], "🆕 Baru, pasca keguguran")
	if strings.Contains(txt, "Informed consent") {
		t.Fatalf("a consent is asked for condoms:\n%s", txt)
	}
	must(t)(bidan.Tap("💾 Tidak punya JKN"))

	// Hani: KB baru, an injection: the consent is required too.
	regCheckIn(t, bidan, codes["Hani"], "🆕 KB baru", "💾 JKN non-PBI")
	if txt := lastText(t, bidan); !strings.Contains(txt, "Informed consent wajib untuk Suntik KB 3 bulan") {
		t.Fatalf("a new injection without the consent: %q", txt)
	}
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	must(t)(bidan.Tap("💾 JKN non-PBI"))

	// Dewi: KB ulang, the next injection: the consent is offered, not
	// required.
	txt = regCheckIn(t, bidan, codes["Dewi"], "🔁 KB ulang / lama")
	if !strings.Contains(txt, "tidak wajib") {
		t.Fatalf("Dewi's last screen:\n%s", txt)
	}
	must(t)(bidan.Tap("💾 Tidak punya JKN"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "tercatat hadir") {
		t.Fatalf("Dewi saved: %q", txt)
	}

	// Eka: ganti cara from her IUD to the implant she booked; the IUD's
	// removal is ticked at once; a serious complication is ticked.
	txt = regCheckIn(t, bidan, codes["Eka"], "🔀 Ganti cara")
	if !strings.Contains(txt, "dari metode apa ke Implan (susuk KB)?") {
		t.Fatalf("the switch asks: %q", txt)
	}
	must(t)(bidan.Tap("IUD (AKDR, spiral)"))
	last, _ := bidan.Last()
	if !hasButton(last, "☑ Pencabutan IUD (AKDR, spiral)") || !strings.Contains(last.Plain(), "ganti cara dari IUD (AKDR, spiral) · IUD (AKDR, spiral) dicabut") {
		t.Fatalf("the switch's last screen: %q %+v", last.Plain(), last.Buttons)
	}
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	must(t)(bidan.Tap("☐ Komplikasi berat"))
	must(t)(bidan.Tap("💾 JKN non-PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "komplikasi berat · JKN non-PBI") || !strings.Contains(txt, "Pengingat metode lama dihentikan") {
		t.Fatalf("Eka saved: %q", txt)
	}

	// Rina: the implant removed, nothing given.
	txt = regCheckIn(t, bidan, codes["Rina"], "✂️ Pencabutan saja")
	if !strings.Contains(txt, "apa yang dicabut?") {
		t.Fatalf("the removal asks: %q", txt)
	}
	must(t)(bidan.Tap("Implan (susuk KB)"))
	if txt := lastText(t, bidan); strings.Contains(txt, "Informed consent") || !strings.Contains(txt, "Implan (susuk KB) dicabut · pencabutan saja") {
		t.Fatalf("the removal's last screen: %q", txt)
	}
	must(t)(bidan.Tap("💾 JKN PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Pengingat lanjutan untuk metode yang dicabut dihentikan") {
		t.Fatalf("Rina saved: %q", txt)
	}

	// Fitri: pregnant while on the pill.
	regCheckIn(t, bidan, codes["Fitri"], "⚠️ Kegagalan (hamil)", "Pil KB kombinasi", "💾 Tidak punya JKN")
	if txt := lastText(t, bidan); !strings.Contains(txt, "kegagalan Pil KB kombinasi") || !strings.Contains(txt, "klien hamil") {
		t.Fatalf("Fitri saved: %q", txt)
	}

	// Every category is stored with its check-in.
	for name, want := range map[string]booking.CheckIn{
		"Ani":   {Method: booking.IUD, Category: booking.NewAcceptor, Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}},
		"Gita":  {Method: booking.Kondom, Category: booking.NewAcceptor, Register: booking.Register{Post: booking.PostAbortion, JKN: booking.JKNNone}},
		"Hani":  {Method: booking.Suntik3, Category: booking.NewAcceptor, Register: booking.Register{Consent: true, JKN: booking.JKNNonPBI}},
		"Dewi":  {Method: booking.Suntik3, Category: booking.Continuing, Register: booking.Register{JKN: booking.JKNNone}},
		"Eka":   {Method: booking.Implan, Category: booking.Switching, Register: booking.Register{From: booking.IUD, Removed: booking.IUD, Complication: true, Consent: true, JKN: booking.JKNNonPBI}},
		"Rina":  {Method: booking.Implan, Category: booking.RemovalOnly, Register: booking.Register{Removed: booking.Implan, JKN: booking.JKNPBI}},
		"Fitri": {Method: booking.Pil, Category: booking.Failure, Register: booking.Register{JKN: booking.JKNNone}},
	} {
		ci := registerOf(t, p, codes[name])
		if ci.Method != want.Method || ci.Category != want.Category || ci.Register != want.Register || ci.By != 9201 {
			t.Errorf("%s's check-in: %+v, want %+v", name, ci, want)
		}
	}
	if n := countAudit(reportsAudit(t, e), cadre.ActCheckIn, codes["Eka"]); n != 1 {
		t.Errorf("%d audit entries for Eka's check-in", n)
	}

	// The reminders follow the category, once each check-in reaches the
	// resident's chat.
	sweep(t, p)
	for _, c := range []struct {
		id          int64
		name        string
		want, never []string
		ended       bool
	}{
		{8213, "Ani", []string{reminders.KindAftercare, reminders.KindCheckup}, nil, false},
		{8217, "Hani", []string{reminders.KindAftercare, reminders.KindSuntik3}, nil, false},
		{8212, "Dewi", []string{reminders.KindAftercare, reminders.KindSuntik3}, nil, false},
		{8214, "Eka", []string{reminders.KindAftercare, reminders.KindImplanEnd}, nil, false},
		{8211, "Rina", nil, []string{reminders.KindAftercare, reminders.KindImplanEnd, reminders.KindCheckup}, true},
		{8215, "Fitri", nil, []string{reminders.KindAftercare, reminders.KindPil}, true},
	} {
		k := pendingKinds(t, p, c.id)
		for _, w := range c.want {
			if !k[w] {
				t.Errorf("%s: no %s reminder after the check-in: %v", c.name, w, k)
			}
		}
		for _, n := range c.never {
			if k[n] {
				t.Errorf("%s: a %s reminder after the check-in: %v", c.name, n, k)
			}
		}
		if got := courseEnded(t, e, c.id); got != c.ended {
			t.Errorf("%s's course ended: %v, want %v (%v)", c.name, got, c.ended, recCourses(e.record(t, c.id)))
		}
	}
	// Eka's course is now the implant, from the check-in.
	if cur := recCurrent(e.record(t, 8214)); cur["method"] != "implan" || cur["source"] != "checkin" {
		t.Errorf("Eka's course: %v", cur)
	}
	// /dataku tells Rina her implant course stopped.
	rina := e.srv.User(8211, "Rina")
	must(t)(rina.Send("/dataku"))
	if txt := lastText(t, rina); !strings.Contains(txt, "Implan (susuk KB), Senin, 23 November 2026 (berhenti Kamis, 26 November 2026)") {
		t.Errorf("Rina's /dataku: %q", txt)
	}
}

// TestE2ERegisterExport: under the rekap's files the bidan of Pekalongan
// Barat taps for the per-client register: a CSV that Indonesian-locale
// Excel opens into columns (';' and a UTF-8 BOM) and an XLSX, both with
// the columns in the R/I/KB order and Indonesian headers, one line per
// client checked in at the sites of her area (not Noyontaan, in Pekalongan
// Timur), no phone and no checklist answers. The export is in the audit
// log. A kader reads the rekap but is not offered the register (it names
// every client with her method), and her forged tap is refused; a bidan
// of another kecamatan forging the button and a resident get nothing.
func TestE2ERegisterExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	codes := seedRekap(t, e, p)
	e.clock.Set(afterSessions)

	kader := e.srv.User(9303, "Kader Barat")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)
	must(t)(kader.Send("/rekap"))
	pick, _ := kader.Last()
	tapPrefix(t, kader, "📊 Pelayanan KB Serentak Kota Pekalongan")
	if kfiles, _ := kader.Last(); hasButton(kfiles, "📋 Register per klien (R/I/KB)") {
		t.Fatalf("a kader is offered the register: %+v", kfiles.Buttons)
	}
	must(t)(kader.TapData(pick.ID, "rk:reg:"+demoEvent+":"+nonceOf(pick)))
	refused := false
	for _, m := range kader.Messages() {
		refused = refused || strings.Contains(m.Plain(), "tidak dapat melakukan ini")
		if m.Document != nil && strings.HasPrefix(m.Document.Name, "register-") {
			t.Fatalf("a kader got the register: %s", m.Document.Name)
		}
	}
	if !refused {
		t.Fatalf("a kader's forged register export is not refused: %q", lastText(t, kader))
	}

	kader = e.srv.User(9301, "Bidan Barat") // the one who exports, below
	reportsStaff(t, e, kader, cadre.Bidan, areaBarat)
	must(t)(kader.Send("/rekap"))
	tapPrefix(t, kader, "📊 Pelayanan KB Serentak Kota Pekalongan")
	files, _ := kader.Last()
	if !hasButton(files, "📋 Register per klien (R/I/KB)") {
		t.Fatalf("no register button under the rekap's files: %+v", files.Buttons)
	}
	reg := files
	must(t)(kader.Tap("📋 Register per klien (R/I/KB)"))
	msgs := kader.Messages()
	intro, c, x := msgs[len(msgs)-3], msgs[len(msgs)-2], msgs[len(msgs)-1]
	if !strings.Contains(intro.Plain(), "Register per klien") || !strings.Contains(intro.Plain(), "7 klien hadir") ||
		c.Document == nil || x.Document == nil || !strings.HasSuffix(c.Document.Name, ".csv") || !strings.HasSuffix(x.Document.Name, ".xlsx") {
		t.Fatalf("register messages: %q %+v %+v", intro.Plain(), c.Document, x.Document)
	}

	// The R/I/KB columns, in the order of the reference (see
	// report/register.go), then kbbot's.
	wantHeader := []string{"No.", "Tanggal pelayanan", "No. seri Kartu Peserta KB (K/I/KB)", "Nama peserta", "Alamat", "Umur istri",
		"Jumlah anak hidup", "Peserta KB baru: metode", "PB pasca persalinan", "PB pasca keguguran", "Informed consent", "JKN PBI",
		"JKN non-PBI", "Ganti cara: dari metode", "Ganti cara: ke metode", "Pelayanan ulang: metode", "Pencabutan IUD/implan",
		"Komplikasi berat: metode", "Kegagalan: metode", "PB dari keluarga KPS/KS I",
		"Kode pendaftaran", "Faskes", "Kecamatan", "Metode didaftarkan", "Datang langsung"}
	recs := excelCSV(t, c.Document.Data)
	if strings.Join(recs[0], "|") != strings.Join(wantHeader, "|") || strings.Join(report.RegisterColumns, "|") != strings.Join(wantHeader, "|") {
		t.Fatalf("register header:\n%q\nwant\n%q", recs[0], wantHeader)
	}
	byCode := map[string][]string{}
	for _, r := range recs[1:] {
		byCode[r[20]] = r
	}
	if len(recs) != 8 || byCode[codes[7031]] != nil {
		t.Fatalf("%d lines (want the 7 clients of Pekalongan Barat, not Noyontaan's): %q", len(recs)-1, recs[1:])
	}
	line := func(code string, from, to int) string { return strings.Join(byCode[code][from:to], "|") }
	for code, want := range map[string]string{
		// From "Nama peserta" to "PB dari keluarga KPS/KS I".
		codes[7001]: "Warga 7001||||IUD/AKDR|1||1|1||||||||",
		codes[7002]: "Warga 7002|||||||1||1|IUD/AKDR|Implan||IUD/AKDR|||",
		codes[7005]: "Warga 7005||||||||||||Implan|Implan|||",
		codes[7006]: "Warga 7006||||||||1|||||Implan|||",
		codes[7011]: "Warga 7011||||Kondom||1||1||||||||",
		codes[7021]: "Warga 7021||||MOW|||1|1||||||||",
		codes[0]:    "Ibu Datang Langsung||||Pil||||||||||||",
	} {
		if got := line(code, 3, 20); got != want {
			t.Errorf("register line of %s:\n got %s\nwant %s", code, got, want)
		}
	}
	if got := line(codes[0], 20, 25); got != codes[0]+"|Puskesmas Bendan|Pekalongan Barat|Pil|1" {
		t.Errorf("the walk-in's own columns: %s", got)
	}
	if got := byCode[codes[7001]][1]; got != "2026-11-26" {
		t.Errorf("service date %q", got)
	}
	if strings.Contains(string(c.Document.Data), "Warga 7012") {
		t.Error("a client not served is in the register")
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(reportrender.SheetRegister)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs) || strings.Join(rows[0], "|") != strings.Join(wantHeader, "|") {
		t.Fatalf("XLSX register: %d rows, header %q", len(rows), rows[0])
	}
	es := reportsAudit(t, e)
	if n := countAudit(es, cadre.AuditRegister, demoEvent); n != 1 {
		t.Fatalf("%d audit entries for the register export", n)
	}
	if n := countAudit(es, cadre.ActReport, "rekap "+demoEvent); n != 2 { // the kader's and the bidan's
		t.Fatalf("%d audit entries for the rekap, want 2", n)
	}

	// A bidan of Pekalongan Timur forging the button gets nothing; nor
	// does a resident.
	other := e.srv.User(9302, "Bidan Timur")
	reportsStaff(t, e, other, cadre.Bidan, areaTimur)
	for _, u := range []*telegramtest.User{other} {
		for _, row := range reg.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Data, "rk:reg:") {
					if got := forge(t, u, b.Data); !strings.HasPrefix(got, "Menu utama") {
						t.Fatalf("forged register export: %q", got)
					}
				}
			}
		}
	}
	res := e.srv.User(8102, "Warga")
	consent(t, res)
	if got := forge(t, res, "rk:reg:"+demoEvent+":"+nonceOf(reg)); !strings.HasPrefix(got, "Menu utama") {
		t.Fatalf("a resident's forged register export: %q", got)
	}
	if n := countAudit(reportsAudit(t, e), cadre.AuditRegister, demoEvent); n != 1 {
		t.Fatalf("%d audit entries after forged exports", n)
	}
	// The audit log names the export in words.
	admin := e.srv.User(9001, "Admin")
	must(t)(admin.Send("/audit"))
	if txt := lastText(t, admin); !strings.Contains(txt, "ekspor register per klien (R/I/KB) · "+demoEvent) {
		t.Fatalf("/audit: %q", txt)
	}
}
