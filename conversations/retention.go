package conversations

import (
	"time"

	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// recordGrace is how long a record outlives the last reminder planned from
// it, so that the resident can still answer that reminder.
const recordGrace = 30 * 24 * time.Hour

// RecordTTL is how long the store keeps r after a write at now. A record
// without personal data (language and a consent answer) lives as long as
// the session, as the privacy notice tells those who did not agree. One
// with personal data lives retention after its last activity, and at least
// until recordGrace after the last reminder of its current method course
// (an implant ends years after it was put in).
func RecordTTL(r *resident.Record, now time.Time, sessionTTL, retention time.Duration) time.Duration {
	if !r.Personal() {
		return sessionTTL
	}
	keep := retention
	if c := r.Course(); c != nil {
		var last time.Time
		for _, it := range reminders.PlanMethod(0, c.Method, c.GivenAt, loadZone(c.Zone), c.GivenAt) {
			if it.NotAfter.After(last) {
				last = it.NotAfter
			}
		}
		if d := last.Add(recordGrace).Sub(now); d > keep {
			keep = d
		}
	}
	return keep
}
