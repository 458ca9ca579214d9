package conversations

import (
	"errors"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// The block rule. When a resident blocks the bot:
//
//   - the block and its time go on the resident record, for the kader's
//     follow-up, and the resident leaves the broadcast audiences;
//   - every pending reminder is cancelled (none could arrive);
//   - each active booking is kept until releaseLead before its booking
//     cut-off (the cut-off is the day before the event, 20:00 local, so
//     14:00). A "release" item is due then (at once when the block comes
//     later but before the cut-off): if the resident still blocks the bot,
//     the booking is cancelled and its place offered to the waitlist,
//     while there is time to take it, since a place must not stay taken
//     by someone we cannot reach while others wait for it. A booking whose
//     cut-off has passed is kept: nobody else could take the place anyway,
//     and the resident may still come.
//
// When the resident unblocks the bot (or writes again), the record says so,
// the bookings still active get their reminders back, and so does the
// method course.

// releaseLead is how long before the booking cut-off a blocked resident's
// place is released, so that the first on the waitlist can still take it.
const releaseLead = 6 * time.Hour

// blocked applies the block rule.
func (st *step) blocked() {
	if !st.r.Blocked {
		st.r.Blocked, st.r.BlockedAt = true, st.now.UTC()
	}
	if !st.cancelReminders() || !st.audienceBlocked(true) {
		return
	}
	if !st.r.Consented() || st.e.svc.Bookings == nil || st.e.svc.Reminders == nil || st.e.svc.Catalog == nil {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.mustRetry("read catalog for the block rule", err)
		return
	}
	bs, err := st.e.svc.Bookings.Bookings(st.ctx, st.ev.ChatID)
	if err != nil {
		st.mustRetry("read bookings for the block rule", err)
		return
	}
	var items []reminders.Item
	for _, b := range bs {
		if b.Status != booking.Active || b.Resident != st.ev.ChatID {
			continue
		}
		sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
		if err != nil {
			continue
		}
		cutoff := sl.Site.Closes
		if !cutoff.After(st.now) {
			continue
		}
		due := cutoff.Add(-releaseLead)
		if due.Before(st.now) {
			due = st.now
		}
		items = append(items, reminders.Item{
			ID: reminders.KindRelease + ":" + b.Code, Chat: st.ev.ChatID, Kind: reminders.KindRelease, Ref: b.Code,
			Due: due.UTC(), NotAfter: cutoff.UTC(), Zone: sl.Facility.TimeZone,
		})
	}
	if len(items) == 0 {
		return
	}
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
		st.mustRetry("schedule the block rule", err)
	}
}

// unblocked undoes what blocking did, once the resident is back.
func (st *step) unblocked() {
	if !st.r.Blocked {
		return
	}
	st.r.Blocked, st.r.BlockedAt = false, time.Time{}
	if !st.audienceBlocked(false) {
		return
	}
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.CancelResident(st.ctx, st.ev.ChatID, reminders.KindRelease); err != nil {
			st.mustRetry("cancel the block rule", err)
			return
		}
	}
	if st.r.Consented() && !st.r.RemindersOff {
		st.replanAll()
	}
}

// release is the block rule's item before a booking's cut-off.
func (st *step) release(code string) {
	if !st.r.Blocked || st.e.svc.Bookings == nil {
		return
	}
	b, err := st.e.svc.Bookings.Cancel(st.ctx, code, st.ev.ChatID)
	if errors.Is(err, booking.ErrNotFound) || errors.Is(err, booking.ErrNotYours) {
		return
	}
	if err != nil {
		st.mustRetry("release a blocked resident's booking", err)
		return
	}
	afterCancel(st, b, resident.EntryReleased)
}

// replanAll plans again the reminders of the active bookings and of the
// method course (after /mulai or an unblock). False when a store failed.
func (st *step) replanAll() bool {
	if st.e.svc.Bookings != nil && st.e.svc.Catalog != nil {
		c, err := st.e.svc.Catalog(st.ctx)
		if err != nil {
			st.mustRetry("read catalog to plan reminders", err)
			return false
		}
		bs, err := st.e.svc.Bookings.Bookings(st.ctx, st.ev.ChatID)
		if err != nil {
			st.mustRetry("read bookings to plan reminders", err)
			return false
		}
		for _, b := range bs {
			if b.Status != booking.Active || b.Resident != st.ev.ChatID {
				continue
			}
			if sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID); err == nil && sl.Session != nil {
				st.planBooking(sl, b)
				if st.retry {
					return false
				}
			}
		}
	}
	_, ok := st.planCourse()
	return ok
}
