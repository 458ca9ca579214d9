package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// importYAML parses and imports an events file into e's store.
func importYAML(t *testing.T, e *env, yaml string, plan bool) (booking.ImportReport, error) {
	t.Helper()
	cat, err := booking.Parse(strings.NewReader(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if plan {
		return e.store.PlanImport(context.Background(), cat)
	}
	return e.store.Import(context.Background(), cat)
}

// TestImportMovesASession: a session moved in the file (moved_from)
// keeps its id, so its bookings and queue numbers move with it; the plan
// counts the residents to tell and writes nothing; the import logs the
// change once, and the change names the session's active bookings until
// it is done. Moving it without saying from where removes a session with
// bookings: refused, as before.
func TestImportMovesASession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	var codes []string
	for i, m := range []booking.Method{booking.IUD, booking.Implan} {
		b, err := e.store.Book(ctx, req(kbbotChat(100+i), "k", "pkm-a", "0800", m))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	if _, err := e.store.Book(ctx, req(kbbotChat(200), "k", "pkm-a", "1000", booking.IUD)); err != nil {
		t.Fatal(err)
	}

	unsaid := strings.Replace(testYAML, `{start: "08:00", end: "10:00", capacity: 5}`, `{start: "07:00", end: "09:00", capacity: 5}`, 1)
	unsaid = strings.Replace(unsaid, `{start: "10:00", end: "12:00", capacity: 5}`, `{start: "09:00", end: "12:00", capacity: 5}`, 1)
	var below *booking.BelowBookedError
	if _, err := importYAML(t, e, unsaid, false); !errors.As(err, &below) || !strings.Contains(err.Error(), "session 0800: capacity removed") {
		t.Fatalf("a moved session without moved_from: %v", err)
	}

	moved := strings.Replace(unsaid, `{start: "07:00", end: "09:00", capacity: 5}`, `{start: "07:00", end: "09:00", capacity: 5, moved_from: "08:00"}`, 1)
	moved = strings.Replace(moved, `{start: "09:00", end: "12:00", capacity: 5}`, `{start: "09:00", end: "12:00", capacity: 5, moved_from: "10:00"}`, 1)
	before := snapshot(t, e.rdb, e.keys.Prefix())
	rep, err := importYAML(t, e, moved, true)
	if err != nil || rep.Told != 3 || len(rep.Changes) != 1 || len(rep.Changes[0].Moved) != 2 {
		t.Fatalf("plan: %+v %v", rep, err)
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !equalMaps(before, after) {
		t.Fatalf("the plan wrote: %v", diffMaps(before, after))
	}
	if rep, err = importYAML(t, e, moved, false); err != nil || rep.Told != 3 || len(rep.Updated) != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if rep, err = importYAML(t, e, moved, false); err != nil || len(rep.Unchanged) != 1 || rep.Told != 0 {
		t.Fatalf("the same file again: %+v %v", rep, err)
	}
	cat, err := e.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := cat.Slot(testEvent, "pkm-a", "0800")
	if err != nil || !sl.Session.Start.Equal(time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)) || sl.Session.MovedFrom != "" {
		t.Fatalf("the moved session: %+v %v", sl.Session, err)
	}
	b, _ := e.store.Get(ctx, codes[0])
	if b.SessionID != "0800" || b.Status != booking.Active || b.Queue != 1 {
		t.Fatalf("the booking after the move: %+v", b)
	}
	// A refusal about the moved session names it as it now stands.
	cut := strings.Replace(moved, `{start: "07:00", end: "09:00", capacity: 5, moved_from: "08:00"}`, `{start: "07:00", end: "09:00", capacity: 1}`, 1)
	if _, err := importYAML(t, e, cut, true); !errors.As(err, &below) || below.Limits[0].Session != "0800" ||
		!below.Limits[0].SessionStart.Equal(time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a cut below the moved session's bookings: %+v %v", below, err)
	}
	pending, err := e.store.PendingChanges(ctx)
	if err != nil || len(pending) != 2 || pending[0].Kind != booking.ChangeMoved || pending[0].Session != "0800" ||
		!pending[0].From.Equal(time.Date(2030, 1, 10, 1, 0, 0, 0, time.UTC)) || pending[1].Session != "1000" {
		t.Fatalf("pending changes: %+v %v", pending, err)
	}
	eff, err := e.store.ApplyChange(ctx, pending[0])
	if err != nil || len(eff.Bookings) != 2 || len(eff.Waiting) != 0 {
		t.Fatalf("the move's bookings: %+v %v", eff, err)
	}
	for _, pc := range pending {
		if err := e.store.ChangeDone(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	if pending, _ = e.store.PendingChanges(ctx); len(pending) != 0 {
		t.Fatalf("changes left after done: %+v", pending)
	}
	checkInvariants(t, e, testEvent)
}

// TestImportCancelsASite: a site marked cancelled closes at once; its
// bookings are cancelled when the change is carried out, their places
// freed and their records marked, and those waiting there are named;
// carried out again, nothing more happens. Removing a site's rows instead
// is refused while it holds bookings.
func TestImportCancelsASite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	var codes []string
	for i := range 3 {
		b, err := e.store.Book(ctx, req(kbbotChat(300+i), "k", "pmb-b", "0900", booking.IUD))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	if _, err := e.store.Cancel(ctx, codes[2], kbbotChat(302)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Book(ctx, req(kbbotChat(302), "k2", "pmb-b", "0900", booking.IUD)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: kbbotChat(400)}); err != nil {
		t.Fatal(err)
	}
	other, err := e.store.Book(ctx, req(kbbotChat(500), "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}

	removed := testYAML[:strings.Index(testYAML, "      - facility: pmb-b")]
	var below *booking.BelowBookedError
	if _, err := importYAML(t, e, removed, false); !errors.As(err, &below) {
		t.Fatalf("removing a site with bookings: %v", err)
	}

	cancelled := strings.Replace(testYAML, "      - facility: pmb-b\n", "      - facility: pmb-b\n        cancelled: true\n", 1)
	rep, err := importYAML(t, e, cancelled, false)
	if err != nil || rep.Told != 3 || len(rep.Changes) != 1 || len(rep.Changes[0].Cancelled) != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := e.store.Book(ctx, req(kbbotChat(600), "k", "pmb-b", "0900", booking.IUD)); !errors.Is(err, booking.ErrClosed) {
		t.Fatalf("a booking at a cancelled site: %v", err)
	}
	cat, _ := e.store.Catalog(ctx)
	if ev, _ := cat.Event(testEvent); ev.Sites[1].Open(testStart) || !ev.Sites[1].Cancelled {
		t.Fatalf("the cancelled site reads back open: %+v", ev.Sites[1])
	}
	pending, err := e.store.PendingChanges(ctx)
	if err != nil || len(pending) != 1 || pending[0].Kind != booking.ChangeCancelled || pending[0].Facility != "pmb-b" {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	for range 2 {
		eff, err := e.store.ApplyChange(ctx, pending[0])
		if err != nil || len(eff.Bookings) != 3 || len(eff.Waiting) != 1 || eff.Waiting[0].Resident != kbbotChat(400) {
			t.Fatalf("carried out: %+v %v", eff, err)
		}
		for _, b := range eff.Bookings {
			if b.Status != booking.Cancelled || !b.SiteCancelled || b.FacilityID != "pmb-b" || b.Code == codes[2] {
				t.Fatalf("a booking of the cancelled site: %+v", b)
			}
		}
	}
	if b, _ := e.store.Get(ctx, codes[2]); b.SiteCancelled {
		t.Fatalf("a booking its resident cancelled before reads as cancelled with the site: %+v", b)
	}
	if b, _ := e.store.Get(ctx, other.Code); b.Status != booking.Active {
		t.Fatalf("a booking at another site: %+v", b)
	}
	if av, _ := e.store.Availability(ctx, testEvent, "pmb-b"); av.Methods[0].Taken != 0 {
		t.Fatalf("places still taken at the cancelled site: %+v", av)
	}
	if err := e.store.ChangeDone(ctx, pending[0]); err != nil {
		t.Fatal(err)
	}
	if w, _ := e.store.Waiting(ctx, kbbotChat(400)); len(w) != 0 {
		t.Fatalf("still waiting at a cancelled site: %+v", w)
	}
	if pending, _ = e.store.PendingChanges(ctx); len(pending) != 0 {
		t.Fatalf("changes left: %+v", pending)
	}
	// Imported again, the cancelled site changes nothing.
	if rep, err := importYAML(t, e, cancelled, false); err != nil || len(rep.Unchanged) != 1 || rep.Told != 0 {
		t.Fatalf("again: %+v %v", rep, err)
	}
	checkInvariants(t, e, testEvent)
}
