package conversations

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content/wilayah"
)

// BroadcastStore is what the broadcast flows need: residents' profiles and
// the audience index built from them (broadcast_area.go), and the
// broadcasts themselves. The sending is package broadcast/send's, with
// the texts of broadcast_texts.go.
type BroadcastStore interface {
	// Profile returns a resident's area and group; ok is false when they
	// gave none.
	Profile(ctx context.Context, chat kbbot.ChatID) (p broadcast.Profile, ok bool, err error)
	// SetProfile stores a resident's profile (broadcast.ErrInvalid for a
	// bad one) and puts them in the audiences it implies.
	SetProfile(ctx context.Context, chat kbbot.ChatID, p broadcast.Profile) error
	// DeleteProfile takes the resident out of every audience.
	DeleteProfile(ctx context.Context, chat kbbot.ChatID) error
	// SetStopped records /berhenti (true) and /mulai (false).
	SetStopped(ctx context.Context, chat kbbot.ChatID, stopped bool) error
	// SetBlocked records that the resident blocked the bot, or came back.
	SetBlocked(ctx context.Context, chat kbbot.ChatID, blocked bool) error
	// Places lists the places one level below parent that residents named,
	// with how many residents live there.
	Places(ctx context.Context, parent cadre.Area) ([]broadcast.Place, error)
	// Count returns how many residents an audience reaches now: those who
	// stopped or blocked the bot, and those booked for the excluded
	// event, left out.
	Count(ctx context.Context, a broadcast.Audience) (int, error)
	// Create stores a broadcast, scheduled for its At; a broadcast with
	// the same id is returned as stored instead.
	Create(ctx context.Context, b broadcast.Broadcast) (broadcast.Broadcast, error)
	// Get returns a broadcast with its state and counts
	// (broadcast.ErrNotFound).
	Get(ctx context.Context, id string) (broadcast.Broadcast, error)
	// Recent returns up to n broadcasts, newest first.
	Recent(ctx context.Context, n int) ([]broadcast.Broadcast, error)
	// Cancel stops a scheduled or sending broadcast and returns it as it
	// is now.
	Cancel(ctx context.Context, id string, now time.Time) (broadcast.Broadcast, error)
}

// bcFlow is the broadcast flow of staff (/siaran, the staff menu's
// "bc:new"): compose a text or a photo with a caption, choose the audience
// within the member's area (the whole area or one kecamatan or kelurahan in
// it, a group or all, optionally leaving out residents booked for an
// event), see a preview with the number of recipients, send now or at a
// chosen time. The list, the progress and the cancel of broadcasts are here
// too. Every button needs the member's right (cadre.ActBroadcast, checked
// by the engine), and every audience is checked against the member's area
// on the server; buttons carry no identity.
//
//	bc:new                compose            bc:list      the member's broadcasts
//	bc:v:<id>             progress           bc:x:<id>    cancel (ask)
//	bc:a:<all|i>:<n>      audience area      bc:g:<all|group>:<n>  group
//	bc:e:<no|i>:<n>       exclude booked     bc:aud:<n>   choose the audience again
//	bc:go:<n>             send now           bc:at:<n>    choose a time
//	bc:tm:<1|2>:<n>       tomorrow 08.00 / 16.00          bc:ok:<n>    schedule
//	bcx:xy:<id>:<n>       cancel (confirmed), bcCancelFlow
type bcFlow struct{}

// Operations of the broadcast flow in callback data.
const (
	bcNew       = "new"
	bcList      = "list"
	bcView      = "v"
	bcCancel    = "x"
	bcCancelYes = "xy"
	bcArea      = "a"
	bcGroup     = "g"
	bcEvent     = "e"
	bcAudience  = "aud"
	bcNow       = "go"
	bcAt        = "at"
	bcQuick     = "tm"
	bcOK        = "ok"
	bcAll       = "all"
	bcNo        = "no"
)

// Steps of the broadcast flow.
const (
	bcStepText    = "text"
	bcStepArea    = "area"
	bcStepGroup   = "group"
	bcStepEvent   = "event"
	bcStepPreview = "preview"
	bcStepTime    = "time"
	bcStepConfirm = "confirm"
)

// bcState is the broadcast being composed.
type bcState struct {
	Text  string      `json:"text,omitempty"`  // the text, as typed
	Photo string      `json:"photo,omitempty"` // a photo's file id
	Area  cadre.Area  `json:"area"`            // the area being chosen, then chosen
	List  []string    `json:"list,omitempty"`  // the names or ids the buttons offer, by index
	Group cadre.Group `json:"group,omitempty"` // the group ("" for all)
	Event string      `json:"event,omitempty"` // the event whose booked residents are left out
	Zone  string      `json:"zone,omitempty"`  // the area's zone
	At    int64       `json:"at,omitempty"`    // the chosen time (Unix seconds)
	Count int         `json:"count"`           // the recipients counted at the preview
}

const (
	// bcListed is how many broadcasts the list shows.
	bcListed = 8
	// bcEventsOffered bounds the events offered to leave out.
	bcEventsOffered = 5
)

func (bcFlow) Name() string       { return cbBroadcast }
func (bcFlow) Commands() []string { return []string{"siaran", "broadcast"} }

// Start begins a new broadcast for /siaran. For a chat that is not staff
// the command does not exist.
func (f bcFlow) Start(st *step, _ string) {
	m, ok := st.member()
	if !ok {
		if st.ev.Kind != kbbot.EventCommand {
			st.expired()
			return
		}
		st.unknownCommand("/" + st.ev.Command)
		return
	}
	f.compose(st, m)
}

func (f bcFlow) Routes() []Route {
	// anywhere is a button that works in any flow; on is a button of the
	// composition at one of steps, with the composition's state.
	anywhere := func(op string, args int, do func(st *step, m cadre.Member, args []string)) Route {
		return Route{Op: op, Args: args, Right: cadre.ActBroadcast, Do: func(st *step, args []string) {
			if m, ok := bcMember(st); ok {
				do(st, m, args)
			}
		}}
	}
	on := func(op string, args int, steps []string, do func(st *step, m cadre.Member, d *bcState, args []string)) Route {
		return Route{Op: op, Args: args, Steps: steps, Right: cadre.ActBroadcast, Do: func(st *step, args []string) {
			m, ok := bcMember(st)
			if !ok {
				return
			}
			var d bcState
			loadState(st, &d)
			do(st, m, &d, args)
			f.save(st, d)
		}}
	}
	return []Route{
		anywhere(bcNew, 0, func(st *step, m cadre.Member, _ []string) { f.compose(st, m) }),
		anywhere(bcList, 0, func(st *step, m cadre.Member, _ []string) { f.list(st, m) }),
		anywhere(bcView, 1, func(st *step, m cadre.Member, args []string) { f.view(st, m, args[0]) }),
		anywhere(bcCancel, 1, func(st *step, m cadre.Member, args []string) { f.askCancel(st, m, args[0]) }),
		on(bcArea, 1, []string{bcStepArea}, f.pickArea),
		on(bcGroup, 1, []string{bcStepGroup}, f.pickGroup),
		on(bcEvent, 1, []string{bcStepEvent}, f.pickEvent),
		on(bcAudience, 0, []string{bcStepPreview}, func(st *step, m cadre.Member, d *bcState, _ []string) {
			f.askArea(st, m, d, broadcast.Trim(m.Area))
		}),
		on(bcNow, 0, []string{bcStepPreview}, func(st *step, m cadre.Member, d *bcState, _ []string) {
			f.create(st, m, d, time.Time{})
		}),
		on(bcAt, 0, []string{bcStepPreview, bcStepConfirm}, func(st *step, _ cadre.Member, d *bcState, _ []string) {
			f.askTime(st, d)
		}),
		on(bcQuick, 1, []string{bcStepTime}, func(st *step, _ cadre.Member, d *bcState, args []string) {
			hour, ok := map[string]int{"1": 8, "2": 16}[args[0]]
			if !ok {
				st.expired()
				return
			}
			loc := loadZone(d.Zone)
			l := st.now.In(loc).AddDate(0, 0, 1)
			f.confirmTime(st, d, time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, loc))
		}),
		on(bcOK, 0, []string{bcStepConfirm}, func(st *step, m cadre.Member, d *bcState, _ []string) {
			if d.At == 0 {
				st.expired()
				return
			}
			f.create(st, m, d, time.Unix(d.At, 0).UTC())
		}),
	}
}

// save keeps d while the composition still runs.
func (bcFlow) save(st *step, d bcState) {
	if st.s.Flow == cbBroadcast {
		saveState(st, d)
	}
}

// Text takes the text of the broadcast, or a typed time.
func (f bcFlow) Text(st *step, t string) bool {
	m, ok := bcMember(st)
	if !ok {
		return true
	}
	var d bcState
	loadState(st, &d)
	switch st.s.Step {
	case bcStepText:
		f.takeText(st, m, &d, t, "")
	case bcStepTime:
		loc := loadZone(d.Zone)
		at, ok := broadcast.ParseLocal(t, st.now, loc)
		if !ok {
			st.send(st.t("bc_time_invalid", booking.ZoneLabel(loc)), nil)
			return true
		}
		f.confirmTime(st, &d, at)
	default:
		st.send(st.t("bc_use_buttons"), nil)
	}
	f.save(st, d)
	return true
}

// Media takes a photo sent while composing a broadcast; it reports whether
// the media was for the broadcast.
func (f bcFlow) Media(st *step) bool {
	if st.s.Step != bcStepText {
		return false
	}
	m, ok := bcMember(st)
	if !ok {
		return true
	}
	if st.ev.Media != "photo" || st.ev.FileID == "" {
		st.send(st.t("bc_photo_only"), nil)
		return true
	}
	var d bcState
	loadState(st, &d)
	f.takeText(st, m, &d, st.ev.Caption, st.ev.FileID)
	f.save(st, d)
	return true
}

// bcMember returns the tapper's membership if they may broadcast in their
// area. Anyone else gets the expired answer (a resident never learns of
// staff flows), a member without the right a refusal.
func bcMember(st *step) (cadre.Member, bool) {
	m, ok := st.member()
	if !ok {
		st.expired()
		return m, false
	}
	if !cadre.Can(m, cadre.ActBroadcast, m.Area) {
		st.s.resetFlow()
		st.show(st.t("bc_not_allowed"), st.menuButton())
		return m, false
	}
	if st.e.svc.Broadcasts == nil {
		st.s.resetFlow()
		st.show(st.t("bc_unavailable"), st.menuButton())
		return m, false
	}
	return m, true
}

// compose begins a new broadcast: it asks for the text.
func (f bcFlow) compose(st *step, m cadre.Member) {
	if !cadre.Can(m, cadre.ActBroadcast, m.Area) {
		st.s.resetFlow()
		st.show(st.t("bc_not_allowed"), st.menuButton())
		return
	}
	if st.e.svc.Broadcasts == nil {
		st.show(st.t("bc_unavailable"), st.menuButton())
		return
	}
	st.enter(f, bcStepText)
	st.show(st.t("bc_compose", bcAreaName(st, m.Area), broadcast.MaxText, broadcast.MaxCaption), [][]kbbot.Button{
		{st.btn("btn_bc_list", data(cbBroadcast, bcList))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// takeText keeps the text (or a photo's caption) and asks for the
// audience.
func (f bcFlow) takeText(st *step, m cadre.Member, d *bcState, text, photo string) {
	text = strings.TrimSpace(text)
	if text == "" && photo == "" {
		st.send(st.t("bc_text_empty"), nil)
		return
	}
	if n, limit := utf8.RuneCountInString(text), broadcast.TextLimit(photo != ""); n > limit {
		st.send(st.t("bc_too_long", n, limit), nil)
		return
	}
	d.Text, d.Photo = text, photo
	st.inPlace = false
	f.askArea(st, m, d, broadcast.Trim(m.Area))
}

// askArea offers the whole of area cur, or one place in it with
// residents.
func (f bcFlow) askArea(st *step, m cadre.Member, d *bcState, cur cadre.Area) {
	store := st.e.svc.Broadcasts
	if !cadre.Can(m, cadre.ActBroadcast, cur) {
		st.expired()
		return
	}
	d.Area = cur
	if broadcast.Depth(cur) >= 3 {
		// A kelurahan or Kampung KB: nothing narrower to choose.
		f.askGroup(st, cur)
		return
	}
	st.s.Step = bcStepArea
	total, err := store.Count(st.ctx, broadcast.Audience{Area: cur})
	if err != nil {
		st.storeFailed("count audience", err)
		return
	}
	// A place of the official list is offered by its code ("c:33.75.03"),
	// one residents typed before the list by its name.
	var names, offered []string
	places, err := store.Places(st.ctx, cur)
	if err != nil {
		st.storeFailed("read places", err)
		return
	}
	for _, p := range places {
		if p.Residents > 0 && len(names) < maxPlaceButtons {
			names = append(names, p.Name)
			if p.Code != "" {
				offered = append(offered, broadcast.CodePrefix+p.Code)
			} else {
				offered = append(offered, p.Name)
			}
		}
	}
	d.List = offered
	rows := [][]kbbot.Button{{st.flowButton(st.t("btn_bc_whole", bcPlainArea(st, cur), total), bcArea, bcAll)}}
	for i, name := range names {
		rows = append(rows, []kbbot.Button{st.flowButton(name, bcArea, strconv.Itoa(i))})
	}
	st.show(st.t("bc_ask_area", bcAreaName(st, cur)), append(rows, st.menuButton()...))
}

// pickArea takes the whole area offered, or goes into one place of it.
func (f bcFlow) pickArea(st *step, m cadre.Member, d *bcState, args []string) {
	cur := d.Area
	if args[0] == bcAll {
		if !cadre.Can(m, cadre.ActBroadcast, cur) {
			st.expired()
			return
		}
		f.askGroup(st, cur)
		return
	}
	name, ok := bcOffered(d, args[0])
	if !ok {
		st.expired()
		return
	}
	child := broadcast.Child(cur, name)
	if code, ok := strings.CutPrefix(name, broadcast.CodePrefix); ok {
		l, err := wilayah.Load()
		if err != nil {
			st.storeFailed("area list", err)
			return
		}
		if child, ok = l.Area(code); !ok || !wilayah.Within(code, cur.Code) {
			st.expired()
			return
		}
	}
	if broadcast.Depth(child) >= 3 {
		if !cadre.Can(m, cadre.ActBroadcast, child) {
			st.expired()
			return
		}
		d.Area = child
		f.askGroup(st, child)
		return
	}
	f.askArea(st, m, d, child)
}

// bcOffered is the name or id the buttons offered at index arg.
func bcOffered(d *bcState, arg string) (string, bool) {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(d.List) || d.List[i] == "" {
		return "", false
	}
	return d.List[i], true
}

// askGroup offers the groups, with how many residents of the area each
// reaches.
func (bcFlow) askGroup(st *step, area cadre.Area) {
	st.s.Step = bcStepGroup
	count := func(g cadre.Group) (int, error) {
		return st.e.svc.Broadcasts.Count(st.ctx, broadcast.Audience{Area: area, Group: g})
	}
	all, err := count("")
	if err != nil {
		st.storeFailed("count audience", err)
		return
	}
	rows := [][]kbbot.Button{{st.flowButton(st.t("btn_bc_all_groups", all), bcGroup, bcAll)}}
	for _, g := range cadre.Groups() {
		c, err := count(g)
		if err != nil {
			st.storeFailed("count audience", err)
			return
		}
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("group_"+string(g))+" ("+strconv.Itoa(c)+")", bcGroup, string(g))})
	}
	st.show(st.t("bc_ask_group", bcAreaName(st, area)), append(rows, st.menuButton()...))
}

func (f bcFlow) pickGroup(st *step, m cadre.Member, d *bcState, args []string) {
	g, ok := groupArg(args[0], bcAll)
	if !ok {
		st.expired()
		return
	}
	d.Group = g
	f.askEvent(st, m, d)
}

// askEvent offers to leave out residents already booked for an open
// event in or around the area; without such events it goes on.
func (f bcFlow) askEvent(st *step, m cadre.Member, d *bcState) {
	var ids []string
	var rows [][]kbbot.Button
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
			for _, ev := range c.OpenEvents(st.now) {
				if len(ids) == bcEventsOffered || !bcEventNear(c, ev, d.Area) {
					continue
				}
				rows = append(rows, []kbbot.Button{st.flowButton(bcClip(ev.Name, 40)+" · "+bcShortDay(ev.Date), bcEvent, strconv.Itoa(len(ids)))})
				ids = append(ids, ev.ID)
			}
		}
	}
	d.Event = ""
	if len(ids) == 0 {
		f.preview(st, m, d)
		return
	}
	st.s.Step = bcStepEvent
	d.List = ids
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_bc_exclude_none"), bcEvent, bcNo)})
	st.show(st.t("bc_ask_event"), append(rows, st.menuButton()...))
}

// bcEventNear reports whether one of ev's sites is near area (bcNear).
func bcEventNear(c *booking.Catalog, ev *booking.Event, area cadre.Area) bool {
	for _, s := range ev.Sites {
		f, ok := c.Facility(s.Facility)
		if !ok {
			continue
		}
		if bcNear(area, f) {
			return true
		}
	}
	return false
}

// bcNear reports whether facility f lies in area, or area in f's
// kecamatan.
func bcNear(area cadre.Area, f *booking.Facility) bool {
	fa := facilityArea(f)
	kec := broadcast.Trim(cadre.Area{Kabupaten: fa.Kabupaten, Kecamatan: fa.Kecamatan, Code: fa.Code})
	return area.Contains(fa) || kec.Contains(area)
}

func (f bcFlow) pickEvent(st *step, m cadre.Member, d *bcState, args []string) {
	if args[0] != bcNo {
		id, ok := bcOffered(d, args[0])
		if !ok {
			st.expired()
			return
		}
		d.Event = id
	}
	f.preview(st, m, d)
}

// draft is the broadcast being composed.
func (d *bcState) draft(st *step) broadcast.Broadcast {
	return broadcast.Broadcast{
		Author: st.ev.ChatID, Lang: st.r.Lang, Text: d.Text, PhotoID: d.Photo,
		Audience: broadcast.Audience{Area: d.Area, Group: d.Group, ExcludeEvent: d.Event},
		Zone:     d.Zone,
	}
}

// preview shows the message as residents will see it, and how many it
// reaches now, with the choice to send now or later.
func (bcFlow) preview(st *step, m cadre.Member, d *bcState) {
	d.Zone = bcZone(st, d.Area)
	b := d.draft(st)
	if !cadre.Can(m, cadre.ActBroadcast, b.Audience.Area) {
		st.expired()
		return
	}
	n, err := st.e.svc.Broadcasts.Count(st.ctx, b.Audience)
	if err != nil {
		st.storeFailed("count audience", err)
		return
	}
	st.s.Step = bcStepPreview
	d.Count = n
	st.inPlace = false
	st.send(st.t("bc_preview_above"), nil)
	sample := broadcastMessage(st.e.lib, b, st.r.Lang)
	sample.ChatID, sample.Priority = st.ev.ChatID, kbbot.PriorityReply
	st.out = append(st.out, sample)
	audience := st.flowButton(st.t("btn_bc_audience"), bcAudience)
	rewrite := st.btn("btn_bc_rewrite", data(cbBroadcast, bcNew))
	if n == 0 {
		st.send(st.t("bc_preview_nobody", bcDescribe(st, b.Audience)), [][]kbbot.Button{
			{audience},
			{rewrite},
			{st.btn("btn_menu", data(cbMenu))},
		})
		return
	}
	st.send(st.t("bc_preview", bcDescribe(st, b.Audience), n), [][]kbbot.Button{
		{st.flowButton(st.t("btn_bc_send_now"), bcNow)},
		{st.flowButton(st.t("btn_bc_schedule"), bcAt)},
		{audience, rewrite},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// askTime asks for the date and time, local to the area.
func (bcFlow) askTime(st *step, d *bcState) {
	st.s.Step = bcStepTime
	loc := loadZone(d.Zone)
	st.show(st.t("bc_ask_time", booking.ZoneLabel(loc)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_bc_tomorrow_8"), bcQuick, "1"), st.flowButton(st.t("btn_bc_tomorrow_16"), bcQuick, "2")},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// confirmTime checks a chosen time and asks to confirm it.
func (bcFlow) confirmTime(st *step, d *bcState, at time.Time) {
	loc := loadZone(d.Zone)
	if err := broadcast.CheckTime(at, st.now, loc); err != nil {
		key := map[error]string{broadcast.ErrPast: "bc_time_past", broadcast.ErrTooFar: "bc_time_far", broadcast.ErrNight: "bc_time_night"}[err]
		st.send(st.t(key, booking.ZoneLabel(loc)), nil)
		return
	}
	st.s.Step = bcStepConfirm
	d.At = at.Unix()
	b := d.draft(st)
	st.show(st.t("bc_confirm_time", st.fmtTime(at, &booking.Facility{Location: loc}), bcDescribe(st, b.Audience), strconv.Itoa(d.Count)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_bc_schedule_ok"), bcOK)},
		{st.flowButton(st.t("btn_bc_other_time"), bcAt)},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// create stores the broadcast, for now (at zero) or at, and audits it.
func (f bcFlow) create(st *step, m cadre.Member, d *bcState, at time.Time) {
	b := d.draft(st)
	if !cadre.Can(m, cadre.ActBroadcast, b.Audience.Area) {
		st.expired()
		return
	}
	loc := loadZone(b.Zone)
	now := at.IsZero()
	if now {
		at = broadcast.SendNow(st.now, loc)
	} else if err := broadcast.CheckTime(at, st.now, loc); err != nil {
		f.askTime(st, d)
		return
	}
	b.ID = broadcast.NewID(st.ev.ChatID, st.s.Nonce)
	b.AuthorRole, b.Created, b.At = m.Role, st.now.UTC(), at.UTC()
	b.Zone = loc.String()
	saved, err := st.e.svc.Broadcasts.Create(st.ctx, b)
	if errors.Is(err, broadcast.ErrInvalid) {
		st.log().Warn("broadcast refused", "error", err)
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("create broadcast", err)
		return
	}
	count := strconv.Itoa(d.Count)
	bcAudit(st, m, saved, bcAuditSent+"|"+saved.ID+"|"+count+"|"+saved.At.Format(time.RFC3339))
	st.s.resetFlow()
	buttons := [][]kbbot.Button{
		{st.btn("btn_bc_progress", data(cbBroadcast, bcView, saved.ID))},
		{st.btn("btn_menu", data(cbMenu))},
	}
	fac := &booking.Facility{Location: loc}
	switch {
	case now && !saved.At.After(st.now):
		st.show(st.t("bc_sending", count), buttons)
	case now:
		st.show(st.t("bc_night_later", st.fmtTime(saved.At, fac), count), buttons)
	default:
		st.show(st.t("bc_scheduled", st.fmtTime(saved.At, fac), count), buttons)
	}
}

// The details of broadcast audit entries: "sent|<id>|<residents>|<RFC 3339
// time>" and "cancel|<id>", worded by the audit screen (audit.go).
const (
	bcAuditSent   = "sent"
	bcAuditCancel = "cancel"
)

// bcAudit writes a broadcast action to the audit log; a failure is logged.
func bcAudit(st *step, m cadre.Member, b broadcast.Broadcast, detail string) {
	if st.e.svc.Audit == nil {
		return
	}
	e := cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: cadre.ActBroadcast, Area: b.Audience.Area, Detail: detail}
	if err := st.e.svc.Audit.Audit(st.ctx, e); err != nil {
		st.log().Error("audit broadcast", "error", err)
	}
}

// list lists the recent broadcasts the member may follow.
func (bcFlow) list(st *step, m cadre.Member) {
	st.s.resetFlow()
	all, err := st.e.svc.Broadcasts.Recent(st.ctx, 100)
	if err != nil {
		st.storeFailed("list broadcasts", err)
		return
	}
	var lines []string
	var rows [][]kbbot.Button
	for _, b := range all {
		if len(rows) == bcListed || !broadcast.MayManage(m, b) {
			continue
		}
		lines = append(lines, "• "+bcLine(st, b))
		rows = append(rows, []kbbot.Button{{Label: bcStateIcon(b.State) + " " + bcClip(bcFirstLine(b), 30), Data: data(cbBroadcast, bcView, b.ID)}})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_bc_new", data(cbBroadcast, bcNew))}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	if len(lines) == 0 {
		st.show(st.t("bc_list_empty"), rows)
		return
	}
	st.show(st.t("bc_list", strings.Join(lines, "\n")), rows)
}

// bcGet reads a broadcast the member may follow; anything else is an
// expired button.
func bcGet(st *step, m cadre.Member, id string) (broadcast.Broadcast, bool) {
	b, err := st.e.svc.Broadcasts.Get(st.ctx, id)
	if errors.Is(err, broadcast.ErrNotFound) || (err == nil && !broadcast.MayManage(m, b)) {
		st.expired()
		return b, false
	}
	if err != nil {
		st.storeFailed("read broadcast", err)
		return b, false
	}
	return b, true
}

// bcListRows are the buttons back to the list and to the menu.
func bcListRows(st *step) [][]kbbot.Button {
	return [][]kbbot.Button{{st.btn("btn_bc_list", data(cbBroadcast, bcList))}, {st.btn("btn_menu", data(cbMenu))}}
}

// view shows a broadcast's progress.
func (bcFlow) view(st *step, m cadre.Member, id string) {
	b, ok := bcGet(st, m, id)
	if !ok {
		return
	}
	if st.s.Flow == flowBcastCancel {
		st.s.resetFlow()
	}
	rows := [][]kbbot.Button{{st.btn("btn_bc_refresh", data(cbBroadcast, bcView, b.ID))}}
	if b.State.Open() {
		rows = append(rows, []kbbot.Button{st.btn("btn_bc_cancel", data(cbBroadcast, bcCancel, b.ID))})
	}
	st.show(bcStatus(st, b), append(rows, bcListRows(st)...))
	st.toast(st.t("bc_refreshed"))
}

// bcStatus is a broadcast's state, audience, time and counts.
func bcStatus(st *step, b broadcast.Broadcast) string {
	f := &booking.Facility{Location: loadZone(b.Zone)}
	text := st.t("bc_status", markup(bcStateName(st, b.State)), bcDescribe(st, b.Audience), st.fmtTime(b.At, f), bcClip(b.Text, 200))
	if b.State != broadcast.Scheduled {
		text += "\n\n" + st.bcCounts(b.Counts)
	}
	return text
}

// bcCounts are the counts of a broadcast, one per line.
func (st *step) bcCounts(c broadcast.Counts) string {
	text := st.t("bc_counts", c.Delivered, c.Total, c.Blocked, c.Failed, c.Skipped)
	if c.Unsent > 0 {
		text += "\n" + st.t("bc_counts_unsent", c.Unsent)
	}
	if left := c.Left(); left > 0 {
		text += "\n" + st.t("bc_counts_left", left)
	}
	return text
}

// askCancel asks to confirm the cancel of a broadcast still open.
func (bcFlow) askCancel(st *step, m cadre.Member, id string) {
	b, ok := bcGet(st, m, id)
	if !ok {
		return
	}
	if !b.State.Open() {
		st.show(bcStatus(st, b), bcListRows(st))
		return
	}
	st.enter(bcCancelFlow{}, bcxStepAsk)
	saveState(st, bcCancelState{ID: b.ID})
	st.show(st.t("bc_cancel_confirm", bcClip(b.Text, 200)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_bc_cancel_yes"), bcCancelYes, b.ID)},
		{st.btn("btn_bc_cancel_no", data(cbBroadcast, bcView, b.ID))},
	})
}

// bcCancelFlow is the question whether to cancel a broadcast; its "no" is
// the broadcast flow's progress button.
type bcCancelFlow struct{}

const (
	flowBcastCancel = "bcx"
	bcxStepAsk      = "ask"
)

// bcCancelState is the broadcast the question is about.
type bcCancelState struct {
	ID string `json:"id"`
}

func (bcCancelFlow) Name() string            { return flowBcastCancel }
func (bcCancelFlow) Commands() []string      { return nil }
func (bcCancelFlow) Text(*step, string) bool { return false }

// Start is not used: the question opens from a broadcast's progress.
func (bcCancelFlow) Start(st *step, _ string) {
	st.s.resetFlow()
	st.menu()
}

func (bcCancelFlow) Routes() []Route {
	return []Route{{Op: bcCancelYes, Args: 1, Steps: []string{bcxStepAsk}, Right: cadre.ActBroadcast, Do: func(st *step, args []string) {
		var q bcCancelState
		loadState(st, &q)
		if q.ID != args[0] {
			st.expired()
			return
		}
		m, ok := bcMember(st)
		if !ok {
			return
		}
		b, ok := bcGet(st, m, q.ID)
		if !ok {
			return
		}
		b, err := st.e.svc.Broadcasts.Cancel(st.ctx, b.ID, st.now)
		if err != nil {
			st.storeFailed("cancel broadcast", err)
			return
		}
		bcAudit(st, m, b, bcAuditCancel+"|"+b.ID)
		st.s.resetFlow()
		st.toast(st.t("bc_cancelled_toast"))
		st.show(st.t("bc_cancelled")+"\n\n"+bcStatus(st, b), bcListRows(st))
	}}}
}

// bcZone is the time zone of area: its province's for an area of the
// official list; else that of the facilities in area (the most common
// one), Asia/Jakarta when none is known.
func bcZone(st *step, area cadre.Area) string {
	if z, ok := wilayah.Zone(area.Code); ok {
		return z
	}
	zones := map[string]int{}
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
			for _, f := range c.Facilities() {
				if bcNear(area, f) {
					zones[f.TimeZone]++
				}
			}
		}
	}
	best, most := "Asia/Jakarta", 0
	keys := make([]string, 0, len(zones))
	for z := range zones {
		keys = append(keys, z)
	}
	sort.Strings(keys)
	for _, z := range keys {
		if zones[z] > most {
			best, most = z, zones[z]
		}
	}
	return best
}

// bcDescribe says whom an audience reaches.
func bcDescribe(st *step, a broadcast.Audience) markup {
	group := st.t("bc_all_groups")
	if a.Group != "" {
		group = st.t("group_" + string(a.Group))
	}
	text := st.t("bc_audience", bcAreaName(st, a.Area), group)
	if a.ExcludeEvent != "" {
		name := a.ExcludeEvent
		if st.e.svc.Catalog != nil {
			if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
				if ev, ok := c.Event(a.ExcludeEvent); ok {
					name = ev.Name
				}
			}
		}
		text += "\n" + st.t("bc_audience_exclude", name)
	}
	return markup(text)
}

// bcAreaName is an area (plain text); the whole country in words.
func bcAreaName(st *step, a cadre.Area) string {
	if broadcast.Depth(a) == 0 {
		return st.t("bc_everywhere")
	}
	return broadcast.Trim(a).String()
}

// bcPlainArea is the narrowest name of an area, for a button label.
func bcPlainArea(st *step, a cadre.Area) string {
	if broadcast.Depth(a) == 0 {
		return st.t("bc_everywhere")
	}
	return bcPlace(a)
}

// bcPlace is the narrowest name of an area.
func bcPlace(a cadre.Area) string {
	a = broadcast.Trim(a)
	for _, n := range []string{a.KampungKB, a.Kelurahan, a.Kecamatan, a.Kabupaten} {
		if n != "" {
			return n
		}
	}
	return ""
}

// bcLine is a broadcast in the list: its time, state and counts.
func bcLine(st *step, b broadcast.Broadcast) string {
	f := &booking.Facility{Location: loadZone(b.Zone)}
	line := st.fmtShortDay(b.At, f) + " · " + bcStateName(st, b.State) + " · " + escape(bcPlace(b.Audience.Area))
	if b.State != broadcast.Scheduled {
		line += " · " + st.t("bc_line_counts", b.Counts.Delivered, b.Counts.Total)
	}
	return line
}

func bcStateName(st *step, s broadcast.State) string {
	switch s {
	case broadcast.Scheduled, broadcast.Sending, broadcast.Done, broadcast.Cancelled:
		return st.t("bc_state_" + string(s))
	}
	return escape(string(s))
}

func bcStateIcon(s broadcast.State) string {
	switch s {
	case broadcast.Scheduled:
		return "🕒"
	case broadcast.Sending:
		return "📤"
	case broadcast.Done:
		return "✅"
	}
	return "⛔"
}

// bcShortDay is "26/11" for a button.
func bcShortDay(d booking.Date) string {
	return strconv.Itoa(d.Day) + "/" + strconv.Itoa(int(d.Month))
}

// bcFirstLine is the start of a broadcast's text, or a photo mark.
func bcFirstLine(b broadcast.Broadcast) string {
	line, _, _ := strings.Cut(strings.TrimSpace(b.Text), "\n")
	if line == "" && b.PhotoID != "" {
		return "📷"
	}
	return line
}

// bcClip shortens s to n characters.
func bcClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
