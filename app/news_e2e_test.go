package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// newEventYAML is one new KB serentak at Puskesmas Bendan, days after now.
func newEventYAML(now time.Time, days int) string {
	date := now.AddDate(0, 0, days).Format("2006-01-02")
	return fmt.Sprintf(`facilities:
  - {id: pkm-bendan, name: Puskesmas Bendan, type: puskesmas, address: "Alamat contoh, Kec. Pekalongan Barat, Kota Pekalongan", kelurahan: Bendan Kergon, kecamatan: Pekalongan Barat, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta, demo: true}
events:
  - id: kbs-bendan-baru
    name: KB Serentak Hari Keluarga
    date: %s
    sites:
      - facility: pkm-bendan
        sessions:
          - {start: "08:00", end: "12:00", capacity: 40}
        quota: {iud: 10, implan: 10, suntik3: 10, pil: 10}
`, date)
}

// TestE2ENoEventIsNoDeadEnd: with no KB serentak open, the resident is
// told that the Puskesmas serve KB on working days and offered a bidan and
// "Kabari saya"; when a new event in her kabupaten is imported she gets
// one message about it (not twice, and not a resident who booked it
// already), and she can stop the news.
func TestE2ENoEventIsNoDeadEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	ctx := context.Background()
	// The demo's facilities, with an event long over: nothing is open.
	past, err := booking.Demo(e.clock.Now().AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(ctx, past); err != nil {
		t.Fatal(err)
	}
	if err := p.App.AnnounceEvents(ctx); err != nil { // the old event: no news
		t.Fatal(err)
	}
	sari := askResident(t, e, 8501, "Sari")
	must(t)(sari.Send("/daftar"))
	m, _ := sari.Last()
	if !strings.Contains(m.Plain(), "Puskesmas tetap melayani KB setiap hari kerja") || !hasButton(m, "🔔 Kabari saya") || !hasButton(m, "💬 Tanya bidan") {
		t.Fatalf("no event open: %q %+v", m.Plain(), m.Buttons)
	}
	must(t)(sari.Tap("🔔 Kabari saya"))
	if txt := lastText(t, sari); !strings.Contains(txt, "dikabari bila ada KB serentak baru di Kota Pekalongan") {
		t.Fatalf("after Kabari saya: %q", txt)
	}
	rina := askResident(t, e, 8502, "Rina")
	must(t)(rina.Send("/daftar"))
	must(t)(rina.Tap("🔔 Kabari saya"))

	// A new event: Rina finds it herself and books before the news goes.
	cat, err := booking.Parse(strings.NewReader(newEventYAML(e.clock.Now(), 10)), "baru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.App.Import(ctx, cat); err != nil {
		t.Fatal(err)
	}
	must(t)(rina.Send("/daftar"))
	must(t)(rina.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, rina, "Kota Pekalongan")
	tapPrefix(t, rina, "Pekalongan Barat")
	tapPrefix(t, rina, "Puskesmas Bendan")
	tapPrefix(t, rina, "Pil KB")
	tapPrefix(t, rina, "08.00–12.00 WIB")
	must(t)(rina.Send("Rina Marlina"))
	must(t)(rina.Send("Lewati")) // the phone: a reply-keyboard button
	must(t)(rina.Tap("✅ Ya, daftarkan"))
	if !strings.Contains(strings.Join(texts(rina), "\n"), "Pendaftaran berhasil! Kode Ibu KB-") {
		t.Fatalf("Rina's booking: %q", lastText(t, rina))
	}

	for range 2 { // twice: the news goes once
		if err := p.App.AnnounceEvents(ctx); err != nil {
			t.Fatal(err)
		}
		sweep(t, p)
	}
	count := func(msgs []string) int {
		n := 0
		for _, s := range msgs {
			if strings.Contains(s, "Ada KB serentak baru di Kota Pekalongan") {
				n++
			}
		}
		return n
	}
	if n := count(texts(sari)); n != 1 {
		t.Fatalf("Sari got the news %d times, want once:\n%s", n, strings.Join(texts(sari), "\n---\n"))
	}
	if txt := lastText(t, sari); !strings.Contains(txt, "KB Serentak Hari Keluarga") {
		t.Fatalf("the news: %q", txt)
	}
	if n := count(texts(rina)); n != 0 {
		t.Fatalf("Rina, booked already, got the news %d times", n)
	}
	must(t)(sari.Tap("🔕 Jangan kabari lagi"))
	if txt := lastText(t, sari); !strings.Contains(txt, "tidak dikirim lagi") {
		t.Fatalf("stop the news: %q", txt)
	}
	if subs, _ := p.App.News().Subscribers(ctx, "Kota Pekalongan"); len(subs) != 1 || subs[0] != 8502 {
		t.Fatalf("subscribers after Sari stopped: %v, want only Rina", subs)
	}
}

// TestE2ENewsAfterTellingArea: a resident with no area who taps "Kabari
// saya" is asked her area first; once she has told it, she is subscribed
// without tapping "Kabari saya" again.
func TestE2ENewsAfterTellingArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importPastDemo(t, e, p)
	u := e.srv.User(8511, "Dewi")
	consent(t, u)
	must(t)(u.Send("/daftar"))
	must(t)(u.Tap("🔔 Kabari saya"))
	must(t)(u.Tap("📍 Wilayah & kelompok saya"))
	must(t)(u.Send("bendan kergon"))
	must(t)(u.Tap("Bendan Kergon — Pekalongan Barat, Kota Pekalongan"))
	must(t)(u.Tap("Lewati"))
	if txt := lastText(t, u); !strings.Contains(txt, "dikabari bila ada KB serentak baru di Kota Pekalongan") {
		t.Fatalf("after telling her area, not subscribed: %q", txt)
	}
}
