package app_test

import (
	"strings"
	"testing"
)

// TestE2EBookingTypedAnswers: a resident who types instead of tapping does
// not lose her booking. Text where a choice is asked gets a hint to use the
// buttons (not the education search); "ya"/"tidak" typed to the pregnancy
// checklist count as answers.
func TestE2EBookingTypedAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(7601, "Sari")
	consent(t, u)
	hint := "Silakan pilih dengan tombol"
	must(t)(u.Tap("📅 Jadwal & daftar KB serentak"))
	must(t)(u.Tap("📍 Terdekat dari lokasi saya"))
	must(t)(u.ShareLocation(-6.8886, 109.6596))
	tapPrefix(t, u, "Puskesmas Bendan")
	must(t)(u.Send("saya mau suntik"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), hint) {
		t.Fatalf("typed text at the method list: want the hint, got %q", m.Plain())
	}
	tapPrefix(t, u, "IUD (AKDR, spiral) · sisa") // the list's buttons still work
	tapPrefix(t, u, "08.00–10.00 WIB")
	must(t)(u.Send("Sari Wulandari"))
	must(t)(u.ShareContact("+6281234567890"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Pertanyaan 1 dari 6") {
		t.Fatalf("want the checklist, got %q", m.Plain())
	}
	must(t)(u.Send("tidak"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Pertanyaan 2 dari 6") {
		t.Fatalf("a typed 'tidak' should answer question 1: got %q", m.Plain())
	}
	must(t)(u.Send("hmm"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), hint) {
		t.Fatalf("other text at the checklist: want the hint, got %q", m.Plain())
	}
	// Question 2 is asked in the positive ("sudah berhubungan
	// suami-istri?"): a typed "belum" is the checklist's yes and ends it.
	must(t)(u.Send("belum"))
	must(t)(u.Tap("✅ Ya, daftarkan"))
	found := false
	for _, m := range u.Messages() {
		found = found || strings.Contains(m.Plain(), "Kode Ibu KB-")
	}
	if !found {
		t.Fatal("the booking was not made after typed answers")
	}
}
