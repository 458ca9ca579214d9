package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

func TestEraseResident(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const chat = 987654321
	const cadre = 555000111
	r := req(chat, "first", "pmb-b", "0900", booking.IUD)
	r.Name, r.Phone = "Rahmawati Zulfa", "081234567890"
	r.Screening = map[string]string{"hamil": "tidak"}
	first, err := e.store.Book(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Cancel(ctx, first.Code, chat); err != nil {
		t.Fatal(err)
	}
	r.IdempotencyKey = "second"
	b, err := e.store.Book(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	// The resident also books, as a cadre, for a neighbour without Telegram.
	nb := booking.Request{EventID: testEvent, FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD,
		BookedBy: chat, Name: "Tetangga", ConsentAt: testStart, IdempotencyKey: "nb"}
	neighbour, err := e.store.Book(ctx, nb)
	if err != nil {
		t.Fatal(err)
	}
	// A cadre booked for them too, in the other site's line.
	other, err := e.store.Book(ctx, booking.Request{EventID: testEvent, FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD,
		BookedBy: cadre, Name: "Orang Lain", ConsentAt: testStart, IdempotencyKey: "o"})
	if err != nil {
		t.Fatal(err)
	}
	_ = other
	// pmb-b is now full; someone waits.
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 42}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.EraseResident(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if err := e.store.EraseResident(ctx, chat); err != nil {
		t.Fatalf("erase again: %v", err)
	}
	// Nothing under the prefix names them any more.
	for k, v := range snapshot(t, e.rdb, e.keys.Prefix()) {
		for _, needle := range []string{"987654321", "Rahmawati", "081234567890", b.Code, first.Code} {
			if strings.Contains(k, needle) || strings.Contains(v, needle) {
				t.Errorf("%s still holds %q: %s", k, needle, v)
			}
		}
	}
	if _, err := e.store.Get(ctx, b.Code); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("get erased booking: %v", err)
	}
	if list, _ := e.store.Bookings(ctx, chat); len(list) != 0 {
		t.Errorf("bookings after erase: %+v", list)
	}
	// The neighbour's booking stays, without the cadre's chat id.
	nbAfter, err := e.store.Get(ctx, neighbour.Code)
	if err != nil || nbAfter.Status != booking.Active || nbAfter.BookedBy != 0 || nbAfter.Name != "Tetangga" {
		t.Errorf("neighbour's booking: %+v %v", nbAfter, err)
	}
	// The freed place went to the first in line.
	offers, _ := e.store.ExpireOffers(ctx, e.clock.Now())
	if len(offers) != 1 || offers[0].Resident != 42 {
		t.Errorf("offers after erase: %+v", offers)
	}
	checkInvariants(t, e, testEvent)
}

func TestCadreBooksForResidentWithoutPhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const cadre = 31
	r := booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "0800", Method: booking.Implan,
		BookedBy: cadre, Name: "Ibu Sumi", ConsentAt: testStart.Add(-time.Minute), IdempotencyKey: "flow-1"}
	b, err := e.store.Book(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if b.Resident != 0 || b.BookedBy != cadre || b.ResidentRef == "" || !b.ConsentAt.Equal(r.ConsentAt) {
		t.Fatalf("cadre booking %+v", b)
	}
	again, err := e.store.Book(ctx, r)
	if err != nil || again.Code != b.Code || again.ResidentRef != b.ResidentRef {
		t.Fatalf("double tap: %+v %v", again, err)
	}
	// Another resident in the same flow gets another booking.
	r2 := r
	r2.Name, r2.IdempotencyKey = "Ibu Narti", "flow-2"
	b2, err := e.store.Book(ctx, r2)
	if err != nil || b2.ResidentRef == b.ResidentRef {
		t.Fatalf("second resident: %+v %v", b2, err)
	}
	list, _ := e.store.Bookings(ctx, cadre)
	if len(list) != 2 {
		t.Fatalf("cadre's list: %+v", list)
	}
	if _, err := e.store.Cancel(ctx, b.Code, 99); !errors.Is(err, booking.ErrNotYours) {
		t.Fatalf("cancel by a stranger: %v", err)
	}
	if _, err := e.store.Cancel(ctx, b.Code, 0); !errors.Is(err, booking.ErrNotYours) {
		t.Fatalf("cancel by chat 0: %v", err)
	}
	if c, err := e.store.Cancel(ctx, b.Code, cadre); err != nil || c.Status != booking.Cancelled {
		t.Fatalf("cancel by the cadre: %+v %v", c, err)
	}
	checkInvariants(t, e, testEvent)
}

func TestStoreTimeZones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	e := newEnv(t, string(booking.DemoYAML()))
	cat, err := booking.Demo(now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Import(ctx, cat); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ event, fac, sess, label string }{
		{"kbs-pekalongan-demo", "pkm-bendan", "0800", "08.00 WIB"},
		{"kbs-makassar-demo", "pkm-kassi-kassi", "0800", "08.00 WITA"},
		{"kbs-jayapura-demo", "pkm-hamadi", "0900", "09.00 WIT"},
	}
	for i, tc := range cases {
		slot, _ := cat.Slot(tc.event, tc.fac, tc.sess)
		r := booking.Request{EventID: tc.event, FacilityID: tc.fac, SessionID: tc.sess, Method: booking.IUD, Resident: kbbotChat(i + 1),
			Name: "Ani", ConsentAt: now, IdempotencyKey: "k"}
		// One millisecond before this site's cut-off: open; at it: closed.
		e.clock.Set(slot.Site.Closes.Add(-time.Millisecond))
		b, err := e.store.Book(ctx, r)
		if err != nil {
			t.Fatalf("%s before its cut-off: %v", tc.fac, err)
		}
		e.clock.Set(slot.Site.Closes)
		r.Resident, r.IdempotencyKey = kbbotChat(i+100), "k2"
		if _, err := e.store.Book(ctx, r); !errors.Is(err, booking.ErrClosed) {
			t.Fatalf("%s at its cut-off: %v", tc.fac, err)
		}
		if got := booking.Clock(slot.Session.Start, slot.Facility.Location); got != tc.label {
			t.Errorf("%s shows %s, want %s", tc.fac, got, tc.label)
		}
		ics := string(booking.ICS(b, *slot.Facility, *slot.Event, *slot.Session))
		if !strings.Contains(ics, "DTSTART:"+slot.Session.Start.UTC().Format("20060102T150405Z")) {
			t.Errorf("%s: ics lacks the UTC start", tc.fac)
		}
	}
	// WIT closes first (20:00 WIT = 11:00 UTC), then WITA, then WIB.
	j, _ := cat.Slot("kbs-jayapura-demo", "pkm-hamadi", "")
	m, _ := cat.Slot("kbs-makassar-demo", "pkm-kassi-kassi", "")
	p, _ := cat.Slot("kbs-pekalongan-demo", "pkm-bendan", "")
	if j.Site.Closes.Hour() != 11 || m.Site.Closes.Hour() != 12 || p.Site.Closes.Hour() != 13 {
		t.Errorf("cut-offs in UTC: WIT %v WITA %v WIB %v", j.Site.Closes, m.Site.Closes, p.Site.Closes)
	}
}
