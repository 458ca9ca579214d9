package booking

import (
	"fmt"
	"sort"
	"time"
)

// Event changes. An events file imported again may move a session (a new
// time for the day, or a new date for the event) or call a site or the
// whole event off. Residents booked there must be told, so an import does
// not treat these like any other edit:
//
//   - A session is matched to the stored one by its local start time, or,
//     when the file says where it was before (moved_from, pindah_dari), by
//     that time. A matched session keeps its stored id, whatever its new
//     start: the bookings, queue numbers and limits of the session stay
//     with it. A session whose start changed is a SessionMove.
//   - A site (or an event, whose sites all follow) marked cancelled is a
//     cancellation. Its bookings are cancelled and their places freed by
//     the store; removing a site's rows cancels nothing (an import refuses
//     to remove a site, session or method that holds bookings).
//
// Reconcile computes both from the stored event and the one imported.

// SessionMove is a session whose start changed: its residents are told
// the new time, and their reminders follow.
type SessionMove struct {
	Facility string
	Session  string // the session's id, the same before and after
	From, To time.Time
}

// Change is what an import changes of one event that its booked residents
// must hear of.
type Change struct {
	EventID string
	// Moved are the sessions whose start changed, at sites not cancelled.
	Moved []SessionMove
	// Cancelled are the facilities whose site this import cancels (all of
	// them when the event is cancelled); a site cancelled before is not
	// cancelled again.
	Cancelled []string
}

// Empty reports whether the change tells nobody anything.
func (c Change) Empty() bool { return len(c.Moved) == 0 && len(c.Cancelled) == 0 }

// ChangeKind names a change a store keeps until its residents are told.
type ChangeKind string

// The kinds of change of an event.
const (
	ChangeMoved     ChangeKind = "moved"     // a session moved (SessionMove)
	ChangeCancelled ChangeKind = "cancelled" // a site cancelled
)

// PendingChange is one change of an event that a store keeps until every
// resident it concerns was told (ChangeStore in package conversations): a
// session moved or a site cancelled. N numbers the event's changes: a
// notice is sent once per booking and change.
type PendingChange struct {
	EventID  string
	N        int
	Kind     ChangeKind
	Facility string
	// Session, From and To: the session moved (ChangeMoved).
	Session  string
	From, To time.Time
}

// ChangeEffect is what a pending change did to an event: the bookings it
// concerns (moved, or cancelled with their site) and, for a cancelled
// site, the residents who were waiting or held an offer there.
type ChangeEffect struct {
	Bookings []Booking
	Waiting  []Waiting
}

// Reconcile returns ev as it is to be stored over old (nil for a new
// event), with each session's id matched to old's, and the change from
// old. zone gives the location of a facility (nil: Asia/Jakarta), to
// compare local start times. ev is not modified; the result holds no
// MovedFrom.
//
// A session of ev takes the id of old's session at the same site that
// started at its MovedFrom time, or else at its own start time (a move
// applied before, imported again). A session matching nothing keeps its
// own id, unless that id is taken by a matched session (a session moved
// away from this time): it then gets the first free "<id>-<n>".
func Reconcile(old, ev *Event, zone func(facility string) *time.Location) (*Event, Change) {
	out := *ev
	out.Sites = make([]Site, len(ev.Sites))
	ch := Change{EventID: ev.ID}
	for i := range ev.Sites {
		s := ev.Sites[i]
		s.Sessions = append([]Session(nil), s.Sessions...)
		var was *Site
		if old != nil {
			was, _ = old.Site(s.Facility)
		}
		loc := zoneOf(zone, s.Facility)
		if was != nil {
			matchSessions(was, &s, loc)
		}
		for j := range s.Sessions {
			s.Sessions[j].MovedFrom = ""
		}
		out.Sites[i] = s
		if was == nil {
			continue
		}
		if s.Cancelled {
			if !was.Cancelled {
				ch.Cancelled = append(ch.Cancelled, s.Facility)
			}
			continue
		}
		for _, x := range s.Sessions {
			if o, ok := was.Session(x.ID); ok && !o.Start.Equal(x.Start) {
				ch.Moved = append(ch.Moved, SessionMove{Facility: s.Facility, Session: x.ID, From: o.Start, To: x.Start})
			}
		}
	}
	return &out, ch
}

func zoneOf(zone func(string) *time.Location, facility string) *time.Location {
	if zone != nil {
		if loc := zone(facility); loc != nil {
			return loc
		}
	}
	loc, err := LoadZone("Asia/Jakarta")
	if err != nil {
		return time.UTC
	}
	return loc
}

// matchSessions gives the sessions of s the ids of was's (see Reconcile).
func matchSessions(was, s *Site, loc *time.Location) {
	clock := func(t time.Time) string { return t.In(loc).Format("15:04") }
	byClock := map[string]string{} // stored local start -> id
	for _, o := range was.Sessions {
		byClock[clock(o.Start)] = o.ID
	}
	taken := map[string]bool{} // stored ids given to a session of s
	ids := make([]string, len(s.Sessions))
	claim := func(j int, at string) {
		if id, ok := byClock[at]; ok && ids[j] == "" && !taken[id] {
			ids[j], taken[id] = id, true
		}
	}
	// First the moves the file names, then the sessions at their time.
	for j, x := range s.Sessions {
		if x.MovedFrom != "" {
			claim(j, x.MovedFrom)
		}
	}
	for j, x := range s.Sessions {
		claim(j, clock(x.Start))
	}
	// Every stored id is used: one no session took still names that
	// session's bookings (an import refuses to remove it while it has
	// some), which must not pass to a new session.
	used := map[string]bool{}
	for _, o := range was.Sessions {
		used[o.ID] = true
	}
	for j := range s.Sessions {
		if ids[j] != "" {
			continue
		}
		id := s.Sessions[j].ID
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s-%d", s.Sessions[j].ID, n)
		}
		ids[j], used[id] = id, true
	}
	for j := range s.Sessions {
		s.Sessions[j].ID = ids[j]
	}
	sort.SliceStable(s.Sessions, func(i, j int) bool { return s.Sessions[i].Start.Before(s.Sessions[j].Start) })
}
