package reminders

import (
	"strings"
	"time"

	"github.com/kbbot/kbbot"
)

// PlanBooking plans the reminders of a booking with DefaultPlanner.
func PlanBooking(chat kbbot.ChatID, code string, start, end time.Time, loc *time.Location, now time.Time) []Item {
	return DefaultPlanner.PlanBooking(chat, code, start, end, loc, now)
}

// AfterCare plans the aftercare check with DefaultPlanner.
func AfterCare(chat kbbot.ChatID, code string, servedAt time.Time, loc *time.Location) Item {
	return DefaultPlanner.AfterCare(chat, code, servedAt, loc)
}

// PlanBooking plans the reminders of booking code for a session from start
// to end at a facility in loc, booked at now. Ref is the code; IDs carry the
// session start, so a booking moved to another session gets new items (the
// caller cancels the old ones with the store's CancelRef first).
//
//   - H-1 (KindH1): the day before at 16:00 local. It stays useful until the
//     end of that day (its text says "tomorrow"). When 16:00 the day before
//     is already past, or less than MinLead away, at booking time, it is
//     skipped: the booking confirmation just said the same, and H-0 follows.
//   - H-0 (KindH0): two hours before the start, never before 06:00 local
//     nor in quiet hours; useless once the session has begun (NotAfter =
//     start). Skipped when that is not before the start (a session at
//     06:00), or sooner than MinLead after booking.
//   - Follow-up (KindFollowup): 09:00 local the day after the session ends,
//     useful for FollowupFor. The conversation decides then whether the
//     resident was checked in.
func (p Planner) PlanBooking(chat kbbot.ChatID, code string, start, end time.Time, loc *time.Location, now time.Time) []Item {
	loc = zone(loc)
	occ := start.UTC().Format("200601021504")
	y, m, d := start.In(loc).Date()
	var out []Item
	add := func(dr draft) {
		if it, ok := p.finish(chat, dr, loc, now); ok {
			out = append(out, it)
		}
	}

	dayStart := at(y, m, d, 0, loc) // local midnight starting the event day
	add(draft{
		id: itemID(KindH1, code, occ), kind: KindH1, ref: code,
		due:      at(y, m, d-1, p.H1At, loc),
		notAfter: minTime(dayStart, start),
		lead:     p.MinLead,
	})

	h0 := start.Add(-p.H0Before)
	if floor := at(y, m, d, p.H0Floor, loc); h0.Before(floor) {
		h0 = floor
	}
	add(draft{
		id: itemID(KindH0, code, occ), kind: KindH0, ref: code,
		due: h0, notAfter: start, lead: p.MinLead,
	})

	if end.Before(start) {
		end = start
	}
	ey, em, ed := end.In(loc).Date()
	fu := at(ey, em, ed+1, p.FollowupAt, loc)
	add(draft{
		id: itemID(KindFollowup, code, occ), kind: KindFollowup, ref: code,
		due: fu, notAfter: fu.Add(p.FollowupFor), catchUp: true,
	})
	return out
}

// PlanCadreBooking plans, with DefaultPlanner, the reminders a cadre gets
// of a booking made for a resident without a phone.
func PlanCadreBooking(cadre kbbot.ChatID, code string, start time.Time, loc *time.Location, now time.Time) []Item {
	return DefaultPlanner.PlanCadreBooking(cadre, code, start, loc, now)
}

// PlanCadreBooking plans the reminders of booking code, made by the cadre
// cadre for a resident without a phone, for a session starting at start
// in loc: KindCadreH1 and KindCadreH0 to the cadre, at the times and by
// the rules of the resident's own H-1 and H-0 (PlanBooking), so that the
// cadre can tell the resident. IDs "kader_h1:<code>:<start>" and
// "kader_h0:<code>:<start>". No follow-up: the cadre's follow-up list
// shows a resident who did not come.
func (p Planner) PlanCadreBooking(cadre kbbot.ChatID, code string, start time.Time, loc *time.Location, now time.Time) []Item {
	var out []Item
	for _, it := range p.PlanBooking(cadre, code, start, start, loc, now) {
		switch it.Kind {
		case KindH1:
			it.Kind = KindCadreH1
		case KindH0:
			it.Kind = KindCadreH0
		default:
			continue
		}
		it.ID = it.Kind + strings.TrimPrefix(it.ID, strings.SplitN(it.ID, ":", 2)[0])
		out = append(out, it)
	}
	return out
}

// AfterCare plans the check on side effects for a resident served at
// servedAt under booking code: AftercareDays (3) days later at 09:00 local,
// useful for AftercareFor. Its ID is "aftercare:<code>", so a second
// check-in of the same booking plans nothing new.
func (p Planner) AfterCare(chat kbbot.ChatID, code string, servedAt time.Time, loc *time.Location) Item {
	loc = zone(loc)
	y, m, d := servedAt.In(loc).Date()
	due := p.Quiet.Shift(at(y, m, d+p.AftercareDays, p.AftercareAt, loc), loc)
	return Item{
		ID: itemID(KindAftercare, code), Chat: chat, Kind: KindAftercare, Ref: code,
		Due: due, NotAfter: due.Add(p.AftercareFor).UTC(), Zone: loc.String(),
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
