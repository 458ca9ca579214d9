package redisstore_test

import (
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
	_, err = e.store.Import(ctx, cat)
	var be *booking.BelowBookedError
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
