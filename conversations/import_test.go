package conversations_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/resident"
)

// fakeImporter keeps the previewed catalog per chat, like app's importer
// on Redis; prepare decides what a document reads as.
type fakeImporter struct {
	prepare func(doc conversations.ImportDocument) (conversations.ImportPreview, error)
	kept    map[kbbot.ChatID]string // token
	applied map[kbbot.ChatID]*conversations.ImportResult
	imports int
}

func (f *fakeImporter) Template(context.Context) ([]byte, error) { return []byte("PK"), nil }

func (f *fakeImporter) Prepare(_ context.Context, chat kbbot.ChatID, token string, doc conversations.ImportDocument) (conversations.ImportPreview, error) {
	pv, err := f.prepare(doc)
	if err == nil && len(pv.Refused) == 0 {
		f.kept[chat] = token
		delete(f.applied, chat)
	}
	return pv, err
}

func (f *fakeImporter) Apply(_ context.Context, chat kbbot.ChatID, token string) (conversations.ImportResult, error) {
	if f.kept[chat] != token {
		return conversations.ImportResult{}, conversations.ErrImportGone
	}
	if r := f.applied[chat]; r != nil {
		again := *r
		again.Again = true
		return again, nil
	}
	f.imports++
	r := &conversations.ImportResult{File: "acara.xlsx", Report: booking.ImportReport{Facilities: 10, Created: []string{"a", "b", "c"}}}
	f.applied[chat] = r
	return *r, nil
}

func (f *fakeImporter) Discard(_ context.Context, chat kbbot.ChatID, token string) error {
	if f.kept[chat] == token {
		delete(f.kept, chat)
	}
	return nil
}

// flakyAudit fails its first fails writes.
type flakyAudit struct {
	*fakes.Staff
	fails int
}

func (a *flakyAudit) Audit(ctx context.Context, e cadre.AuditEntry) error {
	if a.fails > 0 {
		a.fails--
		return errors.New("redis away")
	}
	return a.Staff.Audit(ctx, e)
}

type importWorld struct {
	t        *testing.T
	e        *conversations.Engine
	imp      *fakeImporter
	audit    *flakyAudit
	staff    *fakes.Staff
	sessions map[kbbot.ChatID]*conversations.Session
	records  map[kbbot.ChatID]*resident.Record
	now      time.Time
}

func newImportWorld(t *testing.T) *importWorld {
	t.Helper()
	w := &importWorld{t: t, sessions: map[kbbot.ChatID]*conversations.Session{}, records: map[kbbot.ChatID]*resident.Record{},
		now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	w.staff = fakes.NewStaff(rAdmin)
	w.audit = &flakyAudit{Staff: w.staff}
	cat, err := booking.Demo(w.now)
	if err != nil {
		t.Fatal(err)
	}
	w.imp = &fakeImporter{kept: map[kbbot.ChatID]string{}, applied: map[kbbot.ChatID]*conversations.ImportResult{},
		prepare: func(conversations.ImportDocument) (conversations.ImportPreview, error) {
			return conversations.ImportPreview{File: "acara.xlsx", Catalog: cat, TTL: 30 * time.Minute,
				Plan: booking.ImportReport{Created: []string{"kbs-pekalongan-demo", "kbs-makassar-demo"}, Unchanged: []string{"kbs-jayapura-demo"},
					FacilitiesCreated: []string{"pkm-bendan"}}}, nil
		}}
	nonces := 0
	w.e = conversations.NewEngine(library(t), func() string { nonces++; return fmt.Sprintf("n%d", nonces) }, conversations.Services{
		Catalog: func(context.Context) (*booking.Catalog, error) { return cat, nil },
		Staff:   w.staff, Roles: w.staff, Audit: w.audit, Imports: w.imp, Log: quiet,
	})
	return w
}

// step runs ev; retry says whether the step asked to be run again.
func (w *importWorld) step(ev kbbot.Event) (replies []kbbot.Reply, retry bool) {
	w.t.Helper()
	ev.UserID, ev.FirstName = int64(ev.ChatID), "Sari"
	res := w.e.Step(context.Background(), w.sessions[ev.ChatID], w.records[ev.ChatID], ev, w.now)
	if res.Retry {
		return nil, true
	}
	w.sessions[ev.ChatID], w.records[ev.ChatID] = res.Session, res.Record
	return res.Replies, false
}

func (w *importWorld) document(chat kbbot.ChatID, name string) []kbbot.Reply {
	w.t.Helper()
	r, _ := w.step(kbbot.Event{Kind: kbbot.EventMedia, ChatID: chat, Media: "document", FileID: "f1", FileName: name, FileSize: 1000})
	return r
}

func (w *importWorld) tap(chat kbbot.ChatID, replies []kbbot.Reply, label string) ([]kbbot.Reply, bool) {
	w.t.Helper()
	d := buttonData(replies, label)
	if d == "" {
		w.t.Fatalf("no button %q in %s", label, dump(replies))
	}
	return w.step(kbbot.Event{Kind: kbbot.EventCallback, ChatID: chat, CallbackID: "cb", Data: d, MessageID: 10})
}

// TestImportPreviewConfirmOnce: an admin's document is previewed; the
// confirmation whose audit entry fails is run again and imports once; a
// second tap is an expired button.
func TestImportPreviewConfirmOnce(t *testing.T) {
	t.Parallel()
	w := newImportWorld(t)
	pv := w.document(rAdmin, "acara.xlsx")
	got := texts(pv)
	for _, want := range []string{"Pratinjau impor: acara.xlsx", "3 acara, 10 fasilitas, 10 lokasi, 21 sesi.", "Kuota: pil 43, suntik 3 bulan 93, implan 91, IUD 117, kondom 47, MOW 18, MOP 5.",
		"Acara baru 2, diubah 0, tetap 1 · fasilitas baru 1, diubah 0.", "Pelayanan KB Serentak Kota Pekalongan (contoh)</b> — Kamis, 26 November 2026, 8 lokasi (baru)",
		"(tetap)", "berlaku 30 menit"} {
		if !strings.Contains(got, want) {
			t.Errorf("preview lacks %q:\n%s", want, got)
		}
	}
	if first := strings.SplitN(pv[0].Text, "\n\n", 2)[0]; strings.Count(first, "\n") > 4 {
		t.Errorf("the preview's first screen has more than 5 lines:\n%s", first)
	}
	w.audit.fails = 1
	if _, retry := w.tap(rAdmin, pv, "✅ Impor"); !retry {
		t.Fatal("a confirmation whose audit entry failed must be retried")
	}
	done, retry := w.tap(rAdmin, pv, "✅ Impor")
	if retry || !strings.Contains(texts(done), "Impor selesai: acara.xlsx") || !strings.Contains(texts(done), "Acara baru 3, diubah 0, tetap 0; 10 fasilitas.") {
		t.Fatalf("retried confirmation: %v %s", retry, dump(done))
	}
	if w.imp.imports != 1 {
		t.Errorf("imported %d times, want once", w.imp.imports)
	}
	log, _ := w.staff.AuditLog(context.Background(), cadre.Area{}, 10)
	if len(log) != 1 || log[0].Action != cadre.ActImport || log[0].Detail != "acara.xlsx|3|0|0" || log[0].Actor != rAdmin {
		t.Errorf("audit log %+v", log)
	}
	again, _ := w.tap(rAdmin, pv, "✅ Impor")
	if !strings.Contains(texts(again), "Tombol ini sudah tidak berlaku") || w.imp.imports != 1 {
		t.Errorf("second tap: %s (imports %d)", dump(again), w.imp.imports)
	}
	audit, _ := w.step(kbbot.Event{Kind: kbbot.EventCommand, ChatID: rAdmin, Command: "audit"})
	if !strings.Contains(texts(audit), "impor jadwal dari acara.xlsx (acara baru 3, diubah 0, tetap 0)") {
		t.Errorf("/audit: %s", dump(audit))
	}
}

// TestImportOthers: a resident's document gets the answer to any
// document; a preview that expired or was cancelled imports nothing.
func TestImportOthers(t *testing.T) {
	t.Parallel()
	w := newImportWorld(t)
	if got := texts(w.document(rResident, "acara.xlsx")); !strings.Contains(got, "belum bisa stiker, foto, suara atau dokumen") || len(w.imp.kept) != 0 {
		t.Errorf("resident's document: %s", got)
	}
	if got := texts(w.step2(kbbot.Event{Kind: kbbot.EventCommand, ChatID: rResident, Command: "impor"})); !strings.Contains(got, "/impor") || strings.Contains(got, "Impor jadwal") {
		t.Errorf("resident's /impor: %s", got)
	}
	pv := w.document(rAdmin, "acara.xlsx")
	delete(w.imp.kept, rAdmin) // the 30 minutes ran out
	gone, _ := w.tap(rAdmin, pv, "✅ Impor")
	if !strings.Contains(texts(gone), "Pratinjau ini sudah kedaluwarsa") || w.imp.imports != 0 {
		t.Errorf("expired preview: %s", dump(gone))
	}
	pv = w.document(rAdmin, "acara.xlsx")
	cancelled, _ := w.tap(rAdmin, pv, "✖️ Batal")
	if !strings.Contains(texts(cancelled), "Impor dibatalkan") || len(w.imp.kept) != 0 {
		t.Errorf("cancel: %s", dump(cancelled))
	}
	// An older preview's button, after a newer file.
	old := w.document(rAdmin, "lama.xlsx")
	w.document(rAdmin, "baru.xlsx")
	stale, _ := w.tap(rAdmin, old, "✅ Impor")
	if !strings.Contains(texts(stale), "Tombol ini sudah tidak berlaku") || w.imp.imports != 0 {
		t.Errorf("stale preview: %s", dump(stale))
	}
}

func (w *importWorld) step2(ev kbbot.Event) []kbbot.Reply { r, _ := w.step(ev); return r }

// TestImportProblems: a file that cannot be imported says why, escaped,
// and offers no import.
func TestImportProblems(t *testing.T) {
	t.Parallel()
	w := newImportWorld(t)
	cases := []struct {
		err     error
		refused []booking.BelowLimit
		want    []string
	}{
		{&conversations.ImportInvalidError{Problems: []string{`Sheet "sesi", baris 7, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "<20>"`}, More: 20},
			nil, []string{"belum bisa diimpor: 21 masalah", html.EscapeString(`• Sheet "sesi", baris 7, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "<20>"`), "… dan 20 masalah lagi"}},
		{&conversations.ImportTooBigError{Size: 3 << 20, Max: 2 << 20}, nil, []string{"terlalu besar (3 MB). Paling besar 2 MB"}},
		{conversations.ErrImportFormat, nil, []string{"bukan file jadwal yang saya kenal"}},
		{fmt.Errorf("%w: timeout", conversations.ErrImportFetch), nil, []string{"belum bisa saya ambil dari Telegram"}},
		{nil, []booking.BelowLimit{{Event: "kbs-pekalongan-demo", Facility: "pkm-bendan", Method: booking.IUD, Taken: 3, Limit: 2},
			{Event: "kbs-pekalongan-demo", Facility: "pkm-bendan", Session: "1000", Taken: 3, Limit: -1}},
			[]string{"• kbs-pekalongan-demo, Puskesmas Bendan, IUD: 2, sudah terdaftar 3", "• kbs-pekalongan-demo, Puskesmas Bendan, sesi 10.00: dihapus, sudah terdaftar 3"}},
	}
	cat, _ := booking.Demo(w.now)
	for _, c := range cases {
		w.imp.prepare = func(conversations.ImportDocument) (conversations.ImportPreview, error) {
			return conversations.ImportPreview{Catalog: cat, Refused: c.refused}, c.err
		}
		r := w.document(rAdmin, "acara.xlsx")
		for _, want := range c.want {
			if !strings.Contains(texts(r), want) {
				t.Errorf("%v: reply lacks %q:%s", c.err, want, dump(r))
			}
		}
		if buttonData(r, "✅ Impor") != "" || w.sessions[rAdmin].Flow != "" {
			t.Errorf("%v: an import is offered: %s", c.err, dump(r))
		}
	}
}
