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

// askResident starts a resident who agrees and tells her area (Bendan
// Kergon, Pekalongan Barat).
func askResident(t *testing.T, e *env, id int64, name string) *telegramtest.User {
	t.Helper()
	u := e.srv.User(id, name)
	consent(t, u)
	must(t)(u.Send("/wilayah"))
	must(t)(u.Tap("Kota Pekalongan"))
	must(t)(u.Tap("Pekalongan Barat"))
	must(t)(u.Tap("Bendan Kergon"))
	must(t)(u.Tap("Lewati"))
	return u
}

// TestE2ETanyaBidan: a resident's question goes to the bidan of her area,
// who answers in the bot; the resident gets the answer with the bidan's
// name, closes the question, and the answer is audited. A question left
// unanswered for the working hours of KBBOT_TICKET_ESCALATE goes to the
// PKB/PLKB of the area. /hapusdata deletes her questions.
func TestE2ETanyaBidan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p) // /wilayah offers the demo's places
	ctx := context.Background()

	bidan := e.srv.User(9401, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	pkb := e.srv.User(9402, "Pak Budi")
	reportsStaff(t, e, pkb, cadre.PKB, areaBarat)
	sari := askResident(t, e, 8401, "Sari")

	// A question the content cannot answer offers a person to ask.
	must(t)(sari.Send("bolehkah naik motor jauh ke rumah mertua"))
	offered := false
	for _, m := range sari.Messages() {
		if strings.Contains(m.Plain(), "belum menemukan") && hasButton(m, "💬 Tanya bidan") {
			offered = true
		}
	}
	if !offered {
		t.Errorf("the search's no-match answer offers no Tanya bidan")
	}
	// Before she asks: a way in from the menu and from /bantuan.
	must(t)(sari.Send("/bantuan"))
	if m, _ := sari.Last(); !hasButton(m, "💬 Tanya bidan") {
		t.Fatalf("/bantuan offers no Tanya bidan: %+v", m)
	}
	must(t)(sari.Tap("💬 Tanya bidan"))
	if txt := lastText(t, sari); !strings.Contains(txt, "Tulis pertanyaan Ibu") || !strings.Contains(txt, "Bendan Kergon, Pekalongan Barat") {
		t.Fatalf("ask: %q", txt)
	}
	const question = "Bu bidan, saya telat haid 2 minggu setelah suntik 3 bulan. Apakah normal?"
	must(t)(sari.Send(question))
	if txt := lastText(t, sari); !strings.Contains(txt, "sudah dikirim ke Bidan") {
		t.Fatalf("after the question: %q", txt)
	}

	// The bidan is told (a due item of her chat), opens it and answers.
	sweep(t, p)
	if txt := lastText(t, bidan); !strings.Contains(txt, "Ada pertanyaan warga dari Bendan Kergon") {
		t.Fatalf("the bidan's notice: %q", txt)
	}
	if strings.Contains(lastText(t, pkb), "pertanyaan warga") {
		t.Fatal("the PKB was told before the question went up a level")
	}
	must(t)(bidan.Tap("👀 Lihat dan jawab"))
	if txt := lastText(t, bidan); !strings.Contains(txt, question) {
		t.Fatalf("the bidan sees: %q", txt)
	}
	must(t)(bidan.Tap("✍️ Jawab"))
	const answer = "Ibu, haid tidak teratur atau tidak haid biasa terjadi pada suntik 3 bulan. Bila ragu hamil, datang ke Puskesmas untuk tes."
	must(t)(bidan.Send(answer))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Jawaban Anda tersimpan dan dikirim") {
		t.Fatalf("after the answer: %q", txt)
	}
	sweep(t, p)
	txt := lastText(t, sari)
	for _, want := range []string{"Jawaban dari Bidan Ani (Bidan)", answer, "telat haid 2 minggu"} {
		if !strings.Contains(txt, want) {
			t.Fatalf("the resident's answer lacks %q: %q", want, txt)
		}
	}
	must(t)(sari.Tap("✅ Sudah jelas, terima kasih"))
	if txt := lastText(t, sari); !strings.Contains(txt, "Pertanyaan ditutup") {
		t.Fatalf("close: %q", txt)
	}
	answered := 0
	for _, a := range reportsAudit(t, e) {
		if a.Action == cadre.ActAnswer && a.Actor == 9401 && a.Detail != "" && !strings.Contains(a.Detail, "telat") {
			answered++
		}
	}
	if answered != 1 {
		t.Fatalf("answer audit entries: %d, want 1 naming the ticket, not its text", answered)
	}

	// Another question nobody answers goes up to the PKB after 8 working
	// hours (Monday 23 November, 09:00 WIB: Tuesday 09:00).
	rina := askResident(t, e, 8402, "Rina")
	must(t)(rina.Send("/tanya"))
	must(t)(rina.Send("Apakah KB implan boleh untuk ibu menyusui?"))
	sweep(t, p)
	e.clock.Advance(25 * time.Hour)
	sweep(t, p) // the escalation, in Rina's chat
	sweep(t, p) // the PKB's notice
	if txt := lastText(t, pkb); !strings.Contains(txt, "Ada pertanyaan warga dari Bendan Kergon") {
		t.Fatalf("the PKB's notice after escalation: %q", txt)
	}
	must(t)(pkb.Send("/pertanyaan"))
	if txt := lastText(t, pkb); !strings.Contains(txt, "1 menunggu jawaban") {
		t.Fatalf("the PKB's list: %q", txt)
	}

	// /hapusdata deletes Rina's question: the PKB's list button finds nothing.
	must(t)(rina.Send("/hapusdata"))
	must(t)(rina.Tap("🗑 Ya, hapus semuanya"))
	tickets, err := redisstore.NewTicketStore(e.rdb, redisstore.NewKeys(e.prefix)).Of(ctx, 8402)
	if err != nil || len(tickets) != 0 {
		t.Fatalf("Rina's questions after /hapusdata: %v %v", tickets, err)
	}
	tapPrefix(t, pkb, "❓ ")
	if txt := lastText(t, pkb); !strings.Contains(txt, "sudah tidak ada") {
		t.Fatalf("an erased question: %q", txt)
	}
}

// TestE2EAskAfterTellingArea: a resident with no area who opens Tanya
// bidan is asked her area first; once she has told it, the question is
// asked at once, without finding Tanya bidan again (Kabari saya:
// TestE2ENewsAfterTellingArea).
func TestE2EAskAfterTellingArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(8461, "Sari")
	consent(t, u)
	must(t)(u.Send("/tanya"))
	must(t)(u.Tap("📍 Wilayah & kelompok saya"))
	must(t)(u.Send("bendan kergon"))
	must(t)(u.Tap("Bendan Kergon — Pekalongan Barat, Kota Pekalongan"))
	must(t)(u.Tap("Lewati"))
	if txt := lastText(t, u); !strings.Contains(txt, "Tulis pertanyaan Ibu") {
		t.Fatalf("after telling her area, the question is not asked: %q", txt)
	}
}
