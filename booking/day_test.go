package booking_test

import (
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// TestQueueEstimate checks the rule start + (n-1) × length / places, with
// places = min(session capacity, method quota), rounded down to 5 minutes
// and never past the session's last slot.
func TestQueueEstimate(t *testing.T) {
	t.Parallel()
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, jkt)
	sess := &booking.Session{ID: "0800", Start: start, End: start.Add(2 * time.Hour), Capacity: 25}
	// Puskesmas Bendan of the demo: IUD quota 16 (7.5 minutes a client),
	// pil quota 5 (24 minutes), implan 30 > capacity (4.8 minutes).
	site := &booking.Site{Quota: map[booking.Method]int{booking.IUD: 16, booking.Pil: 5, booking.Implan: 30}, Sessions: []booking.Session{*sess}}
	for _, c := range []struct {
		m    booking.Method
		n    int
		want string // local clock
	}{
		{booking.IUD, 1, "08:00"},
		{booking.IUD, 2, "08:05"}, // 08:07:30 rounded down
		{booking.IUD, 3, "08:15"},
		{booking.IUD, 16, "09:50"},   // 08:00 + 15 × 7.5 min = 09:52:30
		{booking.IUD, 40, "09:50"},   // beyond the places: the last slot
		{booking.Pil, 2, "08:20"},    // 08:24
		{booking.Pil, 5, "09:35"},    // 09:36
		{booking.Implan, 7, "08:25"}, // 25 places: 08:28:48
	} {
		at, ok := booking.QueueEstimate(site, sess, c.m, c.n)
		if !ok || at.In(jkt).Format("15:04") != c.want {
			t.Errorf("%s #%d: %v %v, want %s", c.m, c.n, at.In(jkt), ok, c.want)
		}
	}
	for _, bad := range []struct {
		m booking.Method
		n int
	}{{booking.IUD, 0}, {booking.Kondom, 1}} {
		if at, ok := booking.QueueEstimate(site, sess, bad.m, bad.n); ok {
			t.Errorf("%s #%d: estimate %v, want none", bad.m, bad.n, at)
		}
	}
}

func TestNotServedMarkValidate(t *testing.T) {
	t.Parallel()
	ok := booking.NotServedMark{Code: "KB-7QH4XM", By: 9, At: time.Unix(1, 0), Reason: booking.ReasonAbsent}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []booking.NotServedMark{
		{Code: "KB-7QH4XM", By: 9, At: time.Unix(1, 0), Reason: "lupa"},
		{Code: "7QH4XM", By: 9, At: time.Unix(1, 0), Reason: booking.ReasonPregnant},
		{Code: "KB-7QH4XM", At: time.Unix(1, 0), Reason: booking.ReasonPregnant},
		{Code: "KB-7QH4XM", By: 9, Reason: booking.ReasonPregnant},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
