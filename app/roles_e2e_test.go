package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// rolesInviteCode reads the code of the invite link in the newest message.
func rolesInviteCode(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	txt := lastText(t, u)
	i := strings.Index(txt, "?start=k-")
	if i < 0 {
		t.Fatalf("no invite link in %q", txt)
	}
	code := txt[i+len("?start=k-"):]
	if j := strings.IndexAny(code, " \n"); j >= 0 {
		code = code[:j]
	}
	return code
}

// rolesSeesButton reports whether any message the user sees has a button labelled label.
func rolesSeesButton(u *telegramtest.User, label string) bool {
	for _, m := range u.Messages() {
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == label {
					return true
				}
			}
		}
	}
	return false
}

const rolesExpired = "Tombol ini sudah tidak berlaku. Silakan mulai lagi dari menu."

// TestE2ERolesAccessControl runs the roles end to end through the fake
// Telegram: an admin from configuration invites a PKB by deep link, the PKB
// invites a kader within their own kecamatan, and residents, the kader and
// forged buttons are refused whatever they try. Invites work once and not
// after their expiry (test clock); the audit log records invites and
// redemptions and only the admin reads it.
func TestE2ERolesAccessControl(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{Admins: e.cfg.Admins})

	// A resident: no staff command exists, no staff button works.
	res := e.srv.User(9100, "Sari")
	consent(t, res)
	if rolesSeesButton(res, "🧑‍⚕️ Menu kader") {
		t.Fatal("a resident's menu offers the staff menu")
	}
	for _, cmd := range []string{"/kader", "/undang", "/tim", "/audit"} {
		must(t)(res.Send(cmd))
		if got := lastText(t, res); got != unknownReply(cmd) {
			t.Fatalf("%s for a resident: %q", cmd, got)
		}
	}
	for _, d := range []string{"k:menu", "k:inv", "k:aud", "k:team", "inv:role:kader:n1", "inv:days:7:n1", "team:yes:n1", "bc:new", "q:ci", "q:rk", "q:qr"} {
		// expired() sends the notice, then the menu.
		if got := forge(t, res, d); !strings.HasPrefix(got, "Menu utama") {
			t.Fatalf("a resident's forged %q: %q", d, got)
		}
		msgs := res.Messages()
		if msgs[len(msgs)-2].Plain() != rolesExpired {
			t.Fatalf("a resident's forged %q was not refused as expired: %q", d, msgs[len(msgs)-2].Plain())
		}
	}

	// The admin invites a PKB for Pekalongan Barat.
	admin := e.srv.User(9001, "Admin Dinas")
	must(t)(admin.Send("/start"))
	must(t)(admin.Tap("✅ Setuju"))
	must(t)(admin.Tap("🧑‍⚕️ Menu kader"))
	if txt := lastText(t, admin); !strings.Contains(txt, "Peran: Admin") || !strings.Contains(txt, "seluruh Indonesia") {
		t.Fatalf("admin's staff menu: %q", txt)
	}
	must(t)(admin.Tap("✉️ Undang anggota"))
	must(t)(admin.Tap("PKB/PLKB"))
	must(t)(admin.Tap("Kota Pekalongan"))
	must(t)(admin.Tap("Pekalongan Barat"))
	must(t)(admin.Tap("Seluruh kecamatan"))
	must(t)(admin.Tap("3 hari"))
	pkbCode := rolesInviteCode(t, admin)
	if txt := lastText(t, admin); !strings.Contains(txt, "https://t.me/kbbot_test_bot?start=k-"+pkbCode) {
		t.Fatalf("the deep link names the bot: %q", txt)
	}

	// The PKB opens the link.
	pkb := e.srv.User(9200, "Pak Budi")
	must(t)(pkb.Send("/start k-" + pkbCode))
	if txt := lastText(t, pkb); !strings.Contains(txt, "Anda kini terdaftar sebagai PKB/PLKB untuk Pekalongan Barat, Kota Pekalongan") {
		t.Fatalf("PKB joining: %q", txt)
	}
	// Once only: someone else with the same link is refused.
	other := e.srv.User(9201, "Orang Lain")
	must(t)(other.Send("/start k-" + pkbCode))
	if txt := lastText(t, other); !strings.Contains(txt, "sudah pernah dipakai") {
		t.Fatalf("second use of a code: %q", txt)
	}
	must(t)(other.Send("/undang"))
	if got := lastText(t, other); got != unknownReply("/undang") {
		t.Fatalf("a refused invitee sees staff commands: %q", got)
	}

	// The PKB invites a kader; only within Pekalongan Barat.
	must(t)(pkb.Tap("🧑‍⚕️ Menu kader"))
	must(t)(pkb.Tap("✉️ Undang anggota"))
	if rolesSeesButton(pkb, "PKB/PLKB") {
		t.Fatal("a PKB is offered to invite a PKB")
	}
	must(t)(pkb.Tap("Kader KB"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "seluruh kecamatan Pekalongan Barat") {
		t.Fatalf("the PKB's invite goes straight to their own kecamatan: %q", txt)
	}
	for _, d := range []string{"inv:kab:0:", "inv:kec:2:", "inv:role:pkb:"} {
		// Forged with the flow's own nonce: still refused.
		m, _ := pkb.Last()
		nonce := m.Buttons[0][0].Data[strings.LastIndex(m.Buttons[0][0].Data, ":")+1:]
		must(t)(pkb.TapData(m.ID, d+nonce))
		msgs := pkb.Messages()
		if got := msgs[len(msgs)-2].Plain(); got != rolesExpired {
			t.Fatalf("the PKB's forged %q: %q", d+nonce, got)
		}
		must(t)(pkb.Send("/undang"))
		must(t)(pkb.Tap("Kader KB"))
	}
	must(t)(pkb.Send("Bendan Kergon"))
	must(t)(pkb.Tap("Bendan Kergon — Pekalongan Barat, Kota Pekalongan"))
	must(t)(pkb.Tap("Seluruh kelurahan/desa"))
	must(t)(pkb.Tap("7 hari"))
	kaderCode := rolesInviteCode(t, pkb)

	kader := e.srv.User(9300, "Bu Wati")
	must(t)(kader.Send("/kader " + kaderCode))
	if txt := lastText(t, kader); !strings.Contains(txt, "Kader KB untuk Bendan Kergon, Pekalongan Barat, Kota Pekalongan") {
		t.Fatalf("kader joining: %q", txt)
	}
	// A kader cannot invite, by command or by a forged button.
	must(t)(kader.Send("/undang"))
	if txt := lastText(t, kader); !strings.Contains(txt, "peran Anda (Kader KB) tidak dapat melakukan ini") {
		t.Fatalf("/undang for a kader: %q", txt)
	}
	if got := forge(t, kader, "k:inv"); !strings.Contains(got, "tidak dapat melakukan ini") {
		t.Fatalf("k:inv for a kader: %q", got)
	}
	forge(t, kader, "inv:role:kader:n1")
	if msgs := kader.Messages(); msgs[len(msgs)-2].Plain() != rolesExpired {
		t.Fatal("a kader's forged role button was not refused")
	}
	// A kader books for residents without a phone from the staff menu.
	must(t)(kader.Send("/kader"))
	must(t)(kader.Tap("📝 Daftarkan warga"))
	if txt := lastText(t, kader); !strings.Contains(txt, "Mendaftarkan warga tanpa HP") {
		t.Fatalf("a kader with book_for booking for a resident: %q", txt)
	}

	// An invite not used in time expires.
	must(t)(admin.Send("/undang"))
	must(t)(admin.Tap("Bidan"))
	must(t)(admin.Tap("Kota Pekalongan"))
	must(t)(admin.Tap("Pekalongan Utara"))
	must(t)(admin.Tap("Seluruh kecamatan"))
	must(t)(admin.Tap("1 hari"))
	lateCode := rolesInviteCode(t, admin)
	e.clock.Set(testStart.Add(24*time.Hour + time.Second))
	late := e.srv.User(9400, "Bidan Telat")
	must(t)(late.Send("/kader " + lateCode))
	if txt := lastText(t, late); !strings.Contains(txt, "sudah kedaluwarsa") {
		t.Fatalf("expired invite: %q", txt)
	}
	if _, ok, _ := staff.Member(ctx, 9400); ok {
		t.Fatal("an expired invite made a member")
	}

	// The audit log: the admin reads it; the PKB and residents cannot.
	must(t)(pkb.Send("/audit"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "tidak dapat melakukan ini") {
		t.Fatalf("/audit for a PKB: %q", txt)
	}
	must(t)(res.Send("/audit"))
	if got := lastText(t, res); got != unknownReply("/audit") {
		t.Fatalf("/audit for a resident: %q", got)
	}
	must(t)(admin.Send("/audit"))
	txt := lastText(t, admin)
	// Staff are named, never shown by their Telegram ids.
	for _, want := range []string{
		"Admin (Admin) · membuat undangan sebagai PKB/PLKB · Pekalongan Barat, Kota Pekalongan",
		"Pak Budi (PKB/PLKB) · bergabung dengan undangan dari Admin",
		"Pak Budi (PKB/PLKB) · membuat undangan sebagai Kader KB · Bendan Kergon",
		"Bu Wati (Kader KB) · bergabung dengan undangan dari Pak Budi",
		"Admin (Admin) · membuat undangan sebagai Bidan · Pekalongan Utara",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("audit log lacks %q:\n%s", want, txt)
		}
	}
	for _, id := range []string{"9001", "9200", "9300"} {
		if strings.Contains(txt, id) {
			t.Errorf("the audit log shows the Telegram id %s:\n%s", id, txt)
		}
	}
	if strings.Index(txt, "Bu Wati (Kader KB) · bergabung") > strings.Index(txt, "Pak Budi (PKB/PLKB) · bergabung") {
		t.Error("the audit log is not newest first")
	}

	// The kader leaves with /hapusdata: the membership ends with it.
	must(t)(kader.Send("/hapusdata"))
	must(t)(kader.Tap("🗑 Ya, hapus semuanya"))
	if _, ok, _ := staff.Member(ctx, 9300); ok {
		t.Fatal("/hapusdata left the staff membership")
	}
	must(t)(kader.Send("/kader"))
	if got := lastText(t, kader); got != unknownReply("/kader") {
		t.Fatalf("an erased member still sees staff commands: %q", got)
	}
	es, err := staff.AuditLog(ctx, cadre.Area{}, 1)
	if err != nil || len(es) != 1 || es[0].Action != redisstore.ActRemove || es[0].Actor != 9300 {
		t.Fatalf("the end of the membership is audited: %+v %v", es, err)
	}
}
