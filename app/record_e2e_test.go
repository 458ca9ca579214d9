package app_test

// End-to-end tests of the resident record (package resident): what a
// resident needs to outlive the chat session, the lazy migration of
// version-1 sessions, the check-in that replaces a course, the block rule,
// /hapusdata, the plain stop words, the stop reason and a flow whose
// session expired. Real Redis, the fake Bot API, the injected clock;
// reminders are swept by hand.

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// wib is Western Indonesia Time, the zone of the demo's Kota Pekalongan.
var wib = time.FixedZone("WIB", 7*3600)

var recTag = regexp.MustCompile(`<[^>]+>`)

// recText is the Indonesian text of a UI key as a resident reads it (tags
// removed, entities unescaped).
func recText(p *process, key string, args ...any) string {
	return html.UnescapeString(recTag.ReplaceAllString(p.App.Library.UI.T(content.ID, key, args...), ""))
}

// recLastID is the id of the newest message in the user's chat (0: none).
func recLastID(u *telegramtest.User) int {
	m, ok := u.Last()
	if !ok {
		return 0
	}
	return m.ID
}

// recSince returns the messages sent to u after message id.
func recSince(u *telegramtest.User, id int) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range u.Messages() {
		if m.ID > id {
			out = append(out, m)
		}
	}
	return out
}

func recPlain(ms []telegramtest.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Plain())
		b.WriteString("\n---\n")
	}
	return b.String()
}

// recDropSession deletes the chat session, as its idle TTL
// (KBBOT_SESSION_TTL) would, and checks it is really gone from Redis.
func recDropSession(t *testing.T, e *env, chat int64) {
	t.Helper()
	ctx := context.Background()
	key := redisstore.NewKeys(e.prefix).ChatState(chatID(chat))
	if n, err := e.rdb.Del(ctx, key).Result(); err != nil || n != 1 {
		t.Fatalf("delete session %s: deleted %d, %v", key, n, err)
	}
	if n, err := e.rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Fatalf("session %s still in Redis: %d %v", key, n, err)
	}
	if e.record(t, chat) == nil {
		t.Fatal("deleting the session deleted the resident record too")
	}
}

// recCourse tells /pengingat which method the resident received today,
// in WIB.
func recCourse(t *testing.T, u *telegramtest.User, method string) {
	t.Helper()
	must(t)(u.Send("/pengingat"))
	must(t)(u.Tap(method))
	if m, _ := u.Last(); hasButton(m, "WIB") { // not asked when her area gives the zone
		must(t)(u.Tap("WIB"))
	}
	must(t)(u.Tap("Hari ini"))
	if m, _ := u.Last(); !strings.Contains(m.Plain(), "Tercatat") {
		t.Fatalf("/pengingat %s: want the course recorded, got %q", method, m.Plain())
	}
}

// recCode is the booking code of the newest booking confirmation.
func recCode(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		txt := msgs[i].Plain()
		j := strings.Index(txt, "Kode Ibu KB-")
		if j < 0 {
			j = strings.Index(txt, "Kode klien KB-") // a kader's booking for a client
		}
		if j >= 0 {
			k := strings.Index(txt[j:], "KB-")
			return txt[j+k : j+k+9]
		}
	}
	t.Fatalf("no booking confirmation in the chat; last %q", lastText(t, u))
	return ""
}

// recBookKondom books a condom place at Puskesmas Bendan, 08.00, whatever
// the event's date (bookIUDAtBendan expects the demo at testStart).
func recBookKondom(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	must(t)(u.Send("/daftar"))
	must(t)(u.Tap("📍 Terdekat dari lokasi saya"))
	must(t)(u.ShareLocation(-6.8886, 109.6596))
	tapPrefix(t, u, "Puskesmas Bendan")
	tapPrefix(t, u, "Kondom · sisa")
	tapPrefix(t, u, "08.00–10.00 WIB")
	must(t)(u.Send("Sari Wulandari"))
	must(t)(u.ShareContact("+6281234567890"))
	must(t)(u.Tap("✅ Ya, daftarkan"))
	return recCode(t, u)
}

// recImport imports a catalog.
func recImport(t *testing.T, p *process, cat *booking.Catalog) {
	t.Helper()
	if _, err := p.App.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
}

// recCourses returns the methods of the record's courses, oldest first.
func recCourses(rec map[string]any) []string {
	cs, _ := rec["courses"].([]any)
	var out []string
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["method"]))
		}
	}
	return out
}

// recCurrent returns the record's current course (the last one), or nil.
func recCurrent(rec map[string]any) map[string]any {
	cs, _ := rec["courses"].([]any)
	if len(cs) == 0 {
		return nil
	}
	c, _ := cs[len(cs)-1].(map[string]any)
	return c
}

// TestRecordRemindersOutliveTheSession: a resident's reminders reach her
// weeks or years later, although her chat session expired long before:
// consent and choices are read from the resident record.
func TestRecordRemindersOutliveTheSession(t *testing.T) {
	t.Parallel()
	course := func(label string) func(*testing.T, *env, *process, *telegramtest.User) string {
		return func(t *testing.T, _ *env, _ *process, u *telegramtest.User) string {
			recCourse(t, u, label)
			return ""
		}
	}
	rows := []struct {
		name string
		// catalog, when set, is the demo moved to that day (events three
		// days later), imported before anything else.
		catalog time.Time
		act     func(*testing.T, *env, *process, *telegramtest.User) string
		due     time.Time
		want    []string
	}{
		// reminders/method.go: suntik3 at 12 weeks, 08:00 local.
		{name: "suntik3 re-injection", act: course("Suntik KB 3 bulan"),
			due:  time.Date(2027, 2, 15, 8, 0, 0, 0, wib),
			want: []string{"Pengingat", "Suntik KB 3 bulan", "suntikan terakhir Senin, 23 November 2026"}},
		// implan: a month before 3 years, 08:00 local.
		{name: "implant end", act: course("Implan (susuk KB)"),
			due:  time.Date(2029, 10, 23, 8, 0, 0, 0, wib),
			want: []string{"implan Ibu (dipasang Senin, 23 November 2026)", "akan segera habis"}},
		// pil: the first refill 3 days before the 28-day pack runs out.
		{name: "pill pack", act: course("Pil KB kombinasi"),
			due:  time.Date(2026, 12, 18, 8, 0, 0, 0, wib),
			want: []string{"Pil KB kombinasi", "hampir habis"}},
		// A booking 60 days ahead: H-1 the day before at 16:00 local.
		{name: "booking H-1", catalog: testStart.Add(57 * 24 * time.Hour),
			act: func(t *testing.T, _ *env, _ *process, u *telegramtest.User) string {
				return recBookKondom(t, u)
			},
			due:  time.Date(2027, 1, 21, 16, 0, 0, 0, wib),
			want: []string{"Besok", "Puskesmas Bendan", "Jumat, 22 Januari 2027"}},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.start()
			if !row.catalog.IsZero() {
				cat, err := booking.Demo(row.catalog)
				if err != nil {
					t.Fatal(err)
				}
				recImport(t, p, cat)
			}
			id := int64(8701 + i)
			u := e.srv.User(id, "Sari")
			consent(t, u)
			code := row.act(t, e, p, u)
			if len(pendingKinds(t, p, id)) == 0 {
				t.Fatal("nothing planned")
			}

			recDropSession(t, e, id)
			if rec := e.record(t, id); rec["consent"] != "given" {
				t.Fatalf("the record must keep the consent: %v", rec)
			}

			// A minute before it is due, nothing.
			before := recLastID(u)
			e.clock.Set(row.due.Add(-time.Minute))
			sweep(t, p)
			if got := recSince(u, before); len(got) != 0 {
				t.Fatalf("a reminder came before it was due: %s", recPlain(got))
			}
			// When due, it arrives in her chat.
			e.clock.Set(row.due)
			sweep(t, p)
			got := recSince(u, before)
			if len(got) != 1 {
				t.Fatalf("want one reminder at %s, got %d messages: %s", row.due, len(got), recPlain(got))
			}
			want := row.want
			if code != "" {
				want = append(want, code)
			}
			for _, w := range want {
				if !strings.Contains(got[0].Plain(), w) {
					t.Fatalf("reminder lacks %q:\n%s", w, got[0].Plain())
				}
			}
			if !hasButton(got[0], "🔕 Jangan ingatkan jenis ini lagi") {
				t.Fatalf("the reminder must let her stop it: %+v", got[0].Buttons)
			}
		})
	}
}

// recV1 writes the version-1 session fixture as chat's session; the chat
// has no record.
func recV1(t *testing.T, e *env, chat int64) {
	t.Helper()
	ctx := context.Background()
	fixture, err := os.ReadFile("testdata/session_v1.json")
	if err != nil {
		t.Fatal(err)
	}
	keys := redisstore.NewKeys(e.prefix)
	if err := e.rdb.Set(ctx, keys.ChatState(chatID(chat)), bytes.TrimSpace(fixture), e.cfg.SessionTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.rdb.Exists(ctx, keys.ChatRecord(chatID(chat))).Result(); n != 0 {
		t.Fatal("the chat already has a record")
	}
}

// recCheckV1Record checks that rec holds what the fixture's session held.
func recCheckV1Record(t *testing.T, rec map[string]any, notice float64) {
	t.Helper()
	if rec == nil {
		t.Fatal("no resident record: the version-1 session was not migrated")
	}
	for k, want := range map[string]any{
		"v": float64(1), "lang": "id", "consent": "given", "notice": notice,
		"name": "Sari Wulandari", "phone": "+6281234567890",
	} {
		if rec[k] != want {
			t.Errorf("record %s = %v, want %v", k, rec[k], want)
		}
	}
	if notice == 1 && rec["consent_at"] != "2026-10-01T02:00:00Z" {
		t.Errorf("record consent_at = %v, want the time of the old consent", rec["consent_at"])
	}
	if !reflect.DeepEqual(rec["off_kinds"], []any{"h0"}) {
		t.Errorf("record off_kinds = %v, want [h0]", rec["off_kinds"])
	}
	if rec["off"] != nil || rec["stop_reason"] != nil || rec["blocked"] != nil {
		t.Errorf("reminders were on and the bot not blocked: %v", rec)
	}
	cs, _ := rec["courses"].([]any)
	if len(cs) != 1 {
		t.Fatalf("record courses = %v, want the one course", rec["courses"])
	}
	c := cs[0].(map[string]any)
	if c["method"] != "suntik3" || c["given_at"] != "2026-10-01T02:00:00Z" || c["zone"] != "Asia/Jakarta" {
		t.Errorf("record course = %v", c)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// TestRecordMigratesVersion1Sessions: a resident whose durable data lived
// in a version-1 session keeps it all: her first message moves it into
// the record (once), she is asked about the changed privacy notice, and a
// reminder due later reaches a resident who never wrote again.
func TestRecordMigratesVersion1Sessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	const sari, rina = 8801, 8802

	recV1(t, e, sari)
	u := e.srv.User(sari, "Sari")
	must(t)(u.Send("halo"))

	// The notice changed (version 2): first the renewal, then the question.
	msgs := u.Messages()
	if len(msgs) != 2 {
		t.Fatalf("want the renewal note and the consent question, got %d messages: %s", len(msgs), recPlain(msgs))
	}
	if got, want := msgs[0].Plain(), recText(p, "consent_renew"); got != want {
		t.Fatalf("first reply %q, want consent_renew %q", got, want)
	}
	if !hasButton(msgs[1], "✅ Setuju") || !strings.HasPrefix(msgs[1].Plain(), "🔒 Sebelum mulai") || !strings.Contains(msgs[1].Plain(), "Apakah Ibu setuju?") {
		t.Fatalf("second reply must be consent_ask with its buttons: %q %+v", msgs[1].Plain(), msgs[1].Buttons)
	}

	rec := e.record(t, sari)
	recCheckV1Record(t, rec, 1)
	sess := e.session(t, sari)
	if sess["v"] != float64(2) {
		t.Fatalf("session version %v, want 2: %v", sess["v"], sess)
	}
	for _, k := range []string{"lang", "consent", "consent_at", "name", "phone", "reminders_off", "off_kinds", "course", "blocked"} {
		if _, ok := sess[k]; ok {
			t.Errorf("the session still holds %q: %v", k, sess)
		}
	}

	// Again: nothing changes but the time of the last write.
	e.clock.Set(testStart.Add(time.Hour))
	must(t)(u.Send("halo lagi"))
	again := e.record(t, sari)
	if again["updated_at"] == rec["updated_at"] {
		t.Errorf("updated_at not renewed by the second message: %v", again["updated_at"])
	}
	delete(rec, "updated_at")
	delete(again, "updated_at")
	if !reflect.DeepEqual(rec, again) {
		t.Fatalf("the second message changed the record:\nbefore %v\nafter  %v", rec, again)
	}

	// She agrees to the current notice.
	must(t)(u.Tap("✅ Setuju"))
	rec = e.record(t, sari)
	recCheckV1Record(t, rec, float64(conversations.NoticeVersion))
	if rec["consent_at"] != testStart.Add(time.Hour).Format(time.RFC3339) {
		t.Fatalf("consent_at %v, want the time she agreed to the current notice", rec["consent_at"])
	}

	// Rina never writes again: her first event is the sweep of the
	// reminder her version-1 course planned.
	recV1(t, e, rina)
	r := e.srv.User(rina, "Rina")
	jkt, err := booking.LoadZone("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	given := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	if _, err := p.App.Reminders.Schedule(context.Background(), reminders.PlanMethod(chatID(rina), "suntik3", given, jkt, given)...); err != nil {
		t.Fatal(err)
	}
	if k := pendingKinds(t, p, rina); !k[reminders.KindSuntik3] {
		t.Fatalf("fixture reminders: %v", k)
	}
	e.clock.Set(time.Date(2026, 12, 24, 8, 0, 0, 0, wib)) // 12 weeks after 1 October, 08:00 WIB
	sweep(t, p)
	m, ok := r.Last()
	if !ok || !strings.Contains(m.Plain(), "Suntik KB 3 bulan") || !strings.Contains(m.Plain(), "1 Oktober 2026") {
		t.Fatalf("want the suntik reminder of her version-1 course, got %q (%v)", m.Plain(), ok)
	}
	recCheckV1Record(t, e.record(t, rina), 1)
	if s := e.session(t, rina); s["v"] != float64(2) || s["name"] != nil {
		t.Fatalf("session after the reminder: %v", s)
	}
}

// TestRecordCheckInReplacesCourse: the method a bidan gives at check-in
// replaces the course the resident told; the old course's reminders go.
func TestRecordCheckInReplacesCourse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	const id = 8901
	sari := e.srv.User(id, "Sari")
	consent(t, sari)
	recCourse(t, sari, "Suntik KB 3 bulan")
	if k := pendingKinds(t, p, id); !k[reminders.KindSuntik3] {
		t.Fatalf("suntik3 not planned: %v", k)
	}
	code := bookIUDAtBendan(t, sari)

	bidan := e.srv.User(9211, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	e.clock.Set(eventMorning)
	must(t)(bidan.Send("/kader"))
	must(t)(bidan.Tap("✅ Check-in klien"))
	must(t)(bidan.Send(code))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Metode diberikan: IUD") {
		t.Fatalf("check-in card: %q", txt)
	}
	must(t)(bidan.Tap("🆕 KB baru"))
	must(t)(bidan.Tap("☐ ✍️ Informed consent sudah ditandatangani"))
	must(t)(bidan.Tap("💾 JKN non-PBI"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "tercatat hadir") {
		t.Fatalf("after saving: %q", txt)
	}
	sweep(t, p)

	k := pendingKinds(t, p, id)
	if k[reminders.KindSuntik3] || !k[reminders.KindCheckup] || !k[reminders.KindAftercare] {
		t.Fatalf("after the IUD check-in: want checkup and aftercare, no suntik3; got %v", k)
	}
	rec := e.record(t, id)
	if cur := recCurrent(rec); cur == nil || cur["method"] != "iud" || cur["source"] != "checkin" {
		t.Fatalf("current course %v (all %v), want iud from the check-in", cur, recCourses(rec))
	}

	// Three days later: the aftercare is about the IUD she got.
	before := recLastID(sari)
	e.clock.Set(time.Date(2026, 11, 29, 9, 30, 0, 0, wib))
	sweep(t, p)
	got := recSince(sari, before)
	if len(got) != 1 || !strings.Contains(got[0].Plain(), "IUD (AKDR, spiral)") || strings.Contains(strings.ToLower(got[0].Plain()), "suntik") {
		t.Fatalf("want one aftercare reminder about the IUD, got %s", recPlain(got))
	}
	// A month after: the IUD check-up.
	before = recLastID(sari)
	e.clock.Set(time.Date(2026, 12, 26, 8, 0, 0, 0, wib))
	sweep(t, p)
	if got := recSince(sari, before); len(got) != 1 || !strings.Contains(got[0].Plain(), "IUD (AKDR, spiral)") {
		t.Fatalf("want the IUD check-up, got %s", recPlain(got))
	}
	// Twelve weeks after the injection she told: no injection reminder.
	before = recLastID(sari)
	e.clock.Set(time.Date(2027, 2, 15, 8, 0, 0, 0, wib))
	sweep(t, p)
	if got := recSince(sari, before); len(got) != 0 {
		t.Fatalf("nothing is due at 12 weeks after the IUD replaced the injection, got %s", recPlain(got))
	}
}

// recBookSmall books the single IUD place of smallCatalog (or, when it is
// taken, reaches the waitlist offer).
func recBookSmall(t *testing.T, u *telegramtest.User) {
	t.Helper()
	must(t)(u.Tap("📅 Jadwal & daftar KB serentak"))
	must(t)(u.Tap("🗺 Pilih kabupaten/kota dan kecamatan"))
	tapPrefix(t, u, "Kota Contoh")
	tapPrefix(t, u, "Kecamatan Satu")
	tapPrefix(t, u, "Puskesmas Satu")
	tapPrefix(t, u, "IUD")
}

// TestRecordBlockRule: a resident who blocks the bot keeps her booking
// until the cut-off; still blocking then, her place goes to the waitlist.
// One who comes back before keeps it, with her reminders.
func TestRecordBlockRule(t *testing.T) {
	t.Parallel()
	// The cut-off of an event on 26 November: the day before, 20:00 local.
	cutoff := time.Date(2026, 11, 25, 20, 0, 0, 0, wib)

	t.Run("still blocked at the cut-off", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		p := e.start()
		ctx := context.Background()
		cat, err := booking.Parse(strings.NewReader(smallCatalog), "small.yaml")
		if err != nil {
			t.Fatal(err)
		}
		recImport(t, p, cat)
		ani, budi := e.srv.User(8911, "Ani"), e.srv.User(8912, "Budi")
		consent(t, ani)
		recBookSmall(t, ani)
		tapPrefix(t, ani, "08.00")
		must(t)(ani.Send("Ani Lestari"))
		must(t)(ani.Send("Lewati"))
		checklistAllNo(t, ani)
		must(t)(ani.Tap("✅ Ya, daftarkan"))
		code := recCode(t, ani)
		consent(t, budi)
		recBookSmall(t, budi)
		must(t)(budi.Tap("⏳ Masuk daftar tunggu"))
		if m, _ := budi.Last(); !strings.Contains(m.Plain(), "urutan ke-1") {
			t.Fatalf("Budi must wait first in line: %q", m.Plain())
		}

		must(t)(ani.Block())
		if rec := e.record(t, 8911); rec["blocked"] != true {
			t.Fatalf("the record must say blocked: %v", rec)
		}
		if k := pendingKinds(t, p, 8911); len(k) != 1 || !k[reminders.KindRelease] {
			t.Fatalf("only the release may be pending, got %v", k)
		}
		// Until six hours before the cut-off the place stays hers.
		release := cutoff.Add(-6 * time.Hour)
		e.clock.Set(release.Add(-time.Minute))
		sweep(t, p)
		if b, _ := p.App.Bookings.Get(ctx, code); b.Status != booking.Active {
			t.Fatalf("released too early: %+v", b)
		}

		e.clock.Set(release)
		sweep(t, p)
		sweep(t, p) // the offer notice is planned by the first sweep
		b, err := p.App.Bookings.Get(ctx, code)
		if err != nil || b.Status != booking.Cancelled {
			t.Fatalf("six hours before the cut-off the blocked resident's booking must be cancelled: %+v %v", b, err)
		}
		hist, _ := e.record(t, 8911)["history"].([]any)
		released := false
		for _, h := range hist {
			if m, _ := h.(map[string]any); m["kind"] == "released" && m["code"] == code {
				released = true
			}
		}
		if !released {
			t.Errorf("the record's history lacks the release of %s: %v", code, hist)
		}
		av, err := p.App.Bookings.Availability(ctx, "kbs-kecil", "pkm-satu")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := av.Method(booking.IUD)
		offer, _ := budi.Last()
		if !strings.Contains(offer.Plain(), "Ada tempat kosong untuk Ibu") || !hasButton(offer, "✅ Ambil tempat ini") {
			t.Errorf("Budi, first on the IUD waitlist, must be offered the released place; his last message is %q "+
				"(IUD taken %d of %d)",
				offer.Plain(), m.Taken, m.Limit)
		}
	})

	t.Run("unblocked before the cut-off", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		p := e.start()
		importDemo(t, e, p)
		ctx := context.Background()
		const id = 8921
		u := e.srv.User(id, "Dewi")
		consent(t, u)
		code := bookIUDAtBendan(t, u)
		must(t)(u.Block())
		if k := pendingKinds(t, p, id); len(k) != 1 || !k[reminders.KindRelease] {
			t.Fatalf("only the release may be pending while blocked, got %v", k)
		}
		e.clock.Set(testStart.Add(2 * time.Hour))
		must(t)(u.Unblock())
		if rec := e.record(t, id); rec["blocked"] != nil {
			t.Fatalf("unblocking must clear the mark: %v", rec)
		}
		if k := pendingKinds(t, p, id); !k[reminders.KindH1] || k[reminders.KindRelease] {
			t.Fatalf("after unblocking: want the H-1 planned again and no release, got %v", k)
		}
		// The H-1 arrives, the day before at 16:00.
		before := recLastID(u)
		e.clock.Set(time.Date(2026, 11, 25, 16, 0, 0, 0, wib))
		sweep(t, p)
		if got := recSince(u, before); len(got) != 1 || !strings.Contains(got[0].Plain(), "Besok") || !strings.Contains(got[0].Plain(), code) {
			t.Fatalf("want the H-1 reminder, got %s", recPlain(got))
		}
		e.clock.Set(cutoff)
		sweep(t, p)
		if b, err := p.App.Bookings.Get(ctx, code); err != nil || b.Status != booking.Active {
			t.Fatalf("a resident who came back keeps her booking past the cut-off: %+v %v", b, err)
		}
		av, _ := p.App.Bookings.Availability(ctx, demoEvent, "pkm-bendan")
		if m, _ := av.Method(booking.IUD); m.Taken != 1 {
			t.Fatalf("her IUD place must stay taken: %+v", m)
		}
		if hist, _ := e.record(t, id)["history"].([]any); strings.Contains(fmt.Sprint(hist), "released") {
			t.Fatalf("nothing may be released: %v", hist)
		}
	})
}

// recHit is a key or value under the test prefix naming the resident.
type recHit struct {
	key, typ, needle, where string
}

// recScan reads every key under the test prefix, and every value of it,
// and returns where any needle occurs.
func recScan(t *testing.T, e *env, needles []string) []recHit {
	t.Helper()
	ctx := context.Background()
	var hits []recHit
	check := func(key, typ, where, s string) {
		for _, n := range needles {
			if strings.Contains(s, n) {
				ex := s
				if len(ex) > 200 {
					i := max(0, strings.Index(s, n)-80)
					ex = s[i:min(len(s), i+200)]
				}
				hits = append(hits, recHit{key: key, typ: typ, needle: n, where: where + ": " + ex})
			}
		}
	}
	for _, key := range redistest.Keys(ctx, e.rdb, e.prefix+"*") {
		check(key, "", "key name", strings.TrimPrefix(key, e.prefix))
		typ, err := e.rdb.Type(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		var vals []string
		switch typ {
		case "none":
			continue // expired meanwhile
		case "string":
			v, err := e.rdb.Get(ctx, key).Result()
			if err != nil {
				continue
			}
			vals = []string{v}
		case "hash":
			m, err := e.rdb.HGetAll(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			for f, v := range m {
				vals = append(vals, f, v)
			}
		case "set":
			vals, err = e.rdb.SMembers(ctx, key).Result()
		case "zset":
			zs, zerr := e.rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
			err = zerr
			for _, z := range zs {
				vals = append(vals, fmt.Sprint(z.Member), strconv.FormatFloat(z.Score, 'f', -1, 64))
			}
		case "list":
			vals, err = e.rdb.LRange(ctx, key, 0, -1).Result()
		default:
			t.Fatalf("key %s of type %s: the scan cannot read it", key, typ)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			check(key, typ, "value", v)
		}
	}
	return hits
}

// TestRecordEraseLeavesNothing: after /hapusdata nothing under the
// bot's keys names the resident: not her chat id, name, phone or booking
// code.
func TestRecordEraseLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	const id = 5550123987 // a chat id no counter or time stamp contains by chance
	u := e.srv.User(id, "Sari")
	consent(t, u)
	must(t)(u.Send("/wilayah"))
	must(t)(u.Tap("Kota Pekalongan"))
	must(t)(u.Tap("Pekalongan Barat"))
	must(t)(u.Tap("Bendan Kergon"))
	must(t)(u.Tap("🤰 Ibu hamil"))
	code := bookIUDAtBendan(t, u)
	recCourse(t, u, "Suntik KB 3 bulan")
	// A reminder delivered leaves its tombstone in the reminder store.
	before := recLastID(u)
	e.clock.Set(time.Date(2026, 11, 25, 16, 0, 0, 0, wib))
	sweep(t, p)
	if got := recSince(u, before); len(got) != 1 || !strings.Contains(got[0].Plain(), code) {
		t.Fatalf("want the H-1 reminder, got %s", recPlain(got))
	}
	must(t)(u.Send("/berhenti"))
	must(t)(u.Tap("🤰 Sudah hamil"))

	rec := e.record(t, id)
	if rec["area"] == nil || rec["group"] != "ibu_hamil" || rec["stop_reason"] != "hamil" || rec["name"] != "Sari Wulandari" || len(recCourses(rec)) != 1 {
		t.Fatalf("the record must hold everything before the erasure: %v", rec)
	}
	needles := []string{strconv.FormatInt(id, 10), "Sari Wulandari", "Wulandari", "81234567890", code}
	// The scan finds her before: it can fail.
	if hits := recScan(t, e, needles); len(hits) < len(needles) {
		t.Fatalf("the scan found too little before /hapusdata: %+v", hits)
	}

	must(t)(u.Send("/hapusdata"))
	must(t)(u.Tap("🗑 Ya, hapus semuanya"))
	if txt := lastText(t, u); !strings.Contains(txt, "sudah dihapus") {
		t.Fatalf("want the deletion confirmation, got %q", txt)
	}
	seen := redisstore.NewKeys(e.prefix).ChatSeen(chatID(id))
	for _, h := range recScan(t, e, needles) {
		// Exception: the ids of updates already handled stay under the
		// chat's key for a day (Telegram may deliver an update again for
		// 24 hours), so that a redelivered /hapusdata is not handled as
		// new. The values are Telegram update ids, not data of hers.
		if h.key == seen && h.where == "key name: "+strings.TrimPrefix(seen, e.prefix) {
			if ttl, _ := e.rdb.TTL(context.Background(), seen).Result(); ttl > 0 && ttl <= 25*time.Hour {
				t.Logf("allowed: %s (handled update ids, expires in %s)", h.key, ttl)
				continue
			}
		}
		t.Errorf("after /hapusdata %s (%s) still names her (%q): %s", h.key, h.typ, h.needle, h.where)
	}
}

// TestRecordPlainStopInFlows: "stop", "STOP" or "Berhenti" alone in a
// message stops the reminders in the middle of any flow, and "mulai"
// resumes them.
func TestRecordPlainStopInFlows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	stopped, why, resumed := recText(p, "reminders_stopped"), recText(p, "why_ask"), recText(p, "reminders_resumed")

	cases := []struct {
		name  string
		word  string
		setup func(t *testing.T, u *telegramtest.User)
		// noConsent: a resident who never consented is not asked why (the
		// reason is personal data, conversations/stopreason.go).
		noConsent bool
	}{
		{name: "booking at the name step", word: "STOP", setup: func(t *testing.T, u *telegramtest.User) {
			consent(t, u)
			must(t)(u.Send("/daftar"))
			must(t)(u.Tap("📍 Terdekat dari lokasi saya"))
			must(t)(u.ShareLocation(-6.8886, 109.6596))
			tapPrefix(t, u, "Puskesmas Bendan")
			tapPrefix(t, u, "Kondom · sisa")
			tapPrefix(t, u, "08.00–10.00 WIB")
			if txt := lastText(t, u); !strings.Contains(txt, recText(p, "book_ask_name")) {
				t.Fatalf("not at the name step: %q", txt)
			}
		}},
		{name: "/pengingat at the date step", word: "Berhenti", setup: func(t *testing.T, u *telegramtest.User) {
			consent(t, u)
			must(t)(u.Send("/pengingat"))
			must(t)(u.Tap("Suntik KB 3 bulan"))
			must(t)(u.Tap("WIB"))
			if txt := lastText(t, u); !strings.Contains(txt, recText(p, "course_ask_when")) {
				t.Fatalf("not at the date step: %q", txt)
			}
		}},
		{name: "/wilayah", word: "stop", setup: func(t *testing.T, u *telegramtest.User) {
			consent(t, u)
			must(t)(u.Send("/wilayah"))
			must(t)(u.Tap("Kota Pekalongan"))
			if m, _ := u.Last(); !hasButton(m, "Pekalongan Barat") {
				t.Fatalf("not at the kecamatan step: %q", m.Plain())
			}
		}},
		{name: "the renewed consent question", word: "STOP", setup: func(t *testing.T, u *telegramtest.User) {
			recV1(t, e, u.ID)
			must(t)(u.Send("halo"))
			if m, _ := u.Last(); !hasButton(m, "✅ Setuju") {
				t.Fatalf("not at the consent question: %q", m.Plain())
			}
		}},
		{name: "the first consent question", word: "stop", noConsent: true, setup: func(t *testing.T, u *telegramtest.User) {
			must(t)(u.Send("/start"))
			if m, _ := u.Last(); !hasButton(m, "✅ Setuju") {
				t.Fatalf("not at the consent question: %q", m.Plain())
			}
		}},
		{name: "/hapusdata confirmation", word: "Berhenti", setup: func(t *testing.T, u *telegramtest.User) {
			consent(t, u)
			must(t)(u.Send("/hapusdata"))
			if m, _ := u.Last(); !hasButton(m, "🗑 Ya, hapus semuanya") {
				t.Fatalf("not at the confirmation: %q", m.Plain())
			}
		}},
		{name: "/dataku name edit", word: "stop", setup: func(t *testing.T, u *telegramtest.User) {
			consent(t, u)
			must(t)(u.Send("/dataku"))
			must(t)(u.Tap("✏️ Ubah nama"))
			if txt := lastText(t, u); !strings.Contains(txt, recText(p, "me_ask_name")) {
				t.Fatalf("not at the name edit: %q", txt)
			}
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := int64(9101 + i)
			u := e.srv.User(id, "Warga")
			c.setup(t, u)
			if rec := e.record(t, id); rec["off"] != nil {
				t.Fatalf("reminders already off: %v", rec)
			}
			before := recLastID(u)
			must(t)(u.Send(c.word))
			got := recPlain(recSince(u, before))
			if !strings.Contains(got, stopped) {
				t.Fatalf("%q must stop the reminders; replies:\n%s", c.word, got)
			}
			if c.noConsent {
				if strings.Contains(got, why) {
					t.Fatalf("a resident without consent is not asked why:\n%s", got)
				}
			} else if !strings.Contains(got, why) {
				t.Fatalf("%q must ask why; replies:\n%s", c.word, got)
			}
			rec := e.record(t, id)
			if rec["off"] != true {
				t.Fatalf("the record must say reminders are off: %v", rec)
			}
			if rec["name"] == c.word {
				t.Fatalf("the stop word was taken as her name: %v", rec)
			}
			if c.noConsent {
				// The privacy notice: without consent only the language and
				// the answer are kept, deleted after the session TTL.
				key := redisstore.NewKeys(e.prefix).ChatRecord(chatID(id))
				if ttl, _ := e.rdb.PTTL(context.Background(), key).Result(); ttl <= 0 || ttl > e.cfg.SessionTTL+24*time.Hour {
					t.Errorf("the record of a resident who never consented is kept %s (record %v), "+
						"not the %s the privacy notice promises. Bot bug: stopReminders sets StopReason %q without consent "+
						"(conversations/remind.go:283-285), which resident.Record.Personal counts as personal data (resident/resident.go:185)",
						ttl, rec, e.cfg.SessionTTL, rec["stop_reason"])
				}
			}

			before = recLastID(u)
			must(t)(u.Send("mulai"))
			if got := recPlain(recSince(u, before)); !strings.Contains(got, resumed) {
				t.Fatalf("\"mulai\" must resume; replies:\n%s", got)
			}
			if rec := e.record(t, id); rec["off"] != nil || rec["stop_reason"] != nil {
				t.Fatalf("after \"mulai\" the record must say reminders are on: %v", rec)
			}
		})
	}
}

// TestRecordStopReason: the reason tapped after /berhenti goes on the
// record, /dataku shows it, /mulai clears it.
func TestRecordStopReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	const id = 9201
	u := e.srv.User(id, "Sari")
	consent(t, u)
	must(t)(u.Send("/berhenti"))
	if txt := lastText(t, u); !strings.Contains(txt, recText(p, "why_ask")) {
		t.Fatalf("/berhenti must ask why: %q", txt)
	}
	must(t)(u.Tap("🤰 Sudah hamil"))
	if rec := e.record(t, id); rec["stop_reason"] != "hamil" || rec["off"] != true {
		t.Fatalf("record after the reason: %v", rec)
	}
	must(t)(u.Send("/dataku"))
	if txt := lastText(t, u); !strings.Contains(txt, recText(p, "me_reminders_off", "🤰 Sudah hamil")) {
		t.Fatalf("/dataku must show the reason:\n%s", txt)
	}
	must(t)(u.Send("/mulai"))
	if rec := e.record(t, id); rec["stop_reason"] != nil || rec["off"] != nil || rec["stopped_at"] != nil {
		t.Fatalf("/mulai must clear the reason: %v", rec)
	}
	must(t)(u.Send("/dataku"))
	if txt := lastText(t, u); !strings.Contains(txt, recText(p, "me_reminders_on")) || strings.Contains(txt, "hamil") {
		t.Fatalf("/dataku after /mulai:\n%s", txt)
	}
}

// TestRecordExpiredFlow: a resident whose flow's session expired is told
// so in one line, then gets the menu.
func TestRecordExpiredFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	const id = 9301
	u := e.srv.User(id, "Sari")
	consent(t, u)
	must(t)(u.Send("/daftar"))
	if rec := e.record(t, id); rec["flow"] != "book" {
		t.Fatalf("the record must name the flow: %v", rec)
	}
	recDropSession(t, e, id)
	before := recLastID(u)
	must(t)(u.Send("Sari Wulandari"))
	got := recSince(u, before)
	if len(got) != 2 {
		t.Fatalf("want the expiry line and the menu, got %d messages:\n%s", len(got), recPlain(got))
	}
	if txt, want := got[0].Plain(), recText(p, "flow_expired"); txt != want || strings.Contains(txt, "\n") {
		t.Fatalf("first reply %q, want the one line %q", txt, want)
	}
	if txt := got[1].Plain(); txt != recText(p, "menu_title") || !hasButton(got[1], "📚 Belajar KB") {
		t.Fatalf("second reply must be the menu: %q %+v", txt, got[1].Buttons)
	}
	if rec := e.record(t, id); rec["flow"] != nil {
		t.Fatalf("the expired flow is told once: %v", rec)
	}
	// Told once: the next message is answered normally.
	before = recLastID(u)
	must(t)(u.Send("/menu"))
	if got := recPlain(recSince(u, before)); strings.Contains(got, recText(p, "flow_expired")) {
		t.Fatalf("the expiry was told again:\n%s", got)
	}
}

// TestRecordUnreadableIsNeverOverwritten: a stored record kbbot cannot read
// (corrupt, or written by a newer version after a rollback) is left as it
// is: the resident is still answered, and the record keeps its bytes.
func TestRecordUnreadableIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	const id = 9401
	u := e.srv.User(id, "Sari")
	consent(t, u)
	key := redisstore.NewKeys(e.prefix).ChatRecord(chatID(id))
	for _, stored := range []string{`{"v":99,"consent":"given","name":"Sari"}`, `{not json`} {
		if err := e.rdb.Set(context.Background(), key, stored, 0).Err(); err != nil {
			t.Fatal(err)
		}
		before := recLastID(u)
		must(t)(u.Send("/menu"))
		if len(recSince(u, before)) == 0 {
			t.Fatalf("record %q: the resident got no answer", stored)
		}
		if got, _ := e.rdb.Get(context.Background(), key).Result(); got != stored {
			t.Fatalf("an unreadable record was overwritten: %q, was %q", got, stored)
		}
	}
}
