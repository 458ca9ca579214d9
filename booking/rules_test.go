package booking_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

func TestCheckBook(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	c, _ := booking.Demo(now)
	p := booking.Place{FacilityID: "rs-bhakti-ibu", SessionID: "1300", Method: booking.MOP}
	ev := "kbs-pekalongan-demo"
	if err := booking.CheckBook(c, p, ev, now, nil); err != nil {
		t.Fatal(err)
	}
	bad := p
	bad.Method = booking.MOW
	bad.FacilityID = "pkm-bendan"
	bad.SessionID = "0800"
	if err := booking.CheckBook(c, bad, ev, now, nil); !errors.Is(err, booking.ErrUnknownMethod) {
		t.Errorf("MOW at a Puskesmas: %v", err)
	}
	bad = p
	bad.SessionID = "0900"
	if err := booking.CheckBook(c, bad, ev, now, nil); !errors.Is(err, booking.ErrUnknownSession) {
		t.Errorf("unknown session: %v", err)
	}
	if err := booking.CheckBook(c, p, "nope", now, nil); !errors.Is(err, booking.ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
	slot, _ := c.Slot(ev, p.FacilityID, "")
	if err := booking.CheckBook(c, p, ev, slot.Site.Closes, nil); !errors.Is(err, booking.ErrClosed) {
		t.Errorf("at the cut-off: %v", err)
	}
	existing := []booking.Booking{{Code: "KB-3333A3", EventID: ev, Status: booking.Cancelled}, {Code: "KB-44444A", EventID: ev, Status: booking.Active}}
	var ab *booking.AlreadyBookedError
	if err := booking.CheckBook(c, p, ev, now, existing); !errors.As(err, &ab) || ab.Existing.Code != "KB-44444A" {
		t.Errorf("second booking: %v", err)
	}
	if err := booking.CheckBook(c, p, ev, now, existing[:1]); err != nil {
		t.Errorf("after a cancellation: %v", err)
	}
}

func TestOfferDeadline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	if d, ok := booking.OfferDeadline(now, time.Hour, now.Add(2*time.Hour)); !ok || !d.Equal(now.Add(time.Hour)) {
		t.Errorf("deadline %v %v", d, ok)
	}
	if d, ok := booking.OfferDeadline(now, time.Hour, now.Add(time.Minute)); !ok || !d.Equal(now.Add(time.Minute)) {
		t.Errorf("deadline capped at the cut-off: %v %v", d, ok)
	}
	if _, ok := booking.OfferDeadline(now, time.Hour, now); ok {
		t.Error("offer after the cut-off")
	}
}

func TestRequestValidate(t *testing.T) {
	t.Parallel()
	ok := booking.Request{EventID: "e", FacilityID: "f", SessionID: "0800", Method: booking.IUD, Resident: 5,
		Name: "Ani", Phone: "+62 812-3456-7890", ConsentAt: time.Unix(1, 0), IdempotencyKey: "u1"}
	if err := ok.Validate(true); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*booking.Request){
		"method":  func(r *booking.Request) { r.Method = "spiral" },
		"consent": func(r *booking.Request) { r.ConsentAt = time.Time{} },
		"name":    func(r *booking.Request) { r.Name = " " },
		"phone":   func(r *booking.Request) { r.Phone = "call me" },
		"key":     func(r *booking.Request) { r.IdempotencyKey = "" },
		"who":     func(r *booking.Request) { r.Resident = 0 },
	} {
		r := ok
		mut(&r)
		if err := r.Validate(true); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
