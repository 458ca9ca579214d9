package app_test

import (
	"strings"
	"testing"

	"github.com/kbbot/kbbot/cadre"
)

// TestE2EInviteTypedPlaceOutsideArea: a PKB of Pekalongan Barat who types
// a kelurahan of another kecamatan ("panjang wetan" is in Pekalongan
// Utara) is told it is outside her area, not that it is missing from the
// official list; a name on no list is told so.
func TestE2EInviteTypedPlaceOutsideArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	pkb := e.srv.User(9461, "Bu Wati")
	reportsStaff(t, e, pkb, cadre.PKB, areaBarat)
	must(t)(pkb.Send("/undang"))
	must(t)(pkb.Tap("Kader KB"))
	must(t)(pkb.Send("panjang wetan"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "Panjang Wetan") && !strings.Contains(txt, "panjang wetan") || !strings.Contains(txt, "tidak di dalam") {
		t.Fatalf("a kelurahan of another kecamatan: %q", txt)
	}
	must(t)(pkb.Send("zzyzx qwerty"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "tidak ada di daftar wilayah resmi") {
		t.Fatalf("a name on no list: %q", txt)
	}
	must(t)(pkb.Send("bendan kergon"))
	if m, _ := pkb.Last(); !hasButton(m, "Bendan Kergon — Pekalongan Barat, Kota Pekalongan") {
		t.Fatalf("a kelurahan of her kecamatan: %q %+v", m.Plain(), m.Buttons)
	}
}
