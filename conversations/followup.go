package conversations

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/report"
	"github.com/kbbot/kbbot/resident"
)

// followUpFlow is /tindaklanjut, the cadres' follow-up by name
// (cadre.ActFollowUp: admin, PKB, kader, TPK). It lists, by name, the
// residents of the member's area to contact:
//
//   - who did not come: booked, not checked in, after the session (or
//     marked "tidak datang" at the table);
//   - who cancelled (or whose site was cancelled, or whose place the
//     block rule gave back);
//   - who said /berhenti (with the reason they gave) or blocked the bot;
//   - whom the member booked without a phone (/daftarkan).
//
// Whose: a booking counts where its facility lies (as /hariini and /rekap
// decide); a resident who stopped or blocked the bot counts also where
// they said they live (/wilayah). Only residents whose consent covers the
// follow-up are listed: they agreed to a privacy notice of version
// FollowUpNotice or later, which names "tindak lanjut oleh kader wilayah
// Ibu, misalnya setelah Ibu berhenti atau memblokir bot ini"; a resident
// booked without a phone is listed to the cadre who booked them only, who
// recorded their consent to that booking and its reminders. Walk-ins are
// not listed (they were served), nor residents without a name. Rows are
// kept for bookings of events of the last FollowUpDays.
//
// Per row: one tap sends a personal reminder (reminders.KindNudge, a fixed
// text by the booking's state, at most once a day per booking, within the
// send limits like every reminder; never to a resident who stopped or
// blocked the bot), or marks "sudah dihubungi" (who and when, stored and
// audited); for a resident booked without a phone, the slip as a PNG.
// A mark holds until a newer reason: a row is open again when the
// resident does something new (cancels again, stops).
//
//	tl                   open the list (staff menu)     tl:pg:<page>:<n>   a page
//	tl:r:<key>:<n>       a row's card                   tl:l:<n>           back to the list
//	tl:s:<key>:<n>       send the personal reminder     tl:k:<key>:<n>     mark "sudah dihubungi"
//	tl:slip:<code>       the slip of a booking made for a resident without a phone (works anywhere)
//
// A row's key is "c<chat>" (a resident with Telegram) or "b<code>" (a
// booking made for a resident without a phone).
type followUpFlow struct{}

const (
	flowFollowUp = "tl"
	fuSlip       = "slip"
	stepFuList   = "list"
	stepFuCard   = "card"
	// fuPage is how many rows a page lists.
	fuPage = 6
)

// FollowUpNotice is the first privacy notice (NoticeVersion) that names
// the cadres' follow-up: a resident who agreed to an older one is not
// listed until they agree to a newer one.
const FollowUpNotice = 2

// FollowUpDays is how long after its event a booking stays a reason to
// follow a resident up; a row marked "sudah dihubungi" that long ago
// leaves the list too.
const FollowUpDays = 30

// FollowUpStore is what the follow-up list needs beyond the bookings
// (redisstore.FollowUpStore implements it).
type FollowUpStore interface {
	// OptedOutIn lists the residents whose area lies within area and who
	// said /berhenti or blocked the bot.
	OptedOutIn(ctx context.Context, area cadre.Area) ([]kbbot.ChatID, error)
	// Records reads residents' records (read only); chats without one
	// are left out.
	Records(ctx context.Context, chats []kbbot.ChatID) (map[kbbot.ChatID]*resident.Record, error)
	// Contacts returns the "sudah dihubungi" marks of rows, by key.
	Contacts(ctx context.Context, keys []string) (map[string]cadre.Contacted, error)
	// MarkContacted stores a row's mark.
	MarkContacted(ctx context.Context, key string, c cadre.Contacted) error
	// ForgetBooking deletes the mark of a booking's resident booked
	// without a phone (/hapuspeserta).
	ForgetBooking(ctx context.Context, code string) error
}

// fuState is where the member stands: the page, and the row shown.
type fuState struct {
	Page int    `json:"pg,omitempty"`
	Key  string `json:"key,omitempty"`
}

// The reasons to follow a resident up.
const (
	fuNoShow    = "noshow"
	fuCancelled = "cancelled"
	fuSiteCx    = "sitecx"
	fuReleased  = "released" // cancelled by the block rule
	fuStopped   = "stopped"
	fuBlocked   = "blocked"
	fuBooked    = "booked"
)

// fuReason is one reason a row is listed, with when it arose.
type fuReason struct {
	Kind string
	At   time.Time
	// Booking and its slot, for the reasons about a booking.
	Booking *booking.Booking
	Slot    booking.Slot
	// Stop is the stop reason a resident gave (fuStopped).
	Stop string
}

// fuRow is one resident to follow up.
type fuRow struct {
	Key     string
	Chat    kbbot.ChatID
	Name    string
	Phone   string
	Record  *resident.Record
	Reasons []fuReason
	Latest  time.Time
	Contact *cadre.Contacted
}

// open reports whether the row still needs a contact: no mark, or one
// older than its newest reason.
func (r fuRow) open() bool { return r.Contact == nil || r.Contact.At.Before(r.Latest) }

// nudgeable is the booking a personal reminder would be about: the
// newest no-show or cancellation of a resident with Telegram who may
// receive messages; nil when none may be sent.
func (r fuRow) nudgeable() *fuReason {
	if r.Chat == 0 || r.Record == nil || r.Record.RemindersOff || r.Record.Blocked || r.Record.StopKind(reminders.KindNudge) {
		return nil
	}
	var best *fuReason
	for i, x := range r.Reasons {
		if (x.Kind == fuNoShow || x.Kind == fuCancelled || x.Kind == fuSiteCx || x.Kind == fuReleased) && (best == nil || x.At.After(best.At)) {
			best = &r.Reasons[i]
		}
	}
	return best
}

// slip is the booking of a resident booked without a phone that a slip
// can be made of: active, its session not over.
func (r fuRow) slip(now time.Time) *fuReason {
	for i, x := range r.Reasons {
		if x.Kind == fuBooked && x.Booking.Status == booking.Active && x.Slot.Session != nil && now.Before(x.Slot.Session.End) {
			return &r.Reasons[i]
		}
	}
	return nil
}

// code is the booking code the row's newest reason is about, "" for a
// stop or a block.
func (r fuRow) code() string {
	var best *fuReason
	for i, x := range r.Reasons {
		if x.Booking != nil && (best == nil || x.At.After(best.At)) {
			best = &r.Reasons[i]
		}
	}
	if best == nil {
		return ""
	}
	return best.Booking.Code
}

func (followUpFlow) Name() string       { return flowFollowUp }
func (followUpFlow) Commands() []string { return []string{"tindaklanjut", "followup"} }

func (f followUpFlow) Routes() []Route {
	at := func(steps ...string) []string { return steps }
	both := at(stepFuList, stepFuCard)
	return []Route{
		{Op: "", Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: "pg", Args: 1, Steps: both, Right: cadre.ActFollowUp, Do: staffDo(func(st *step, m cadre.Member, a []string) {
			n, err := strconv.Atoi(a[0])
			if err != nil || n < 0 {
				st.expired()
				return
			}
			f.list(st, m, n)
		})},
		{Op: "l", Steps: both, Right: cadre.ActFollowUp, Do: staffDo(func(st *step, m cadre.Member, _ []string) {
			var s fuState
			loadState(st, &s)
			f.list(st, m, s.Page)
		})},
		{Op: "r", Args: 1, Steps: both, Right: cadre.ActFollowUp, Do: staffDo(func(st *step, m cadre.Member, a []string) { f.card(st, m, a[0], "") })},
		{Op: "s", Args: 1, Steps: at(stepFuCard), Right: cadre.ActFollowUp, Do: staffDo(f.send)},
		{Op: "k", Args: 1, Steps: at(stepFuCard), Right: cadre.ActFollowUp, Do: staffDo(f.mark)},
		{Op: fuSlip, Args: 1, Do: f.slip},
	}
}

// Start opens the list, for a member with the right.
func (f followUpFlow) Start(st *step, _ string) {
	m, ok := staffOpen(st, cadre.ActFollowUp)
	if !ok {
		return
	}
	if !f.ready(st) {
		return
	}
	st.enter(f, stepFuList)
	f.list(st, m, 0)
}

// Text: the list takes no typing.
func (followUpFlow) Text(st *step, _ string) bool {
	return staffTyping(st, func(cadre.Member) { st.send(st.t("report_use_buttons"), nil) })
}

// ready reports whether the stores the list needs are there, and says
// so when not.
func (followUpFlow) ready(st *step) bool {
	if st.e.svc.FollowUps == nil || st.e.svc.Day == nil || st.e.svc.Catalog == nil || st.e.svc.Bookings == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return false
	}
	return true
}

// covers reports whether a resident's consent covers the follow-up.
func covers(r *resident.Record) bool {
	return r != nil && r.Consented() && r.NoticeVersion >= FollowUpNotice
}

// rows reads the member's follow-up list, open rows first, newest first.
func (f followUpFlow) rows(st *step, m cadre.Member) ([]fuRow, bool) {
	if !f.ready(st) {
		return nil, false
	}
	c := st.catalog()
	if c == nil {
		return nil, false
	}
	since := st.now.AddDate(0, 0, -FollowUpDays)
	byChat := map[kbbot.ChatID]*fuRow{}
	var phoneless []*fuRow
	// Per resident and event, whether a booking still holds or held a
	// place: a cancellation followed by another booking is no reason.
	kept := map[string]bool{}
	var cancels []struct {
		row *fuRow
		key string
	}
	row := func(chat kbbot.ChatID) *fuRow {
		r := byChat[chat]
		if r == nil {
			r = &fuRow{Key: "c" + strconv.FormatInt(int64(chat), 10), Chat: chat}
			byChat[chat] = r
		}
		return r
	}
	for _, ev := range c.Events() {
		for i := range ev.Sites {
			site := &ev.Sites[i]
			fac, ok := c.Facility(site.Facility)
			if !ok || !canAt(m, cadre.ActFollowUp, fac) || len(site.Sessions) == 0 || site.Sessions[len(site.Sessions)-1].End.Before(since) {
				continue
			}
			all, err := st.e.svc.Day.DayList(st.ctx, ev.ID, fac.ID)
			if errors.Is(err, booking.ErrUnknownEvent) {
				continue
			}
			if err != nil {
				st.storeFailed("follow-up: day list", err)
				return nil, false
			}
			for _, b := range all {
				if !b.ErasedAt.IsZero() || b.Name == "" || b.WalkIn {
					continue
				}
				b := b
				sl := booking.Slot{Event: ev, Site: site, Facility: fac}
				sl.Session, _ = site.Session(b.SessionID)
				noShow := b.Status == booking.Active && sl.Session != nil && st.now.After(sl.Session.End) ||
					b.Status == booking.NotServed && b.NotServed != nil && b.NotServed.Reason == booking.ReasonAbsent
				var reason fuReason
				switch {
				case noShow:
					at := b.UpdatedAt
					if sl.Session != nil && b.Status == booking.Active {
						at = sl.Session.End
					}
					reason = fuReason{Kind: fuNoShow, At: at}
				case b.Status == booking.Cancelled && b.SiteCancelled:
					reason = fuReason{Kind: fuSiteCx, At: b.UpdatedAt}
				case b.Status == booking.Cancelled:
					reason = fuReason{Kind: fuCancelled, At: b.UpdatedAt}
				}
				reason.Booking, reason.Slot = &b, sl
				if b.Resident != 0 {
					evKey := strconv.FormatInt(int64(b.Resident), 10) + "|" + ev.ID
					if b.Status != booking.Cancelled {
						kept[evKey] = true
					}
					if reason.Kind == "" {
						continue
					}
					r := row(b.Resident)
					if r.Name == "" || b.CreatedAt.After(r.Latest) {
						r.Name, r.Phone = b.Name, b.Phone
					}
					if reason.Kind == fuCancelled || reason.Kind == fuSiteCx {
						cancels = append(cancels, struct {
							row *fuRow
							key string
						}{r, evKey})
					}
					r.Reasons = append(r.Reasons, reason)
					continue
				}
				if b.BookedBy != st.ev.ChatID || b.Status == booking.Attended {
					continue
				}
				// A resident the member booked without a phone: one row per
				// booking, whatever its state.
				at := b.CreatedAt
				if reason.Kind != "" {
					at = reason.At
				}
				r := &fuRow{Key: "b" + b.Code, Name: b.Name, Phone: b.Phone}
				if reason.Kind != "" {
					r.Reasons = append(r.Reasons, reason)
				}
				r.Reasons = append(r.Reasons, fuReason{Kind: fuBooked, At: at, Booking: &b, Slot: sl})
				phoneless = append(phoneless, r)
			}
		}
	}
	for _, x := range cancels {
		if kept[x.key] {
			var rs []fuReason
			for _, r := range x.row.Reasons {
				if (r.Kind == fuCancelled || r.Kind == fuSiteCx) && strconv.FormatInt(int64(r.Booking.Resident), 10)+"|"+r.Booking.EventID == x.key {
					continue
				}
				rs = append(rs, r)
			}
			x.row.Reasons = rs
		}
	}
	opted, err := st.e.svc.FollowUps.OptedOutIn(st.ctx, m.Area)
	if err != nil {
		st.storeFailed("follow-up: residents who stopped", err)
		return nil, false
	}
	for _, chat := range opted {
		row(chat)
	}
	chats := make([]kbbot.ChatID, 0, len(byChat))
	for chat := range byChat {
		chats = append(chats, chat)
	}
	records, err := st.e.svc.FollowUps.Records(st.ctx, chats)
	if err != nil {
		st.storeFailed("follow-up: records", err)
		return nil, false
	}
	var out []fuRow
	for chat, r := range byChat {
		rec := records[chat]
		if !covers(rec) {
			continue
		}
		r.Record = rec
		for i, x := range r.Reasons {
			// A place the block rule gave back was not cancelled by her.
			if x.Kind == fuCancelled && released(rec, x.Booking.Code) {
				r.Reasons[i].Kind = fuReleased
			}
		}
		if rec.RemindersOff {
			r.Reasons = append(r.Reasons, fuReason{Kind: fuStopped, At: rec.StoppedAt, Stop: rec.StopReason})
		}
		if rec.Blocked {
			r.Reasons = append(r.Reasons, fuReason{Kind: fuBlocked, At: rec.BlockedAt})
		}
		if rec.Name != "" {
			r.Name = rec.Name
		}
		if rec.Phone != "" {
			r.Phone = rec.Phone
		}
		if r.Name != "" && len(r.Reasons) > 0 {
			out = append(out, *r)
		}
	}
	for _, r := range phoneless {
		out = append(out, *r)
	}
	keys := make([]string, len(out))
	for i := range out {
		keys[i] = out[i].Key
		for _, x := range out[i].Reasons {
			if x.At.After(out[i].Latest) {
				out[i].Latest = x.At
			}
		}
	}
	marks, err := st.e.svc.FollowUps.Contacts(st.ctx, keys)
	if err != nil {
		st.storeFailed("follow-up: marks", err)
		return nil, false
	}
	kept2 := out[:0]
	for _, r := range out {
		if mk, ok := marks[r.Key]; ok {
			r.Contact = &mk
			if !r.open() && mk.At.Before(since) {
				continue
			}
		}
		sort.SliceStable(r.Reasons, func(i, j int) bool { return r.Reasons[i].At.After(r.Reasons[j].At) })
		kept2 = append(kept2, r)
	}
	out = kept2
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].open() != out[j].open() {
			return out[i].open()
		}
		if !out[i].Latest.Equal(out[j].Latest) {
			return out[i].Latest.After(out[j].Latest)
		}
		return out[i].Name < out[j].Name
	})
	return out, true
}

// list shows page page of the member's follow-up list.
func (f followUpFlow) list(st *step, m cadre.Member, page int) {
	rows, ok := f.rows(st, m)
	if !ok {
		return
	}
	open := 0
	for _, r := range rows {
		if r.open() {
			open++
		}
	}
	if st.s.Flow != flowFollowUp {
		st.enter(f, stepFuList)
	}
	if len(rows) == 0 {
		st.s.resetFlow()
		st.show(st.t("fu_none", st.areaName(m.Area)), st.staffButtons())
		return
	}
	pages := (len(rows) + fuPage - 1) / fuPage
	page = min(max(page, 0), pages-1)
	st.s.Step = stepFuList
	saveState(st, fuState{Page: page})
	var b strings.Builder
	b.WriteString(st.t("fu_head", st.areaName(m.Area), open, len(rows)-open))
	if pages > 1 {
		b.WriteString(" " + st.t("fu_page", page+1, pages))
	}
	b.WriteString("\n" + st.t("fu_hint") + "\n")
	var buttons [][]kbbot.Button
	for i, r := range rows[page*fuPage : min(len(rows), (page+1)*fuPage)] {
		mark := ""
		if !r.open() {
			mark = "✅ "
		}
		b.WriteString("\n" + st.t("fu_line", page*fuPage+i+1, markup(mark), r.Name, markup(f.reasonsShort(st, r))))
		label := shortLabel(r.Name, 24) + " · " + f.reasonShort(st, r.Reasons[0])
		if !r.open() {
			label = "✅ " + label
		}
		buttons = append(buttons, []kbbot.Button{st.flowButton(shortLabel(label, 48), "r", r.Key)})
	}
	var nav []kbbot.Button
	if page > 0 {
		nav = append(nav, st.flowButton(st.t("btn_day_prev"), "pg", strconv.Itoa(page-1)))
	}
	if page+1 < pages {
		nav = append(nav, st.flowButton(st.t("btn_day_next"), "pg", strconv.Itoa(page+1)))
	}
	if len(nav) > 0 {
		buttons = append(buttons, nav)
	}
	st.show(b.String(), append(buttons, st.staffButtons()...))
}

// reasonsShort are a row's reasons in a few words each, newest first.
func (f followUpFlow) reasonsShort(st *step, r fuRow) string {
	parts := make([]string, 0, len(r.Reasons))
	for _, x := range r.Reasons {
		parts = append(parts, escape(f.reasonShort(st, x)))
	}
	return strings.Join(parts, "; ")
}

// reasonShort is one reason in a few words (plain text).
func (followUpFlow) reasonShort(st *step, x fuReason) string {
	day := func(t time.Time, f *booking.Facility) string {
		lt := t.In(staffZone)
		if f != nil {
			lt = t.In(f.Location)
		}
		return strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month()))
	}
	plain := func(key string, args ...any) string { return st.e.lib.UI.T(st.lang(), key, args...) }
	switch x.Kind {
	case fuNoShow:
		return plain("fu_r_noshow", day(x.Slot.Event.Date.At(12, 0, x.Slot.Facility.Location), x.Slot.Facility))
	case fuCancelled:
		return plain("fu_r_cancelled", day(x.At, x.Slot.Facility))
	case fuSiteCx:
		return plain("fu_r_sitecx", day(x.Slot.Event.Date.At(12, 0, x.Slot.Facility.Location), x.Slot.Facility))
	case fuReleased:
		return plain("fu_r_released", day(x.At, x.Slot.Facility))
	case fuStopped:
		return plain("fu_r_stopped", plain(stopKey(x.Stop)))
	case fuBlocked:
		return plain("fu_r_blocked")
	case fuBooked:
		return plain("fu_r_booked", day(x.Slot.Event.Date.At(12, 0, x.Slot.Facility.Location), x.Slot.Facility))
	}
	return x.Kind
}

// released reports whether the block rule released booking code of the
// resident of r.
func released(r *resident.Record, code string) bool {
	for _, h := range r.History {
		if h.Code == code && h.Kind == resident.EntryReleased {
			return true
		}
	}
	return false
}

// stopKey is the text key of a stop reason.
func stopKey(reason string) string {
	if resident.ValidStopReason(reason) {
		return "fu_stop_" + reason
	}
	return "fu_stop_none"
}

// find reads the list again and returns the row with key; ok false after
// answering (the row left the list meanwhile, or never was).
func (f followUpFlow) find(st *step, m cadre.Member, key string) (fuRow, bool) {
	rows, ok := f.rows(st, m)
	if !ok {
		return fuRow{}, false
	}
	for _, r := range rows {
		if r.Key == key {
			return r, true
		}
	}
	st.toast(st.t("fu_gone"))
	var s fuState
	loadState(st, &s)
	f.list(st, m, s.Page)
	return fuRow{}, false
}

// card shows one row with what can be done; note comes first when set.
func (f followUpFlow) card(st *step, m cadre.Member, key, note string) {
	r, ok := f.find(st, m, key)
	if !ok {
		return
	}
	var s fuState
	loadState(st, &s)
	s.Key = r.Key
	st.s.Step = stepFuCard
	saveState(st, s)
	var t strings.Builder
	if note != "" {
		t.WriteString(note + "\n\n")
	}
	t.WriteString(st.t("fu_card_head", r.Name))
	if r.Phone != "" {
		t.WriteString("\n" + st.t("fu_card_phone", r.Phone))
	}
	switch {
	case r.Contact != nil:
		t.WriteString("\n" + st.t("fu_card_contacted", dayListName(st, r.Contact.By), st.staffTime(r.Contact.At)))
		if r.open() {
			t.WriteString(" " + st.t("fu_card_since"))
		}
	default:
		t.WriteString("\n" + st.t("fu_card_not_contacted"))
	}
	t.WriteString("\n")
	for _, x := range r.Reasons {
		t.WriteString("\n• " + f.reasonLong(st, x))
	}
	var rows [][]kbbot.Button
	switch {
	case r.Chat == 0:
		t.WriteString("\n\n" + st.t("fu_card_phoneless"))
	case r.nudgeable() == nil:
		t.WriteString("\n\n" + st.t("fu_card_no_message"))
	default:
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_fu_remind"), "s", r.Key)})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_fu_contacted"), "k", r.Key)})
	if x := r.slip(st.now); x != nil {
		rows = append(rows, []kbbot.Button{st.btn("btn_fu_slip", data(flowFollowUp, fuSlip, x.Booking.Code))})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_fu_back"), "l")}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.show(t.String(), rows)
}

// reasonLong is one reason with its details, HTML.
func (followUpFlow) reasonLong(st *step, x fuReason) string {
	when := func() string {
		s := st.fmtDay(x.Slot.Event.Date)
		if x.Slot.Session != nil {
			s += ", " + st.fmtSpan(x.Slot.Session.Start, x.Slot.Session.End, x.Slot.Facility)
		}
		return s
	}
	switch x.Kind {
	case fuNoShow:
		return st.t("fu_card_noshow", x.Slot.Facility.Name, when(), x.Booking.Code)
	case fuCancelled:
		return st.t("fu_card_cancelled", x.Slot.Facility.Name, when(), x.Booking.Code)
	case fuSiteCx:
		return st.t("fu_card_sitecx", x.Slot.Facility.Name, when(), x.Booking.Code)
	case fuReleased:
		return st.t("fu_card_released", x.Slot.Facility.Name, when(), x.Booking.Code)
	case fuStopped:
		return st.t("fu_card_stopped", st.staffTime(x.At), st.t(stopKey(x.Stop)))
	case fuBlocked:
		return st.t("fu_card_blocked", st.staffTime(x.At))
	case fuBooked:
		num := "–"
		if x.Booking.Queue > 0 {
			num = strconv.Itoa(x.Booking.Queue)
		}
		return st.t("fu_card_booked", x.Slot.Facility.Name, when(), num, x.Booking.Code, st.t("fu_status_"+string(x.Booking.Status)))
	}
	return escape(x.Kind)
}

// dayListName is how staff see another staff member (dayFlow.staffName).
func dayListName(st *step, chat kbbot.ChatID) string { return dayFlow{}.staffName(st, chat) }

// send schedules the personal reminder of a row: due now in the
// resident's own chat, at most once a day per booking (its id names the
// day), within the send limits as every reminder is.
func (f followUpFlow) send(st *step, m cadre.Member, args []string) {
	r, ok := f.find(st, m, args[0])
	if !ok {
		return
	}
	x := r.nudgeable()
	if x == nil || st.e.svc.Reminders == nil {
		f.card(st, m, r.Key, st.t("fu_cannot_send", r.Name))
		return
	}
	loc := x.Slot.Facility.Location
	it := reminders.Item{
		ID:   reminders.KindNudge + ":" + x.Booking.Code + ":" + st.now.In(loc).Format("20060102"),
		Chat: r.Chat, Kind: reminders.KindNudge, Ref: x.Booking.Code,
		Due: st.now.UTC(), NotAfter: st.now.Add(3 * 24 * time.Hour).UTC(), Zone: loc.String(),
	}
	n, err := st.e.svc.Reminders.Schedule(st.ctx, it)
	if err != nil {
		st.storeFailed("schedule a personal reminder", err)
		return
	}
	if n == 0 {
		st.toast(st.t("fu_sent_already_toast"))
		f.card(st, m, r.Key, st.t("fu_sent_already", r.Name))
		return
	}
	st.auditStaff(m, cadre.AuditFollowUpSent, facilityArea(x.Slot.Facility), x.Booking.Code)
	st.toast(st.t("fu_sent_toast"))
	f.card(st, m, r.Key, st.t("fu_sent", r.Name))
}

// mark stores that the member contacted the row's resident, and audits it.
func (f followUpFlow) mark(st *step, m cadre.Member, args []string) {
	r, ok := f.find(st, m, args[0])
	if !ok {
		return
	}
	if err := st.e.svc.FollowUps.MarkContacted(st.ctx, r.Key, cadre.Contacted{By: st.ev.ChatID, At: st.now.UTC()}); err != nil {
		st.storeFailed("mark contacted", err)
		return
	}
	detail, area := r.code(), m.Area
	for _, x := range r.Reasons {
		if x.Booking != nil && x.Booking.Code == detail {
			area = facilityArea(x.Slot.Facility)
		}
	}
	if detail == "" {
		detail = strconv.FormatInt(int64(r.Chat), 10)
		if r.Record != nil && r.Record.Area != nil {
			area = *r.Record.Area
		}
	}
	st.auditStaff(m, cadre.AuditContacted, area, detail)
	st.toast(st.t("fu_marked_toast"))
	f.card(st, m, r.Key, st.t("fu_marked", r.Name))
}

// slip sends the slip of a booking made for a resident without a phone,
// as a PNG (tl:slip:<code>): to the cadre who booked it, or to staff who
// follow up at its facility.
func (followUpFlow) slip(st *step, args []string) {
	code, ok := booking.NormalizeCode(args[0])
	if !ok || st.e.svc.Bookings == nil {
		st.expired()
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, code)
	if errors.Is(err, booking.ErrNotFound) || (err == nil && (b.Resident != 0 || b.WalkIn || b.Name == "")) {
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
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		st.expired()
		return
	}
	if b.BookedBy != st.ev.ChatID {
		m, ok, err := st.staffLookup()
		if err != nil {
			st.storeFailed("staff lookup", err)
			return
		}
		if !ok || !canAt(m, cadre.ActFollowUp, sl.Facility) {
			st.expired()
			return
		}
	}
	st.toast("")
	st.inPlace = false
	if b.Status != booking.Active {
		st.send(st.t("fu_slip_inactive", b.Code), nil)
		return
	}
	png, err := st.e.render().Slip(slipOf(st, sl, b))
	if err != nil {
		st.log().Error("draw a slip", "error", err)
		st.send(st.t("report_failed"), nil)
		return
	}
	st.sendFile(kbbot.ReplyPhoto, "slip-"+b.Code+".png", png, st.t("fu_slip_caption", b.Name, b.Code), nil)
}

// slipOf is the slip of booking b at sl, in Indonesian whatever the
// cadre's language: the resident reads it.
func slipOf(st *step, sl booking.Slot, b booking.Booking) report.Slip {
	id := func(key string, args ...any) string { return st.e.lib.UI.T(content.ID, key, args...) }
	f := sl.Facility
	place := f.Name + ", " + f.Address
	for _, part := range []string{f.Kecamatan, f.Kabupaten} {
		if part != "" && !strings.Contains(place, part) {
			place += ", " + part
		}
	}
	loc := f.Location
	when := idDay(sl.Event.Date) + ", " + sl.Session.Start.In(loc).Format("15.04") + "–" + sl.Session.End.In(loc).Format("15.04") + " " + f.Zone()
	s := report.Slip{
		Title: id("slip_title"), Name: b.Name,
		CodeLabel: id("slip_code"), Code: b.Code,
		Rows: [][2]string{
			{id("slip_place"), place},
			{id("slip_time"), when},
			{id("slip_method"), report.MethodName(b.Method)},
			{id("slip_bring"), id("what_to_bring")},
		},
		Footer: id("slip_footer"),
	}
	if b.Queue > 0 {
		s.QueueLabel, s.Queue = id("slip_queue"), strconv.Itoa(b.Queue)
		if at, ok := booking.QueueEstimate(sl.Site, sl.Session, b.Method, b.Queue); ok {
			s.QueueNote = id("slip_queue_at", at.In(loc).Format("15.04")+" "+f.Zone())
		}
	}
	return s
}

// cadreReminder is the H-1 or H-0 of a booking the chat made for a
// resident without a phone: the resident's name, place, time and queue
// number, so that the cadre can tell them.
func (st *step) cadreReminder(r *kbbot.Reminder, off []kbbot.Button) {
	if st.e.svc.Bookings == nil || st.e.svc.Catalog == nil {
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, r.Ref)
	if errors.Is(err, booking.ErrNotFound) {
		return
	}
	if err != nil {
		st.mustRetry("reminder: get booking", err)
		return
	}
	if b.Resident != 0 || b.BookedBy != st.ev.ChatID || b.Status != booking.Active || b.Name == "" {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.mustRetry("reminder: read catalog", err)
		return
	}
	sl, err := c.Slot(b.EventID, b.FacilityID, b.SessionID)
	if err != nil || sl.Session == nil {
		return
	}
	head := st.t("rem_kader_h1", b.Name, b.Code)
	if r.Kind == reminders.KindCadreH0 {
		head = st.t("rem_kader_h0", b.Name, b.Code, st.fmtSpan(sl.Session.Start, sl.Session.End, sl.Facility))
	}
	st.send(head+"\n\n"+st.cadreDetails(sl, b), [][]kbbot.Button{
		{st.btn("btn_fu_slip", data(flowFollowUp, fuSlip, b.Code))},
		{orderButton(st, "btn_change", orderChange, b.Code), orderButton(st, "btn_cancel_booking", orderCancel, b.Code)},
		off,
	})
}

// nudge is a cadre's personal reminder arriving in the resident's chat: a
// fixed text by the state of the booking it is about.
func (st *step) nudge(r *kbbot.Reminder, off []kbbot.Button) {
	if st.e.svc.Bookings == nil || st.e.svc.Catalog == nil || !covers(st.r) {
		return
	}
	b, err := st.e.svc.Bookings.Get(st.ctx, r.Ref)
	if errors.Is(err, booking.ErrNotFound) {
		return
	}
	if err != nil {
		st.mustRetry("nudge: get booking", err)
		return
	}
	if b.Resident != st.ev.ChatID || b.Status == booking.Attended {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.mustRetry("nudge: read catalog", err)
		return
	}
	sl, err := c.Slot(b.EventID, b.FacilityID, "")
	if err != nil {
		return
	}
	key := "fu_nudge_noshow"
	if b.Status == booking.Cancelled {
		key = "fu_nudge_cancelled"
	}
	st.send(st.t(key, sl.Facility.Name, st.fmtDay(sl.Event.Date)), [][]kbbot.Button{
		{st.btn("btn_evc_events", data(cbMenu, itemEvents))},
		off,
	})
}
