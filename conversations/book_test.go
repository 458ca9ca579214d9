package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/resident"
)

// newBookWorld is a roleWorld with the booking store on the test Redis
// and one resident who consented.
func newBookWorld(t *testing.T) *roleWorld {
	t.Helper()
	w := newRoleWorld(t)
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	cat, err := booking.Demo(w.now)
	if err != nil {
		t.Fatal(err)
	}
	bookings := redisstore.NewBookingStore(rdb, keys, fakes.NewClock(w.now), redisstore.BookingOptions{})
	if _, err := bookings.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	w.e = conversations.NewEngine(library(t), func() string { w.nonces++; return fmt.Sprintf("n%d", w.nonces) }, conversations.Services{
		Catalog:  func(context.Context) (*booking.Catalog, error) { return cat, nil },
		Bookings: bookings,
		Staff:    w.store,
		Log:      quiet,
	})
	r := resident.New("id")
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	w.records[rResident] = r
	return w
}

// TestBookingRoutes: the booking flow's buttons carry the flow's name and
// nonce; the engine refuses a button of another step, a forged nonce and
// the old flow's buttons as expired; the state is one typed entry.
func TestBookingRoutes(t *testing.T) {
	t.Parallel()
	w := newBookWorld(t)
	toKec := func() []kbbot.Reply {
		r := w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_region"))
		return w.tap(rResident, r, "Kota Pekalongan, Jawa Tengah")
	}
	r := w.send(rResident, "/daftar")
	if d := buttonData(r, w.ui("btn_book_region")); d != "book:reg:n1" {
		t.Fatalf("region button: %q in %s", d, dump(r))
	}
	r = w.tap(rResident, r, w.ui("btn_book_region"))
	r = w.tap(rResident, r, "Kota Pekalongan, Jawa Tengah")
	if d := buttonData(r, "Pekalongan Barat"); !strings.HasPrefix(d, "book:kec:") || !strings.HasSuffix(d, ":n1") {
		t.Fatalf("kecamatan button: %q in %s", d, dump(r))
	}
	if s := w.sessions[rResident]; s.Flow != "book" || s.Step != "kec" || len(s.Data) != 1 || !strings.Contains(s.Data["state"], `"kab":"Kota Pekalongan"`) {
		t.Fatalf("session: %+v", s)
	}
	for _, d := range []string{
		"book:kab:0:%s",  // a button of an earlier step
		"book:kec:0:n99", // another nonce
		"book:kec:0",     // no nonce
		"book:kec:99:%s", // no such kecamatan
		"b:kec:0:%s",     // the old flow's button
	} {
		if strings.Contains(d, "%s") {
			d = fmt.Sprintf(d, w.sessions[rResident].Nonce)
		}
		if !w.expired(w.tapData(rResident, d)) {
			t.Errorf("%s was not refused as expired", d)
		}
		if s := w.sessions[rResident]; s.Flow != "" {
			t.Fatalf("%s left the flow at %+v", d, s)
		}
		toKec()
	}
	// Buttons sent before the flow moved are refused as expired.
	if !w.expired(w.tapData(rResident, "b:start")) {
		t.Error("b:start was not refused")
	}
	if !w.expired(w.tapData(rResident, "b:cadre")) || !w.expired(w.tapData(rResident, "daftarkan")) {
		t.Error("a resident's cadre booking button was not refused")
	}
	// A shared location reaches the flow through its hook.
	w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_near"))
	r = w.step(kbbot.Event{Kind: kbbot.EventLocation, ChatID: rResident, UserID: int64(rResident), Lat: -6.8886, Lon: 109.6596})
	found := false
	for _, rep := range r {
		for _, row := range rep.Buttons {
			for _, b := range row {
				found = found || strings.HasPrefix(b.Label, "Puskesmas Bendan") && strings.HasPrefix(b.Data, "book:f:")
			}
		}
	}
	if !found {
		t.Fatalf("nearest: %s", dump(r))
	}
}

// TestBookingSessionsShowTheMethodsPlaces: a session's "sisa" is what is
// left for the chosen method, not the session's whole capacity: with 12
// implants left at Puskesmas Bendan no session offers 25 places.
func TestBookingSessionsShowTheMethodsPlaces(t *testing.T) {
	t.Parallel()
	w := newBookWorld(t)
	w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_near"))
	r := w.step(kbbot.Event{Kind: kbbot.EventLocation, ChatID: rResident, UserID: int64(rResident), Lat: -6.8886, Lon: 109.6596})
	var bendan string
	for _, l := range labels(r) {
		if strings.HasPrefix(l, "Puskesmas Bendan") {
			bendan = l
		}
	}
	r = w.tap(rResident, r, bendan)
	left := func(label string) int {
		_, n, ok := strings.Cut(label, "· sisa ")
		var v int
		if _, err := fmt.Sscan(n, &v); !ok || err != nil {
			t.Fatalf("no places in %q", label)
		}
		return v
	}
	var method string
	for _, l := range labels(r) {
		if strings.HasPrefix(l, "Implan") {
			method = l
		}
	}
	if method == "" {
		t.Fatalf("no implant at Puskesmas Bendan: %v", labels(r))
	}
	max := left(method)
	r = w.tap(rResident, r, method)
	sessions := 0
	for _, l := range labels(r) {
		if strings.Contains(l, "· sisa ") {
			sessions++
			if n := left(l); n > max {
				t.Errorf("session %q offers more than the %d implants left", l, max)
			}
		}
	}
	if sessions == 0 {
		t.Fatalf("no session offered: %v", labels(r))
	}
}
