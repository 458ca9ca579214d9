package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// "Pesanan saya": a resident's bookings and waitlist places.
//
//	b:v:<code>     view a booking          b:ics:<code>  its calendar file again
//	b:cx:<code>    ask to cancel it        b:cxy:<code>  cancel it
//	b:chg:<code>   change session or facility
//	b:acc:<n>      take an offered place   b:dec:<n>     decline it
//	b:lv:<i>       leave waitlist i
//
// Codes in buttons are checked by the store against the tapper: a forged
// or someone else's code gets "this button has expired".
const (
	orderView      = "v"
	orderICS       = "ics"
	orderCancel    = "cx"
	orderCancelYes = "cxy"
	orderChange    = "chg"
	offerAccept    = "acc"
	offerDecline   = "dec"
	waitLeave      = "lv"
)

// flowOffer is a waitlist offer being shown; its nonce binds the buttons.
const flowOffer = "offer"

// Keys of Session.Data in flowOffer: the offered place.
const (
	dEvent   = "ev"
	dFac     = "fac"
	dMethod  = "m"
	dSession = "ses"
)

func (st *step) orders() {
	if !st.r.Consented() && !st.isCadre() {
		st.needConsent(nextOrders)
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	bs, err := st.e.svc.Bookings.Bookings(st.ctx, st.ev.ChatID)
	if err != nil {
		st.storeFailed("list bookings", err)
		return
	}
	waits, err := st.e.svc.Bookings.Waiting(st.ctx, st.ev.ChatID)
	if err != nil {
		st.storeFailed("list waitlists", err)
		return
	}
	var rows [][]kbbot.Button
	for _, b := range bs {
		if b.Status != booking.Active {
			continue
		}
		label := b.Code
		if sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID); err == nil && sl.Session != nil {
			label = b.Code + " · " + sl.Facility.Name + " · " + st.fmtShortDay(sl.Session.Start, sl.Facility)
		}
		rows = append(rows, []kbbot.Button{{Label: "🎫 " + label, Data: data(cbBook, orderView, b.Code)}})
	}
	for i, w := range waits {
		f, _ := c.Facility(w.FacilityID)
		name := w.FacilityID
		if f != nil {
			name = f.Name
		}
		if w.Offer != nil && !w.Offer.Expired {
			rows = append(rows, []kbbot.Button{{Label: st.t("order_offer_label", st.methodName(w.Method), name), Data: data(cbRemind, remOffer, w.EventID)}})
			continue
		}
		rows = append(rows, []kbbot.Button{{Label: st.t("order_wait_label", st.methodName(w.Method), name, w.Position), Data: data(cbBook, waitLeave, strconv.Itoa(i))}})
	}
	text := st.t("orders_title")
	if len(rows) == 0 {
		text = st.t("orders_none")
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_book_new", data(flowBook))}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.show(text, rows)
}

// orderCallback handles the buttons on bookings, offers and waitlists.
func (st *step) orderCallback(args []string) {
	if len(args) != 2 {
		st.expired()
		return
	}
	op, arg := args[0], args[1]
	switch op {
	case offerAccept, offerDecline:
		st.offerAnswer(op, arg)
		return
	case waitLeave:
		st.leaveWaitlist(arg)
		return
	}
	code, ok := booking.NormalizeCode(arg)
	if !ok || st.e.svc.Bookings == nil {
		st.expired()
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, code)
	if errors.Is(err, booking.ErrNotFound) || (err == nil && !b.Owner(st.ev.ChatID)) {
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("get booking", err)
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	switch op {
	case orderView:
		st.showBooking(c, b)
	case orderICS:
		sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
		if err != nil || sl.Session == nil {
			st.expired()
			return
		}
		st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplyDocument, ChatID: st.ev.ChatID, Text: st.t("book_ics_caption"),
			FileName: b.Code + ".ics", File: booking.ICS(b, *sl.Facility, *sl.Event, *sl.Session)})
	case orderCancel:
		if b.Status != booking.Active {
			st.showBooking(c, b)
			return
		}
		st.show(st.t("cancel_confirm", b.Code), [][]kbbot.Button{
			{st.btn("btn_cancel_yes", data(cbBook, orderCancelYes, b.Code))},
			{st.btn("btn_cancel_no", data(cbBook, orderView, b.Code))},
		})
	case orderCancelYes:
		st.cancelBooking(c, b)
	case orderChange:
		bookFlow{}.change(st, c, b)
	default:
		st.expired()
	}
}

// showBooking shows one booking with what can be done with it.
func (st *step) showBooking(c *booking.Catalog, b booking.Booking) {
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.storeFailed("resolve booking", err)
		return
	}
	status := st.t("status_" + string(b.Status))
	text := st.t("booking_view", b.Code, status) + "\n\n" + st.bookingDetails(sl, b)
	rows := [][]kbbot.Button{{{Label: st.t("btn_map"), URL: booking.MapLink(sl.Facility)}}}
	if b.Status == booking.Active {
		rows = append(rows,
			[]kbbot.Button{st.btn("btn_change", data(cbBook, orderChange, b.Code)), st.btn("btn_cancel_booking", data(cbBook, orderCancel, b.Code))},
			[]kbbot.Button{st.btn("btn_ics", data(cbBook, orderICS, b.Code))})
	}
	rows = append(rows, []kbbot.Button{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))})
	st.show(text, rows)
}

// cancelBooking frees the place at once, removes its reminders and lets the
// waitlist move.
func (st *step) cancelBooking(c *booking.Catalog, b booking.Booking) {
	b, err := st.e.svc.Bookings.Cancel(st.ctx, b.Code, st.ev.ChatID)
	if errors.Is(err, booking.ErrNotYours) || errors.Is(err, booking.ErrNotFound) {
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("cancel booking", err)
		return
	}
	if !st.afterCancel(b, resident.EntryCancelled) {
		return
	}
	st.toast(st.t("cancel_done_toast"))
	st.show(st.t("cancel_done", b.Code), [][]kbbot.Button{
		{st.btn("btn_book_new", data(flowBook))},
		{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))},
	})
}

// afterCancel finishes a cancelled booking b: its reminders go, the
// resident's history records it as kind (when the booking is theirs), and
// the freed place is offered to the waitlist. False when a store failed:
// the step is retried (cancelling again is a no-op).
func (st *step) afterCancel(b booking.Booking, kind string) bool {
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, b.Code); err != nil {
			st.mustRetry("cancel booking reminders", err)
			return false
		}
	}
	if b.Resident == st.ev.ChatID {
		st.r.Log(resident.Entry{At: st.now, Kind: kind, Code: b.Code, Method: string(b.Method)})
	}
	return st.notifyOffers()
}

// notifyOffers hands new waitlist offers to the reminder queue, which
// tells those residents (other chats) within seconds, then acknowledges
// them. False means a store failed: the step is retried and the same
// offers are handed out again.
func (st *step) notifyOffers() bool {
	c, _ := st.e.svc.Catalog(st.ctx)
	if err := NotifyOffers(st.ctx, st.e.svc, c, st.now); err != nil {
		st.mustRetry("notify offers", err)
		return false
	}
	return true
}

// NotifyOffers passes on overdue waitlist offers, schedules a notice for
// each held offer not yet acknowledged (ScheduleOffers) and acknowledges
// them. It is safe to repeat: a failure leaves the offers for the next call.
func NotifyOffers(ctx context.Context, svc Services, c *booking.Catalog, now time.Time) error {
	offers, err := svc.Bookings.ExpireOffers(ctx, now)
	if err != nil {
		return fmt.Errorf("expire offers: %w", err)
	}
	if err := ScheduleOffers(ctx, svc, c, offers, now); err != nil {
		return err
	}
	if err := svc.Bookings.AckOffers(ctx, offers); err != nil {
		return fmt.Errorf("acknowledge offers: %w", err)
	}
	return nil
}

// leaveWaitlist takes the resident out of line i of their waitlists.
func (st *step) leaveWaitlist(arg string) {
	if st.e.svc.Bookings == nil {
		st.expired()
		return
	}
	waits, err := st.e.svc.Bookings.Waiting(st.ctx, st.ev.ChatID)
	if err != nil {
		st.storeFailed("list waitlists", err)
		return
	}
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(waits) {
		st.expired()
		return
	}
	if err := st.e.svc.Bookings.LeaveWaitlist(st.ctx, waits[i].EventID, st.ev.ChatID); err != nil {
		st.storeFailed("leave waitlist", err)
		return
	}
	st.notifyOffers()
	st.toast(st.t("waitlist_left"))
	st.orders()
}

// presentOffer shows a place freed for the resident, with the deadline.
func (st *step) presentOffer(c *booking.Catalog, o booking.Offer) {
	sl, err := c.Slot(o.EventID, o.FacilityID, o.SessionID)
	if err != nil {
		st.expired()
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Nonce = flowOffer, st.e.nonce()
	st.s.set(dEvent, o.EventID)
	st.s.set(dFac, o.FacilityID)
	st.s.set(dSession, o.SessionID)
	st.s.set(dMethod, string(o.Method))
	when := st.fmtDay(sl.Event.Date)
	if sl.Session != nil {
		when += ", " + st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility)
	}
	st.show(st.t("offer_text", st.methodName(o.Method), sl.Facility.Name, when, st.fmtTime(o.Deadline, sl.Facility)), [][]kbbot.Button{
		{st.btn("btn_offer_accept", data(cbBook, offerAccept, st.s.Nonce))},
		{st.btn("btn_offer_decline", data(cbBook, offerDecline, st.s.Nonce))},
	})
}

// offerAnswer takes or declines the offered place.
func (st *step) offerAnswer(op, nonce string) {
	if st.s.Flow != flowOffer || nonce != st.s.Nonce {
		st.expired()
		return
	}
	if op == offerDecline {
		if err := st.e.svc.Bookings.LeaveWaitlist(st.ctx, st.s.Data[dEvent], st.ev.ChatID); err != nil {
			st.storeFailed("decline offer", err)
			return
		}
		st.s.resetFlow()
		st.notifyOffers()
		st.show(st.t("offer_declined"), st.menuButton())
		return
	}
	// Taking the place goes through the usual name, screening and
	// confirmation; the place stays held until the deadline.
	bookFlow{}.takeOffer(st, bookState{Event: st.s.Data[dEvent], Fac: st.s.Data[dFac], Session: st.s.Data[dSession], Method: st.s.Data[dMethod]})
}

// ScheduleOffers turns waitlist offers into "offer" reminders due now, so
// that the scheduler tells each resident in their own chat, once. The
// reminder ids are deterministic: scheduling the same offers again is a
// no-op.
func ScheduleOffers(ctx context.Context, svc Services, c *booking.Catalog, offers []booking.Offer, now time.Time) error {
	if svc.Reminders == nil {
		return nil
	}
	var items []reminders.Item
	for _, o := range offers {
		if o.Expired || o.Resident == 0 || !o.Deadline.After(now) {
			continue
		}
		zone := "Asia/Jakarta"
		if c != nil {
			if f, ok := c.Facility(o.FacilityID); ok {
				zone = f.TimeZone
			}
		}
		items = append(items, reminders.Item{
			ID:   "offer:" + o.EventID + ":" + strconv.FormatInt(int64(o.Resident), 10) + ":" + strconv.FormatInt(o.Deadline.Unix(), 10),
			Chat: o.Resident, Kind: reminders.KindOffer, Ref: o.EventID,
			Due: now.UTC(), NotAfter: o.Deadline.UTC(), Zone: zone,
		})
	}
	if len(items) == 0 {
		return nil
	}
	if _, err := svc.Reminders.Schedule(ctx, items...); err != nil {
		return fmt.Errorf("schedule offer notices: %w", err)
	}
	return nil
}
