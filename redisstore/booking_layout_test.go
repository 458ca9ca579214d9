package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/redisstore"
)

// oldLayout puts an event back in the layout of a version before events
// layout "2": the places taken in a hash of their own (EventUsed, "q|..."
// and "s|..."), the queue counters among the residents' fields, each
// booking's place in a hash of its own (EventPlaces) and only its record
// in EventRecords, each resident's state in four fields ("<r>|a" active,
// "|h" history, "|w" waitlist, "|o" offer); and forgets that the
// migration ran.
func oldLayout(t testing.TB, e *env, ev string) {
	t.Helper()
	ctx := context.Background()
	all := e.rdb.HGetAll(ctx, e.keys.EventLimits(ev)).Val()
	rows := e.rdb.HGetAll(ctx, e.keys.EventRecords(ev)).Val()
	for _, k := range []string{e.keys.EventUsed(ev), e.keys.EventPlaces(ev), e.keys.EventsLayout()} {
		if err := e.rdb.Del(ctx, k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	pipe := e.rdb.Pipeline()
	flush := func(force bool) {
		if pipe.Len() >= 1000 || (force && pipe.Len() > 0) {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for f, v := range all {
		switch {
		case strings.HasPrefix(f, "u|"):
			pipe.HSet(ctx, e.keys.EventUsed(ev), strings.TrimPrefix(f, "u|"), v)
		case strings.HasPrefix(f, "t|"):
			pipe.HSet(ctx, e.keys.EventResidents(ev), f, v)
		default:
			continue
		}
		pipe.HDel(ctx, e.keys.EventLimits(ev), f)
		flush(false)
	}
	for code, row := range rows {
		place, rec, ok := strings.Cut(row, "\n")
		if !ok {
			t.Fatalf("row of %s: %q", code, row)
		}
		pipe.HSet(ctx, e.keys.EventPlaces(ev), code, place)
		pipe.HSet(ctx, e.keys.EventRecords(ev), code, rec)
		flush(false)
	}
	for f, v := range e.rdb.HGetAll(ctx, e.keys.EventResidents(ev)).Val() {
		if f == "" || (f[0] != 'c' && f[0] != 'r') || strings.Contains(f, "|") {
			continue
		}
		for i, part := range strings.Split(v, "\x1f") {
			if part != "" {
				pipe.HSet(ctx, e.keys.EventResidents(ev), f+"|"+"ahwo"[i:i+1], part)
			}
		}
		pipe.HDel(ctx, e.keys.EventResidents(ev), f)
		flush(false)
	}
	flush(true)
}

// TestMigrateEvents: an event kept in the old layout (counters in their
// own hash and among the residents' fields, places in their own hash,
// each resident's state in four fields) keeps, once moved, its places
// taken, queue numbers, places, active bookings and waitlist. After the
// move a full quota stays full, a booked resident cannot book twice, the
// next booking in a queue gets the next number (not 1 again), a freed
// place goes to the one waiting, the old used and place hashes are
// strings an old process fails on, and a second run reads only the
// layout mark.
func TestMigrateEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	// pmb-b: one session of 3, iud 3: full after three bookings.
	first := book(t, e, 1, "pmb-b", "0900", booking.IUD)
	book(t, e, 2, "pmb-b", "0900", booking.IUD)
	book(t, e, 4, "pmb-b", "0900", booking.IUD)
	book(t, e, 3, "pkm-a", "0800", booking.Implan)
	if w, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 9}); err != nil || w.Position != 1 {
		t.Fatalf("join: %+v %v", w, err)
	}
	oldLayout(t, e, testEvent)
	if n := len(usedOf(t, e, testEvent)); n != 0 {
		t.Fatalf("the old layout still has %d counters in the limits", n)
	}

	m, err := e.store.MigrateEvents(ctx)
	// The q and s counters of pmb-b and of pkm-a, two queues, four places,
	// four active codes and one waitlist request.
	if err != nil || m.Done || m.Events != 1 || m.Fields != 15 {
		t.Fatalf("migrate: %+v %v, want 15 fields of 1 event", m, err)
	}
	for _, k := range []string{e.keys.EventUsed(testEvent), e.keys.EventPlaces(testEvent)} {
		if typ := e.rdb.Type(ctx, k).Val(); typ != "string" {
			t.Errorf("the old key %s is a %s, want the string an old process fails on", k, typ)
		}
	}
	if err := e.rdb.HMGet(ctx, e.keys.EventUsed(testEvent), "q|pmb-b|iud").Err(); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("an old process's read of the places taken: %v, want WRONGTYPE", err)
	}
	for f := range e.rdb.HGetAll(ctx, e.keys.EventResidents(testEvent)).Val() {
		if strings.Contains(f, "|") && (f[0] == 'c' || f[0] == 'r' || strings.HasPrefix(f, "t|")) {
			t.Errorf("field %s of the old layout left among the residents", f)
		}
	}
	if got, err := e.store.Get(ctx, first.Code); err != nil || got.Status != booking.Active || got.Queue != 1 || got.Name != "Warga 1" {
		t.Errorf("a booking made before the move: %+v %v", got, err)
	}
	if n := checkInvariants(t, e, testEvent); n != 4 {
		t.Fatalf("%d active bookings, want 4", n)
	}
	var already *booking.AlreadyBookedError
	if _, err := e.store.Book(ctx, req(2, "again", "pkm-a", "0800", booking.IUD)); !errors.As(err, &already) {
		t.Errorf("a resident booked before the move booked again: %v", err)
	}
	if _, err := e.store.Book(ctx, req(5, "k", "pmb-b", "0900", booking.IUD)); err == nil {
		t.Fatal("a fourth booking of a quota of 3 was taken after the move")
	}

	// The freed place goes to the one waiting since before the move.
	if _, err := e.store.Cancel(ctx, first.Code, 1); err != nil {
		t.Fatal(err)
	}
	if offers, _ := residentState(ctx, e, testEvent); !strings.HasPrefix(offers["c9"], "offered|pmb-b|0900|iud") {
		t.Fatalf("offers after the cancel: %v, want one for the resident waiting", offers)
	}
	if err := e.store.LeaveWaitlist(ctx, testEvent, 9); err != nil {
		t.Fatal(err)
	}
	if b, err := e.store.Book(ctx, req(5, "k", "pmb-b", "0900", booking.IUD)); err != nil || b.Queue != 4 {
		t.Errorf("booking the freed place: %+v %v, want queue number 4", b, err)
	}
	if n := checkInvariants(t, e, testEvent); n != 4 {
		t.Errorf("%d active bookings, want 4", n)
	}
	chats, err := e.store.BookedChats(ctx, testEvent)
	slices.Sort(chats)
	if err != nil || !slices.Equal(chats, []kbbot.ChatID{2, 3, 4, 5}) {
		t.Errorf("booked chats %v %v, want 2 3 4 5", chats, err)
	}
	if m, err := e.store.MigrateEvents(ctx); err != nil || !m.Done {
		t.Errorf("second migration: %+v %v", m, err)
	}
}

// TestImportMovesOldLayout: an import of an event still in the old layout
// (a `kbbot import` before the first start of this version) moves it
// first, so its limits are checked against the places taken and the next
// booking counts on.
func TestImportMovesOldLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	for chat := range 3 {
		book(t, e, chat+1, "pmb-b", "0900", booking.IUD)
	}
	oldLayout(t, e, testEvent)

	lower := strings.Replace(testYAML, "quota: {iud: 3}", "quota: {iud: 2}", 1)
	cat, err := booking.Parse(strings.NewReader(lower), "lower.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Import(ctx, cat); err == nil {
		t.Fatal("a quota of 2 was imported below 3 places taken in the old layout")
	}
	if n := len(usedOf(t, e, testEvent)); n != 0 {
		t.Errorf("a refused import moved %d counters", n)
	}

	more := strings.Replace(testYAML, "quota: {iud: 3}", "quota: {iud: 4}", 1)
	more = strings.Replace(more, "capacity: 3}", "capacity: 4}", 1)
	if cat, err = booking.Parse(strings.NewReader(more), "more.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Import(ctx, cat); err != nil {
		t.Fatal(err)
	}
	if used := usedOf(t, e, testEvent); used["q|pmb-b|iud"] != "3" {
		t.Errorf("places taken after the import: %v, want q|pmb-b|iud 3", used)
	}
	if b, err := e.store.Book(ctx, req(4, "k", "pmb-b", "0900", booking.IUD)); err != nil || b.Queue != 4 {
		t.Errorf("the fourth place: %+v %v, want queue number 4", b, err)
	}
	if _, err := e.store.Book(ctx, req(5, "k", "pmb-b", "0900", booking.IUD)); err == nil {
		t.Error("a fifth booking of a quota of 4 was taken")
	}
	checkInvariants(t, e, testEvent)
}

// TestMigrateEventsMarksMidSizeEvent: an event whose limits an earlier
// version kept compact (five puskesmas of nationalYAML: 55 fields, no
// HashtableMarker) gets the marker once its counters are moved in past 64
// fields, so a booking's reads of its limits stay constant-time; importing
// it again then changes nothing.
func TestMigrateEventsMarksMidSizeEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	yaml := nationalYAML(1, 5, 400) // 19 places a session and a method
	e := newEnv(t, yaml)
	const ev = "sejuta-0"
	methods := []booking.Method{booking.IUD, booking.Implan, booking.Suntik3, booking.Pil}
	chat := 0
	for s := range 5 {
		for _, m := range methods {
			chat++
			if _, err := e.store.Book(ctx, booking.Request{EventID: ev, FacilityID: fmt.Sprintf("pkm-0-%d", s), SessionID: "0800",
				Method: m, Resident: kbbot.ChatID(chat), Name: "Warga", ConsentAt: testStart, IdempotencyKey: "k"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	oldLayout(t, e, ev)
	// The limits as the earlier version wrote them: no marker, compact.
	limits := e.rdb.HGetAll(ctx, e.keys.EventLimits(ev)).Val()
	delete(limits, redisstore.HashtableMarker)
	e.rdb.Del(ctx, e.keys.EventLimits(ev))
	e.rdb.HSet(ctx, e.keys.EventLimits(ev), limits)
	if enc := e.rdb.ObjectEncoding(ctx, e.keys.EventLimits(ev)).Val(); len(limits) != 55 || enc != "listpack" {
		t.Fatalf("the old limits: %d fields, %s", len(limits), enc)
	}

	if _, err := e.store.MigrateEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if enc := e.rdb.ObjectEncoding(ctx, e.keys.EventLimits(ev)).Val(); enc != "hashtable" {
		t.Errorf("the moved limits (%d fields) are a %s, want a hashtable", e.rdb.HLen(ctx, e.keys.EventLimits(ev)).Val(), enc)
	}
	if n := checkInvariants(t, e, ev); n != 20 {
		t.Errorf("%d active bookings, want 20", n)
	}
	if rep, err := importYAML(t, e, yaml, false); err != nil || len(rep.Unchanged) != 1 {
		t.Errorf("import again: %+v %v, want unchanged", rep, err)
	}
}
