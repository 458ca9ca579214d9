package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// ordersFlow is "Pesanan saya" (/pesanan): a resident's bookings and
// waitlist places, what can be done with a booking, and the answers to a
// booking's reminders. Its buttons work anywhere (no nonce):
//
//	ord:v:<code>    view a booking          ord:ics:<code>  its calendar file again
//	ord:cx:<code>   ask to cancel it        ord:cxy:<code>  cancel it
//	ord:chg:<code>  move it to another session or facility (changeFlow)
//	ord:lv:<i>      leave waitlist i
//	ord:att:<code>  "I will come" (H-1 reminder)
//	ord:keep:<code> "I keep it" (the notice that its session moved)
//	ord:srv:<code>  "I was served" (follow-up): on to the course reminders
//	ord:nsv:<code>  "I was not served yet" (follow-up): on to booking
//
// Codes in buttons are checked by the store against the tapper: a forged
// or someone else's code gets "this button has expired". The held offers
// of the waitlist are offerFlow's.
type ordersFlow struct{}

const (
	// cbOrders is the orders flow's name and callback action.
	cbOrders = "ord"

	// What can be done with a booking.
	orderView      = "v"
	orderICS       = "ics"
	orderCancel    = "cx"
	orderCancelYes = "cxy"
	orderChange    = "chg"

	// Leaving a waitlist, and the answers to a booking's reminders and to
	// the notice that its session moved (eventchange.go).
	waitLeave   = "lv"
	orderAttend = "att"
	orderKeep   = "keep"
	orderServed = "srv"
	orderNotYet = "nsv"

	// The change flow's step: pick a session or facility.
	stepChangePick = "pick"

	// The offer flow's name, its operations and its step.
	offerName    = "offer"
	offerShow    = "show"
	offerAccept  = "acc"
	offerDecline = "dec"
	stepOfferAsk = "ask"
)

func (ordersFlow) Name() string            { return cbOrders }
func (ordersFlow) Commands() []string      { return []string{"pesanan", "bookings"} }
func (ordersFlow) Text(*step, string) bool { return false }

// Start lists the bookings and waitlist places.
func (f ordersFlow) Start(st *step, _ string) { f.list(st) }

func (f ordersFlow) Routes() []Route {
	// code is a route on one of the resident's bookings.
	code := func(op string, do func(st *step, c *booking.Catalog, b booking.Booking)) Route {
		return Route{Op: op, Args: 1, Do: func(st *step, args []string) {
			if c, b, ok := bookingOf(st, args[0]); ok {
				do(st, c, b)
			}
		}}
	}
	return []Route{
		code(orderView, showBooking),
		code(orderICS, f.ics),
		code(orderCancel, f.askCancel),
		code(orderCancelYes, f.cancel),
		code(orderChange, changeFlow{}.begin),
		{Op: waitLeave, Args: 1, Do: f.leaveWaitlist},
		{Op: orderAttend, Args: 1, Do: func(st *step, _ []string) {
			st.toast(st.t("attend_thanks"))
			st.inPlace = false
			st.send(st.t("attend_thanks"), nil)
		}},
		code(orderKeep, func(st *step, c *booking.Catalog, b booking.Booking) {
			if b.Status != booking.Active {
				showBooking(st, c, b)
				return
			}
			st.toast(st.t("evc_kept_toast"))
			st.inPlace = false
			st.send(st.t("evc_kept", b.Code), st.menuButton())
		}),
		{Op: orderServed, Args: 1, Do: func(st *step, _ []string) {
			st.toast("")
			st.inPlace = false
			st.send(st.t("served_thanks"), nil)
			st.open(courseName, "")
		}},
		{Op: orderNotYet, Args: 1, Do: func(st *step, _ []string) {
			st.toast("")
			st.inPlace = false
			st.send(st.t("not_served"), nil)
			st.open(flowBook, "")
		}},
	}
}

// orderButton is a button on booking code.
func orderButton(st *step, key, op, code string) kbbot.Button {
	return st.btn(key, data(cbOrders, op, code))
}

func (ordersFlow) list(st *step) {
	if !st.r.Consented() && !st.isCadre() {
		st.needConsent(cbOrders)
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
		rows = append(rows, []kbbot.Button{{Label: "🎫 " + label, Data: data(cbOrders, orderView, b.Code)}})
	}
	for i, w := range waits {
		f, _ := c.Facility(w.FacilityID)
		name := w.FacilityID
		if f != nil {
			name = f.Name
		}
		if w.Offer != nil && !w.Offer.Expired {
			rows = append(rows, []kbbot.Button{{Label: st.t("order_offer_label", st.methodName(w.Method), name), Data: data(offerName, offerShow, w.EventID)}})
			continue
		}
		rows = append(rows, []kbbot.Button{{Label: st.t("order_wait_label", st.methodName(w.Method), name, w.Position), Data: data(cbOrders, waitLeave, strconv.Itoa(i))}})
	}
	text := st.t("orders_title")
	if len(rows) == 0 {
		text = st.t("orders_none")
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_book_new", data(cbMenu, itemEvents))}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.show(text, rows)
}

// bookingOf reads booking code of the tapping resident and the catalog.
// A forged code or someone else's booking is an expired button; ok is
// false when the tap has been answered.
func bookingOf(st *step, code string) (*booking.Catalog, booking.Booking, bool) {
	code, ok := booking.NormalizeCode(code)
	if !ok || st.e.svc.Bookings == nil {
		st.expired()
		return nil, booking.Booking{}, false
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, code)
	if errors.Is(err, booking.ErrNotFound) || (err == nil && !b.Owner(st.ev.ChatID)) {
		st.expired()
		return nil, booking.Booking{}, false
	}
	if err != nil {
		st.storeFailed("get booking", err)
		return nil, booking.Booking{}, false
	}
	c := st.catalog()
	if c == nil {
		return nil, booking.Booking{}, false
	}
	return c, b, true
}

// showBooking shows one booking with what can be done with it (also where
// the booking flow finds the resident booked already).
func showBooking(st *step, c *booking.Catalog, b booking.Booking) {
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
			[]kbbot.Button{orderButton(st, "btn_change", orderChange, b.Code), orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
			[]kbbot.Button{orderButton(st, "btn_ics", orderICS, b.Code)})
	}
	rows = append(rows, []kbbot.Button{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))})
	st.show(text, rows)
}

// ics sends the booking's calendar file again.
func (ordersFlow) ics(st *step, c *booking.Catalog, b booking.Booking) {
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.expired()
		return
	}
	caption := "book_ics_caption"
	if forClient(b) {
		caption = "book_ics_caption_cadre"
	}
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplyDocument, ChatID: st.ev.ChatID, Text: st.t(caption),
		FileName: b.Code + ".ics", File: booking.ICS(b, *sl.Facility, *sl.Event, *sl.Session)})
}

// askCancel asks to confirm the cancellation.
func (ordersFlow) askCancel(st *step, c *booking.Catalog, b booking.Booking) {
	if b.Status != booking.Active {
		showBooking(st, c, b)
		return
	}
	st.show(st.t("cancel_confirm", b.Code), [][]kbbot.Button{
		{orderButton(st, "btn_cancel_yes", orderCancelYes, b.Code)},
		{orderButton(st, "btn_cancel_no", orderView, b.Code)},
	})
}

// cancel frees the place at once, removes its reminders and lets the
// waitlist move.
func (ordersFlow) cancel(st *step, c *booking.Catalog, b booking.Booking) {
	wasActive := b.Status == booking.Active
	b, err := st.e.svc.Bookings.Cancel(st.ctx, b.Code, st.ev.ChatID)
	if errors.Is(err, booking.ErrNotYours) || errors.Is(err, booking.ErrNotFound) {
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("cancel booking", err)
		return
	}
	if wasActive {
		// Audited now, before a step that may be retried: the retry finds
		// the booking cancelled already and writes no second entry.
		auditForResident(st, c, b, cadre.AuditCancelFor)
	}
	if !afterCancel(st, b, resident.EntryCancelled) {
		return
	}
	st.toast(st.t("cancel_done_toast"))
	st.show(st.t("cancel_done", b.Code), [][]kbbot.Button{
		{st.btn("btn_book_new", data(cbMenu, itemEvents))},
		{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))},
	})
}

// auditForResident writes to the audit log what a cadre did to a booking
// they made for a resident (act: cadre.AuditCancelFor, AuditChangeFor),
// with the code and the facility's area only, as for the booking itself
// (book.go). A resident's own booking is not staff work: nothing is
// written.
func auditForResident(st *step, c *booking.Catalog, b booking.Booking, act cadre.Action) {
	if b.BookedBy != st.ev.ChatID || b.Resident == st.ev.ChatID {
		return
	}
	area := cadre.Area{}
	if f, ok := c.Facility(b.FacilityID); ok {
		area = facilityArea(f)
	}
	m, _ := st.member() // a cadre of KBBOT_CADRE_IDS is no member: no role
	st.auditStaff(m, act, area, b.Code)
}

// afterCancel finishes a cancelled booking b (by the resident, or released
// by the block rule): its reminders go, the resident's history records it
// as kind (when the booking is theirs), and the freed place is offered to
// the waitlist. False when a store failed: the step is retried (cancelling
// again is a no-op).
func afterCancel(st *step, b booking.Booking, kind string) bool {
	if chat := reminderChat(b); st.e.svc.Reminders != nil && chat != 0 {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, chat, b.Code); err != nil {
			st.mustRetry("cancel booking reminders", err)
			return false
		}
	}
	if b.Resident == st.ev.ChatID {
		st.r.Log(resident.Entry{At: st.now, Kind: kind, Code: b.Code, Method: string(b.Method)})
	}
	return notifyOffers(st)
}

// notifyOffers hands new waitlist offers to the reminder queue, which
// tells those residents (other chats) within seconds, then acknowledges
// them. False means a store failed: the step is retried and the same
// offers are handed out again.
func notifyOffers(st *step) bool {
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

// leaveWaitlist takes the resident out of line args[0] of their waitlists.
func (f ordersFlow) leaveWaitlist(st *step, args []string) {
	if st.e.svc.Bookings == nil {
		st.expired()
		return
	}
	waits, err := st.e.svc.Bookings.Waiting(st.ctx, st.ev.ChatID)
	if err != nil {
		st.storeFailed("list waitlists", err)
		return
	}
	i, err := strconv.Atoi(args[0])
	if err != nil || i < 0 || i >= len(waits) {
		st.expired()
		return
	}
	if err := st.e.svc.Bookings.LeaveWaitlist(st.ctx, waits[i].EventID, st.ev.ChatID); err != nil {
		st.storeFailed("leave waitlist", err)
		return
	}
	notifyOffers(st)
	st.toast(st.t("waitlist_left"))
	f.list(st)
}

// changeFlow moves a booking to another session or facility of the same
// event, in one step: the new place is taken before the old one is given
// back, or nothing changes. It starts from ord:chg:<code>. Buttons:
// chg:t:<session>:<nonce> (a session at the chosen facility),
// chg:f:<facility>:<nonce> (another facility of the event).
type changeFlow struct{}

// changeState is the booking being moved and where to.
type changeState struct {
	Code   string         `json:"code"`
	Event  string         `json:"event"`
	Method booking.Method `json:"method"`
	Fac    string         `json:"fac"`
}

func (changeFlow) Name() string            { return "chg" }
func (changeFlow) Commands() []string      { return nil }
func (changeFlow) Text(*step, string) bool { return false }

// Start moves the resident's booking code.
func (f changeFlow) Start(st *step, code string) {
	if c, b, ok := bookingOf(st, code); ok {
		f.begin(st, c, b)
	}
}

func (f changeFlow) Routes() []Route {
	pick := []string{stepChangePick}
	return []Route{
		{Op: "t", Args: 1, Steps: pick, Do: f.session},
		{Op: "f", Args: 1, Steps: pick, Do: func(st *step, args []string) {
			c := st.catalog()
			if c == nil {
				return
			}
			if _, ok := c.Facility(args[0]); !ok {
				st.expired()
				return
			}
			var s changeState
			loadState(st, &s)
			f.options(st, c, s, args[0])
		}},
	}
}

func (f changeFlow) begin(st *step, c *booking.Catalog, b booking.Booking) {
	if b.Status != booking.Active {
		showBooking(st, c, b)
		return
	}
	st.enter(f, stepChangePick)
	f.options(st, c, changeState{Code: b.Code, Event: b.EventID, Method: b.Method}, b.FacilityID)
}

// options lists the sessions with places at facID, and the other
// facilities of the event that offer the method.
func (changeFlow) options(st *step, c *booking.Catalog, s changeState, facID string) {
	s.Fac = facID
	saveState(st, s)
	sl, err := c.Slot(s.Event, facID, "")
	if err != nil {
		st.expired()
		return
	}
	av, err := st.e.svc.Bookings.Availability(st.ctx, sl.Event.ID, facID)
	if err != nil {
		st.storeFailed("availability", err)
		return
	}
	var rows [][]kbbot.Button
	cur, _ := st.e.svc.Bookings.Get(st.ctx, s.Code)
	if mp, ok := av.Method(s.Method); ok && mp.Left() > 0 || facID == cur.FacilityID {
		for _, sp := range av.Sessions {
			ses, ok := sl.Site.Session(sp.SessionID)
			left := av.SessionLeft(sp, s.Method)
			if facID == cur.FacilityID {
				// Her own place of the method moves with her.
				left = min(sp.Left(), max(left, 1))
			}
			if !ok || left == 0 || (facID == cur.FacilityID && sp.SessionID == cur.SessionID) {
				continue
			}
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("book_session_left", st.fmtSpan(ses.Start, ses.End, sl.Facility), left), "t", ses.ID)})
		}
	}
	for _, site := range sl.Event.Sites {
		if site.Facility == facID || site.Quota[s.Method] <= 0 || !site.Open(st.now) {
			continue
		}
		if f, ok := c.Facility(site.Facility); ok {
			rows = append(rows, []kbbot.Button{st.flowButton("🏥 "+f.Name, "f", f.ID)})
		}
	}
	rows = append(rows, []kbbot.Button{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))})
	st.show(st.t("change_pick", sl.Facility.Name), rows)
}

// session moves the booking to session args[0] of the chosen facility:
// the new place is taken before the old one is given back, or nothing
// changes.
func (changeFlow) session(st *step, args []string) {
	c := st.catalog()
	if c == nil {
		return
	}
	var s changeState
	loadState(st, &s)
	if sl, err := c.Slot(s.Event, s.Fac, args[0]); err != nil || sl.Session == nil {
		st.expired()
		return
	}
	to := booking.Place{FacilityID: s.Fac, SessionID: args[0], Method: s.Method}
	before, _ := st.e.svc.Bookings.Get(st.ctx, s.Code)
	b, err := st.e.svc.Bookings.Change(st.ctx, s.Code, st.ev.ChatID, to)
	switch {
	case err == nil:
	case errors.Is(err, booking.ErrFull):
		st.s.resetFlow()
		st.show(st.t("change_full"), [][]kbbot.Button{{orderButton(st, "btn_change", orderChange, s.Code)}, {st.btn("btn_menu", data(cbMenu))}})
		return
	case errors.Is(err, booking.ErrClosed):
		st.s.resetFlow()
		st.show(st.t("book_closed"), st.menuButton())
		return
	case errors.Is(err, booking.ErrNotYours), errors.Is(err, booking.ErrNotFound):
		st.expired()
		return
	default:
		st.storeFailed("change booking", err)
		return
	}
	st.s.resetFlow()
	if before.Code != "" && before.Place() != b.Place() {
		// Moved by this step (a retried step finds it moved before).
		auditForResident(st, c, b, cadre.AuditChangeFor)
	}
	if chat := reminderChat(b); st.e.svc.Reminders != nil && chat != 0 {
		if _, err := st.e.svc.Reminders.CancelRef(st.ctx, chat, s.Code, reminders.BookingKinds...); err != nil {
			st.mustRetry("cancel old reminders", err)
			return
		}
	}
	if !notifyOffers(st) {
		return
	}
	st.toast(st.t("change_done_toast"))
	st.show(st.t("change_done"), nil)
	st.inPlace = false
	bookFlow{}.confirmation(st, c, b)
	if sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID); err == nil && sl.Session != nil {
		if b.Resident != 0 {
			st.planBooking(sl, b)
		} else {
			st.planCadreBooking(sl, b)
		}
	}
}

// offerFlow is a place freed from a waitlist and held for the resident
// until a deadline: take it (the booking flow goes on with the name,
// screening and confirmation) or decline it.
//
//	offer:show:<event>  the offer held at an event (orders list)
//	offer:acc:<nonce>   take it    offer:dec:<nonce>  decline it
type offerFlow struct{}

// offerState is the offered place.
type offerState struct {
	Event   string         `json:"event"`
	Fac     string         `json:"fac"`
	Session string         `json:"session"`
	Method  booking.Method `json:"method"`
}

func (offerFlow) Name() string            { return offerName }
func (offerFlow) Commands() []string      { return nil }
func (offerFlow) Text(*step, string) bool { return false }

// Start shows the offer held for the resident at event, or says it is gone.
func (f offerFlow) Start(st *step, event string) {
	f.held(st, event)
	if len(st.out) == 0 {
		st.show(st.t("offer_gone"), st.menuButton())
	}
}

func (f offerFlow) Routes() []Route {
	ask := []string{stepOfferAsk}
	return []Route{
		{Op: offerShow, Args: 1, Do: func(st *step, args []string) { f.Start(st, args[0]) }},
		{Op: offerAccept, Steps: ask, Do: func(st *step, _ []string) {
			var s offerState
			loadState(st, &s)
			// Taking the place goes through the usual name, screening and
			// confirmation; the place stays held until the deadline.
			bookOffer(st, booking.Offer{EventID: s.Event, FacilityID: s.Fac, SessionID: s.Session, Method: s.Method})
		}},
		{Op: offerDecline, Steps: ask, Do: func(st *step, _ []string) {
			var s offerState
			loadState(st, &s)
			if err := st.e.svc.Bookings.LeaveWaitlist(st.ctx, s.Event, st.ev.ChatID); err != nil {
				st.storeFailed("decline offer", err)
				return
			}
			st.s.resetFlow()
			notifyOffers(st)
			st.show(st.t("offer_declined"), st.menuButton())
		}},
	}
}

// held shows the place held for the resident at an event (the offer
// reminder); nothing when there is none.
func (offerFlow) held(st *step, eventID string) {
	if st.e.svc.Bookings == nil || st.e.svc.Catalog == nil {
		return
	}
	waits, err := st.e.svc.Bookings.Waiting(st.ctx, st.ev.ChatID)
	if err != nil {
		st.retry = true
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.retry = true
		return
	}
	for _, w := range waits {
		if w.EventID == eventID && w.Offer != nil && !w.Offer.Expired && w.Offer.Deadline.After(st.now) {
			presentOffer(st, c, *w.Offer)
			return
		}
	}
}

// presentOffer shows a place freed for the resident, with the deadline
// (also where joining a waitlist finds a place free at once).
func presentOffer(st *step, c *booking.Catalog, o booking.Offer) {
	sl, err := c.Slot(o.EventID, o.FacilityID, o.SessionID)
	if err != nil {
		st.expired()
		return
	}
	st.enter(offerFlow{}, stepOfferAsk)
	saveState(st, offerState{Event: o.EventID, Fac: o.FacilityID, Session: o.SessionID, Method: o.Method})
	when := st.fmtDay(sl.Event.Date)
	if sl.Session != nil {
		when += ", " + st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility)
	}
	st.show(st.t("offer_text", st.methodName(o.Method), sl.Facility.Name, when, st.fmtTime(o.Deadline, sl.Facility)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_offer_accept"), offerAccept)},
		{st.flowButton(st.t("btn_offer_decline"), offerDecline)},
	})
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
