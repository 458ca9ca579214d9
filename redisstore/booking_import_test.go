package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

func TestImportIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	s := redisstore.NewBookingStore(rdb, keys, fakes.NewClock(now), redisstore.BookingOptions{})
	cat, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, cat)
	if err != nil || len(rep.Created) != 3 || rep.Facilities != 10 {
		t.Fatalf("first import: %+v %v", rep, err)
	}
	first := snapshot(t, rdb, keys.Prefix())
	rep, err = s.Import(ctx, cat)
	if err != nil || len(rep.Unchanged) != 3 || len(rep.Created)+len(rep.Updated) != 0 {
		t.Fatalf("second import: %+v %v", rep, err)
	}
	if second := snapshot(t, rdb, keys.Prefix()); !equalMaps(first, second) {
		t.Fatalf("importing twice changed keys: %v", diffMaps(first, second))
	}
	// The same file parsed again (a new Catalog value) changes nothing either.
	again, _ := booking.Demo(now)
	if rep, _ := s.Import(ctx, again); len(rep.Unchanged) != 3 {
		t.Fatalf("re-parsed import: %+v", rep)
	}
	// The catalog reads back as imported.
	got, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Facilities()) != 10 || len(got.Events()) != 3 {
		t.Fatalf("catalog: %d facilities, %d events", len(got.Facilities()), len(got.Events()))
	}
	e1, _ := cat.Event("kbs-jayapura-demo")
	e2, _ := got.Event("kbs-jayapura-demo")
	if e2.Sites[0].Sessions[1].Start != e1.Sites[0].Sessions[1].Start || !e2.Sites[0].Closes.Equal(e1.Sites[0].Closes) || e2.Sites[0].Quota[booking.Implan] != 6 {
		t.Errorf("event read back: %+v", e2)
	}
	f, _ := got.Facility("pkm-hamadi")
	if f.Zone() != "WIT" {
		t.Errorf("facility read back: %+v", f)
	}
}

// TestPlanImportWritesNothing: the plan of an import says what the import
// would create, update and leave unchanged, for facilities and events,
// without writing a key.
func TestPlanImportWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	s := redisstore.NewBookingStore(rdb, keys, fakes.NewClock(now), redisstore.BookingOptions{})
	cat, err := booking.Parse(bytes.NewReader(booking.DemoYAML()), "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.PlanImport(ctx, cat)
	if err != nil || len(rep.Created) != 3 || len(rep.FacilitiesCreated) != 10 || len(rep.Updated)+len(rep.Unchanged)+len(rep.FacilitiesUpdated) != 0 {
		t.Fatalf("plan on an empty store: %+v %v", rep, err)
	}
	if keysLeft := snapshot(t, rdb, keys.Prefix()); len(keysLeft) != 0 {
		t.Fatalf("the plan wrote %v", keysLeft)
	}
	if rep, err := s.Import(ctx, cat); err != nil || len(rep.Created) != 3 || len(rep.FacilitiesCreated) != 10 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	rep, err = s.PlanImport(ctx, cat)
	if err != nil || len(rep.Unchanged) != 3 || len(rep.Created)+len(rep.Updated)+len(rep.FacilitiesCreated)+len(rep.FacilitiesUpdated) != 0 {
		t.Fatalf("plan of the same catalog: %+v %v", rep, err)
	}
	// A facility renamed and an event's quota raised.
	changed := strings.NewReplacer("name: Puskesmas Hamadi", "name: Puskesmas Hamadi Baru",
		"quota: {iud: 5, implan: 6, suntik3: 5, kondom: 4}", "quota: {iud: 6, implan: 6, suntik3: 5, kondom: 4}").Replace(string(booking.DemoYAML()))
	cat2, err := booking.Parse(strings.NewReader(changed), "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, rdb, keys.Prefix())
	rep, err = s.PlanImport(ctx, cat2)
	if err != nil || strings.Join(rep.FacilitiesUpdated, ",") != "pkm-hamadi" || strings.Join(rep.Updated, ",") != "kbs-jayapura-demo" || len(rep.Unchanged) != 2 {
		t.Fatalf("plan of a changed catalog: %+v %v", rep, err)
	}
	if after := snapshot(t, rdb, keys.Prefix()); !equalMaps(before, after) {
		t.Fatalf("the plan changed %v", diffMaps(before, after))
	}
}

func TestImportRefusesBelowBooked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	for i := range 3 {
		if _, err := e.store.Book(ctx, req(kbbotChat(i+1), "k", "pkm-a", "1000", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, e.rdb, e.keys.Prefix())
	lower := strings.NewReplacer(
		"quota: {iud: 6, implan: 10}", "quota: {iud: 2, implan: 10}",
		`{start: "10:00", end: "12:00", capacity: 5}`, `{start: "10:30", end: "12:00", capacity: 5}`,
	).Replace(testYAML)
	cat, err := booking.Parse(strings.NewReader(lower), "lower.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The plan of the import says the same as the import, and writes
	// nothing either.
	_, err = e.store.PlanImport(ctx, cat)
	var be *booking.BelowBookedError
	if !errors.As(err, &be) {
		t.Fatalf("plan below booked: %v", err)
	}
	want := []booking.BelowLimit{
		{Event: testEvent, Facility: "pkm-a", Method: booking.IUD, Taken: 3, Limit: 2},
		{Event: testEvent, Facility: "pkm-a", Session: "1000", SessionStart: time.Date(2030, 1, 10, 3, 0, 0, 0, time.UTC), Taken: 3, Limit: -1},
	}
	if len(be.Limits) != 2 || be.Limits[0] != want[0] && be.Limits[1] != want[0] || be.Limits[0] != want[1] && be.Limits[1] != want[1] {
		t.Errorf("refused limits %+v, want %+v", be.Limits, want)
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !equalMaps(before, after) {
		t.Fatalf("a planned import changed something: %v", diffMaps(before, after))
	}
	_, err = e.store.Import(ctx, cat)
	if !errors.As(err, &be) || !errors.Is(err, booking.ErrBelowBooked) {
		t.Fatalf("import below booked: %v", err)
	}
	for _, want := range []string{
		"event kbs-test site pkm-a method iud: quota 2 is below the 3 places taken",
		"event kbs-test site pkm-a session 1000: capacity removed, but 3 places are taken",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !equalMaps(before, after) {
		t.Fatalf("a refused import changed something: %v", diffMaps(before, after))
	}
	// Exactly the places taken is accepted, and more places are offered
	// to the waitlist by the next sweep.
	for i := range 3 {
		if _, err := e.store.Book(ctx, req(kbbotChat(10+i), "k", "pmb-b", "0900", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 50}); err != nil {
		t.Fatal(err)
	}
	more := strings.NewReplacer("quota: {iud: 6, implan: 10}", "quota: {iud: 3, implan: 10}",
		"quota: {iud: 3}", "quota: {iud: 4}", `{start: "09:00", end: "11:00", capacity: 3}`, `{start: "09:00", end: "11:00", capacity: 4}`).Replace(testYAML)
	cat, err = booking.Parse(strings.NewReader(more), "more.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.store.Import(ctx, cat)
	if err != nil || len(rep.Updated) != 1 {
		t.Fatalf("import at the booked level: %+v %v", rep, err)
	}
	offers, _ := e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || offers[0].Resident != 50 {
		t.Fatalf("offers after raising the quota: %+v", offers)
	}
	checkInvariants(t, e, testEvent)
}

// TestStaleButtonsAfterReimport: a button naming a session or site that a
// new import removed cannot book it.
func TestStaleButtonsAfterReimport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	smaller := strings.NewReplacer(
		"          - {start: \"10:00\", end: \"12:00\", capacity: 5}\n", "",
		"      - facility: pmb-b\n        sessions:\n          - {start: \"09:00\", end: \"11:00\", capacity: 3}\n        quota: {iud: 3}\n", "",
	).Replace(testYAML)
	cat, err := booking.Parse(strings.NewReader(smaller), "smaller.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := e.store.Import(ctx, cat); err != nil || len(rep.Updated) != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := e.store.Book(ctx, req(1, "k", "pkm-a", "1000", booking.IUD)); !errors.Is(err, booking.ErrUnknownSession) {
		t.Errorf("removed session: %v", err)
	}
	if _, err := e.store.Book(ctx, req(1, "k", "pmb-b", "0900", booking.IUD)); !errors.Is(err, booking.ErrUnknownSite) {
		t.Errorf("removed site: %v", err)
	}
	if _, err := e.store.Availability(ctx, testEvent, "pmb-b"); !errors.Is(err, booking.ErrUnknownSite) {
		t.Errorf("availability of a removed site: %v", err)
	}
	a, err := e.store.Availability(ctx, testEvent, "pkm-a")
	if err != nil || len(a.Sessions) != 1 || a.Sessions[0].SessionID != "0800" {
		t.Errorf("availability: %+v %v", a, err)
	}
}
