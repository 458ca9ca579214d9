package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
)

// TestE2EAreaContact: the PKB of Pekalongan Barat writes the KB contact of
// her area (/kontakwilayah): an empty or too long text is refused with the
// reason, she sees it as residents will, saves it, and it is audited. A
// resident of that kecamatan who finds no KB serentak open reads it; one
// of another kecamatan does not. A kader may not write it, and a forged
// save button changes nothing. Deleting it takes it away.
func TestE2EAreaContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p) // /wilayah offers the demo's places
	ctx := context.Background()
	past, err := booking.Demo(e.clock.Now().AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	pkb := e.srv.User(9451, "Bu Wati")
	reportsStaff(t, e, pkb, cadre.PKB, areaBarat)
	kader := e.srv.User(9452, "Bu Rina")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)

	must(t)(kader.Send("/kontakwilayah"))
	if txt := lastText(t, kader); !strings.Contains(txt, "tidak dapat melakukan ini") {
		t.Fatalf("a kader's /kontakwilayah: %q", txt)
	}

	must(t)(pkb.Send("/kontakwilayah"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "Kontak wilayah — Pekalongan Barat") || !strings.Contains(txt, "belum ada") {
		t.Fatalf("/kontakwilayah: %q", txt)
	}
	must(t)(pkb.Tap("✏️ Tulis kontak"))
	must(t)(pkb.Send(strings.Repeat("panjang ", 40)))
	if txt := lastText(t, pkb); !strings.Contains(txt, "terlalu panjang") {
		t.Fatalf("a 320-character contact: %q", txt)
	}
	contact := "Puskesmas Bendan, Jl. Slamet No. 2. KB Senin–Sabtu 07.30–12.00. WA bidan 0812-0000-0001 <b>"
	must(t)(pkb.Send(contact))
	m, _ := pkb.Last()
	if !strings.Contains(m.Plain(), "Kontak KB di wilayah Ibu: "+contact) || !hasButton(m, "✅ Simpan") {
		t.Fatalf("preview: %q %+v", m.Plain(), m.Buttons)
	}
	forge(t, pkb, "ac:save:forged")
	if got := pkb.Messages(); !strings.Contains(got[len(got)-2].Plain(), rolesExpired) {
		t.Fatalf("a forged save: %q", got[len(got)-2].Plain())
	}
	must(t)(pkb.Send("/kontakwilayah"))
	must(t)(pkb.Tap("✏️ Tulis kontak"))
	must(t)(pkb.Send(contact))
	must(t)(pkb.Tap("✅ Simpan"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "Kontak wilayah Pekalongan Barat, Kota Pekalongan disimpan") {
		t.Fatalf("after save: %q", txt)
	}
	if n := countAudit(reportsAudit(t, e), conversations.AuditAreaContact, "set"); n != 1 {
		t.Fatalf("%d audit entries of the contact set, want 1", n)
	}

	// Nothing open any more: the demo's event is over.
	if _, err := p.App.Import(ctx, past); err != nil {
		t.Fatal(err)
	}
	sari := askResident(t, e, 8451, "Sari") // Bendan Kergon, Pekalongan Barat
	must(t)(sari.Send("/daftar"))
	if txt := lastText(t, sari); !strings.Contains(txt, "Puskesmas tetap melayani KB") || !strings.Contains(txt, "📞 Kontak KB di wilayah Ibu: "+contact) {
		t.Fatalf("Sari, no event open: %q", txt)
	}
	dewi := e.srv.User(8452, "Dewi")
	consent(t, dewi)
	must(t)(dewi.Send("/wilayah"))
	must(t)(dewi.Tap("Kota Pekalongan"))
	must(t)(dewi.Tap("Pekalongan Timur"))
	must(t)(dewi.Tap("Saya tidak tahu / lewati"))
	must(t)(dewi.Tap("Lewati"))
	must(t)(dewi.Send("/daftar"))
	if txt := lastText(t, dewi); !strings.Contains(txt, "Puskesmas tetap melayani KB") || strings.Contains(txt, "Kontak KB") {
		t.Fatalf("Dewi of Pekalongan Timur, no event open: %q", txt)
	}

	must(t)(pkb.Send("/kontakwilayah"))
	must(t)(pkb.Tap("🗑 Hapus kontak"))
	must(t)(sari.Send("/daftar"))
	if txt := lastText(t, sari); strings.Contains(txt, "Kontak KB") {
		t.Fatalf("the contact was deleted, Sari still reads it: %q", txt)
	}
	if n := countAudit(reportsAudit(t, e), conversations.AuditAreaContact, "deleted"); n != 1 {
		t.Fatalf("%d audit entries of the contact deleted, want 1", n)
	}
}
