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
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// The booking flow: find a site (near a shared location, by region, or by a
// deep link), choose the method, the session, give a name and optionally a
// phone number, pass the pre-screening, confirm. Every button of the flow
// carries the flow's nonce; the flow's answers live in Session.Data.
//
//	b:start                 start (menu)          b:cadre     start as a cadre
//	b:loc:<n>               ask for a location    b:reg:<n>   kabupaten list
//	b:kab:<i>:<n>           kecamatan list        b:kec:<i>:<n> facilities there
//	b:f:<facility>:<n>      choose a facility     b:e:<i>:<n> choose an event there
//	b:m:<method>:<n>        choose a method       b:t:<session>:<n> choose a session
//	b:same:<n>              reuse the saved name  b:skip:<n>  no phone number
//	b:q:<y|n>:<n>           checklist answer      b:ok:<n>    permanent method understood
//	b:go:<n>                book                  b:wl:<n>    join the waitlist
const flowBook = "book"

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

// Keys of Session.Data in flowBook.
const (
	dEvent   = "ev"
	dFac     = "fac"
	dMethod  = "m"
	dSession = "ses"
	dName    = "name"
	dPhone   = "phone"
	dAnswers = "qa"     // checklist answers so far, "n"/"y" per question
	dPreset  = "preset" // method chosen before the site (from education)
	dKab     = "kab"
	dCadre   = "cadre" // "1" when a cadre books for a resident without a phone
	dOffer   = "offer" // "1" when taking a place offered from the waitlist
)

// Booking operations in callback data.
const (
	bkStart   = "start"
	bkCadre   = "cadre"
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

// maxNearest is how many facilities a shared location lists.
const maxNearest = 6

// bookStart begins the booking flow, with a method already chosen when
// coming from the education pages.
func (st *step) bookStart(preset string) {
	if !st.r.Consented() {
		st.needConsent(nextBook + ":" + preset)
		return
	}
	if st.catalog() == nil {
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Step, st.s.Nonce = flowBook, stepWhere, st.e.nonce()
	if preset != "" {
		st.s.set(dPreset, preset)
	}
	n := st.s.Nonce
	st.show(st.t("book_where"), [][]kbbot.Button{
		{st.btn("btn_book_near", data(cbBook, bkLoc, n))},
		{st.btn("btn_book_region", data(cbBook, bkRegions, n))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// cadreBookStart begins a booking a cadre makes for a resident without a phone.
func (st *step) cadreBookStart() {
	// For anyone else the command does not exist (like every staff
	// command), and its button has expired.
	if !st.isCadre() {
		if st.ev.Kind == kbbot.EventCallback {
			st.expired()
			return
		}
		st.send(st.t("unknown_command", "/daftarkan"), st.menuButton())
		return
	}
	if st.catalog() == nil {
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Step, st.s.Nonce = flowBook, stepWhere, st.e.nonce()
	st.s.set(dCadre, "1")
	n := st.s.Nonce
	st.show(st.t("cadre_book_intro")+"\n\n"+st.t("book_where"), [][]kbbot.Button{
		{st.btn("btn_book_region", data(cbBook, bkRegions, n))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// deepLink starts the booking flow at the event or facility named by the
// /start payload ("e-<event>" or "f-<facility>"), once. It reports whether
// it took over.
func (st *step) deepLink() bool {
	p := st.s.StartPayload
	st.s.StartPayload = ""
	// "a-<area code>" and "wilayah" set the resident's area (broadcast_area.go).
	if st.areaDeepLink(p) {
		return true
	}
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
	st.s.resetFlow()
	st.s.Flow, st.s.Nonce = flowBook, st.e.nonce()
	if kind == "f" {
		if _, ok := c.Facility(id); ok {
			st.chooseFacility(c, id)
			return true
		}
	} else if ev, ok := c.Event(id); ok && ev.Open(st.now) {
		st.s.set(dEvent, ev.ID)
		st.s.Step = stepFac
		var rows [][]kbbot.Button
		for _, site := range ev.Sites {
			f, ok := c.Facility(site.Facility)
			if ok && site.Open(st.now) {
				rows = append(rows, []kbbot.Button{{Label: f.Name, Data: data(cbBook, bkFac, f.ID, st.s.Nonce)}})
			}
		}
		st.show(st.t("book_pick_facility_event", ev.Name, st.fmtDay(ev.Date)), append(rows, st.menuButton()...))
		return true
	}
	st.s.resetFlow()
	st.send(st.t("deeplink_unknown"), nil)
	return false
}

// bookCallback routes the booking buttons.
func (st *step) bookCallback(args []string) {
	op := args[0]
	switch op {
	case bkStart:
		st.bookStart("")
		return
	case bkCadre:
		st.cadreBookStart()
		return
	}
	// Everything else belongs to a running booking flow: the last argument
	// is its nonce.
	arg, ok := st.flowArg(flowBook, args)
	if !ok {
		st.expired()
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	switch op {
	case bkLoc:
		st.askLocation()
	case bkRegions:
		st.listKabupaten(c)
	case bkKab:
		st.listKecamatan(c, arg)
	case bkKec:
		st.listFacilitiesIn(c, arg)
	case bkFac:
		st.chooseFacility(c, arg)
	case bkEvent:
		st.chooseEvent(c, arg)
	case bkMethod:
		st.chooseMethod(c, arg)
	case bkSession:
		st.chooseSession(c, arg)
	case bkSame:
		if st.s.Step != stepName || st.r.Name == "" {
			st.expired()
			return
		}
		st.s.set(dName, st.r.Name)
		st.askPhone()
	case bkSkip:
		if st.s.Step != stepPhone {
			st.expired()
			return
		}
		st.s.set(dPhone, "")
		st.afterPhone(c)
	case bkAnswer:
		st.checklistAnswer(c, arg)
	case bkOK:
		if st.s.Step != stepPerm && st.s.Step != stepCadre {
			st.expired()
			return
		}
		if st.s.Step == stepCadre {
			st.s.set("consent_by_cadre", "1")
			st.askPhone()
			return
		}
		st.confirmBooking(c)
	case bkGo:
		if st.s.Step != stepConfirm {
			st.expired()
			return
		}
		st.book(c)
	case bkWait:
		st.joinWaitlist(c)
	default:
		st.expired()
	}
}

func (st *step) askLocation() {
	st.s.Step = stepWhere
	st.toast("")
	st.inPlace = false
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_send_location"),
		Keyboard: [][]kbbot.KeyButton{{{Label: st.t("btn_send_location"), RequestLocation: true}}, {{Label: st.t("btn_cancel_text")}}}})
}

// bookNear lists the facilities with an open event nearest to a shared
// location. The location itself is not stored.
func (st *step) bookNear(lat, lon float64) {
	c := st.catalog()
	if c == nil {
		return
	}
	near := c.Nearest(lat, lon, st.now, maxNearest)
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_location_thanks"), RemoveKeyboard: true})
	if len(near) == 0 {
		st.send(st.t("book_none_open"), st.menuButton())
		st.s.resetFlow()
		return
	}
	st.s.Step = stepFac
	var rows [][]kbbot.Button
	for _, fd := range near {
		rows = append(rows, []kbbot.Button{{Label: fmt.Sprintf("%s · %s km", fd.Facility.Name, st.km(fd.KM)), Data: data(cbBook, bkFac, fd.Facility.ID, st.s.Nonce)}})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_book_region", data(cbBook, bkRegions, st.s.Nonce))}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.send(st.t("book_nearest"), rows)
}

func (st *step) km(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if st.lang() == "id" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (st *step) listKabupaten(c *booking.Catalog) {
	regions := c.Regions(st.now)
	if len(regions) == 0 {
		st.show(st.t("book_none_open"), st.menuButton())
		st.s.resetFlow()
		return
	}
	st.s.Step = stepKab
	var rows [][]kbbot.Button
	for i, r := range regions {
		rows = append(rows, []kbbot.Button{{Label: r.Kabupaten + ", " + r.Provinsi, Data: data(cbBook, bkKab, strconv.Itoa(i), st.s.Nonce)}})
	}
	st.show(st.t("book_pick_kabupaten"), append(rows, st.menuButton()...))
}

func (st *step) listKecamatan(c *booking.Catalog, arg string) {
	regions := c.Regions(st.now)
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(regions) || st.s.Step != stepKab {
		st.expired()
		return
	}
	st.s.Step = stepKec
	st.s.set(dKab, regions[i].Kabupaten)
	var rows [][]kbbot.Button
	for j, k := range regions[i].Kecamatan {
		rows = append(rows, []kbbot.Button{{Label: k, Data: data(cbBook, bkKec, strconv.Itoa(j), st.s.Nonce)}})
	}
	st.show(st.t("book_pick_kecamatan", regions[i].Kabupaten), append(rows, st.menuButton()...))
}

func (st *step) listFacilitiesIn(c *booking.Catalog, arg string) {
	var region *booking.Region
	for _, r := range c.Regions(st.now) {
		if r.Kabupaten == st.s.Data[dKab] {
			region = &r
			break
		}
	}
	j, err := strconv.Atoi(arg)
	if region == nil || err != nil || j < 0 || j >= len(region.Kecamatan) || st.s.Step != stepKec {
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
		rows = append(rows, []kbbot.Button{{Label: ref.Facility.Name, Data: data(cbBook, bkFac, ref.Facility.ID, st.s.Nonce)}})
	}
	st.show(st.t("book_pick_facility", region.Kecamatan[j]), append(rows, st.menuButton()...))
}

// chooseFacility goes on to the facility's event, or lets the resident pick
// one when the facility takes part in several.
func (st *step) chooseFacility(c *booking.Catalog, facID string) {
	f, ok := c.Facility(facID)
	if !ok {
		st.expired()
		return
	}
	// Staff book for residents at facilities of their own area only; the
	// cadres listed in the configuration have no area.
	if m, ok := st.member(); ok && st.s.Data[dCadre] == "1" && !canAt(m, cadre.ActBookFor, f) {
		st.show(st.t("cadre_book_outside", f.Name), st.menuButton())
		st.s.resetFlow()
		return
	}
	sites := c.SitesAt(facID, st.now)
	if ev := st.s.Data[dEvent]; ev != "" {
		var keep []booking.SiteRef
		for _, s := range sites {
			if s.Event.ID == ev {
				keep = append(keep, s)
			}
		}
		sites = keep
	}
	if len(sites) == 0 {
		st.show(st.t("book_facility_closed", f.Name), st.menuButton())
		st.s.resetFlow()
		return
	}
	st.s.set(dFac, facID)
	if len(sites) == 1 {
		st.s.set(dEvent, sites[0].Event.ID)
		st.listMethods(c)
		return
	}
	st.s.Step = stepEvent
	var rows [][]kbbot.Button
	for i, s := range sites {
		rows = append(rows, []kbbot.Button{{Label: s.Event.Name + " · " + st.fmtDay(s.Event.Date), Data: data(cbBook, bkEvent, strconv.Itoa(i), st.s.Nonce)}})
	}
	st.show(st.t("book_pick_event", f.Name), append(rows, st.menuButton()...))
}

func (st *step) chooseEvent(c *booking.Catalog, arg string) {
	sites := c.SitesAt(st.s.Data[dFac], st.now)
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(sites) || st.s.Step != stepEvent {
		st.expired()
		return
	}
	st.s.set(dEvent, sites[i].Event.ID)
	st.listMethods(c)
}

// slot resolves the flow's chosen event and facility (and session, if any).
func (st *step) slot(c *booking.Catalog) (booking.Slot, bool) {
	sl, err := c.Slot(st.s.Data[dEvent], st.s.Data[dFac], st.s.Data[dSession])
	if err != nil {
		return sl, false
	}
	return sl, true
}

// listMethods shows the methods the site offers with the places left.
func (st *step) listMethods(c *booking.Catalog) {
	sl, ok := st.slot(c)
	if !ok {
		st.expired()
		return
	}
	if st.s.Data[dCadre] != "1" && st.s.Data[dOffer] != "1" {
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
	if preset := booking.Method(st.s.Data[dPreset]); preset != "" {
		delete(st.s.Data, dPreset)
		if _, offered := av.Method(preset); offered {
			st.chooseMethod(c, string(preset))
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
		rows = append(rows, []kbbot.Button{{Label: label, Data: data(cbBook, bkMethod, string(mp.Method), st.s.Nonce)}})
	}
	text := st.t("book_pick_method", sl.Facility.Name, sl.Event.Name, st.fmtDay(sl.Event.Date), st.fmtTime(sl.Site.Closes, sl.Facility))
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
func (st *step) chooseMethod(c *booking.Catalog, code string) {
	m := booking.Method(code)
	sl, ok := st.slot(c)
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
	st.s.set(dMethod, code)
	if av.Bookable(m) == 0 {
		st.offerWaitlist(sl, m)
		return
	}
	st.s.Step = stepSession
	var rows [][]kbbot.Button
	for _, sp := range av.Sessions {
		ses, ok := sl.Site.Session(sp.SessionID)
		if !ok || sp.Left() == 0 {
			continue
		}
		label := st.t("book_session_left", st.fmtSpan(ses.Start, ses.End, sl.Facility), sp.Left())
		rows = append(rows, []kbbot.Button{{Label: label, Data: data(cbBook, bkSession, ses.ID, st.s.Nonce)}})
	}
	st.show(st.t("book_pick_session", st.methodName(m), sl.Facility.Name, st.fmtDay(sl.Event.Date)), append(rows, st.menuButton()...))
}

func (st *step) offerWaitlist(sl booking.Slot, m booking.Method) {
	st.s.Step = stepMethod
	st.show(st.t("book_full_waitlist", st.methodName(m), sl.Facility.Name), [][]kbbot.Button{
		{st.btn("btn_join_waitlist", data(cbBook, bkWait, st.s.Nonce))},
		{st.btn("btn_other_place", data(cbBook, bkRegions, st.s.Nonce))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

func (st *step) chooseSession(c *booking.Catalog, id string) {
	if st.s.Step != stepSession {
		st.expired()
		return
	}
	st.s.set(dSession, id)
	sl, ok := st.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	st.askName()
}

// askName asks who the place is for; a resident who booked before may
// reuse the name they gave.
func (st *step) askName() {
	st.s.Step = stepName
	if st.s.Data[dCadre] == "1" {
		st.show(st.t("cadre_ask_name"), [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}})
		return
	}
	var rows [][]kbbot.Button
	if st.r.Name != "" {
		rows = append(rows, []kbbot.Button{st.btnf("btn_same_name", data(cbBook, bkSame, st.s.Nonce), st.r.Name)})
	}
	st.show(st.t("book_ask_name"), append(rows, []kbbot.Button{st.btn("btn_menu", data(cbMenu))}))
}

// bookText takes the typed answers of the flow. It reports whether the text
// was an answer; anything else falls through to the education search.
func (st *step) bookText(t string) bool {
	switch st.s.Step {
	case stepName:
		name, ok := cleanName(t)
		if !ok {
			st.send(st.t("book_name_invalid"), nil)
			return true
		}
		st.s.set(dName, name)
		if st.s.Data[dCadre] == "1" {
			st.s.Step = stepCadre
			st.send(st.t("cadre_confirm_consent", name), [][]kbbot.Button{
				{st.btn("btn_cadre_consent", data(cbBook, bkOK, st.s.Nonce))},
				{st.btn("btn_menu", data(cbMenu))},
			})
			return true
		}
		st.askPhone()
		return true
	case stepPhone:
		if st.s.Data[dCadre] == "1" {
			phone, ok := cleanPhone(t)
			if !ok {
				st.send(st.t("book_phone_invalid"), nil)
				return true
			}
			st.s.set(dPhone, phone)
			if c := st.catalog(); c != nil {
				st.afterPhone(c)
			}
			return true
		}
		if t == st.t("btn_cancel_text") || t == st.t("btn_skip_phone") {
			st.s.set(dPhone, "")
			if c := st.catalog(); c != nil {
				st.afterPhone(c)
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
	}
	return false
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
func (st *step) askPhone() {
	st.s.Step = stepPhone
	st.inPlace = false
	if st.s.Data[dCadre] == "1" {
		st.send(st.t("cadre_ask_phone"), [][]kbbot.Button{{st.btn("btn_skip_phone", data(cbBook, bkSkip, st.s.Nonce))}})
		return
	}
	st.toast("")
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_ask_phone"),
		Keyboard: [][]kbbot.KeyButton{{{Label: st.t("btn_share_phone"), RequestContact: true}}, {{Label: st.t("btn_skip_phone")}}}})
}

// bookPhone takes a shared contact: only the resident's own number.
func (st *step) bookPhone(phone string, own bool) {
	if !own || st.s.Data[dCadre] == "1" {
		st.send(st.t("book_phone_not_own"), nil)
		return
	}
	st.s.set(dPhone, phone)
	if c := st.catalog(); c != nil {
		st.afterPhone(c)
	}
}

// afterPhone goes on to the pre-screening the method needs.
func (st *step) afterPhone(c *booking.Catalog) {
	if st.s.Data[dCadre] != "1" {
		st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: st.t("book_phone_thanks"), RemoveKeyboard: true})
	}
	st.inPlace = false
	switch booking.Method(st.s.Data[dMethod]) {
	case booking.IUD, booking.Implan, booking.Suntik1, booking.Suntik3:
		st.s.Step = stepScreen
		st.s.set(dAnswers, "")
		cl := st.e.lib.Checklist()
		st.send(st.local(cl.Intro), nil)
		st.askChecklist(0)
	case booking.MOW, booking.MOP:
		st.s.Step = stepPerm
		key := "book_permanent_mow"
		if st.s.Data[dMethod] == string(booking.MOP) {
			key = "book_permanent_mop"
		}
		st.send(st.t(key), [][]kbbot.Button{
			{st.btn("btn_permanent_ok", data(cbBook, bkOK, st.s.Nonce))},
			{st.btn("btn_learn_more", data(cbLearn, learnMethod, st.s.Data[dMethod]))},
			{st.btn("btn_menu", data(cbMenu))},
		})
	default:
		st.confirmBooking(c)
	}
}

// askChecklist asks question i of the WHO pregnancy checklist.
func (st *step) askChecklist(i int) {
	cl := st.e.lib.Checklist()
	q := cl.Questions[i]
	st.show(st.t("checklist_progress", i+1, len(cl.Questions))+"\n\n"+st.local(q.Text), [][]kbbot.Button{{
		st.btn("btn_yes", data(cbBook, bkAnswer, "y", st.s.Nonce)),
		st.btn("btn_no", data(cbBook, bkAnswer, "n", st.s.Nonce)),
	}})
}

// checklistAnswer records one answer. The step ends at the first yes or
// after the last no; the result goes to the provider only, and the resident
// reads a neutral acknowledgement.
func (st *step) checklistAnswer(c *booking.Catalog, a string) {
	if st.s.Step != stepScreen || (a != "y" && a != "n") {
		st.expired()
		return
	}
	answers := st.s.Data[dAnswers] + a
	st.s.set(dAnswers, answers)
	yes := make([]bool, len(answers))
	for i, r := range answers {
		yes[i] = r == 'y'
	}
	cl := st.e.lib.Checklist()
	if !cl.Done(yes) {
		st.askChecklist(len(answers))
		return
	}
	st.show(st.local(cl.ResidentAck), nil)
	st.inPlace = false
	st.confirmBooking(c)
}

// screening is what the provider receives: the checklist's answers and its
// result in the provider's words. It is never shown to the resident.
func (st *step) screening() map[string]string {
	answers := st.s.Data[dAnswers]
	if answers == "" {
		if st.s.Step == stepConfirm && (st.s.Data[dMethod] == string(booking.MOW) || st.s.Data[dMethod] == string(booking.MOP)) {
			return map[string]string{"permanent_explained": "yes"}
		}
		return nil
	}
	yes := make([]bool, len(answers))
	for i, r := range answers {
		yes[i] = r == 'y'
	}
	cl := st.e.lib.Checklist()
	res := cl.Evaluate(yes)
	out := map[string]string{"checklist_answers": answers, "checklist_summary": res.Summary.In("id")}
	if res.ReasonablySureNotPregnant {
		out["checklist_result"] = "reasonably_sure_not_pregnant"
	} else {
		out["checklist_result"] = "cannot_rule_out"
	}
	return out
}

// confirmBooking shows what will be booked and asks to confirm.
func (st *step) confirmBooking(c *booking.Catalog) {
	sl, ok := st.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	st.s.Step = stepConfirm
	m := booking.Method(st.s.Data[dMethod])
	text := st.t("book_confirm",
		st.s.Data[dName],
		st.methodName(m),
		sl.Facility.Name,
		st.fmtDay(sl.Event.Date)+", "+st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility))
	st.show(text, [][]kbbot.Button{
		{st.btn("btn_book_go", data(cbBook, bkGo, st.s.Nonce))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// book takes the place. The flow's nonce is the idempotency key, so a
// double tap or a redelivered update returns the same booking.
func (st *step) book(c *booking.Catalog) {
	sl, ok := st.slot(c)
	if !ok || sl.Session == nil {
		st.expired()
		return
	}
	req := booking.Request{
		EventID: sl.Event.ID, FacilityID: sl.Facility.ID, SessionID: sl.Session.ID,
		Method: booking.Method(st.s.Data[dMethod]), Name: st.s.Data[dName], Phone: st.s.Data[dPhone],
		ConsentAt: st.r.ConsentAt, Screening: st.screening(), IdempotencyKey: "flow:" + st.s.Nonce,
	}
	if st.s.Data[dCadre] == "1" {
		req.BookedBy, req.ConsentAt = st.ev.ChatID, st.now.UTC()
	} else {
		req.Resident = st.ev.ChatID
	}
	var b booking.Booking
	var err error
	if st.s.Data[dOffer] == "1" {
		b, err = st.e.svc.Bookings.AcceptOffer(st.ctx, req)
	} else {
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
		st.offerWaitlist(sl, req.Method)
		return
	case errors.Is(err, booking.ErrClosed):
		st.s.resetFlow()
		st.show(st.t("book_closed"), st.menuButton())
		return
	case errors.Is(err, booking.ErrOfferExpired), errors.Is(err, booking.ErrNotFound):
		st.s.resetFlow()
		st.show(st.t("offer_gone"), st.menuButton())
		return
	default:
		st.storeFailed("book", err)
		return
	}
	if req.Resident != 0 {
		st.r.Name, st.r.Phone = req.Name, req.Phone
		st.r.Log(resident.Entry{At: st.now, Kind: resident.EntryBooked, Code: b.Code, Method: string(b.Method)})
	}
	st.s.resetFlow()
	st.toast(st.t("book_done_toast"))
	st.confirmation(c, b)
	if req.Resident != 0 {
		st.planBooking(sl, b)
	}
}

// confirmation shows a booking's details, its code, a map link and the
// calendar file.
func (st *step) confirmation(c *booking.Catalog, b booking.Booking) {
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.storeFailed("resolve booking", err)
		return
	}
	text := st.t("book_done", b.Code) + "\n\n" + st.bookingDetails(sl, b)
	st.show(text, [][]kbbot.Button{
		{{Label: st.t("btn_map"), URL: booking.MapLink(sl.Facility)}},
		{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("btn_menu", data(cbMenu))},
	})
	st.inPlace = false
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplyDocument, ChatID: st.ev.ChatID, Text: st.t("book_ics_caption"),
		FileName: b.Code + ".ics", File: booking.ICS(b, *sl.Facility, *sl.Event, *sl.Session)})
}

// bookingDetails is the body every booking message shares.
func (st *step) bookingDetails(sl booking.Slot, b booking.Booking) string {
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
	if f.Demo {
		text += "\n\n" + st.t("demo_facility")
	}
	return text
}

// planBooking schedules the booking's reminders unless the resident
// stopped them.
func (st *step) planBooking(sl booking.Slot, b booking.Booking) {
	if st.e.svc.Reminders == nil || st.r.RemindersOff {
		return
	}
	items := st.keepWanted(reminders.PlanBooking(b.Resident, b.Code, sl.Session.Start, sl.Session.End, sl.Facility.Location, st.now))
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
		st.mustRetry("schedule booking reminders", err)
	}
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
func (st *step) joinWaitlist(c *booking.Catalog) {
	sl, ok := st.slot(c)
	m := booking.Method(st.s.Data[dMethod])
	if !ok || !m.Valid() || st.s.Data[dCadre] == "1" {
		st.expired()
		return
	}
	w, err := st.e.svc.Bookings.JoinWaitlist(st.ctx, booking.WaitRequest{EventID: sl.Event.ID, FacilityID: sl.Facility.ID, Method: m, Resident: st.ev.ChatID})
	if err != nil {
		if errors.Is(err, booking.ErrClosed) {
			st.s.resetFlow()
			st.show(st.t("book_closed"), st.menuButton())
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

// bookOffer takes a place offered from the waitlist (offerFlow, orders.go)
// through the usual name, screening and confirmation; the place stays held
// until the deadline. The offer's nonce binds the booking's buttons.
func bookOffer(st *step, o booking.Offer) {
	nonce := st.s.Nonce
	st.s.resetFlow()
	st.s.Flow, st.s.Nonce = flowBook, nonce
	st.s.set(dEvent, o.EventID)
	st.s.set(dFac, o.FacilityID)
	st.s.set(dSession, o.SessionID)
	st.s.set(dMethod, string(o.Method))
	st.s.set(dOffer, "1")
	st.askName()
}
