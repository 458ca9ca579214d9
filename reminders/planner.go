package reminders

import (
	"time"

	"github.com/kbbot/kbbot"
)

// Planner holds the hours and intervals planning uses. Start from
// DefaultPlanner and change what differs; the package-level functions use
// DefaultPlanner.
type Planner struct {
	// Quiet is when nothing that can wait is sent; planned times inside it
	// move to its end.
	Quiet QuietHours
	// H1At is the local time of the day-before reminder (16:00).
	H1At time.Duration
	// H0Before is how long before the session the day's reminder goes (2 h).
	H0Before time.Duration
	// H0Floor is the earliest local time of the day's reminder (06:00).
	H0Floor time.Duration
	// FollowupAt is the local time of the follow-up the day after (09:00).
	FollowupAt time.Duration
	// FollowupFor is how long the follow-up stays useful (3 days).
	FollowupFor time.Duration
	// AftercareDays is how many days after service aftercare comes (3).
	AftercareDays int
	// AftercareAt is its local time (09:00).
	AftercareAt time.Duration
	// AftercareFor is how long it stays useful (4 days).
	AftercareFor time.Duration
	// MethodAt is the local time of method reminders (08:00).
	MethodAt time.Duration
	// MinLead: a booking reminder (H-1, H-0) due sooner than this after
	// planning is skipped, because the booking confirmation the resident has
	// just read says the same (1 h).
	MinLead time.Duration
	// PilRepeats is how many monthly refills are planned from one report (3).
	PilRepeats int
	// ImplantYears is how long an implant protects (3, see PlanMethod).
	ImplantYears int
}

// DefaultPlanner is the planning issue #5 describes.
var DefaultPlanner = Planner{
	Quiet:         DefaultQuiet,
	H1At:          16 * time.Hour,
	H0Before:      2 * time.Hour,
	H0Floor:       6 * time.Hour,
	FollowupAt:    9 * time.Hour,
	FollowupFor:   3 * 24 * time.Hour,
	AftercareDays: 3,
	AftercareAt:   9 * time.Hour,
	AftercareFor:  4 * 24 * time.Hour,
	MethodAt:      8 * time.Hour,
	MinLead:       time.Hour,
	PilRepeats:    3,
	ImplantYears:  3,
}

// draft is an item before the planning rules are applied.
type draft struct {
	id, kind, ref string
	due, notAfter time.Time
	// lead is how far ahead of now the due time must be; an earlier one is
	// skipped, or moved to now when catchUp is set.
	lead    time.Duration
	catchUp bool
}

// finish applies quiet hours, the lead and the deadline to d; ok is false
// when the item is not worth scheduling.
func (p Planner) finish(chat kbbot.ChatID, d draft, loc *time.Location, now time.Time) (Item, bool) {
	due := p.Quiet.Shift(d.due, loc)
	if due.Before(now.Add(d.lead)) {
		if !d.catchUp {
			return Item{}, false
		}
		due = p.Quiet.Shift(now, loc)
	}
	if !due.Before(d.notAfter) {
		return Item{}, false
	}
	return Item{ID: d.id, Chat: chat, Kind: d.kind, Ref: d.ref, Due: due.UTC(), NotAfter: d.notAfter.UTC(), Zone: loc.String()}, true
}

// zone returns loc, or UTC when it is nil.
func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
