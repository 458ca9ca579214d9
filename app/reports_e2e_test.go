package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/xuri/excelize/v2"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/report"
	reportrender "github.com/kbbot/kbbot/report/render"
)

// The demo event of Kota Pekalongan, on 26 November 2026 (three days after
// testStart), and its areas.
const demoEvent = "kbs-pekalongan-demo"

var (
	areaBarat = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	areaTimur = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}
	// eventMorning is 09:00 WIB on the event day; afterSessions 12:30 WIB,
	// when the morning sessions are over but RS Bhakti Ibu's 13:00 one is not.
	eventMorning  = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	afterSessions = time.Date(2026, 11, 26, 5, 30, 0, 0, time.UTC)
)

// reportsStaff makes u a member with role in area through a real invite
// (created in the staff store as the configured admin 9001) redeemed with
// /kader CODE.
func reportsStaff(t *testing.T, e *env, u *telegramtest.User, role cadre.Role, area cadre.Area) {
	t.Helper()
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{Admins: e.cfg.Admins})
	now := e.clock.Now()
	code, err := staff.CreateInvite(context.Background(), cadre.Member{Chat: 9001, Role: cadre.Admin}, role, area, now.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	must(t)(u.Send("/kader " + code))
	m, ok, err := staff.Member(context.Background(), kbbot.ChatID(u.ID))
	if err != nil || !ok || m.Role != role {
		t.Fatalf("member %d: %+v %v %v; last message %q", u.ID, m, ok, err, lastText(t, u))
	}
}

func reportsAudit(t *testing.T, e *env) []cadre.AuditEntry {
	t.Helper()
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{Admins: e.cfg.Admins})
	es, err := staff.AuditLog(context.Background(), cadre.Area{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func countAudit(es []cadre.AuditEntry, act cadre.Action, detail string) int {
	n := 0
	for _, x := range es {
		if x.Action == act && x.Detail == detail {
			n++
		}
	}
	return n
}

// TestE2ECheckIn books through the real flow, then a bidan of the
// facility's kecamatan checks the client in: the booking is attended, the
// aftercare and method reminders are planned, the audit log has the
// check-in, and a second check-in changes nothing. A resident, a kader of
// another kecamatan, a TPK (no check-in right) and forged buttons are
// refused.
func TestE2ECheckIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	sari := e.srv.User(8101, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)

	bidan := e.srv.User(9201, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	other := e.srv.User(9202, "Kader Timur")
	reportsStaff(t, e, other, cadre.Kader, areaTimur)
	tpk := e.srv.User(9203, "TPK Barat")
	reportsStaff(t, e, tpk, cadre.TPK, areaBarat)

	// Before the service day a check-in is refused.
	must(t)(bidan.Send("/checkin " + code))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Check-in baru bisa dilakukan pada hari itu") {
		t.Fatalf("check-in before the day: %q", txt)
	}
	e.clock.Set(eventMorning)

	// The resident: no such command, no such button.
	must(t)(sari.Send("/checkin " + code))
	if got := lastText(t, sari); got != unknownReply("/checkin") {
		t.Fatalf("/checkin for a resident: %q", got)
	}
	for _, d := range []string{"q:ci", "chk:save:pbi:n1", "chk:cat:baru:n1", "chk:ic:n1", "rk:ev:" + demoEvent + ":n1",
		"rk:reg:" + demoEvent + ":n1", "qr:ev:" + demoEvent + ":n1"} {
		if got := forge(t, sari, d); !strings.HasPrefix(got, "Menu utama") {
			t.Fatalf("a resident's forged %q: %q", d, got)
		}
	}
	// A kader of another kecamatan is told the code is not in their area,
	// exactly as for an unknown code.
	must(t)(other.Send("/checkin " + code))
	notHere := "Kode " + code + " tidak ditemukan di tempat layanan wilayah Anda."
	if txt := lastText(t, other); !strings.HasPrefix(txt, notHere) {
		t.Fatalf("check-in outside the area: %q", txt)
	}
	must(t)(other.Send("/checkin KB-333333"))
	if txt := lastText(t, other); !strings.HasPrefix(txt, "Kode KB-333333 tidak ditemukan") {
		t.Fatalf("unknown code: %q", txt)
	}
	// A TPK may not check in at all.
	must(t)(tpk.Send("/checkin"))
	if txt := lastText(t, tpk); !strings.Contains(txt, "tidak dapat melakukan ini") {
		t.Fatalf("TPK check-in: %q", txt)
	}

	// The bidan checks Sari in from the staff menu, typing the code loosely.
	must(t)(bidan.Send("/kader"))
	must(t)(bidan.Tap("✅ Check-in klien"))
	must(t)(bidan.Send(strings.ToLower(strings.Replace(code, "-", " ", 1))))
	card := lastText(t, bidan)
	for _, want := range []string{"Check-in " + code + " · Sari Wulandari", "Didaftarkan: IUD", "Puskesmas Bendan", "08.00–10.00 WIB", "Metode diberikan: IUD"} {
		if !strings.Contains(card, want) {
			t.Fatalf("check-in card lacks %q:\n%s", want, card)
		}
	}
	if n := strings.Count(card, "\n") + 1; n > 5 {
		t.Fatalf("the card takes %d lines:\n%s", n, card)
	}
	// The other kader forges the bidan's buttons: they act for nobody.
	cardMsg, _ := bidan.Last()
	for _, row := range cardMsg.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Data, "chk:") {
				if got := forge(t, other, b.Data); !strings.HasPrefix(got, "Menu utama") {
					t.Fatalf("forged %q by another kader: %q", b.Data, got)
				}
			}
		}
	}
	must(t)(bidan.Tap("🆕 KB baru"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Sari Wulandari ("+code+"): IUD (AKDR, spiral) · KB baru") ||
		!strings.Contains(txt, "Informed consent wajib") {
		t.Fatalf("confirmation: %q", txt)
	}
	// Saving without the informed consent is refused: nothing is stored.
	must(t)(bidan.Tap("💾 JKN PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Belum disimpan. Informed consent wajib untuk IUD") {
		t.Fatalf("a save without the consent: %q", txt)
	}
	if _, _, ok, _ := p.App.Bookings.CheckInOf(ctx, code); ok {
		t.Fatal("checked in without the informed consent")
	}
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	must(t)(bidan.Tap("💾 JKN PBI"))
	done := lastText(t, bidan)
	if !strings.Contains(done, "Sari Wulandari ("+code+") tercatat hadir") || !strings.Contains(done, "IUD (AKDR, spiral) · KB baru · JKN PBI") ||
		!strings.Contains(done, "sudah dijadwalkan") {
		t.Fatalf("after saving: %q", done)
	}

	b, err := p.App.Bookings.Get(ctx, code)
	if err != nil || b.Status != booking.Attended {
		t.Fatalf("booking after check-in: %+v, %v", b, err)
	}
	_, ci, ok, err := p.App.Bookings.CheckInOf(ctx, code)
	if err != nil || !ok || ci.By != 9201 || ci.Method != booking.IUD || ci.Category != booking.NewAcceptor || !ci.At.Equal(eventMorning) ||
		ci.Register != (booking.Register{Consent: true, JKN: booking.JKNPBI}) {
		t.Fatalf("check-in record: %+v %v %v", ci, ok, err)
	}
	// The check-in reaches Sari's own chat, which plans the IUD's check-up.
	sweep(t, p)
	kinds := pendingKinds(t, p, 8101)
	if !kinds[reminders.KindAftercare] || !kinds[reminders.KindCheckup] || kinds[reminders.KindCourseSet] {
		t.Fatalf("check-in must plan the aftercare and IUD check-up reminders, got %v", kinds)
	}
	pending, _ := p.App.Reminders.Pending(ctx, 8101)
	if n := countAudit(reportsAudit(t, e), cadre.ActCheckIn, code); n != 1 {
		t.Fatalf("%d audit entries for the check-in", n)
	}

	// A second check-in (here by the admin, with other answers) changes
	// nothing and says when and by whom it was done.
	admin := e.srv.User(9001, "Admin")
	must(t)(admin.Send("/checkin " + code))
	if txt := lastText(t, admin); !strings.Contains(txt, "sudah tercatat hadir sebelumnya") || !strings.Contains(txt, "oleh Bidan Ani") || strings.Contains(txt, "9201") {
		t.Fatalf("second check-in: %q", txt)
	}
	must(t)(bidan.Send(code))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Tidak ada yang diubah") {
		t.Fatalf("the bidan's second check-in: %q", txt)
	}
	// An old confirm button, tapped again, changes nothing either.
	must(t)(bidan.TapData(cardMsg.ID, "chk:save:tidak:"+nonceOf(cardMsg)))
	if _, ci2, _, _ := p.App.Bookings.CheckInOf(ctx, code); ci2 != ci {
		t.Fatalf("the check-in changed: %+v", ci2)
	}
	if again, _ := p.App.Reminders.Pending(ctx, 8101); len(again) != len(pending) {
		t.Fatalf("reminders changed on a second check-in: %d, were %d", len(again), len(pending))
	}
	if n := countAudit(reportsAudit(t, e), cadre.ActCheckIn, code); n != 1 {
		t.Fatalf("%d audit entries after a second check-in", n)
	}
	// The operator's metrics count the one check-in, by the method given.
	if n := p.metric(t, `kbbot_checkins_total{method="iud"}`); n != 1 {
		t.Errorf("kbbot_checkins_total{method=\"iud\"} = %v after one check-in tapped again, want 1", n)
	}

	// When the aftercare reminder is due, Sari gets it in her chat.
	e.clock.Set(time.Date(2026, 11, 29, 2, 30, 0, 0, time.UTC))
	sweep(t, p)
	if m, _ := sari.Last(); !strings.Contains(strings.ToLower(m.Plain()), "iud") {
		t.Fatalf("want the aftercare reminder about the IUD, got %q", m.Plain())
	}
}

// nonceOf returns the nonce of a message's check-in, rekap or poster
// buttons.
func nonceOf(m telegramtest.Message) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if parts := strings.Split(b.Data, ":"); (parts[0] == "chk" || parts[0] == "rk" || parts[0] == "qr") && len(parts) > 2 {
				return parts[len(parts)-1]
			}
		}
	}
	return "none"
}

// seedRekap books, waits, checks in, marks not served and registers a
// walk-in: the scenario of TestE2ERekap, through the booking store. It
// returns the codes by resident (the walk-in under 0).
func seedRekap(t *testing.T, e *env, p *process) map[int64]string {
	t.Helper()
	ctx := context.Background()
	codes := map[int64]string{}
	bk := func(chat int64, fac, sess string, m booking.Method) {
		b, err := p.App.Bookings.Book(ctx, booking.Request{EventID: demoEvent, FacilityID: fac, SessionID: sess, Method: m,
			Resident: kbbot.ChatID(chat), Name: "Warga " + strconv.FormatInt(chat, 10), ConsentAt: testStart, IdempotencyKey: "seed"})
		if err != nil {
			t.Fatalf("book %d: %v", chat, err)
		}
		codes[chat] = b.Code
	}
	for _, c := range []int64{7001, 7002, 7003} {
		bk(c, "pkm-bendan", "0800", booking.IUD)
	}
	bk(7004, "pkm-bendan", "1000", booking.IUD)
	bk(7005, "pkm-bendan", "0800", booking.Implan)
	bk(7006, "pkm-bendan", "0800", booking.Implan)
	for c := int64(7011); c <= 7015; c++ {
		bk(c, "pkm-bendan", "0800", booking.Kondom)
	}
	if _, err := p.App.Bookings.JoinWaitlist(ctx, booking.WaitRequest{EventID: demoEvent, FacilityID: "pkm-bendan", Method: booking.Kondom, Resident: 7016}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Bookings.Cancel(ctx, codes[7003], 7003); err != nil {
		t.Fatal(err)
	}
	bk(7021, "rs-bhakti-ibu", "0800", booking.MOW)
	bk(7022, "rs-bhakti-ibu", "0800", booking.MOW)
	bk(7023, "rs-bhakti-ibu", "1300", booking.MOP)
	bk(7031, "pkm-noyontaan", "0800", booking.IUD)
	// A walk-in at Bendan takes a pill.
	w, err := p.App.Bookings.WalkIn(ctx, booking.Request{EventID: demoEvent, FacilityID: "pkm-bendan", SessionID: "0800", Method: booking.Pil,
		BookedBy: 9001, Name: "Ibu Datang Langsung", ConsentAt: eventMorning, IdempotencyKey: "walk"})
	if err != nil {
		t.Fatal(err)
	}
	codes[0] = w.Code
	for _, ci := range []booking.CheckIn{
		{Code: codes[7001], Method: booking.IUD, Category: booking.NewAcceptor,
			Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}},
		{Code: codes[7002], Method: booking.Implan, Category: booking.Switching,
			Register: booking.Register{From: booking.IUD, Removed: booking.IUD, Consent: true, JKN: booking.JKNNonPBI}},
		{Code: codes[7005], Method: booking.Implan, Category: booking.Continuing,
			Register: booking.Register{Removed: booking.Implan, JKN: booking.JKNNone}},
		{Code: codes[7006], Method: booking.Implan, Category: booking.RemovalOnly,
			Register: booking.Register{Removed: booking.Implan, JKN: booking.JKNPBI}},
		{Code: codes[7011], Method: booking.Kondom, Category: booking.NewAcceptor,
			Register: booking.Register{Post: booking.PostAbortion, JKN: booking.JKNPBI}},
		{Code: codes[7021], Method: booking.MOW, Category: booking.NewAcceptor,
			Register: booking.Register{Consent: true, JKN: booking.JKNPBI}},
		{Code: codes[7031], Method: booking.IUD, Category: booking.NewAcceptor,
			Register: booking.Register{Consent: true, JKN: booking.JKNNonPBI}},
		{Code: codes[0], Method: booking.Pil, Category: booking.NewAcceptor, Register: booking.Register{JKN: booking.JKNNone}},
	} {
		ci.By, ci.At = 9001, eventMorning
		if _, err := p.App.Bookings.CheckIn(ctx, ci); err != nil {
			t.Fatal(err)
		}
	}
	for code, reason := range map[string]booking.NotServedReason{codes[7012]: booking.ReasonPregnant, codes[7013]: booking.ReasonAbsent,
		codes[7022]: booking.ReasonChanged} {
		if _, err := p.App.Bookings.MarkNotServed(ctx, booking.NotServedMark{Code: code, By: 9001, At: eventMorning, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	return codes
}

// rekapPicked are the columns of the rekap the tests compare.
var rekapPicked = []string{"ID faskes", "Kode metode", "Target", "Jenis target", "Terdaftar", "Daftar tunggu", "Datang langsung",
	"Hadir", "Dilayani", "% capaian", "KB baru", "KB ulang", "Ganti cara", "Pencabutan IUD/implan", "Tidak datang",
	"Tidak dilayani: hamil", "Tidak dilayani: berubah pikiran"}

// rekapBarat is what a kader of Pekalongan Barat gets at 12:30 WIB, in
// the columns rekapPicked: the rows of Puskesmas Bendan (over for the
// day: its active bookings are no-shows) and RS Bhakti Ibu (its 13:00
// session is still to come), the totals against the sum of their quotas,
// then MKJP, non-MKJP and all methods.
var rekapBarat = []string{
	"pkm-bendan|pil|5|kuota faskes|1|0|1|1|1|20|1|0|0|0|0|0|0",
	"pkm-bendan|suntik3|10|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"pkm-bendan|implan|12|kuota faskes|2|0|0|3|2|17|0|1|1|2|0|0|0",
	"pkm-bendan|iud|16|kuota faskes|3|0|0|1|1|6|1|0|0|1|1|0|0",
	"pkm-bendan|kondom|5|kuota faskes|5|1|0|1|1|20|1|0|0|0|3|1|0",
	"rs-bhakti-ibu|pil|5|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"rs-bhakti-ibu|suntik3|10|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"rs-bhakti-ibu|implan|8|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"rs-bhakti-ibu|iud|14|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"rs-bhakti-ibu|kondom|5|kuota faskes|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"rs-bhakti-ibu|mow|18|kuota faskes|2|0|0|1|1|6|1|0|0|0|0|0|1",
	"rs-bhakti-ibu|mop|5|kuota faskes|1|0|0|0|0|0|0|0|0|0|0|0|0",
	"|pil|10|jumlah kuota|1|0|1|1|1|10|1|0|0|0|0|0|0",
	"|suntik3|20|jumlah kuota|0|0|0|0|0|0|0|0|0|0|0|0|0",
	"|implan|20|jumlah kuota|2|0|0|3|2|10|0|1|1|2|0|0|0",
	"|iud|30|jumlah kuota|3|0|0|1|1|3|1|0|0|1|1|0|0",
	"|kondom|10|jumlah kuota|5|1|0|1|1|10|1|0|0|0|3|1|0",
	"|mow|18|jumlah kuota|2|0|0|1|1|6|1|0|0|0|0|0|1",
	"|mop|5|jumlah kuota|1|0|0|0|0|0|0|0|0|0|0|0|0",
	"||73|jumlah kuota|8|0|0|5|4|5|2|1|1|3|1|0|1",
	"||40|jumlah kuota|6|1|1|2|2|5|2|0|0|0|3|1|0",
	"||113|jumlah kuota|14|1|1|7|6|5|4|1|1|3|4|1|1",
}

// rekapColumns picks the columns rekapPicked of a table row.
func rekapColumns(t *testing.T, header, row []string) string {
	t.Helper()
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	var out []string
	for _, c := range rekapPicked {
		i, ok := idx[c]
		if !ok || i >= len(row) {
			t.Fatalf("no column %q in %v / %v", c, header, row)
		}
		out = append(out, row[i])
	}
	return strings.Join(out, "|")
}

// rekapFiles returns the chart, CSV and XLSX of the rekap the user just got.
func rekapFiles(t *testing.T, u *telegramtest.User) (summary string, chart, csvData, xlsx []byte) {
	t.Helper()
	msgs := u.Messages()
	if len(msgs) < 4 {
		t.Fatalf("want a summary and three files, got %d messages", len(msgs))
	}
	sum, ph, c, x := msgs[len(msgs)-4], msgs[len(msgs)-3], msgs[len(msgs)-2], msgs[len(msgs)-1]
	if ph.Photo == nil || c.Document == nil || x.Document == nil {
		t.Fatalf("want a chart photo, a CSV and an XLSX document: %+v %+v %+v", ph.Photo, c.Document, x.Document)
	}
	if !strings.HasSuffix(c.Document.Name, ".csv") || !strings.HasSuffix(x.Document.Name, ".xlsx") || !strings.HasSuffix(ph.Photo.Name, ".png") {
		t.Fatalf("file names %q %q %q", ph.Photo.Name, c.Document.Name, x.Document.Name)
	}
	savePNG(t, "rekap-"+strconv.FormatInt(u.ID, 10)+".png", ph.Photo.Data)
	return sum.Plain(), ph.Photo.Data, c.Document.Data, x.Document.Data
}

// excelCSV reads a CSV file as Excel in an Indonesian locale opens it: a
// UTF-8 BOM first, fields split at ';'. It fails the test when the file
// would open as one column.
func excelCSV(t *testing.T, raw []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("the CSV does not open with a UTF-8 BOM: % x", raw[:min(len(raw), 8)])
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read the CSV split at ';': %v", err)
	}
	if len(recs) == 0 || len(recs[0]) < 10 {
		t.Fatalf("the CSV opens as %d columns", len(recs[0]))
	}
	return recs
}

func checkRekapTable(t *testing.T, what string, header []string, rows [][]string, want []string) {
	t.Helper()
	if strings.Join(header, "|") != strings.Join(report.Columns, "|") {
		t.Fatalf("%s header %v", what, header)
	}
	for _, h := range header {
		if strings.Contains(h, "_") {
			t.Fatalf("%s header %q is not in words", what, h)
		}
	}
	var got []string
	for _, r := range rows {
		got = append(got, rekapColumns(t, header, r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestE2ERekap seeds bookings, a waitlist, cancellations, check-ins with
// their register lines, not-served marks and a walk-in at three
// facilities in two kecamatan, and checks the rekap a kader of one
// kecamatan gets (chart, CSV for Indonesian-locale Excel and XLSX, figures
// exactly: % capaian, MKJP and non-MKJP totals, no-shows, walk-ins and the
// not-served reasons) and the admin's full one against the event's
// targets; a kader cannot get the rekap of an event outside their area,
// and a resident none at all. The export is audited.
func TestE2ERekap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	seedRekap(t, e, p)
	e.clock.Set(afterSessions)

	kader := e.srv.User(9301, "Kader Barat")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)
	must(t)(kader.Send("/rekap"))
	list, _ := kader.Last()
	for _, row := range list.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, "Makassar") || strings.Contains(b.Text, "Jayapura") {
				t.Fatalf("a kader of Pekalongan Barat is offered %q", b.Text)
			}
		}
	}
	tapPrefix(t, kader, "📊 Pelayanan KB Serentak Kota Pekalongan")
	summary, chart, csvData, xlsx := rekapFiles(t, kader)
	for _, want := range []string{"Rekap Pelayanan KB Serentak Kota Pekalongan (contoh)", "lokasi di Pekalongan Barat, Kota Pekalongan",
		"Terdaftar: 14 · Daftar tunggu: 1 · Datang langsung: 1", "Dilayani: 6 dari kuota 113 (capaian 5%)",
		"MKJP: 4 dari 73 (5%) · Non-MKJP: 2 dari 40 (5%)",
		"Hadir: 7 (KB baru 4, di antaranya pasca persalinan/keguguran 2; KB ulang 1; ganti cara 1; pencabutan saja 1; kegagalan 0)",
		"IUD/implan dicabut: 3 · komplikasi berat: 0",
		"Tidak datang: 4 · Tidak jadi dilayani: hamil 1, perlu pemeriksaan lanjut 0, berubah pikiran 1",
		"IUD (AKDR, spiral): 1 / kuota 30, 3% · terdaftar 3"} {
		if !strings.Contains(summary, want) {
			t.Fatalf("summary lacks %q:\n%s", want, summary)
		}
	}

	recs := excelCSV(t, csvData)
	checkRekapTable(t, "CSV", recs[0], recs[1:], rekapBarat)
	if recs[1][0] != demoEvent || recs[1][2] != "2026-11-26" || recs[1][6] != "Pekalongan Barat" {
		t.Fatalf("CSV event and place columns: %v", recs[1])
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(reportrender.SheetRekap)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	checkRekapTable(t, "XLSX", rows[0], rows[1:], rekapBarat)
	keepFile(t, "rekap-kader-barat.png", chart)
	img := checkPNG(t, chart, reportrender.ChartWidth, 0)
	for name, col := range map[string]color.RGBA{"quota": reportrender.ColQuota, "booked": reportrender.ColBooked, "served": reportrender.ColServed} {
		if n := pixelsOf(img, col); n < 300 {
			t.Errorf("the chart's %s bars: %d pixels", name, n)
		}
	}
	if n := countAudit(reportsAudit(t, e), cadre.ActReport, "rekap "+demoEvent); n != 1 {
		t.Fatalf("%d audit entries for the rekap", n)
	}

	// A kader of a kecamatan without sites of the Makassar event cannot
	// have its rekap, even with a forged button of their own flow.
	must(t)(kader.Send("/rekap"))
	list, _ = kader.Last()
	forged := "rk:ev:kbs-makassar-demo:" + nonceOf(list)
	if got := forge(t, kader, forged); !strings.HasPrefix(got, "Menu utama") {
		t.Fatalf("rekap of an event outside the area: %q", got)
	}
	// A resident gets nothing.
	res := e.srv.User(8102, "Warga")
	consent(t, res)
	must(t)(res.Send("/rekap"))
	if got := lastText(t, res); got != unknownReply("/rekap") {
		t.Fatalf("/rekap for a resident: %q", got)
	}

	// The admin's rekap covers every site and compares with the targets.
	admin := e.srv.User(9001, "Admin")
	must(t)(admin.Send("/rekap"))
	tapPrefix(t, admin, "📊 Pelayanan KB Serentak Kota Pekalongan")
	_, chart, csvData, _ = rekapFiles(t, admin)
	recs = excelCSV(t, csvData)
	totals := map[string]string{}
	facilities := map[string]bool{}
	for _, r := range recs[1:] {
		line := rekapColumns(t, recs[0], r)
		switch {
		case r[3] != "":
			facilities[r[3]] = true
		case r[8] != "":
			totals[r[8]] = line
		default:
			totals[r[9]] = line
		}
	}
	if len(facilities) != 8 {
		t.Fatalf("the admin's rekap covers %d facilities, want the 8 of the event", len(facilities))
	}
	for m, want := range map[string]string{
		"iud":                          "|iud|104|target acara|4|0|0|2|2|2|2|0|0|1|1|0|0",
		"implan":                       "|implan|77|target acara|2|0|0|3|2|3|0|1|1|2|0|0|0",
		"mow":                          "|mow|18|target acara|2|0|0|1|1|6|1|0|0|0|0|0|1",
		"mop":                          "|mop|5|target acara|1|0|0|0|0|0|0|0|0|0|0|0|0",
		"kondom":                       "|kondom|40|jumlah kuota|5|1|0|1|1|3|1|0|0|0|3|1|0",
		"MKJP (IUD, implan, MOW, MOP)": "||204|target acara|9|0|0|6|5|2|3|1|1|3|1|0|1",
	} {
		if totals[m] != want {
			t.Errorf("admin total %s: %q, want %q", m, totals[m], want)
		}
	}
	// With the event's targets the chart draws targets, not quotas.
	if n := pixelsOf(checkPNG(t, chart, reportrender.ChartWidth, 0), reportrender.ColTarget); n < 300 {
		t.Errorf("the admin's chart has %d target pixels", n)
	}
}

// keepFile writes a file the bot sent under $KBBOT_REPORT_OUT, to look at.
func keepFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if dir := os.Getenv("KBBOT_REPORT_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pixelsOf counts the pixels of colour col, every other one each way.
func pixelsOf(img image.Image, col color.RGBA) int {
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

// checkPNG decodes a PNG w by h pixels (h 0: any height).
func checkPNG(t *testing.T, b []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if img.Bounds().Dx() != w || h != 0 && img.Bounds().Dy() != h {
		t.Fatalf("PNG is %v, want %dx%d", img.Bounds(), w, h)
	}
	return img
}

// TestE2EPoster: a kader makes the poster of their area and of an open
// event; the QR codes hold the deep links, and the area link leads back to
// the area. A bidan (no poster right) and a resident are refused.
func TestE2EPoster(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()

	kader := e.srv.User(9401, "Kader Barat")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)
	must(t)(kader.Send("/qr"))
	must(t)(kader.Tap("📍 Wilayah: Pekalongan Barat, Kota Pekalongan"))
	msgs := kader.Messages()
	photo, doc := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if photo.Photo == nil || doc.Document == nil || !bytes.Equal(photo.Photo.Data, doc.Document.Data) {
		t.Fatalf("want the poster as a photo and as a file")
	}
	savePNG(t, "poster.png", photo.Photo.Data)
	img := checkPNG(t, photo.Photo.Data, reportrender.PosterWidth, reportrender.PosterHeight)
	link := readQR(t, img)
	prefix := "https://t.me/kbbot_test_bot?start=a-"
	if !strings.HasPrefix(link, prefix) || !strings.Contains(photo.Photo.Caption, link) {
		t.Fatalf("area poster link %q, caption %q", link, photo.Photo.Caption)
	}
	links := redisstore.NewAreaLinks(e.rdb, redisstore.NewKeys(e.prefix))
	if a, ok, err := links.ResolveAreaLink(ctx, strings.TrimPrefix(link, prefix)); err != nil || !ok || a != areaBarat {
		t.Fatalf("the poster's area code resolves to %+v %v %v", a, ok, err)
	}

	must(t)(kader.Send("/qr"))
	menu, _ := kader.Last()
	for _, row := range menu.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, "Makassar") {
				t.Fatalf("a kader of Pekalongan Barat is offered %q", b.Text)
			}
		}
	}
	tapPrefix(t, kader, "📅 Pelayanan KB Serentak Kota Pekalongan")
	msgs = kader.Messages()
	img = checkPNG(t, msgs[len(msgs)-1].Document.Data, reportrender.PosterWidth, reportrender.PosterHeight)
	if got := readQR(t, img); got != "https://t.me/kbbot_test_bot?start=e-"+demoEvent {
		t.Fatalf("event poster link %q", got)
	}
	es := reportsAudit(t, e)
	if countAudit(es, cadre.ActPoster, "e-"+demoEvent) != 1 || countAudit(es, cadre.ActPoster, strings.TrimPrefix(link, "https://t.me/kbbot_test_bot?start=")) != 1 {
		t.Fatalf("audit of posters: %+v", es)
	}
	// A forged poster of an event outside the area does nothing.
	must(t)(kader.Send("/qr"))
	menu, _ = kader.Last()
	if got := forge(t, kader, "qr:ev:kbs-makassar-demo:"+nonceOf(menu)); !strings.HasPrefix(got, "Menu utama") {
		t.Fatalf("poster of an event outside the area: %q", got)
	}

	bidan := e.srv.User(9402, "Bidan")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	must(t)(bidan.Send("/qr"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "tidak dapat melakukan ini") {
		t.Fatalf("bidan poster: %q", txt)
	}
	res := e.srv.User(8103, "Warga")
	consent(t, res)
	must(t)(res.Send("/qr"))
	if got := lastText(t, res); got != unknownReply("/qr") {
		t.Fatalf("/qr for a resident: %q", got)
	}
}

// readQR decodes the QR code of a poster.
func readQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	r, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return r.GetText()
}
