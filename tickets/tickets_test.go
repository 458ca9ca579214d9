package tickets_test

import (
	"testing"
	"time"

	"github.com/kbbot/kbbot/tickets"
)

// TestAddWorkingHours: eight working hours from a question asked on a
// Saturday evening run out on Monday afternoon; Sunday and nights do not
// count.
func TestAddWorkingHours(t *testing.T) {
	t.Parallel()
	jkt, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, jkt) }
	for _, c := range []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{at(7, 9, 0), 8 * time.Hour, at(8, 9, 0)},      // 7h on Monday (09-16), 1h on Tuesday
		{at(7, 10, 0), 2 * time.Hour, at(7, 12, 0)},    // within one day
		{at(7, 15, 0), 2 * time.Hour, at(8, 9, 0)},     // 1h Monday, 1h Tuesday
		{at(5, 19, 30), 8 * time.Hour, at(7, 16, 0)},   // Saturday evening: Monday 08:00-16:00
		{at(6, 11, 0), 30 * time.Minute, at(7, 8, 30)}, // Sunday: Monday 08:30
		{at(12, 15, 30), 1 * time.Hour, at(14, 8, 30)}, // Saturday 15:30: 30 min, then Monday
	} {
		got := tickets.AddWorkingHours(c.from, c.d, jkt)
		if !got.Equal(c.want) {
			t.Errorf("%s + %s = %s, want %s", c.from.Format("Mon 2 15:04"), c.d, got.Format("Mon 2 15:04"), c.want.Format("Mon 2 15:04"))
		}
	}
}
