package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
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

// oldArea makes chat's record and profile hold area a by name, as before
// the official list (the record is written as the step of an older
// version wrote it).
func oldArea(t *testing.T, e *env, p *process, chat int64, a cadre.Area) {
	t.Helper()
	ctx := context.Background()
	if err := p.App.BroadcastStore().SetProfile(ctx, kbbot.ChatID(chat), broadcast.Profile{Area: a, Lang: "id"}); err != nil {
		t.Fatal(err)
	}
	key := redisstore.NewKeys(e.prefix).ChatRecord(kbbot.ChatID(chat))
	var r map[string]any
	if err := json.Unmarshal([]byte(e.rdb.Get(ctx, key).Val()), &r); err != nil {
		t.Fatal(err)
	}
	r["area"] = a
	b, _ := json.Marshal(r)
	if err := e.rdb.Set(ctx, key, b, e.rdb.TTL(ctx, key).Val()).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestE2EMigrateAreasToCodes: areas typed before the official list get
// their code where the names are on it (after normalisation, uniquely):
// residents' profiles move to the code's audience, a staff member's area
// and an area link get the code, and a resident's record follows her
// profile at her next message. A resident whose kelurahan is not on the
// list is asked once, at her next message, to choose her place, with
// candidates; she taps one and is in the code's audience. The migration
// runs once (a mark), and again changes nothing.
func TestE2EMigrateAreasToCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	keys := redisstore.NewKeys(e.prefix)
	store := p.App.BroadcastStore()

	// Before the list: names as typed.
	matched := e.srv.User(9601, "Sari")
	consent(t, matched)
	oldArea(t, e, p, 9601, cadre.Area{Kabupaten: "kota pekalongan", Kecamatan: "PEKALONGAN UTARA", Kelurahan: "panjang wetan"})
	typo := e.srv.User(9602, "Wati")
	consent(t, typo)
	oldArea(t, e, p, 9602, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetn"})
	staff := bcStaffStore(e)
	now := e.clock.Now()
	code, err := staff.CreateInvite(ctx, cadre.Member{Chat: 1, Role: cadre.Admin}, cadre.PKB,
		cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "pekalongan utara"}, now.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	pkb := e.srv.User(9600, "Pak Budi")
	must(t)(pkb.Send("/kader " + code))
	links := redisstore.NewAreaLinks(e.rdb, keys)
	link, err := links.AreaLink(ctx, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara"})
	if err != nil {
		t.Fatal(err)
	}

	// A broadcast scheduled before the list, to the kelurahan by name.
	sched := broadcast.Broadcast{ID: broadcast.NewID(9600, e.prefix), Author: 9600, AuthorRole: cadre.PKB, Lang: "id",
		Audience: broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "panjang wetan"}},
		Text:     "KB serentak besok", Zone: "Asia/Jakarta", Created: now, At: now.Add(2 * time.Hour)}
	if _, err := store.Create(ctx, sched); err != nil {
		t.Fatal(err)
	}

	if err := e.rdb.Del(ctx, keys.AreasMigrated()).Err(); err != nil { // New ran it on an empty store
		t.Fatal(err)
	}
	m, err := p.App.MigrateAreas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Profiles != 1 || m.Unmatched != 1 || m.Members != 1 || m.Links != 1 || m.Broadcasts != 1 || m.Done {
		t.Fatalf("migration: %+v, want 1 profile, 1 unmatched, 1 member, 1 link, 1 broadcast", m)
	}
	// The scheduled broadcast finds the migrated resident by code.
	if b, err := store.Get(ctx, sched.ID); err != nil || b.Audience.Area.Code != "33.75.03.1004" {
		t.Errorf("migrated broadcast audience: %+v %v", b.Audience.Area, err)
	} else if n, _ := store.Count(ctx, b.Audience); n != 1 {
		t.Errorf("the scheduled broadcast's audience: %d, want 1", n)
	}
	panjang := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Kelurahan: "Panjang Wetan", Code: "33.75.03.1004"}
	if prof, _, _ := store.Profile(ctx, 9601); prof.Area != panjang {
		t.Errorf("migrated profile: %+v", prof.Area)
	}
	utara := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Utara", Code: "33.75.03"}
	if mem, _, _ := staff.Member(ctx, 9600); mem.Area != utara {
		t.Errorf("migrated member: %+v", mem.Area)
	}
	if a, _, _ := links.ResolveAreaLink(ctx, link); a != utara {
		t.Errorf("migrated link: %+v", a)
	}
	// The PKB's audience by code: the migrated resident, and the one not
	// matched yet by the name of her kecamatan.
	if n, _ := store.Count(ctx, broadcast.Audience{Area: utara}); n != 2 {
		t.Errorf("the PKB's audience: %d, want 2", n)
	}
	// Again: nothing to do.
	if m, err := p.App.MigrateAreas(ctx); err != nil || !m.Done || m.Members != 0 {
		t.Errorf("second run: %+v %v", m, err)
	}

	// At her next message the record follows the profile, unasked.
	must(t)(matched.Send("/menu"))
	if a, _ := e.record(t, 9601)["area"].(map[string]any); a["code"] != "33.75.03.1004" {
		t.Errorf("record of the matched resident: %v", a)
	}
	for _, msg := range matched.Messages() {
		if strings.Contains(msg.Plain(), "tidak ada di daftar resmi") {
			t.Error("a matched resident was asked to confirm her area")
		}
	}
	// The unmatched one is asked once, with candidates.
	must(t)(typo.Send("/menu"))
	const label = "Panjang Wetan — Pekalongan Utara, Kota Pekalongan"
	last, _ := typo.Last()
	if !strings.Contains(last.Plain(), "Panjang Wetn") || !strings.Contains(last.Plain(), "tidak ada di daftar resmi") || !hasButton(last, label) {
		t.Fatalf("the unmatched resident is not asked with candidates: %q", last.Plain())
	}
	must(t)(typo.Tap(label))
	must(t)(typo.Tap("Lewati"))
	if prof, _, _ := store.Profile(ctx, 9602); prof.Area != panjang {
		t.Errorf("confirmed profile: %+v", prof.Area)
	}
	if n, _ := store.Count(ctx, broadcast.Audience{Area: panjang}); n != 2 {
		t.Errorf("Panjang Wetan by code: %d residents, want 2", n)
	}
	// Asked once: the record keeps that she was.
	must(t)(typo.Send("/menu"))
	if txt := bcLastText(t, typo); strings.Contains(txt, "tidak ada di daftar resmi") {
		t.Errorf("asked again: %q", txt)
	}
	if e.record(t, 9602)["area_asked"] != true {
		t.Error("the record does not say she was asked")
	}
}

// TestE2EAreaPickerPrefersPlacesNearTheCatalog: "kel. bendan" finds
// Bendan Kergon in Kota Pekalongan, where the demo's KB serentak is,
// before the exact "Bendan" desa of Boyolali and Klaten; a place far from
// every facility is still found.
func TestE2EAreaPickerPrefersPlacesNearTheCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	u := e.srv.User(8471, "Sari")
	consent(t, u)
	must(t)(u.Send("/wilayah"))
	must(t)(u.Send("kel. bendan"))
	m, _ := u.Last()
	if len(m.Buttons) == 0 || m.Buttons[0][0].Text != "Bendan Kergon — Pekalongan Barat, Kota Pekalongan" {
		t.Fatalf("first candidate for %q: %+v", "kel. bendan", m.Buttons)
	}
	must(t)(u.Send("desa ubud"))
	if m, _ := u.Last(); len(m.Buttons) == 0 || !strings.HasPrefix(m.Buttons[0][0].Text, "Ubud") {
		t.Fatalf("a place far from the catalog: %+v", m.Buttons)
	}
}
