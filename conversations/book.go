package conversations

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// bookFlow is the booking flow: find a site (near a shared location, by
// region, or by a deep link), choose the method, the session, give a name
// and optionally a phone number, pass the pre-screening, confirm. A cadre
// books the same way for a resident without a phone (cadreBookFlow), and a
// resident taking a place offered from the waitlist (orders.go) or moving
// a booking (change) goes through its steps too. Its answers are a
// bookState.
//
//	book                   start (menu, orders, reminders)
//	book:loc:<n>           ask for a location    book:reg:<n>      kabupaten list
//	book:kab:<i>:<n>       kecamatan list        book:kec:<i>:<n>  facilities there
//	book:f:<facility>:<n>  choose a facility     book:e:<i>:<n>    choose an event there
//	book:m:<method>:<n>    choose a method       book:t:<session>:<n> choose a session
//	book:same:<n>          reuse the saved name  book:skip:<n>     no phone number
//	book:q:<y|n>:<n>       checklist answer      book:ok:<n>       permanent method understood,
//	book:go:<n>            book                                    or the cadre has consent
//	book:wl:<n>            join the waitlist
//	daftarkan              start as a cadre (cadreBookFlow)
type bookFlow struct{}

// cadreBookFlow opens the booking flow for a cadre booking for a resident
// without a phone: /daftarkan and the staff menu's button. It never runs
// itself: the booking flow does, with bookState.Cadre.
type cadreBookFlow struct{}

const (
	flowBook    = "book"
	flowBookFor = "daftarkan"
)

// Steps of flowBook.
const (
	stepWhere   = "where"
	stepKab     = "kab"
	stepKec     = "kec"
	stepFac     = "fac"
	stepEvent   = "event"
	stepMethod  = "method"
	stepSession = "session"
	stepName    = "name"
	stepPhone   = "phone"
	stepScreen  = "screen"
	stepPerm    = "perm"
	stepConfirm = "confirm"
	stepCadre   = "cadre" // a cadre confirms the resident's consent
)

// bookSteps are all the steps of the flow. The buttons that choose a
// place or a method (and ask for a location) work at any of them, as a
// message of an earlier step may still show them.
var bookSteps = []string{"", stepWhere, stepKab, stepKec, stepFac, stepEvent, stepMethod,
	stepSession, stepName, stepPhone, stepScreen, stepPerm, stepConfirm, stepCadre}

// Booking operations in callback data.
const (
	bkLoc     = "loc"
	bkRegions = "reg"
	bkKab     = "kab"
	bkKec     = "kec"
	bkFac     = "f"
	bkEvent   = "e"
	bkMethod  = "m"
	bkSession = "t"
	bkSame    = "same"
	bkSkip    = "skip"
	bkAnswer  = "q"
	bkOK      = "ok"
	bkGo      = "go"
	bkWait    = "wl"
)

// bookState is what the booking flow has gathered.
type bookState struct {
	Event   string `json:"ev,omitempty"`
	Fac     string `json:"fac,omitempty"`
	Method  string `json:"m,omitempty"`
	Session string `json:"ses,omitempty"`
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	// Answers are the checklist's answers so far, "n"/"y" per question.
	Answers string `json:"qa,omitempty"`
	// Preset is a method chosen before the site (from education).
	Preset string `json:"preset,omitempty"`
	Kab    string `json:"kab,omitempty"`
	// Cadre: a cadre books for a resident without a phone.
	Cadre bool `json:"cadre,omitempty"`
	// Offer: the resident takes a place offered from the waitlist.
	Offer bool `json:"offer,omitempty"`
}

// keep saves s while the booking flow runs; a handler that ended the flow
// or left it leaves the session alone.
func (s *bookState) keep(st *step) {
	if st.s.Flow == flowBook {
		saveState(st, *s)
	}
}

// slot resolves the chosen event and facility (and session, if any).
func (s *bookState) slot(c *booking.Catalog) (booking.Slot, bool) {
	sl, err := c.Slot(s.Event, s.Fac, s.Session)
	if err != nil {
		return sl, false
	}
	return sl, true
}

// maxNearest is how many facilities a shared location lists.
const maxNearest = 6

func (bookFlow) Name() string       { return flowBook }
func (bookFlow) Commands() []string { return []string{"daftar", "book"} }

// bookDo is a handler of the running flow: its state and the catalog.
type bookDo func(st *step, s *bookState, c *booking.Catalog, args []string)

// on runs do with the flow's state and the catalog, and keeps the state.
func (bookFlow) on(do bookDo) func(*step, []string) {
	return func(st *step, args []string) {
		c := st.catalog()
		if c == nil {
			return
		}
		var s bookState
		loadState(st, &s)
		do(st, &s, c, args)
		s.keep(st)
	}
}

func (f bookFlow) Routes() []Route {
	at := func(steps ...string) []string { return steps }
	return []Route{
		{Op: "", Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: bkLoc, Steps: bookSteps, Do: f.on(func(st *step, _ *bookState, _ *booking.Catalog, _ []string) { f.askLocation(st) })},
		{Op: bkRegions, Steps: bookSteps, Do: f.on(func(st *step, _ *bookState, c *booking.Catalog, _ []string) { f.listKabupaten(st, c) })},
		{Op: bkKab, Args: 1, Steps: at(stepKab), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.listKecamatan(st, s, c, a[0]) })},
		{Op: bkKec, Args: 1, Steps: at(stepKec), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.listFacilitiesIn(st, s, c, a[0]) })},
		{Op: bkFac, Args: 1, Steps: bookSteps, Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.chooseFacility(st, s, c, a[0]) })},
		{Op: bkEvent, Args: 1, Steps: at(stepEvent), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.chooseEvent(st, s, c, a[0]) })},
		{Op: bkMethod, Args: 1, Steps: bookSteps, Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.chooseMethod(st, s, c, a[0]) })},
		{Op: bkSession, Args: 1, Steps: at(stepSession), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.chooseSession(st, s, c, a[0]) })},
		{Op: bkSame, Steps: at(stepName), Do: f.on(func(st *step, s *bookState, _ *booking.Catalog, _ []string) {
			if st.r.Name == "" {
				st.expired()
				return
			}
			s.Name = st.r.Name
			f.askPhone(st, s)
		})},
		{Op: bkSkip, Steps: at(stepPhone), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, _ []string) {
			s.Phone = ""
			f.afterPhone(st, s, c)
		})},
		{Op: bkAnswer, Args: 1, Steps: at(stepScreen), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, a []string) { f.checklistAnswer(st, s, c, a[0]) })},
		{Op: bkOK, Steps: at(stepPerm, stepCadre), Do: f.on(func(st *step, s *bookState, c *booking.Catalog, _ []string) {
			if st.s.Step == stepCadre {
				f.askPhone(st, s)
				return
			}
			f.confirmBooking(st, s, c)
		})},
		{Op: bkGo, Steps: at(stepConfirm), Do: f.on(f.book)},
		{Op: bkWait, Steps: bookSteps, Do: f.on(f.joinWaitlist)},
	}
}

// Start begins the booking flow, with a method already chosen when coming
// from the education pages (or back to them after consent).
func (f bookFlow) Start(st *step, preset string) {
	if st.ev.Kind == kbbot.EventCommand {
		preset = "" // a typed /daftar takes no argument
	}
	if !st.r.Consented() {
		st.needConsent(flowBook + ":" + preset)
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	if len(c.Regions(st.now)) == 0 {
		// Nothing takes bookings: say so at once, rather than ask where
		// to look first.
		st.s.resetFlow()
		st.noEventOpen()
		return
	}
	st.enter(f, stepWhere)
	saveState(st, bookState{Preset: preset})
	st.show(st.t("book_where"), append([][]kbbot.Button{
		{st.flowButton(st.t("btn_book_near"), bkLoc)},
		{st.flowButton(st.t("btn_book_region"), bkRegions)},
	}, st.menuButton()...))
}

func (cadreBookFlow) Name() string             { return flowBookFor }
func (cadreBookFlow) Commands() []string       { return []string{"daftarkan"} }
func (cadreBookFlow) Start(st *step, _ string) { bookFlow{}.startCadre(st) }
func (cadreBookFlow) Text(*step, string) bool  { return false }

func (cadreBookFlow) Routes() []Route {
	return []Route{{Op: "", Do: func(st *step, _ []string) { bookFlow{}.startCadre(st) }}}
}

// startCadre begins a booking a cadre makes for a resident without a phone.
func (f bookFlow) startCadre(st *step) {
	// For anyone else the command does not exist (like every staff
	// command), and its button has expired. The cadres listed in the
	// configuration are no staff members: no Route.Right.
	if !st.isCadre() {
		if st.ev.Kind == kbbot.EventCallback {
			st.expired()
			return
		}
		st.unknownCommand("/daftarkan")
		return
	}
	if st.catalog() == nil {
		return
	}
	st.enter(f, stepWhere)
	saveState(st, bookState{Cadre: true})
	st.show(st.t("cadre_book_intro")+"\n\n"+st.t("book_where_cadre"), append([][]kbbot.Button{
		{st.flowButton(st.t("btn_book_region"), bkRegions)},
	}, st.menuButton()...))
}

// takeOffer goes on with a place offered from the waitlist (orders.go):
// the usual name, screening and confirmation; the place stays held until
// the deadline. s names the offered event, facility, session and method.
func (f bookFlow) takeOffer(st *step, s bookState) {
	st.enter(f, stepName)
	s.Offer = true
	f.askName(st, &s)
	s.keep(st)
}

// deepLink starts the flow the /start payload names, once: an area
// (broadcast_area.go), or an event or facility to book. It reports whether
// it took over.
func (st *step) deepLink() bool {
	p := st.s.StartPayload
	st.s.StartPayload = ""
	// "a-<area code>" and "wilayah" set the resident's area (broadcast_area.go).
	if st.areaDeepLink(p) {
		return true
	}
	return bookFlow{}.link(st, p)
}

// link starts the booking flow at the event or facility of a deep link
// ("e-<event>" or "f-<facility>").
func (f bookFlow) link(st *step, p string) bool {
	kind, id, ok := strings.Cut(p, "-")
	if !ok || !st.r.Consented() {
		return false
	}
	if kind != "e" && kind != "f" {
		return false
	}
	c := st.catalog()
	if c == nil {
		return true
	}
	st.enter(f, "")
	var s bookState
	if kind == "f" {
		if _, ok := c.Facility(id); ok {
			f.chooseFacility(st, &s, c, id)
			s.keep(st)
			return true
		}
	} else if ev, ok := c.Event(id); ok && ev.Open(st.now) {
		s.Event = ev.ID
		st.s.Step = stepFac
		var rows [][]kbbot.Button
		for _, site := range ev.Sites {
			fac, ok := c.Facility(site.Facility)
			if ok && site.Open(st.now) {
				rows = append(rows, []kbbot.Button{st.flowButton(fac.Name, bkFac, fac.ID)})
			}
		}
		st.show(st.t("book_pick_facility_event", ev.Name, st.fmtDay(ev.Date)), append(rows, st.menuButton()...))
		s.keep(st)
		return true
	}
	st.s.resetFlow()
	st.send(st.t("deeplink_unknown"), nil)
	return false
}

func (bookFlow) askLocation(st *step) {
	st.s.Step = stepWhere
	st.toast("")
	st.inPlace = false
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_send_location"),
		Keyboard: [][]kbbot.KeyButton{{{Label: st.t("btn_send_location"), RequestLocation: true}}, {{Label: st.t("btn_cancel_text")}}}})
}

// Location lists the facilities with an open event nearest to a location
// shared when asked for. The location itself is not stored.
func (f bookFlow) Location(st *step, lat, lon float64) bool {
	if st.s.Step != stepWhere {
		return false
	}
	c := st.catalog()
	if c == nil {
		return true
	}
	near := c.Nearest(lat, lon, st.now, maxNearest)
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_location_thanks"), RemoveKeyboard: true})
	if len(near) == 0 {
		st.s.resetFlow()
		st.noEventOpen()
		return true
	}
	st.s.Step = stepFac
	var rows [][]kbbot.Button
	for _, fd := range near {
		rows = append(rows, []kbbot.Button{st.flowButton(fmt.Sprintf("%s · %s km", fd.Facility.Name, f.km(st, fd.KM)), bkFac, fd.Facility.ID)})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_book_region"), bkRegions)}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.send(st.t("book_nearest"), rows)
	return true
}

// end ends the flow with text and the menu button.
func (bookFlow) end(st *step, text string) {
	st.s.resetFlow()
	st.show(text, st.menuButton())
}

// km is a distance in the resident's language.
func (bookFlow) km(st *step, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if st.lang() == "id" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (f bookFlow) listKabupaten(st *step, c *booking.Catalog) {
	regions := c.Regions(st.now)
	if len(regions) == 0 {
		st.s.resetFlow()
		st.noEventOpen()
		return
	}
	st.s.Step = stepKab
	var rows [][]kbbot.Button
	for i, r := range regions {
		rows = append(rows, []kbbot.Button{st.flowButton(r.Kabupaten+", "+r.Provinsi, bkKab, strconv.Itoa(i))})
	}
	st.show(st.t("book_pick_kabupaten"), append(rows, st.menuButton()...))
}

func (bookFlow) listKecamatan(st *step, s *bookState, c *booking.Catalog, arg string) {
	regions := c.Regions(st.now)
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(regions) {
		st.expired()
		return
	}
	st.s.Step = stepKec
	s.Kab = regions[i].Kabupaten
	var rows [][]kbbot.Button
	for j, k := range regions[i].Kecamatan {
		rows = append(rows, []kbbot.Button{st.flowButton(k, bkKec, strconv.Itoa(j))})
	}
	st.show(st.t("book_pick_kecamatan", regions[i].Kabupaten), append(rows, st.menuButton()...))
}

func (bookFlow) listFacilitiesIn(st *step, s *bookState, c *booking.Catalog, arg string) {
	var region *booking.Region
	for _, r := range c.Regions(st.now) {
		if r.Kabupaten == s.Kab {
			region = &r
			break
		}
	}
	j, err := strconv.Atoi(arg)
	if region == nil || err != nil || j < 0 || j >= len(region.Kecamatan) {
		st.expired()
		return
	}
	st.s.Step = stepFac
	seen := map[string]bool{}
	var rows [][]kbbot.Button
	for _, ref := range c.SitesIn(region.Kabupaten, region.Kecamatan[j], st.now) {
		if seen[ref.Facility.ID] {
			continue
		}
		seen[ref.Facility.ID] = true
		rows = append(rows, []kbbot.Button{st.flowButton(ref.Facility.Name, bkFac, ref.Facility.ID)})
	}
	st.show(st.t("book_pick_facility", region.Kecamatan[j]), append(rows, st.menuButton()...))
}

// chooseFacility goes on to the facility's event, or lets the resident pick
// one when the facility takes part in several.
func (f bookFlow) chooseFacility(st *step, s *bookState, c *booking.Catalog, facID string) {
	fac, ok := c.Facility(facID)
	if !ok {
		st.expired()
		return
	}
	// Staff book for residents at facilities of their own area only; the
	// cadres listed in the configuration have no area.
	if m, ok := st.member(); ok && s.Cadre && !canAt(m, cadre.ActBookFor, fac) {
		f.end(st, st.t("cadre_book_outside", fac.Name))
		return
	}
	sites := c.SitesAt(facID, st.now)
	if s.Event != "" {
		var keep []booking.SiteRef
		for _, site := range sites {
			if site.Event.ID == s.Event {
				keep = append(keep, site)
			}
		}
		sites = keep
	}
	if len(sites) == 0 {
		f.end(st, st.t("book_facility_closed", fac.Name))
		return
	}
	s.Fac = facID
	if len(sites) == 1 {
		s.Event = sites[0].Event.ID
		f.listMethods(st, s, c)
		return
	}
	st.s.Step = stepEvent
	var rows [][]kbbot.Button
	for i, site := range sites {
		rows = append(rows, []kbbot.Button{st.flowButton(site.Event.Name+" · "+st.fmtDay(site.Event.Date), bkEvent, strconv.Itoa(i))})
	}
	st.show(st.t("book_pick_event", fac.Name), append(rows, st.menuButton()...))
}

func (f bookFlow) chooseEvent(st *step, s *bookState, c *booking.Catalog, arg string) {
	sites := c.SitesAt(s.Fac, st.now)
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(sites) {
		st.expired()
		return
	}
	s.Event = sites[i].Event.ID
	f.listMethods(st, s, c)
}

// listMethods shows the methods the site offers with the places left.
func (f bookFlow) listMethods(st *step, s *bookState, c *booking.Catalog) {
	sl, ok := s.slot(c)
	if !ok {
		st.expired()
		return
	}
	if !s.Cadre && !s.Offer {
		// One booking per resident per event: say so before any choice.
		bs, err := st.e.svc.Bookings.Bookings(st.ctx, st.ev.ChatID)
		if err != nil {
			st.storeFailed("list bookings", err)
			return
		}
		if b, ok := booking.ActiveIn(bs, sl.Event.ID); ok && b.Resident == st.ev.ChatID {
			st.s.resetFlow()
			st.show(st.t("book_already"), nil)
			st.inPlace = false
			showBooking(st, c, b)
			return
		}
	}
	av, err := st.e.svc.Bookings.Availability(st.ctx, sl.Event.ID, sl.Facility.ID)
	if err != nil {
		st.storeFailed("availability", err)
		return
	}
	if preset := booking.Method(s.Preset); preset != "" {
		s.Preset = ""
		if _, offered := av.Method(preset); offered {
			f.chooseMethod(st, s, c, string(preset))
			return
		}
		st.send(st.t("book_preset_not_offered", st.methodName(preset)), nil)
		st.inPlace = false
	}
	st.s.Step = stepMethod
	var rows [][]kbbot.Button
	for _, mp := range av.Methods {
		left := av.Bookable(mp.Method)
		label := st.t("book_method_left", st.methodName(mp.Method), left)
		if left == 0 {
			label = st.t("book_method_full", st.methodName(mp.Method))
		}
		rows = append(rows, []kbbot.Button{st.flowButton(label, bkMethod, string(mp.Method))})
	}
	key := "book_pick_method"
	if s.Cadre {
		key = "book_pick_method_cadre"
	}
	text := st.t(key, sl.Facility.Name, sl.Event.Name, st.fmtDay(sl.Event.Date), st.fmtTime(sl.Site.Closes, sl.Facility))
	st.show(text, append(rows, []kbbot.Button{st.btn("btn_learn_menu", data(cbLearn, learnMenu)), st.btn("btn_menu", data(cbMenu))}))
}

func (st *step) methodName(m booking.Method) string {
	if meth, ok := st.e.lib.Method(string(m)); ok {
		return meth.Name.In(st.lang())
	}
	return string(m)
}

// chooseMethod goes on to the sessions, or offers the waitlist when the
// method has no place left.
func (f bookFlow) chooseMethod(st *step, s *bookState, c *booking.Catalog, code string) {
	m := booking.Method(code)
	sl, ok := s.slot(c)
	if !ok || !m.Valid() {
		st.expired()
		return
	}
	av, err := st.e.svc.Bookings.Availability(st.ctx, sl.Event.ID, sl.Facility.ID)
	if err != nil {
		st.storeFailed("availability", err)
		return
	}
	if _, offered := av.Method(m); !offered {
		st.expired()
		return
	}
	s.Method = code
	if av.Bookable(m) == 0 {
		f.offerWaitlist(st, sl, m)
		return
	}
	st.s.Step = stepSession
	var rows [][]kbbot.Button
	for _, sp := range av.Sessions {
		ses, ok := sl.Site.Session(sp.SessionID)
		left := av.SessionLeft(sp, m)
		if !ok || left == 0 {
			continue
		}
		label := st.t("book_session_left", st.fmtSpan(ses.Start, ses.End, sl.Facility), left)
		rows = append(rows, []kbbot.Button{st.flowButton(label, bkSession, ses.ID)})
	}
	st.show(st.t("book_pick_session", st.methodName(m), sl.Facility.Name, st.fmtDay(sl.Event.Date)), append(rows, st.menuButton()...))
}

func (bookFlow) offerWaitlist(st *step, sl booking.Slot, m booking.Method) {
	st.s.Step = stepMethod
	st.show(st.t("book_full_waitlist", st.methodName(m), sl.Facility.Name), [][]kbbot.Button{
		{st.flowButton(st.t("btn_join_waitlist"), bkWait)},
		{st.flowButton(st.t("btn_other_place"), bkRegions)},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

func (f bookFlow) chooseSession(st *step, s *bookState, c *booking.Catalog, id string) {
	s.Session = id
	sl, ok := s.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	f.askName(st, s)
}

// askName asks who the place is for; a resident who booked before may
// reuse the name they gave.
func (bookFlow) askName(st *step, s *bookState) {
	st.s.Step = stepName
	if s.Cadre {
		st.show(st.t("cadre_ask_name"), [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}})
		return
	}
	var rows [][]kbbot.Button
	if st.r.Name != "" {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_same_name", st.r.Name), bkSame)})
	}
	st.show(st.t("book_ask_name"), append(rows, []kbbot.Button{st.btn("btn_menu", data(cbMenu))}))
}

// Text takes the typed answers of the flow. It reports whether the text
// was an answer; anything else falls through to the education search.
func (f bookFlow) Text(st *step, t string) bool {
	var s bookState
	loadState(st, &s)
	ok := f.text(st, &s, t)
	s.keep(st)
	return ok
}

func (f bookFlow) text(st *step, s *bookState, t string) bool {
	switch st.s.Step {
	case stepName:
		name, ok := cleanName(t)
		if !ok {
			st.send(st.t("book_name_invalid"), nil)
			return true
		}
		s.Name = name
		if s.Cadre {
			st.s.Step = stepCadre
			st.send(st.t("cadre_confirm_consent", name), [][]kbbot.Button{
				{st.flowButton(st.t("btn_cadre_consent"), bkOK)},
				{st.btn("btn_menu", data(cbMenu))},
			})
			return true
		}
		f.askPhone(st, s)
		return true
	case stepPhone:
		if s.Cadre {
			phone, ok := cleanPhone(t)
			if !ok {
				st.send(st.t("book_phone_invalid"), nil)
				return true
			}
			s.Phone = phone
			if c := st.catalog(); c != nil {
				f.afterPhone(st, s, c)
			}
			return true
		}
		if t == st.t("btn_cancel_text") || t == st.t("btn_skip_phone") {
			s.Phone = ""
			if c := st.catalog(); c != nil {
				f.afterPhone(st, s, c)
			}
			return true
		}
		st.send(st.t("book_phone_use_button"), nil)
		return true
	case stepWhere:
		if t == st.t("btn_cancel_text") {
			st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("cancelled"), RemoveKeyboard: true})
			st.s.resetFlow()
			st.menu()
			return true
		}
	case stepScreen:
		// The checklist asks "ya atau tidak": a typed answer counts, and
		// so does a button's label typed out ("belum pernah").
		if a, ok := checklistTyped(st, len(s.Answers), t); ok {
			if c := st.catalog(); c != nil {
				f.checklistAnswer(st, s, c, a)
			}
			return true
		}
		st.send(st.t("book_use_buttons"), nil)
		return true
	case stepKab, stepKec, stepFac, stepEvent, stepMethod, stepSession, stepPerm, stepConfirm, stepCadre:
		// A choice is made with the buttons above; text here is not a
		// question for the search, which would lose her place.
		st.send(st.t("book_use_buttons"), nil)
		return true
	}
	return false
}

// checklistTyped reads a typed answer to checklist question i: its
// buttons' labels, or yes or no, the other way round for a question asked
// the other way round from the checklist's. The result is the checklist's
// "y" or "n".
func checklistTyped(st *step, i int, t string) (string, bool) {
	qs := st.e.lib.Checklist().Questions
	if i < 0 || i >= len(qs) {
		return "", false
	}
	q := qs[i]
	typed := strings.ToLower(strings.Trim(strings.TrimSpace(t), ".!"))
	for _, l := range content.Langs {
		switch {
		case q.Yes.In(l) != "" && typed == strings.ToLower(q.Yes.In(l)):
			return "y", true
		case q.No.In(l) != "" && typed == strings.ToLower(q.No.In(l)):
			return "n", true
		}
	}
	a, ok := yesNo(t)
	if ok && q.Inverted {
		a = map[string]string{"y": "n", "n": "y"}[a]
	}
	return a, ok
}

// yesNo reads a typed answer to a yes-or-no question: "y" or "n".
func yesNo(t string) (string, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(t), ".!")) {
	case "ya", "iya", "y", "yes", "betul", "benar", "sudah":
		return "y", true
	case "tidak", "tdk", "nggak", "enggak", "gak", "ga", "no", "n", "bukan", "belum":
		return "n", true
	}
	return "", false
}

// cleanName accepts a person's name: 2-100 characters, letters and the
// punctuation of names, nothing that could be markup or a link.
func cleanName(t string) (string, bool) {
	t = strings.Join(strings.Fields(t), " ")
	n := utf8.RuneCountInString(t)
	if n < 2 || n > booking.MaxNameLen {
		return "", false
	}
	letters := 0
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == ' ' || r == '.' || r == '\'' || r == '-' || r == ',':
		default:
			return "", false
		}
	}
	return t, letters >= 2
}

// cleanPhone accepts an Indonesian phone number typed by a cadre.
func cleanPhone(t string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(t) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", false
		}
	}
	p := b.String()
	if len(p) < 8 || len(p) > 16 {
		return "", false
	}
	return p, true
}

// askPhone offers to share the resident's own number with Telegram's
// contact button; it is optional.
func (bookFlow) askPhone(st *step, s *bookState) {
	st.s.Step = stepPhone
	st.inPlace = false
	if s.Cadre {
		st.send(st.t("cadre_ask_phone"), [][]kbbot.Button{{st.flowButton(st.t("btn_skip_phone"), bkSkip)}})
		return
	}
	st.toast("")
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_ask_phone"),
		Keyboard: [][]kbbot.KeyButton{{{Label: st.t("btn_share_phone"), RequestContact: true}}, {{Label: st.t("btn_skip_phone")}}}})
}

// Contact takes a contact shared when the phone number is asked: only the
// resident's own number.
func (f bookFlow) Contact(st *step, phone string, own bool) bool {
	if st.s.Step != stepPhone {
		return false
	}
	var s bookState
	loadState(st, &s)
	if !own || s.Cadre {
		st.send(st.t("book_phone_not_own"), nil)
		return true
	}
	s.Phone = phone
	if c := st.catalog(); c != nil {
		f.afterPhone(st, &s, c)
	}
	s.keep(st)
	return true
}

// afterPhone goes on to the pre-screening the method needs.
func (f bookFlow) afterPhone(st *step, s *bookState, c *booking.Catalog) {
	if !s.Cadre {
		st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_phone_thanks"), RemoveKeyboard: true})
	}
	st.inPlace = false
	switch booking.Method(s.Method) {
	case booking.IUD, booking.Implan, booking.Suntik1, booking.Suntik3:
		st.s.Step = stepScreen
		s.Answers = ""
		cl := st.e.lib.Checklist()
		intro := cl.Intro
		if s.Cadre {
			intro = cl.CadreIntro
		}
		st.send(st.local(intro), nil)
		f.askChecklist(st, s, 0)
	case booking.MOW, booking.MOP:
		st.s.Step = stepPerm
		key := "book_permanent_mow"
		if s.Method == string(booking.MOP) {
			key = "book_permanent_mop"
		}
		st.send(st.t(key), [][]kbbot.Button{
			{st.flowButton(st.t("btn_permanent_ok"), bkOK)},
			{st.btn("btn_learn_more", data(cbLearn, learnMethod, s.Method))},
			{st.btn("btn_menu", data(cbMenu))},
		})
	default:
		f.confirmBooking(st, s, c)
	}
}

// askChecklist asks question i of the WHO pregnancy checklist. A question
// asked in other words than the checklist's names its answers on the
// buttons ("y" is always the checklist's yes); a kader reads the questions
// to the client.
func (bookFlow) askChecklist(st *step, s *bookState, i int) {
	cl := st.e.lib.Checklist()
	q := cl.Questions[i]
	yes, no := st.t("btn_yes"), st.t("btn_no")
	if q.Yes.ID != "" {
		yes, no = q.Yes.In(st.lang()), q.No.In(st.lang())
	}
	key := "checklist_progress"
	if s.Cadre {
		key = "checklist_progress_cadre"
	}
	st.show(st.t(key, i+1, len(cl.Questions))+"\n\n"+st.local(q.Text), [][]kbbot.Button{{
		st.flowButton(yes, bkAnswer, "y"),
		st.flowButton(no, bkAnswer, "n"),
	}})
}

// checklistAnswer records one answer. The step ends at the first yes or
// after the last no; the result goes to the provider only, and the resident
// reads a neutral acknowledgement.
func (f bookFlow) checklistAnswer(st *step, s *bookState, c *booking.Catalog, a string) {
	if a != "y" && a != "n" {
		st.expired()
		return
	}
	s.Answers += a
	cl := st.e.lib.Checklist()
	if !cl.Done(checklistYes(s.Answers)) {
		f.askChecklist(st, s, len(s.Answers))
		return
	}
	ack := cl.ResidentAck
	if s.Cadre {
		ack = cl.CadreAck
	}
	st.show(st.local(ack), nil)
	st.inPlace = false
	f.confirmBooking(st, s, c)
}

// checklistYes reads the checklist's answers ("y"/"n" each).
func checklistYes(answers string) []bool {
	yes := make([]bool, len(answers))
	for i, r := range answers {
		yes[i] = r == 'y'
	}
	return yes
}

// screening is what the provider receives: the checklist's answers and its
// result in the provider's words. It is never shown to the resident.
func (bookFlow) screening(st *step, s *bookState) map[string]string {
	if s.Answers == "" {
		if st.s.Step == stepConfirm && (s.Method == string(booking.MOW) || s.Method == string(booking.MOP)) {
			return map[string]string{"permanent_explained": "yes"}
		}
		return nil
	}
	cl := st.e.lib.Checklist()
	res := cl.Evaluate(checklistYes(s.Answers))
	out := map[string]string{"checklist_answers": s.Answers, "checklist_summary": res.Summary.In("id")}
	if res.ReasonablySureNotPregnant {
		out["checklist_result"] = "reasonably_sure_not_pregnant"
	} else {
		out["checklist_result"] = "cannot_rule_out"
	}
	return out
}

// confirmBooking shows what will be booked and asks to confirm.
func (bookFlow) confirmBooking(st *step, s *bookState, c *booking.Catalog) {
	sl, ok := s.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	st.s.Step = stepConfirm
	m := booking.Method(s.Method)
	key := "book_confirm"
	if s.Cadre {
		key = "book_confirm_cadre"
	}
	text := st.t(key,
		s.Name,
		st.methodName(m),
		sl.Facility.Name,
		st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility))
	st.show(text, [][]kbbot.Button{
		{st.flowButton(st.t("btn_book_go"), bkGo)},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// book takes the place. The flow's nonce is the idempotency key, so a
// double tap or a redelivered update returns the same booking.
func (f bookFlow) book(st *step, s *bookState, c *booking.Catalog, _ []string) {
	sl, ok := s.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	req := booking.Request{
		EventID: sl.Event.ID, FacilityID: sl.Facility.ID, SessionID: sl.Session.ID,
		Method: booking.Method(s.Method), Name: s.Name, Phone: s.Phone,
		ConsentAt: st.r.ConsentAt, Screening: f.screening(st, s), IdempotencyKey: "flow:" + st.s.Nonce,
	}
	if s.Cadre {
		req.BookedBy, req.ConsentAt = st.ev.ChatID, st.now.UTC()
	} else {
		req.Resident = st.ev.ChatID
	}
	var b booking.Booking
	var err error
	planned := false // the reminders were stored with the booking
	pb, canPlan := st.e.svc.Bookings.(PlannedBooker)
	switch {
	case s.Offer:
		b, err = st.e.svc.Bookings.AcceptOffer(st.ctx, req)
	case canPlan && st.e.svc.Reminders != nil:
		b, planned, err = pb.BookPlanned(st.ctx, req, func(b booking.Booking) []reminders.Item {
			if req.Resident != 0 {
				return st.bookingReminders(sl, b)
			}
			return st.cadreBookingReminders(sl, b)
		})
	default:
		b, err = st.e.svc.Bookings.Book(st.ctx, req)
	}
	var already *booking.AlreadyBookedError
	switch {
	case err == nil:
	case errors.As(err, &already):
		st.s.resetFlow()
		st.show(st.t("book_already"), nil)
		st.inPlace = false
		showBooking(st, c, already.Existing)
		return
	case errors.Is(err, booking.ErrFull):
		f.offerWaitlist(st, sl, req.Method)
		return
	case errors.Is(err, booking.ErrClosed):
		f.end(st, st.t("book_closed"))
		return
	case errors.Is(err, booking.ErrOfferExpired), errors.Is(err, booking.ErrNotFound):
		f.end(st, st.t("offer_gone"))
		return
	default:
		st.storeFailed("book", err)
		return
	}
	if req.Resident != 0 {
		st.r.Name, st.r.Phone = req.Name, req.Phone
		st.r.Log(resident.Entry{At: st.now, Kind: resident.EntryBooked, Code: b.Code, Method: string(b.Method)})
	} else {
		// A booking for a resident without a phone is audited with its
		// code only (no name, phone or method); erasing the resident
		// scrubs the code (erasebooked.go).
		m, _ := st.member()
		st.auditStaff(m, cadre.ActBookFor, facilityArea(sl.Facility), b.Code)
	}
	st.s.resetFlow()
	st.toast(st.t("book_done_toast"))
	f.confirmation(st, c, b)
	switch {
	case planned:
	case req.Resident != 0:
		st.planBooking(sl, b)
	default:
		// Reminders of a resident without a phone go to the cadre.
		st.planCadreBooking(sl, b)
	}
}

// confirmation shows a booking's details, its code, a map link and the
// calendar file.
func (bookFlow) confirmation(st *step, c *booking.Catalog, b booking.Booking) {
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.storeFailed("resolve booking", err)
		return
	}
	done, caption := "book_done", "book_ics_caption"
	if forClient(b) {
		done, caption = "book_done_cadre", "book_ics_caption_cadre"
	}
	text := st.t(done, b.Code) + "\n\n" + st.bookingDetails(sl, b)
	st.show(text, [][]kbbot.Button{
		{{Label: st.t("btn_map"), URL: booking.MapLink(sl.Facility)}},
		{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))},
	})
	st.inPlace = false
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplyDocument, ChatID: st.ev.ChatID, Text: st.t(caption),
		FileName: b.Code + ".ics", File: booking.ICS(b, *sl.Facility, *sl.Event, *sl.Session)})
}

// bookingDetails is the body every booking message shares.
func (st *step) bookingDetails(sl booking.Slot, b booking.Booking) string {
	return st.detailsWith(sl, b, st.queueLine(sl, b))
}

// cadreDetails is the body of a message to the cadre who booked for a
// resident without a phone: as bookingDetails, with the queue number
// said of the resident, not to them.
func (st *step) cadreDetails(sl booking.Slot, b booking.Booking) string {
	q := ""
	if b.Queue > 0 && b.Status == booking.Active && sl.Session != nil {
		q = st.t("booking_queue_only", b.Queue)
		if at, ok := booking.QueueEstimate(sl.Site, sl.Session, b.Method, b.Queue); ok {
			q = st.t("cadre_queue", b.Queue, st.clock(at.In(sl.Facility.Location))+" "+sl.Facility.Zone())
		}
	}
	return st.detailsWith(sl, b, q)
}

// detailsWith is the body of a booking message with queue, its queue line
// ("" for none).
func (st *step) detailsWith(sl booking.Slot, b booking.Booking, queue string) string {
	f := sl.Facility
	addr := f.Address
	for _, part := range []string{f.Kecamatan, f.Kabupaten} {
		if part != "" && !strings.Contains(addr, part) {
			addr += ", " + part
		}
	}
	place := markup(escape(f.Name) + "\n" + escape(addr))
	text := st.t("booking_details",
		b.Name,
		st.methodName(b.Method),
		place,
		st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, f),
		st.t("what_to_bring"))
	if queue != "" {
		text += "\n" + queue
	}
	if f.Demo {
		text += "\n\n" + st.t("demo_facility")
	}
	return text
}

// queueLine is an active booking's queue number in its method's queue of
// its session, with the estimated time (booking.QueueEstimate): "🔢 Nomor
// antrean Ibu: 7. Perkiraan dilayani sekitar 09.10 WIB." Empty for a
// booking without a number.
func (st *step) queueLine(sl booking.Slot, b booking.Booking) string {
	if b.Queue <= 0 || b.Status != booking.Active || sl.Session == nil {
		return ""
	}
	at, ok := booking.QueueEstimate(sl.Site, sl.Session, b.Method, b.Queue)
	if !ok {
		return st.t("booking_queue_only", b.Queue)
	}
	when := st.clock(at.In(sl.Facility.Location)) + " " + sl.Facility.Zone()
	switch {
	case forClient(b):
		return st.t("booking_queue_client", b.Queue, when) // the kader reads it
	case b.Method == booking.MOP:
		return st.t("booking_queue_mop", b.Queue, when) // a man: "Bapak"
	}
	return st.t("booking_queue", b.Queue, when)
}

// forClient reports whether a booking was made by a kader for a client
// without Telegram: its messages go to the kader and speak of "klien".
func forClient(b booking.Booking) bool { return b.Resident == 0 && b.BookedBy != 0 }

// planBooking schedules the booking's reminders unless the resident
// stopped them.
func (st *step) planBooking(sl booking.Slot, b booking.Booking) {
	if st.e.svc.Reminders == nil || st.r.RemindersOff {
		return
	}
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, st.bookingReminders(sl, b)...); err != nil {
		st.mustRetry("schedule booking reminders", err)
	}
}

// bookingReminders are the reminders of the resident's booking b at sl
// that she wants (none when she stopped them all).
func (st *step) bookingReminders(sl booking.Slot, b booking.Booking) []reminders.Item {
	if st.r.RemindersOff {
		return nil
	}
	return st.keepWanted(reminders.PlanBooking(b.Resident, b.Code, sl.Session.Start, sl.Session.End, sl.Facility.Location, st.now))
}

// keepWanted leaves out the kinds the resident stopped.
func (st *step) keepWanted(items []reminders.Item) []reminders.Item {
	out := items[:0]
	for _, it := range items {
		if !contains(st.r.OffKinds, it.Kind) {
			out = append(out, it)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// joinWaitlist puts the resident in line for the chosen method at the site.
func (f bookFlow) joinWaitlist(st *step, s *bookState, c *booking.Catalog, _ []string) {
	sl, ok := s.slot(c)
	m := booking.Method(s.Method)
	if !ok || !m.Valid() || s.Cadre {
		st.expired()
		return
	}
	w, err := st.e.svc.Bookings.JoinWaitlist(st.ctx, booking.WaitRequest{EventID: sl.Event.ID, FacilityID: sl.Facility.ID, Method: m, Resident: st.ev.ChatID})
	if err != nil {
		if errors.Is(err, booking.ErrClosed) {
			f.end(st, st.t("book_closed"))
			return
		}
		st.storeFailed("join waitlist", err)
		return
	}
	st.s.resetFlow()
	if w.Offer != nil {
		st.toast("")
		presentOffer(st, c, *w.Offer)
		return
	}
	st.show(st.t("waitlist_joined", st.methodName(m), sl.Facility.Name, w.Position), [][]kbbot.Button{
		{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))},
	})
}

// bookOffer takes a place offered from the waitlist (offerFlow, orders.go):
// the booking flow goes on with the name, screening and confirmation; the
// place stays held until the deadline.
func bookOffer(st *step, o booking.Offer) {
	bookFlow{}.takeOffer(st, bookState{Event: o.EventID, Fac: o.FacilityID, Session: o.SessionID, Method: string(o.Method)})
}
