package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

// TestE2EAreaPickerTypedKelurahan: a resident types "panjang wetan" in
// /wilayah, taps the candidate (Panjang Wetan — Pekalongan Utara, Kota
// Pekalongan), and a PKB whose area, kecamatan Pekalongan Utara, was set
// by code has her in a broadcast's audience and reaches her.
func TestE2EAreaPickerTypedKelurahan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	store := p.App.BroadcastStore()

	pkb := bcNewStaff(t, e, 9500, "Pak Budi", cadre.PKB, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Code: "33.75.03"})

	u := e.srv.User(9501, "Sari")
	consent(t, u)
	must(t)(u.Send("/wilayah"))
	must(t)(u.Send("panjang wetan"))
	const label = "Panjang Wetan — Pekalongan Utara, Kota Pekalongan"
	if m, _ := u.Last(); !hasButton(m, label) {
		t.Fatalf("no candidate %q: %q", label, m.Plain())
	}
	must(t)(u.Tap(label))
	must(t)(u.Tap("🤰 Ibu hamil"))
	bcSee(t, u, "Panjang Wetan, Pekalongan Utara, Kota Pekalongan")
	want := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}
	if prof, ok, _ := store.Profile(ctx, 9501); !ok || prof.Area != want {
		t.Fatalf("profile %+v %v, want %+v", prof, ok, want)
	}
	// Another spelling of the same place is the same audience.
	v := e.srv.User(9502, "Wati")
	consent(t, v)
	must(t)(v.Send("/wilayah"))
	must(t)(v.Send("Kel. PANJANGWETAN"))
	must(t)(v.Tap(label))
	must(t)(v.Tap("Lewati"))
	if n, _ := store.Count(ctx, broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Pekalongan", Code: "33.75"}}); n != 2 {
		t.Fatalf("Kota Pekalongan by code reaches %d, want 2", n)
	}

	must(t)(pkb.Send("/siaran"))
	must(t)(pkb.Send("Posyandu KB di Panjang Wetan hari Sabtu"))
	bcSee(t, pkb, "Pekalongan Utara, Kota Pekalongan")
	must(t)(pkb.Tap("Panjang Wetan"))
	must(t)(pkb.Tap("🤰 Ibu hamil (1)"))
	must(t)(pkb.Tap("Tidak, kirim ke semua"))
	if m, _ := pkb.Last(); !hasButton(m, "✅ Kirim sekarang") {
		t.Fatalf("no preview: %q", m.Plain())
	}
	must(t)(pkb.Tap("✅ Kirim sekarang"))
	bcRun(t, p)
	if n := bcReceived(u, "Posyandu KB di Panjang Wetan"); n != 1 {
		t.Errorf("the resident got the broadcast %d times, want 1", n)
	}
	if n := bcReceived(v, "Posyandu KB di Panjang Wetan"); n != 0 {
		t.Errorf("a resident of another group got it %d times", n)
	}
	if txt := bcLastText(t, pkb); !strings.Contains(txt, "Terkirim: 1 dari 1") {
		t.Errorf("report: %q", txt)
	}
}
