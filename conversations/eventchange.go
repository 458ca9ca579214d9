package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// Event changes. When an import moves a session or cancels a site or an
// event (booking.Reconcile), the store logs the change with the new
// definition; NotifyEventChanges then carries it out (a cancelled site's
// bookings are cancelled, their places freed) and tells everyone it
// concerns in their own chat, once: a reminder item of kind
// reminders.KindEventChange, due at once, with an id per booking and
// change, so a change carried out twice tells nobody twice. The booking's
// planned reminders are cancelled there and then; the notice, handled in
// the resident's chat (eventChange), plans them again at the new time
// with the resident's own choices. A resident who said /berhenti or
// blocked the bot is not told (the cadres' follow-up list shows them); a
// resident booked without a phone is told through the cadre who booked.
//
// A moved session's notice has the buttons of the orders flow, bound to
// the booking: ord:keep (tetap datang), ord:chg (change), ord:cx (cancel).
// A cancelled site's notice offers the event's other sites (evc:o:<event>,
// the booking flow at the event).
//
// There is no cancel in the chat: an admin cancels by importing the file
// again with the site or event marked (dibatalkan), as the schedule
// itself is kept in the file.

// ChangeStore is what the event-change notices need of the booking store
// (redisstore.BookingStore implements it).
type ChangeStore interface {
	// PendingChanges lists the changes whose residents are not all told.
	PendingChanges(ctx context.Context) ([]booking.PendingChange, error)
	// ApplyChange carries a change out and says whom it concerns.
	ApplyChange(ctx context.Context, pc booking.PendingChange) (booking.ChangeEffect, error)
	// ChangeDone closes a change whose residents were all told.
	ChangeDone(ctx context.Context, pc booking.PendingChange) error
}

// The ids of the notices of a change (reminders.KindEventChange).
const (
	changeNoticeBooking = "evchg"  // evchg:<code>:<n>[:<from unix>]
	changeNoticeWait    = "evwait" // evwait:<event>:<facility>:<n>
)

// NotifyEventChanges carries out every pending change of an event and
// schedules its notices, then closes it. It returns how many notices it
// scheduled. Safe to repeat: a failure leaves the change for the next
// call (the app runs it after an import in the bot and periodically).
func NotifyEventChanges(ctx context.Context, svc Services, now time.Time) (int, error) {
	if svc.Changes == nil || svc.Reminders == nil {
		return 0, nil
	}
	pending, err := svc.Changes.PendingChanges(ctx)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	var c *booking.Catalog
	if svc.Catalog != nil {
		c, _ = svc.Catalog(ctx)
	}
	told := 0
	for _, pc := range pending {
		eff, err := svc.Changes.ApplyChange(ctx, pc)
		if err != nil {
			return told, fmt.Errorf("carry out a change of %s: %w", pc.EventID, err)
		}
		zone := "Asia/Jakarta"
		if c != nil {
			if f, ok := c.Facility(pc.Facility); ok {
				zone = f.TimeZone
			}
		}
		notAfter := now.Add(7 * 24 * time.Hour)
		if pc.Kind == booking.ChangeMoved {
			notAfter = pc.To
			if notAfter.Before(now.Add(time.Hour)) {
				notAfter = now.Add(time.Hour)
			}
		}
		kinds := reminders.BookingKinds
		if pc.Kind == booking.ChangeCancelled {
			kinds = append(append([]string(nil), kinds...), reminders.KindRelease)
		}
		var items []reminders.Item
		for _, b := range eff.Bookings {
			chat := reminderChat(b)
			if chat == 0 {
				continue // a walk-in: nobody to tell
			}
			// The reminders planned for the old time (or for a place
			// that is gone) go now; the notice plans the new ones.
			if _, err := svc.Reminders.CancelRef(ctx, chat, b.Code, kinds...); err != nil {
				return told, fmt.Errorf("cancel reminders of a changed booking: %w", err)
			}
			id := changeNoticeBooking + ":" + b.Code + ":" + strconv.Itoa(pc.N)
			if pc.Kind == booking.ChangeMoved {
				id += ":" + strconv.FormatInt(pc.From.Unix(), 10)
			}
			items = append(items, reminders.Item{ID: id, Chat: chat, Kind: reminders.KindEventChange, Ref: b.Code,
				Due: now.UTC(), NotAfter: notAfter.UTC(), Zone: zone})
		}
		for _, w := range eff.Waiting {
			items = append(items, reminders.Item{
				ID:   strings.Join([]string{changeNoticeWait, pc.EventID, pc.Facility, strconv.Itoa(pc.N)}, ":"),
				Chat: w.Resident, Kind: reminders.KindEventChange, Ref: pc.EventID,
				Due: now.UTC(), NotAfter: notAfter.UTC(), Zone: zone,
			})
		}
		if len(items) > 0 {
			if _, err := svc.Reminders.Schedule(ctx, items...); err != nil {
				return told, fmt.Errorf("schedule notices of a change: %w", err)
			}
		}
		if err := svc.Changes.ChangeDone(ctx, pc); err != nil {
			return told, fmt.Errorf("close a change: %w", err)
		}
		told += len(items)
	}
	return told, nil
}

// reminderChat is the chat a booking's reminders and notices go to: the
// resident's, or for a resident booked without a phone the cadre's who
// booked; 0 for a walk-in.
func reminderChat(b booking.Booking) kbbot.ChatID {
	switch {
	case b.Resident != 0:
		return b.Resident
	case b.WalkIn:
		return 0
	}
	return b.BookedBy
}

// eventChange is a change notice arriving in the chat (see
// NotifyEventChanges). It stays silent when it no longer applies.
func (st *step) eventChange(r *kbbot.Reminder) {
	if st.r.RemindersOff || st.e.svc.Bookings == nil || st.e.svc.Catalog == nil {
		return
	}
	parts := strings.Split(r.ID, ":")
	switch {
	case len(parts) >= 3 && parts[0] == changeNoticeBooking:
		var from time.Time
		if len(parts) == 4 {
			if s, err := strconv.ParseInt(parts[3], 10, 64); err == nil {
				from = time.Unix(s, 0).UTC()
			}
		}
		st.changedBooking(parts[1], from)
	case len(parts) == 4 && parts[0] == changeNoticeWait && st.r.Consented():
		c, err := st.e.svc.Catalog(st.ctx)
		if err != nil {
			st.mustRetry("read catalog for a change notice", err)
			return
		}
		sl, err := c.Slot(parts[1], parts[2], "")
		if err != nil {
			return
		}
		st.send(st.t("evc_wait_cancelled", sl.Facility.Name, st.fmtDay(sl.Event.Date)), st.otherSites(c, sl.Event))
	}
}

// changedBooking tells of the change of booking code: moved (from the
// session's old start) or cancelled with its site.
func (st *step) changedBooking(code string, from time.Time) {
	b, err := st.e.svc.Bookings.Get(st.ctx, code)
	if errors.Is(err, booking.ErrNotFound) {
		return
	}
	if err != nil {
		st.mustRetry("read a changed booking", err)
		return
	}
	forCadre := b.Resident == 0 && !b.WalkIn && b.BookedBy == st.ev.ChatID
	if !forCadre && (b.Resident != st.ev.ChatID || !st.r.Consented()) {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.mustRetry("read catalog for a change notice", err)
		return
	}
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		return
	}
	if b.SiteCancelled {
		st.cancelledWithSite(c, sl, b, forCadre)
		return
	}
	if b.Status == booking.Active && !from.IsZero() && sl.Session.Start.Equal(from) {
		// The catalog at hand (cached a while) may not have the import
		// yet: ask the store.
		if c, err = st.e.svc.Bookings.Catalog(st.ctx); err != nil {
			st.mustRetry("read catalog for a change notice", err)
			return
		}
		if sl, err = c.Slot(b.EventID, b.FacilityID, b.SessionID); err != nil || sl.Session == nil {
			return
		}
	}
	if b.Status != booking.Active || from.IsZero() || sl.Session.Start.Equal(from) {
		return // cancelled since, or not moved for this booking
	}
	// The reminders follow the new time, as the chat chose them.
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, st.ev.ChatID, b.Code, reminders.BookingKinds...); err != nil {
			st.mustRetry("cancel reminders of a moved booking", err)
			return
		}
	}
	when := st.fmtDay(sl.Event.Date) + ", " + st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility)
	before := st.fmtTime(from, sl.Facility)
	if forCadre {
		st.planCadreBooking(sl, b)
		if st.retry {
			return
		}
		st.send(st.t("evc_moved_cadre", b.Name, sl.Facility.Name, when, before)+"\n\n"+st.cadreDetails(sl, b), [][]kbbot.Button{
			{orderButton(st, "btn_change", orderChange, b.Code), orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
			{st.btn("btn_fu_slip", data(flowFollowUp, fuSlip, b.Code))},
		})
		return
	}
	st.planBooking(sl, b)
	if st.retry {
		return
	}
	st.send(st.t("evc_moved", sl.Facility.Name, when, before)+"\n\n"+st.bookingDetails(sl, b)+"\n\n"+st.t("evc_moved_ask"), [][]kbbot.Button{
		{orderButton(st, "btn_evc_keep", orderKeep, b.Code)},
		{orderButton(st, "btn_change", orderChange, b.Code), orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
		{{Label: st.t("btn_map"), URL: booking.MapLink(sl.Facility)}},
	})
}

// cancelledWithSite tells that booking b was cancelled with its site, and
// offers the event's other sites.
func (st *step) cancelledWithSite(c *booking.Catalog, sl booking.Slot, b booking.Booking, forCadre bool) {
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, st.ev.ChatID, b.Code, reminders.BookingKinds...); err != nil {
			st.mustRetry("cancel reminders of a cancelled booking", err)
			return
		}
	}
	day := st.fmtDay(sl.Event.Date)
	if forCadre {
		st.send(st.t("evc_cancelled_cadre", sl.Facility.Name, day, b.Name, b.Code), [][]kbbot.Button{
			{st.btn("btn_staff_book_for", data(flowBookFor))},
			{st.btn("btn_menu", data(cbMenu))},
		})
		return
	}
	st.r.Log(resident.Entry{At: st.now, Kind: resident.EntryCancelled, Code: b.Code, Method: string(b.Method)})
	st.send(st.t("evc_cancelled", sl.Facility.Name, day, b.Code), st.otherSites(c, sl.Event))
}

// otherSites are the buttons after a cancellation: the event's other
// sites still taking bookings, else the schedule of other events.
func (st *step) otherSites(c *booking.Catalog, ev *booking.Event) [][]kbbot.Button {
	rows := [][]kbbot.Button{{st.btn("btn_evc_events", data(cbMenu, itemEvents))}}
	if ev.Open(st.now) {
		rows = [][]kbbot.Button{{st.btn("btn_evc_other", data(flowEventChange, evcOther, ev.ID))}}
	}
	return append(rows, st.menuButton()...)
}

// eventChangeFlow holds the button of a cancellation notice: evc:o:<event>
// opens the booking flow at the event's sites still taking bookings. An
// entry button: it works anywhere.
type eventChangeFlow struct{}

const (
	flowEventChange = "evc"
	evcOther        = "o"
)

func (eventChangeFlow) Name() string            { return flowEventChange }
func (eventChangeFlow) Commands() []string      { return nil }
func (eventChangeFlow) Text(*step, string) bool { return false }
func (eventChangeFlow) Start(st *step, _ string) {
	st.menu()
}

func (eventChangeFlow) Routes() []Route {
	return []Route{{Op: evcOther, Args: 1, Consent: true, Do: func(st *step, args []string) {
		// The notice stays as it is: the choice comes below it.
		st.inPlace = false
		c := st.catalog()
		if c == nil {
			return
		}
		if ev, ok := c.Event(args[0]); ok && ev.Open(st.now) && (bookFlow{}).link(st, "e-"+ev.ID) {
			return
		}
		st.s.resetFlow()
		st.show(st.t("evc_no_other"), [][]kbbot.Button{{st.btn("btn_evc_events", data(cbMenu, itemEvents))}, {st.btn("btn_menu", data(cbMenu))}})
	}}}
}

// planCadreBooking schedules the reminders a cadre gets of a booking made
// for a resident without a phone (reminders.PlanCadreBooking), unless the
// cadre stopped them.
func (st *step) planCadreBooking(sl booking.Slot, b booking.Booking) {
	if st.e.svc.Reminders == nil || st.r.RemindersOff || b.BookedBy != st.ev.ChatID {
		return
	}
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, st.cadreBookingReminders(sl, b)...); err != nil {
		st.mustRetry("schedule a cadre's booking reminders", err)
	}
}

// cadreBookingReminders are the reminders the cadre of this step wants of
// b, a booking they made at sl for a resident without a phone (none when
// another cadre made it or they stopped them all).
func (st *step) cadreBookingReminders(sl booking.Slot, b booking.Booking) []reminders.Item {
	if st.r.RemindersOff || b.BookedBy != st.ev.ChatID {
		return nil
	}
	return st.keepWanted(reminders.PlanCadreBooking(b.BookedBy, b.Code, sl.Session.Start, sl.Facility.Location, st.now))
}
