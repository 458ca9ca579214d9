package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// ebCadreBooks has kader u book Suntik KB 3 bulan at Puskesmas Bendan for
// a resident without a phone (/daftarkan), with a phone number and the
// pre-screening answers, and returns the booking code.
func ebCadreBooks(t *testing.T, u *telegramtest.User, name, phone string) string {
	t.Helper()
	must(t)(u.Send("/daftarkan"))
	must(t)(u.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, u, "Kota Pekalongan")
	tapPrefix(t, u, "Pekalongan Barat")
	tapPrefix(t, u, "Puskesmas Bendan")
	tapPrefix(t, u, "Suntik KB 3 bulan")
	tapPrefix(t, u, "08.00–10.00 WIB")
	must(t)(u.Send(name))
	must(t)(u.Tap("✅ Ya, warga sudah setuju"))
	must(t)(u.Send(phone))
	checklistAllNo(t, u)
	must(t)(u.Tap("✅ Ya, daftarkan"))
	return recCode(t, u)
}

// TestE2EEraseBookedLeavesNothing: a kader books for a resident without a
// phone (audited with the code and the facility's kelurahan), then erases
// her with /hapuspeserta and the code. Afterwards no key, member, field or
// value under the bot's prefix holds her name, phone number or booking
// code; the place is free again; the audit log keeps the booking's entry
// without code or kelurahan and an "erase_booked" entry that names
// neither.
func TestE2EEraseBookedLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{Admins: e.cfg.Admins})

	admin := e.srv.User(9001, "Sari")
	must(t)(admin.Send("/undang"))
	must(t)(admin.Tap("Kader KB"))
	must(t)(admin.Tap("Kota Pekalongan"))
	must(t)(admin.Tap("Pekalongan Barat"))
	must(t)(admin.Tap("Seluruh kecamatan"))
	must(t)(admin.Tap("1 hari"))
	kader := e.srv.User(9002, "Wati")
	must(t)(kader.Send("/kader " + rolesInviteCode(t, admin)))

	const name, phone, phoneDigits = "Siti Zulaikha", "0813 9876 5432", "81398765432"
	av := func() int {
		t.Helper()
		a, err := p.App.Bookings.Availability(ctx, demoEvent, "pkm-bendan")
		if err != nil {
			t.Fatal(err)
		}
		return a.Bookable(booking.Suntik3)
	}
	free := av()
	code := ebCadreBooks(t, kader, name, phone)
	if av() != free-1 {
		t.Fatalf("the booking took no place: %d left, %d before", av(), free)
	}
	b, err := p.App.Bookings.Get(ctx, code)
	if err != nil || b.Name != name || b.Phone != "0"+phoneDigits || len(b.Screening) == 0 || b.BookedBy != 9002 {
		t.Fatalf("the cadre's booking: %+v %v", b, err)
	}

	// /daftarkan is audited: the code and the facility's area, no name.
	log, err := staff.AuditLog(ctx, cadre.Area{}, 10)
	if err != nil || len(log) == 0 || log[0].Action != cadre.ActBookFor || log[0].Detail != code || log[0].Actor != 9002 ||
		log[0].Area.Kelurahan != "Bendan Kergon" {
		t.Fatalf("audit log after /daftarkan: %+v %v", log, err)
	}

	needles := []string{name, "Zulaikha", phoneDigits, code}
	// The scan finds each of them before: it can fail.
	found := map[string]bool{}
	for _, h := range recScan(t, e, needles) {
		found[h.needle] = true
	}
	for _, n := range needles {
		if !found[n] {
			t.Fatalf("the scan does not find %q before the erasure", n)
		}
	}

	must(t)(kader.Send("/hapuspeserta " + strings.ToLower(code)))
	if txt := lastText(t, kader); !strings.Contains(txt, "S*** Z*******") || strings.Contains(txt, "Zulaikha") || !strings.Contains(txt, "Puskesmas Bendan") {
		t.Fatalf("want the booking shown with the name masked, got %q", txt)
	}
	must(t)(kader.Tap("🗑 Ya, hapus data warga"))
	if txt := lastText(t, kader); !strings.Contains(txt, "sudah dihapus") || !strings.Contains(txt, code) {
		t.Fatalf("want the erasure confirmed, got %q", txt)
	}

	for _, h := range recScan(t, e, needles) {
		// The chat histories at Telegram are not ours to erase: the scan
		// reads only the bot's Redis keys.
		t.Errorf("after /hapuspeserta %s (%s) still holds %q: %s", h.key, h.typ, h.needle, h.where)
	}
	if av() != free {
		t.Errorf("the place was not given back: %d left, want %d", av(), free)
	}
	if _, err := p.App.Bookings.Get(ctx, code); err == nil {
		t.Error("the code still finds a booking")
	}
	if bs, err := p.App.Bookings.Bookings(ctx, 9002); err != nil || len(bs) != 0 {
		t.Errorf("the kader still lists the booking: %+v %v", bs, err)
	}

	// The audit log: the erasure, with the kecamatan only; the booking's
	// entry scrubbed; nothing with the code or the kelurahan.
	log, err = staff.AuditLog(ctx, cadre.Area{}, 10)
	if err != nil || len(log) < 2 {
		t.Fatalf("audit log after the erasure: %+v %v", log, err)
	}
	erase, booked := log[0], log[1]
	if erase.Action != "erase_booked" || erase.Actor != 9002 || erase.Role != cadre.Kader || erase.Detail != "" ||
		erase.Area != (cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}) {
		t.Errorf("the erasure's audit entry: %+v", erase)
	}
	if booked.Action != cadre.ActBookFor || booked.Detail != redisstore.Erased || booked.Area.Kelurahan != "" || booked.Area.Kecamatan != "Pekalongan Barat" {
		t.Errorf("the booking's audit entry after the erasure: %+v", booked)
	}
	raw := strings.Join(e.rdb.LRange(ctx, redisstore.NewKeys(e.prefix).StaffAudit(), 0, -1).Val(), "\n")
	if strings.Contains(raw, code) || strings.Contains(raw, "Bendan Kergon") {
		t.Errorf("the audit log still names the code or the kelurahan: %s", raw)
	}

	// The same code again: unknown.
	must(t)(kader.Send("/hapuspeserta " + code))
	if txt := lastText(t, kader); !strings.Contains(txt, "Tidak ada pendaftaran dengan kode "+code) {
		t.Errorf("the code after the erasure: %q", txt)
	}
}
