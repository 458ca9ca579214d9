package conversations

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// dayFlow is /hariini, the day list at the service table. For staff who
// may check clients in at a facility (cadre.ActCheckIn: admin, PKB, kader
// and bidan of its area) it lists the facility's bookings of today, in the
// facility's zone, per session and method: queue number, name, code,
// booked or walk-in, and status (menunggu, sudah datang, tidak jadi
// dilayani). Staff with a provider's right (cadre.ActProvide: bidan,
// admin) also see each client's pregnancy-checklist result (health data:
// nobody else does, and the reason a client was not served likewise), and
// may register a walk-in and mark a client as not served. A check-in opens
// the check-in flow (reports_checkin.go), so that outcomes, metrics and
// reports have one path. Text typed while the list or a client is shown
// searches today's clients by name, phone or code.
//
//	hr                   open it (staff menu)      hr:o:<facility>     open it at a facility (from check-in)
//	hr:f:<i>:<n>         one of today's sites      hr:pp:<page>:<n>    a page of those sites
//	hr:s:<session>:<n>   a session                 hr:p:<page>:<n>     a page of the session
//	hr:c:<code>:<n>      a client's card           hr:l:<n>            back to the list
//	hr:ci:<n>            check the client in       hr:ns:<n>           not served: the reasons
//	hr:nr:<reason>:<n>   mark it so                hr:un:<n>           take the mark back
//	hr:w:<n>             register a walk-in        hr:wskip:<n>        the walk-in has no phone
//	hr:wm:<method>:<n>   the walk-in's method      hr:wt:<session>:<n> the walk-in's session
//	hr:wok:<n>           consent attested: register
type dayFlow struct{}

const flowDay = "hr"

// Steps of the day list.
const (
	stepDayPick   = "pick"   // choosing one of today's sites
	stepDayList   = "list"   // a session's list, or search results
	stepDayCard   = "card"   // one client
	stepDayWhy    = "why"    // the reasons a client was not served
	stepWalkName  = "wname"  // a walk-in: their name
	stepWalkPhone = "wphone" // their phone, optional
	stepWalkM     = "wm"     // the method
	stepWalkSess  = "wses"   // the session
	stepWalkOK    = "wok"    // consent attested?
)

// dayPage is how many clients one page of the list shows.
const dayPage = 10

// dayState is the site shown and where the staff member stands in it.
type dayState struct {
	Ev   string `json:"ev,omitempty"`
	Fac  string `json:"fac,omitempty"`
	Sess string `json:"ses,omitempty"` // the session shown
	Page int    `json:"pg,omitempty"`
	Code string `json:"code,omitempty"` // the client shown
	// A walk-in being registered; cleared once registered.
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Method string `json:"m,omitempty"`
	WSess  string `json:"ws,omitempty"`
}

// DayStore is what the day list needs of the booking store
// (redisstore.BookingStore implements it): it reads the bookings where
// they are, and changes them through the store's atomic scripts.
type DayStore interface {
	// DayList returns the bookings of one site of an event, any status.
	DayList(ctx context.Context, eventID, facilityID string) ([]booking.Booking, error)
	// WalkIn registers a client at the service table, taking a place of
	// the quota (*booking.FullError when none is left); r.BookedBy is the
	// staff member, r.Resident 0.
	WalkIn(ctx context.Context, r booking.Request) (booking.Booking, error)
	// MarkNotServed records that a client was not served, and why; the
	// place is given back. booking.ErrServed, booking.ErrCancelled.
	MarkNotServed(ctx context.Context, n booking.NotServedMark) (booking.Booking, error)
	// UndoNotServed takes the mark back while the place is free
	// (*booking.FullError otherwise). booking.ErrNotMarked.
	UndoNotServed(ctx context.Context, code string, by kbbot.ChatID) (booking.Booking, error)
}

func (dayFlow) Name() string       { return flowDay }
func (dayFlow) Commands() []string { return []string{"hariini", "today"} }

// daySite is one of today's sites with the member looking at it.
type daySite struct {
	m        cadre.Member
	c        *booking.Catalog
	ev       *booking.Event
	site     *booking.Site
	fac      *booking.Facility
	provider bool // may see health data and act as the provider
}

func (f dayFlow) Routes() []Route {
	listed := []string{stepDayList, stepDayCard, stepDayWhy}
	anywhere := []string{stepDayList, stepDayCard, stepDayWhy, stepWalkName, stepWalkPhone, stepWalkM, stepWalkSess, stepWalkOK}
	at := func(steps ...string) []string { return steps }
	here := func(do func(st *step, d daySite, s *dayState, args []string)) func(*step, []string) {
		return staffDo(func(st *step, m cadre.Member, args []string) {
			if d, s, ok := f.here(st, m); ok {
				do(st, d, &s, args)
			}
		})
	}
	return []Route{
		{Op: "", Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: "o", Args: 1, Right: cadre.ActCheckIn, Do: staffDo(f.openAt)},
		{Op: "f", Args: 1, Steps: at(stepDayPick), Right: cadre.ActCheckIn, Do: staffDo(f.pick)},
		{Op: "pp", Args: 1, Steps: at(stepDayPick), Right: cadre.ActCheckIn, Do: staffDo(func(st *step, m cadre.Member, a []string) {
			n, err := strconv.Atoi(a[0])
			c := st.catalog()
			if err != nil || c == nil {
				if err != nil {
					st.expired()
				}
				return
			}
			f.showPick(st, todaySites(c, m, st), n, "")
		})},
		{Op: "s", Args: 1, Steps: listed, Right: cadre.ActCheckIn, Do: here(func(st *step, d daySite, s *dayState, a []string) {
			if _, ok := d.site.Session(a[0]); !ok {
				st.expired()
				return
			}
			s.Sess, s.Page = a[0], 0
			f.list(st, d, s)
		})},
		{Op: "p", Args: 1, Steps: listed, Right: cadre.ActCheckIn, Do: here(func(st *step, d daySite, s *dayState, a []string) {
			n, err := strconv.Atoi(a[0])
			if err != nil || n < 0 {
				st.expired()
				return
			}
			s.Page = n
			f.list(st, d, s)
		})},
		{Op: "l", Steps: anywhere, Right: cadre.ActCheckIn, Do: here(func(st *step, d daySite, s *dayState, _ []string) {
			f.clearWalkIn(s)
			f.list(st, d, s)
		})},
		{Op: "c", Args: 1, Steps: listed, Right: cadre.ActCheckIn, Do: here(func(st *step, d daySite, s *dayState, a []string) {
			f.card(st, d, s, a[0])
		})},
		{Op: "ci", Steps: at(stepDayCard), Right: cadre.ActCheckIn, Do: here(f.checkIn)},
		{Op: "ns", Steps: at(stepDayCard), Right: cadre.ActProvide, Do: here(f.askWhy)},
		{Op: "nr", Args: 1, Steps: at(stepDayWhy), Right: cadre.ActProvide, Do: here(f.markNotServed)},
		{Op: "un", Steps: at(stepDayCard), Right: cadre.ActProvide, Do: here(f.undoNotServed)},
		{Op: "w", Steps: listed, Right: cadre.ActProvide, Do: here(f.walkIn)},
		{Op: "wskip", Steps: at(stepWalkPhone), Right: cadre.ActProvide, Do: here(func(st *step, d daySite, s *dayState, _ []string) {
			s.Phone = ""
			f.walkMethods(st, d, s, "")
		})},
		{Op: "wm", Args: 1, Steps: at(stepWalkM), Right: cadre.ActProvide, Do: here(f.walkMethod)},
		{Op: "wt", Args: 1, Steps: at(stepWalkSess), Right: cadre.ActProvide, Do: here(f.walkSession)},
		{Op: "wok", Steps: at(stepWalkOK), Right: cadre.ActProvide, Do: here(f.walkRegister)},
	}
}

// Start shows today's sites of the member's area: the list of the only
// one, or a choice.
func (f dayFlow) Start(st *step, _ string) {
	m, ok := staffOpen(st, cadre.ActCheckIn)
	if !ok || !f.ready(st) {
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	sites := todaySites(c, m, st)
	switch len(sites) {
	case 0:
		st.s.resetFlow()
		text := st.t("day_none")
		if next, ok := nextServiceDay(c, m, st); ok {
			text += "\n" + st.t("day_next", st.fmtDay(next.ev.Date), next.fac.Name)
		}
		st.show(text, st.staffButtons())
	case 1:
		st.enter(f, stepDayList)
		f.open(st, sites[0], &dayState{})
	default:
		st.enter(f, stepDayPick)
		saveState(st, dayState{})
		f.showPick(st, sites, 0, "")
	}
}

// dayPickPage is how many sites one page of the choice shows: an admin's
// area is the whole country, where hundreds of sites may serve on one day.
const dayPickPage = 10

// showPick shows page page of today's sites whose facility's name has
// query in it (every site for ""), by their index in sites.
func (f dayFlow) showPick(st *step, sites []daySite, page int, query string) {
	var idx []int
	q := strings.ToLower(strings.TrimSpace(query))
	for i, d := range sites {
		if q == "" || strings.Contains(strings.ToLower(d.fac.Name), q) {
			idx = append(idx, i)
		}
	}
	if q != "" && len(idx) == 1 {
		st.s.Step = stepDayList
		f.open(st, sites[idx[0]], &dayState{})
		return
	}
	pages := max(1, (len(idx)+dayPickPage-1)/dayPickPage)
	page = min(max(page, 0), pages-1)
	var rows [][]kbbot.Button
	for _, i := range idx[page*dayPickPage : min(len(idx), (page+1)*dayPickPage)] {
		d := sites[i]
		label := "🏥 " + shortLabel(d.fac.Name, 32)
		if sameFacility(sites, d.fac.ID) > 1 {
			label += " · " + shortLabel(d.ev.Name, 24)
		}
		rows = append(rows, []kbbot.Button{st.flowButton(label, "f", strconv.Itoa(i))})
	}
	var nav []kbbot.Button
	if page > 0 {
		nav = append(nav, st.flowButton(st.t("btn_day_prev"), "pp", strconv.Itoa(page-1)))
	}
	if page+1 < pages {
		nav = append(nav, st.flowButton(st.t("btn_day_next"), "pp", strconv.Itoa(page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	text := st.t("day_pick")
	switch {
	case q != "" && len(idx) == 0:
		text = st.t("day_pick_none", query) + "\n" + text
	case len(sites) > dayPickPage:
		text += "\n" + st.t("day_pick_type", len(sites))
	}
	st.show(text, append(rows, st.staffButtons()...))
}

// ready reports whether the stores the day list needs are there, and
// says so when not.
func (dayFlow) ready(st *step) bool {
	if !reportReady(st) {
		return false
	}
	if st.e.svc.Day == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return false
	}
	return true
}

// pick opens one of today's sites (hr:f:<i>).
func (f dayFlow) pick(st *step, m cadre.Member, args []string) {
	c := st.catalog()
	if c == nil {
		return
	}
	sites := todaySites(c, m, st)
	i, err := strconv.Atoi(args[0])
	if err != nil || i < 0 || i >= len(sites) {
		st.expired()
		return
	}
	st.s.Step = stepDayList
	f.open(st, sites[i], &dayState{})
}

// openAt opens the list at a facility (hr:o:<facility>, the check-in
// flow's way back), or starts afresh when it has no service today.
func (f dayFlow) openAt(st *step, m cadre.Member, args []string) {
	if !f.ready(st) {
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	for _, d := range todaySites(c, m, st) {
		if d.fac.ID == args[0] {
			st.enter(f, stepDayList)
			f.open(st, d, &dayState{})
			return
		}
	}
	f.Start(st, "")
}

// open shows a site's list at the session under way (or the next).
func (f dayFlow) open(st *step, d daySite, s *dayState) {
	s.Ev, s.Fac, s.Page = d.ev.ID, d.fac.ID, 0
	s.Sess = currentSession(d.site, st)
	f.list(st, d, s)
}

// here reads the site of the flow's state again, checking the member's
// right at its facility and that it is still its service day.
func (f dayFlow) here(st *step, m cadre.Member) (daySite, dayState, bool) {
	var s dayState
	loadState(st, &s)
	if !f.ready(st) {
		return daySite{}, s, false
	}
	c := st.catalog()
	if c == nil {
		return daySite{}, s, false
	}
	sl, err := c.Slot(s.Ev, s.Fac, "")
	if err != nil || !canAt(m, cadre.ActCheckIn, sl.Facility) {
		st.expired()
		return daySite{}, s, false
	}
	if sl.Site.Cancelled || !booking.ServiceDay(sl.Event, sl.Facility, st.now) {
		st.s.resetFlow()
		st.show(st.t("day_over"), [][]kbbot.Button{{st.btn("btn_day_open", data(flowDay))}, {st.btn("btn_menu", data(cbMenu))}})
		return daySite{}, s, false
	}
	return daySite{m: m, c: c, ev: sl.Event, site: sl.Site, fac: sl.Facility, provider: canAt(m, cadre.ActProvide, sl.Facility)}, s, true
}

// todaySites are the sites whose service day it is, at facilities where m
// may check clients in, by facility name.
func todaySites(c *booking.Catalog, m cadre.Member, st *step) []daySite {
	var out []daySite
	for _, ev := range c.Events() {
		for i := range ev.Sites {
			fac, ok := c.Facility(ev.Sites[i].Facility)
			// A cancelled site serves nobody: no list, no walk-in.
			if ok && !ev.Sites[i].Cancelled && canAt(m, cadre.ActCheckIn, fac) && booking.ServiceDay(ev, fac, st.now) {
				out = append(out, daySite{m: m, c: c, ev: ev, site: &ev.Sites[i], fac: fac, provider: canAt(m, cadre.ActProvide, fac)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].fac.Name != out[j].fac.Name {
			return out[i].fac.Name < out[j].fac.Name
		}
		return out[i].ev.ID < out[j].ev.ID
	})
	return out
}

// nextServiceDay is the member's next site with a service day after
// today, if any.
func nextServiceDay(c *booking.Catalog, m cadre.Member, st *step) (daySite, bool) {
	var best daySite
	found := false
	for _, ev := range c.Events() {
		for i := range ev.Sites {
			fac, ok := c.Facility(ev.Sites[i].Facility)
			if !ok || ev.Sites[i].Cancelled || !canAt(m, cadre.ActCheckIn, fac) || !booking.DateOf(st.now, fac.Location).Before(ev.Date) {
				continue
			}
			if !found || ev.Date.Before(best.ev.Date) {
				best, found = daySite{ev: ev, site: &ev.Sites[i], fac: fac}, true
			}
		}
	}
	return best, found
}

func sameFacility(sites []daySite, fac string) int {
	n := 0
	for _, d := range sites {
		if d.fac.ID == fac {
			n++
		}
	}
	return n
}

// currentSession is the session under way at the site, else the next one,
// else the last.
func currentSession(site *booking.Site, st *step) string {
	for _, x := range site.Sessions {
		if st.now.Before(x.End) {
			return x.ID
		}
	}
	if n := len(site.Sessions); n > 0 {
		return site.Sessions[n-1].ID
	}
	return ""
}

// read returns the site's bookings of the day that name a client, in the
// list's order: session, method, queue number (bookings without one
// last, by when they were made).
func (dayFlow) read(st *step, d daySite) ([]booking.Booking, bool) {
	all, err := st.e.svc.Day.DayList(st.ctx, d.ev.ID, d.fac.ID)
	if err != nil {
		st.storeFailed("day list", err)
		return nil, false
	}
	sessRank := map[string]int{}
	for i, x := range d.site.Sessions {
		sessRank[x.ID] = i
	}
	methRank := map[booking.Method]int{}
	for i, m := range booking.Methods() {
		methRank[m] = i
	}
	out := all[:0]
	for _, b := range all {
		if b.ErasedAt.IsZero() && b.Name != "" {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if sessRank[a.SessionID] != sessRank[b.SessionID] {
			return sessRank[a.SessionID] < sessRank[b.SessionID]
		}
		if methRank[a.Method] != methRank[b.Method] {
			return methRank[a.Method] < methRank[b.Method]
		}
		if (a.Queue == 0) != (b.Queue == 0) {
			return a.Queue != 0
		}
		if a.Queue != b.Queue {
			return a.Queue < b.Queue
		}
		return a.CreatedAt.Before(b.CreatedAt)
	})
	return out, true
}

// list shows one page of a session's clients, grouped by method.
func (f dayFlow) list(st *step, d daySite, s *dayState) {
	all, ok := f.read(st, d)
	if !ok {
		return
	}
	sess, ok := d.site.Session(s.Sess)
	if !ok {
		s.Sess = currentSession(d.site, st)
		if sess, ok = d.site.Session(s.Sess); !ok {
			st.expired()
			return
		}
	}
	var in []booking.Booking
	waiting, came, not := 0, 0, 0
	for _, b := range all {
		if b.SessionID != sess.ID || b.Status == booking.Cancelled {
			continue
		}
		in = append(in, b)
		switch b.Status {
		case booking.Active:
			waiting++
		case booking.Attended:
			came++
		case booking.NotServed:
			not++
		}
	}
	pages := max(1, (len(in)+dayPage-1)/dayPage)
	s.Page = min(max(s.Page, 0), pages-1)
	s.Code = ""
	st.s.Step = stepDayList
	saveState(st, *s)

	var b strings.Builder
	b.WriteString(st.t("day_head", d.fac.Name, st.fmtDay(d.ev.Date), shortLabel(d.ev.Name, 48)))
	b.WriteString("\n" + st.t("day_session", st.fmtSpan(sess.Start, sess.End, d.fac), len(in), waiting, came, not))
	if pages > 1 {
		b.WriteString(" " + st.t("day_page", s.Page+1, pages))
	}
	b.WriteString("\n" + st.t("day_search_hint"))
	page := in[s.Page*dayPage : min(len(in), (s.Page+1)*dayPage)]
	if len(in) == 0 {
		b.WriteString("\n\n" + st.t("day_empty"))
	}
	var method booking.Method
	for _, x := range page {
		if x.Method != method {
			method = x.Method
			b.WriteString("\n\n<b>" + escape(st.methodName(method)) + "</b>")
		}
		b.WriteString("\n" + f.line(st, d, x))
	}

	var rows [][]kbbot.Button
	var row []kbbot.Button
	for _, x := range page {
		row = append(row, st.flowButton(f.clientLabel(x), "c", x.Code))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	var nav []kbbot.Button
	if s.Page > 0 {
		nav = append(nav, st.flowButton(st.t("btn_day_prev"), "p", strconv.Itoa(s.Page-1)))
	}
	if s.Page+1 < pages {
		nav = append(nav, st.flowButton(st.t("btn_day_next"), "p", strconv.Itoa(s.Page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	if len(d.site.Sessions) > 1 {
		var ses []kbbot.Button
		for _, x := range d.site.Sessions {
			label := "🕗 " + st.clock(x.Start.In(d.fac.Location))
			if x.ID == sess.ID {
				label = "• " + label + " •"
			}
			ses = append(ses, st.flowButton(label, "s", x.ID))
		}
		rows = append(rows, ses)
	}
	if d.provider {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_walkin"), "w")})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_refresh"), "p", strconv.Itoa(s.Page))})
	st.show(b.String(), append(rows, st.staffButtons()...))
}

// line is one client in the list: "<b>7</b>. Sari Wulandari · KB-7QH4XM ·
// daftar · ⏳ menunggu", and for a provider the checklist's result.
func (f dayFlow) line(st *step, d daySite, b booking.Booking) string {
	num := "–"
	if b.Queue > 0 {
		num = strconv.Itoa(b.Queue)
	}
	kind := st.t("day_kind_booked")
	if b.WalkIn {
		kind = st.t("day_kind_walkin")
	}
	out := st.t("day_line", num, shortLabel(b.Name, 40), b.Code, kind, markup(f.status(st, d, b)))
	if d.provider {
		if c := f.checklistShort(st, b); c != "" {
			out += "\n   " + c
		}
	}
	return out
}

// status is a booking's state on the day, in words. The reason a client
// was not served is health data: only a provider reads it.
func (dayFlow) status(st *step, d daySite, b booking.Booking) string {
	switch b.Status {
	case booking.Attended:
		return st.t("day_status_came")
	case booking.NotServed:
		if d.provider && b.NotServed != nil && b.NotServed.Reason.Valid() {
			return st.t("day_status_not_why", st.t("day_reason_"+string(b.NotServed.Reason)))
		}
		return st.t("day_status_not")
	case booking.Cancelled:
		return st.t("day_status_cancelled")
	}
	return st.t("day_status_waiting")
}

// clientLabel is a client's button: "7 · Sari Wulandari ⏳".
func (dayFlow) clientLabel(b booking.Booking) string {
	mark := map[booking.Status]string{booking.Active: "⏳", booking.Attended: "✅", booking.NotServed: "🚫", booking.Cancelled: "✖️"}[b.Status]
	label := shortLabel(b.Name, 22)
	if b.Queue > 0 {
		label = strconv.Itoa(b.Queue) + " · " + label
	}
	return label + " " + mark
}

// checklistShort is the pregnancy checklist's result in a few words, for a
// provider's list; empty for a method without it.
func (dayFlow) checklistShort(st *step, b booking.Booking) string {
	if b.Screening["permanent_explained"] == "yes" {
		return st.t("day_check_permanent")
	}
	answers := b.Screening["checklist_answers"]
	if answers == "" {
		return ""
	}
	res := st.e.lib.Checklist().Evaluate(checklistYes(answers))
	switch {
	case res.ReasonablySureNotPregnant:
		yes := make([]string, len(res.Yes))
		for i, n := range res.Yes {
			yes[i] = strconv.Itoa(n)
		}
		return st.t("day_check_sure", strings.Join(yes, ", "))
	case res.Complete:
		return st.t("day_check_not_ruled_out")
	}
	return st.t("day_check_incomplete", res.Answered)
}

// Text searches today's clients of the site while the list or a client is
// shown, and takes a walk-in's name and phone.
func (f dayFlow) Text(st *step, t string) bool {
	return staffTyping(st, func(m cadre.Member) {
		if st.s.Step == stepDayPick {
			// A facility's name, to narrow the choice.
			if c := st.catalog(); c != nil {
				f.showPick(st, todaySites(c, m, st), 0, t)
			}
			return
		}
		d, s, ok := f.here(st, m)
		if !ok {
			return
		}
		switch st.s.Step {
		case stepWalkName:
			f.walkName(st, d, &s, t)
		case stepWalkPhone:
			f.walkPhone(st, d, &s, t)
		case stepDayList, stepDayCard, stepDayWhy:
			f.search(st, d, &s, t)
		default:
			st.send(st.t("report_use_buttons"), nil)
		}
	})
}

// Search limits: the words typed, and how many clients a search shows.
const (
	daySearchMin   = 2
	daySearchMax   = 64
	daySearchShown = 10
)

// search finds today's clients of the site, in every session, by name
// (every word typed is part of the name), phone (the digits typed end the
// number, 0 and +62 alike) or booking code.
func (f dayFlow) search(st *step, d daySite, s *dayState, q string) {
	q = strings.Join(strings.Fields(q), " ")
	if n := utf8.RuneCountInString(q); n < daySearchMin || n > daySearchMax {
		st.send(st.t("day_search_bad", daySearchMin, daySearchMax), [][]kbbot.Button{{st.flowButton(st.t("btn_day_back"), "l")}})
		return
	}
	all, ok := f.read(st, d)
	if !ok {
		return
	}
	match := searchMatcher(q)
	var found []booking.Booking
	for _, b := range all {
		if match(b) {
			found = append(found, b)
		}
	}
	s.Code = ""
	st.s.Step = stepDayList
	saveState(st, *s)
	back := []kbbot.Button{st.flowButton(st.t("btn_day_back"), "l")}
	if len(found) == 0 {
		st.send(st.t("day_search_none", q, d.fac.Name), append([][]kbbot.Button{back}, st.staffButtons()...))
		return
	}
	var b strings.Builder
	b.WriteString(st.t("day_search_found", len(found), q))
	if len(found) > daySearchShown {
		b.WriteString("\n" + st.t("day_search_more", daySearchShown))
		found = found[:daySearchShown]
	}
	var rows [][]kbbot.Button
	for _, x := range found {
		sess, _ := d.site.Session(x.SessionID)
		when := ""
		if sess != nil {
			when = st.clock(sess.Start.In(d.fac.Location))
		}
		b.WriteString("\n" + st.t("day_search_line", when, st.methodName(x.Method)) + " " + f.line(st, d, x))
		rows = append(rows, []kbbot.Button{st.flowButton(f.clientLabel(x), "c", x.Code)})
	}
	st.send(b.String(), append(append(rows, back), st.staffButtons()...))
}

// searchMatcher returns what a typed search matches.
func searchMatcher(q string) func(booking.Booking) bool {
	if code, ok := booking.NormalizeCode(q); ok {
		return func(b booking.Booking) bool { return b.Code == code }
	}
	digits, other := 0, false
	var db strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
			db.WriteRune(r)
		case r == '+' || r == ' ' || r == '-':
		default:
			other = true
		}
	}
	if !other && digits >= 4 {
		want := phoneTail(db.String())
		return func(b booking.Booking) bool {
			return b.Phone != "" && strings.HasSuffix(phoneTail(onlyDigits(b.Phone)), want)
		}
	}
	words := strings.Fields(strings.ToLower(q))
	// A code typed in part ("7qh4": with a digit, which no name has)
	// finds it too.
	part := strings.NewReplacer(" ", "", "-", "").Replace(strings.ToUpper(q))
	codeLike := len(part) >= 3 && digits > 0
	return func(b booking.Booking) bool {
		if codeLike && strings.Contains(strings.TrimPrefix(b.Code, booking.CodePrefix), part) {
			return true
		}
		name := strings.ToLower(b.Name)
		for _, w := range words {
			if !strings.Contains(name, w) {
				return false
			}
		}
		return true
	}
}

// phoneTail drops a number's national prefix (0, 62), so that 0812… and
// +62812… compare equal.
func phoneTail(d string) string {
	switch {
	case strings.HasPrefix(d, "62"):
		return d[2:]
	case strings.HasPrefix(d, "0"):
		return d[1:]
	}
	return d
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// card shows one client with what can be done.
func (f dayFlow) card(st *step, d daySite, s *dayState, code string) {
	code, ok := booking.NormalizeCode(code)
	if !ok {
		st.expired()
		return
	}
	b, ci, done, err := st.e.svc.Reports.CheckInOf(st.ctx, code)
	if errors.Is(err, booking.ErrNotFound) || (err == nil && (b.EventID != d.ev.ID || b.FacilityID != d.fac.ID || b.Name == "")) {
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("day list card", err)
		return
	}
	s.Code = b.Code
	st.s.Step = stepDayCard
	saveState(st, *s)

	var t strings.Builder
	t.WriteString(st.t("day_card_head", b.Name, b.Code))
	sessText := b.SessionID
	if sess, ok := d.site.Session(b.SessionID); ok {
		sessText = st.fmtSpan(sess.Start, sess.End, d.fac)
	}
	num := "–"
	if b.Queue > 0 {
		num = strconv.Itoa(b.Queue)
	}
	t.WriteString("\n" + st.t("day_card_place", num, st.methodName(b.Method), sessText))
	switch {
	case b.WalkIn:
		t.WriteString("\n" + st.t("day_card_walkin", f.staffName(st, b.BookedBy), st.clock(b.ConsentAt.In(d.fac.Location))))
	case b.Resident != 0:
		t.WriteString("\n" + st.t("day_card_self"))
	default:
		t.WriteString("\n" + st.t("day_card_cadre", f.staffName(st, b.BookedBy)))
	}
	if b.Phone != "" {
		t.WriteString("\n" + st.t("day_card_phone", b.Phone))
	}
	status := f.status(st, d, b)
	switch {
	case done && b.Status == booking.Attended:
		status = st.t("day_card_came", st.clock(ci.At.In(d.fac.Location)), f.staffName(st, ci.By), st.methodName(ci.Method), st.t("cat_"+string(ci.Category)))
	case b.Status == booking.NotServed && b.NotServed != nil:
		status = st.t("day_card_not", markup(status), st.clock(b.NotServed.At.In(d.fac.Location)), f.staffName(st, b.NotServed.By))
	}
	t.WriteString("\n" + st.t("day_card_status", markup(status)))
	if d.provider {
		if sc := (checkinFlow{}).screening(st, b); sc != "" {
			t.WriteString("\n\n" + sc)
		} else if needsChecklist(b.Method) {
			t.WriteString("\n\n" + st.t("day_card_no_checklist"))
		}
	}

	var rows [][]kbbot.Button
	switch b.Status {
	case booking.Active:
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_checkin"), "ci")})
		if d.provider {
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_not_served"), "ns")})
		}
	case booking.NotServed:
		if d.provider {
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_undo"), "un")})
		}
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_back"), "l")}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.show(t.String(), rows)
}

// needsChecklist reports whether method m asks the pregnancy checklist
// when booked (book.go, afterPhone).
func needsChecklist(m booking.Method) bool {
	switch m {
	case booking.IUD, booking.Implan, booking.Suntik1, booking.Suntik3:
		return true
	}
	return false
}

// staffName is how staff see another staff member: their name, or their
// role, never a Telegram id.
func (dayFlow) staffName(st *step, chat kbbot.ChatID) string {
	if chat == 0 {
		return st.t("day_someone")
	}
	if chat == st.ev.ChatID {
		return st.t("day_you")
	}
	if st.e.svc.Staff != nil {
		if m, ok, err := st.e.svc.Staff.Member(st.ctx, chat); err == nil && ok {
			if m.Name != "" {
				return m.Name
			}
			return st.roleName(m.Role)
		}
	}
	return st.t("day_someone")
}

// client reads the client shown again, at this site; ok false after
// answering.
func (dayFlow) client(st *step, d daySite, s *dayState) (booking.Booking, bool) {
	b, err := st.e.svc.Bookings.Get(st.ctx, s.Code)
	if errors.Is(err, booking.ErrNotFound) || (err == nil && (b.EventID != d.ev.ID || b.FacilityID != d.fac.ID)) {
		st.expired()
		return b, false
	}
	if err != nil {
		st.storeFailed("day list client", err)
		return b, false
	}
	return b, true
}

// checkIn hands the client over to the check-in flow, which comes back to
// this list.
func (f dayFlow) checkIn(st *step, d daySite, s *dayState, _ []string) {
	if _, ok := f.client(st, d, s); !ok {
		return
	}
	checkinFlow{}.fromList(st, d.m, s.Code, d.fac.ID)
}

// askWhy asks why the client was not served.
func (f dayFlow) askWhy(st *step, d daySite, s *dayState, _ []string) {
	b, ok := f.client(st, d, s)
	if !ok {
		return
	}
	if b.Status != booking.Active {
		f.card(st, d, s, b.Code)
		return
	}
	st.s.Step = stepDayWhy
	var rows [][]kbbot.Button
	for _, r := range booking.NotServedReasons() {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_reason_"+string(r)), "nr", string(r))})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_back_client"), "c", b.Code)})
	st.show(st.t("day_why", b.Name, b.Code), rows)
}

// markNotServed records the reason and shows the client again.
func (f dayFlow) markNotServed(st *step, d daySite, s *dayState, args []string) {
	reason := booking.NotServedReason(args[0])
	if !reason.Valid() || s.Code == "" {
		st.expired()
		return
	}
	_, err := st.e.svc.Day.MarkNotServed(st.ctx, booking.NotServedMark{Code: s.Code, By: st.ev.ChatID, At: st.now.UTC(), Reason: reason})
	switch {
	case err == nil:
		st.auditStaff(d.m, cadre.AuditNotServed, facilityArea(d.fac), s.Code)
		st.toast(st.t("day_marked"))
	case errors.Is(err, booking.ErrServed):
		st.toast(st.t("day_mark_served"))
	case errors.Is(err, booking.ErrCancelled), errors.Is(err, booking.ErrNotFound):
		st.toast(st.t("day_mark_cancelled"))
	default:
		st.storeFailed("mark not served", err)
		return
	}
	f.card(st, d, s, s.Code)
}

// undoNotServed takes the mark back, when the place is still free.
func (f dayFlow) undoNotServed(st *step, d daySite, s *dayState, _ []string) {
	b, ok := f.client(st, d, s)
	if !ok {
		return
	}
	_, err := st.e.svc.Day.UndoNotServed(st.ctx, b.Code, st.ev.ChatID)
	switch {
	case err == nil:
		st.auditStaff(d.m, cadre.AuditServedAgain, facilityArea(d.fac), b.Code)
		st.toast(st.t("day_unmarked"))
	case errors.Is(err, booking.ErrFull):
		st.inPlace = false
		st.send(st.t("day_undo_full", st.methodName(b.Method)), nil)
	case errors.Is(err, booking.ErrNotMarked), errors.Is(err, booking.ErrAlreadyBooked), errors.Is(err, booking.ErrCancelled):
	default:
		st.storeFailed("undo not served", err)
		return
	}
	f.card(st, d, s, b.Code)
}

// Walk-ins.

func (dayFlow) clearWalkIn(s *dayState) { s.Name, s.Phone, s.Method, s.WSess = "", "", "", "" }

// walkIn starts registering a client who came without booking. Each
// walk-in gets a fresh nonce: its idempotency key.
func (f dayFlow) walkIn(st *step, d daySite, s *dayState, _ []string) {
	f.clearWalkIn(s)
	s.Code = ""
	st.s.Nonce = st.e.nonce()
	st.s.Step = stepWalkName
	saveState(st, *s)
	st.show(st.t("day_walk_name", d.fac.Name), [][]kbbot.Button{{st.flowButton(st.t("btn_day_walk_cancel"), "l")}})
}

func (f dayFlow) walkName(st *step, d daySite, s *dayState, t string) {
	name, ok := cleanName(t)
	if !ok {
		st.send(st.t("day_walk_bad_name", booking.MaxNameLen), [][]kbbot.Button{{st.flowButton(st.t("btn_day_walk_cancel"), "l")}})
		return
	}
	s.Name = name
	st.s.Step = stepWalkPhone
	saveState(st, *s)
	st.send(st.t("day_walk_phone", name), [][]kbbot.Button{
		{st.flowButton(st.t("btn_day_walk_skip"), "wskip")},
		{st.flowButton(st.t("btn_day_walk_cancel"), "l")},
	})
}

func (f dayFlow) walkPhone(st *step, d daySite, s *dayState, t string) {
	phone, ok := cleanPhone(t)
	if !ok {
		st.send(st.t("day_walk_bad_phone"), [][]kbbot.Button{
			{st.flowButton(st.t("btn_day_walk_skip"), "wskip")},
			{st.flowButton(st.t("btn_day_walk_cancel"), "l")},
		})
		return
	}
	s.Phone = phone
	f.walkMethods(st, d, s, "")
}

// walkMethods asks for the method, among those with places left today;
// note says why it is asked again.
func (f dayFlow) walkMethods(st *step, d daySite, s *dayState, note string) {
	if s.Name == "" {
		st.expired()
		return
	}
	av, err := st.e.svc.Bookings.Availability(st.ctx, d.ev.ID, d.fac.ID)
	if err != nil {
		st.storeFailed("availability", err)
		return
	}
	s.Method, s.WSess = "", ""
	st.s.Step = stepWalkM
	saveState(st, *s)
	var rows [][]kbbot.Button
	for _, mp := range av.Methods {
		if n := av.Bookable(mp.Method); n > 0 {
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_walk_method", st.methodName(mp.Method), n), "wm", string(mp.Method))})
		}
	}
	text := st.t("day_walk_method", s.Name)
	if note != "" {
		text = note + "\n\n" + text
	}
	if len(rows) == 0 {
		f.clearWalkIn(s)
		st.s.Step = stepDayList
		saveState(st, *s)
		text = st.t("day_walk_all_full", d.fac.Name)
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_walk_cancel"), "l")})
	st.show(text, rows)
}

// walkMethod takes the method and asks for the session, unless only one
// has places left.
func (f dayFlow) walkMethod(st *step, d daySite, s *dayState, args []string) {
	m := booking.Method(args[0])
	if !m.Valid() || d.site.Quota[m] <= 0 || s.Name == "" {
		st.expired()
		return
	}
	av, err := st.e.svc.Bookings.Availability(st.ctx, d.ev.ID, d.fac.ID)
	if err != nil {
		st.storeFailed("availability", err)
		return
	}
	if mp, ok := av.Method(m); !ok || mp.Left() == 0 {
		f.walkMethods(st, d, s, st.t("day_walk_full_method", st.methodName(m), d.fac.Name))
		return
	}
	s.Method = string(m)
	var open []booking.SessionPlaces
	for _, sp := range av.Sessions {
		if sp.Left() > 0 {
			open = append(open, sp)
		}
	}
	switch len(open) {
	case 0:
		f.walkMethods(st, d, s, st.t("day_walk_full_sessions", d.fac.Name))
		return
	case 1:
		s.WSess = open[0].SessionID
		f.walkConfirm(st, d, s)
		return
	}
	st.s.Step = stepWalkSess
	saveState(st, *s)
	var rows [][]kbbot.Button
	for _, sp := range open {
		if x, ok := d.site.Session(sp.SessionID); ok {
			rows = append(rows, []kbbot.Button{st.flowButton(st.t("book_session_left", st.fmtSpan(x.Start, x.End, d.fac), av.SessionLeft(sp, m)), "wt", x.ID)})
		}
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_day_walk_cancel"), "l")})
	st.show(st.t("day_walk_session", s.Name, st.methodName(m)), rows)
}

func (f dayFlow) walkSession(st *step, d daySite, s *dayState, args []string) {
	if _, ok := d.site.Session(args[0]); !ok || s.Method == "" {
		st.expired()
		return
	}
	s.WSess = args[0]
	f.walkConfirm(st, d, s)
}

// walkConfirm shows what will be registered and asks the staff member to
// attest the client's spoken consent.
func (f dayFlow) walkConfirm(st *step, d daySite, s *dayState) {
	sess, ok := d.site.Session(s.WSess)
	if !ok {
		st.expired()
		return
	}
	st.s.Step = stepWalkOK
	saveState(st, *s)
	phone := s.Phone
	if phone == "" {
		phone = st.t("day_walk_no_phone")
	}
	days := int(st.e.svc.Notice.BookingRetention.Hours() / 24)
	st.show(st.t("day_walk_confirm", s.Name, phone, st.methodName(booking.Method(s.Method)), st.fmtSpan(sess.Start, sess.End, d.fac), days),
		[][]kbbot.Button{
			{st.flowButton(st.t("btn_day_walk_consent"), "wok")},
			{st.flowButton(st.t("btn_day_walk_cancel"), "l")},
		})
}

// walkRegister registers the walk-in, from the quota, and audits it.
func (f dayFlow) walkRegister(st *step, d daySite, s *dayState, _ []string) {
	sess, ok := d.site.Session(s.WSess)
	m := booking.Method(s.Method)
	if !ok || !m.Valid() || s.Name == "" {
		st.expired()
		return
	}
	b, err := st.e.svc.Day.WalkIn(st.ctx, booking.Request{
		EventID: d.ev.ID, FacilityID: d.fac.ID, SessionID: sess.ID, Method: m,
		BookedBy: st.ev.ChatID, Name: s.Name, Phone: s.Phone, ConsentAt: st.now.UTC(),
		IdempotencyKey: "walkin:" + st.s.Nonce,
	})
	var full *booking.FullError
	switch {
	case err == nil:
	case errors.As(err, &full) && full.What == booking.FullSession:
		f.walkMethods(st, d, s, st.t("day_walk_full_session", st.fmtSpan(sess.Start, sess.End, d.fac)))
		return
	case errors.As(err, &full):
		f.walkMethods(st, d, s, st.t("day_walk_full_method", st.methodName(m), d.fac.Name))
		return
	default:
		st.storeFailed("walk-in", err)
		return
	}
	st.auditStaff(d.m, cadre.AuditWalkIn, facilityArea(d.fac), b.Code)
	f.clearWalkIn(s)
	s.Code, s.Sess = b.Code, b.SessionID
	st.s.Step = stepDayCard
	saveState(st, *s)
	st.toast(st.t("day_walk_done_toast"))
	st.show(st.t("day_walk_done", b.Name, b.Queue, st.methodName(b.Method), st.fmtSpan(sess.Start, sess.End, d.fac), b.Code), [][]kbbot.Button{
		{st.flowButton(st.t("btn_day_checkin"), "ci")},
		{st.flowButton(st.t("btn_day_back"), "l")},
	})
}

// shortLabel shortens s to at most n characters at a word boundary, with
// "…" where it cut: "Pelayanan KB Serentak HUT Bhayangkara ke-77" at 30
// is "Pelayanan KB Serentak HUT…". It never cuts inside a word: a first
// word longer than n is kept whole.
func shortLabel(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	words := strings.Fields(s)
	out := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(out)+1+utf8.RuneCountInString(w)+1 > n {
			break
		}
		out += " " + w
	}
	return strings.TrimRightFunc(out, func(r rune) bool { return unicode.IsPunct(r) && r != ')' }) + "…"
}
