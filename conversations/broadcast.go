package conversations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
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

// The broadcast flow of staff (/siaran, the staff menu's "s:new"):
// compose a text or a photo with a caption, choose the audience within the
// member's area (the whole area or one kecamatan or kelurahan in it, a
// group or all, optionally leaving out residents booked for an event), see
// a preview with the number of recipients, send now or at a chosen time.
// The list, the progress and the cancel of broadcasts are here too. Every
// step checks the member's right (cadre.Can with cadre.ActBroadcast) on the
// server; buttons carry no identity.
//
//	s:new                 compose            s:list      the member's broadcasts
//	s:v:<id>              progress           s:x:<id>    cancel (ask)
//	s:xy:<id>:<n>         cancel (confirmed)
//	s:a:<all|i>:<n>       audience area      s:g:<all|group>:<n>  group
//	s:e:<no|i>:<n>        exclude booked     s:aud:<n>   choose the audience again
//	s:go:<n>              send now           s:at:<n>    choose a time
//	s:tm:<1|2>:<n>        tomorrow 08.00 / 16.00         s:ok:<n>    schedule
const (
	flowBcast       = "bcast"
	flowBcastCancel = "bcastx"
)

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

// Steps of flowBcast and the keys of its Session.Data.
const (
	bcStepText    = "text"
	bcStepArea    = "area"
	bcStepGroup   = "group"
	bcStepEvent   = "event"
	bcStepPreview = "preview"
	bcStepTime    = "time"
	bcStepConfirm = "confirm"

	dBcText  = "bt"  // the text, as typed
	dBcPhoto = "bp"  // a photo's file id
	dBcArea  = "ba"  // the area being chosen, then chosen (JSON)
	dBcList  = "bo"  // the names or ids the buttons offer, "\n"-separated
	dBcGroup = "bg"  // the group ("" for all)
	dBcEvent = "be"  // the event whose booked residents are left out
	dBcZone  = "bz"  // the area's zone
	dBcAt    = "bat" // the chosen time (Unix seconds)
	dBcCount = "bn"  // the recipients counted at the preview
	dBcID    = "bid" // the broadcast a cancel is about
)

const (
	// bcListed is how many broadcasts the list shows.
	bcListed = 8
	// bcEventsOffered bounds the events offered to leave out.
	bcEventsOffered = 5
)

// broadcastCommand handles /wilayah and /siaran; it reports whether cmd was
// one. For a chat that is not staff /siaran is no command at all.
func (st *step) broadcastCommand(cmd, args string) bool {
	switch cmd {
	case "wilayah":
		st.areaStart()
		return true
	case "siaran", "broadcast":
		m, ok := st.member()
		if !ok {
			return false
		}
		st.bcStart(m)
		return true
	}
	return false
}

// broadcastText takes typed input of the area and broadcast flows.
func (st *step) broadcastText(t string) bool {
	switch st.s.Flow {
	case flowArea:
		return st.areaText(t)
	case flowBcast:
	default:
		return false
	}
	m, ok := st.bcMember()
	if !ok {
		return true
	}
	switch st.s.Step {
	case bcStepText:
		st.bcTakeText(m, t, "")
	case bcStepTime:
		loc := loadZone(st.s.Data[dBcZone])
		at, ok := broadcast.ParseLocal(t, st.now, loc)
		if !ok {
			st.send(st.t("bc_time_invalid", booking.ZoneLabel(loc)), nil)
			return true
		}
		st.bcConfirmTime(at)
	default:
		st.send(st.t("bc_use_buttons"), nil)
	}
	return true
}

// broadcastMedia takes a photo sent while composing a broadcast; it
// reports whether the media was for the broadcast flow.
func (st *step) broadcastMedia() bool {
	if st.s.Flow != flowBcast || st.s.Step != bcStepText {
		return false
	}
	m, ok := st.bcMember()
	if !ok {
		return true
	}
	if st.ev.Media != "photo" || st.ev.FileID == "" {
		st.send(st.t("bc_photo_only"), nil)
		return true
	}
	st.bcTakeText(m, st.ev.Caption, st.ev.FileID)
	return true
}

// broadcastCallback handles "s:..." buttons: the residents' area flow,
// and the broadcasts of staff.
func (st *step) broadcastCallback(args []string) {
	op := args[0]
	switch op {
	case arOpen, arKab, arKec, arKel, arGroup, arEdit, arEditGroup, arDelete, arDeleteYes:
		st.areaCallback(op, args)
		return
	}
	m, ok := st.bcMember()
	if !ok {
		return
	}
	arg := ""
	if len(args) > 1 {
		arg = args[1]
	}
	switch op {
	case bcNew:
		st.bcStart(m)
		return
	case bcList:
		st.bcList(m)
		return
	case bcView:
		st.bcView(m, arg)
		return
	case bcCancel:
		st.bcAskCancel(m, arg)
		return
	case bcCancelYes:
		if len(args) != 3 {
			st.expired()
			return
		}
		st.bcCancel(m, arg, args[2])
		return
	}
	// The rest belongs to a composition: its nonce is the last argument.
	arg, ok = st.flowArg(flowBcast, args)
	if !ok {
		st.expired()
		return
	}
	switch op {
	case bcArea:
		st.bcPickArea(m, arg)
	case bcGroup:
		st.bcPickGroup(m, arg)
	case bcEvent:
		st.bcPickEvent(m, arg)
	case bcAudience:
		if st.s.Step != bcStepPreview {
			st.expired()
			return
		}
		st.bcAskArea(m, broadcast.Trim(m.Area))
	case bcNow:
		if st.s.Step != bcStepPreview {
			st.expired()
			return
		}
		st.bcCreate(m, time.Time{})
	case bcAt:
		if st.s.Step != bcStepPreview && st.s.Step != bcStepConfirm {
			st.expired()
			return
		}
		st.bcAskTime()
	case bcQuick:
		if st.s.Step != bcStepTime || (arg != "1" && arg != "2") {
			st.expired()
			return
		}
		loc := loadZone(st.s.Data[dBcZone])
		l := st.now.In(loc).AddDate(0, 0, 1)
		hour := map[string]int{"1": 8, "2": 16}[arg]
		st.bcConfirmTime(time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, loc))
	case bcOK:
		at, err := strconv.ParseInt(st.s.Data[dBcAt], 10, 64)
		if st.s.Step != bcStepConfirm || err != nil {
			st.expired()
			return
		}
		st.bcCreate(m, time.Unix(at, 0).UTC())
	default:
		st.expired()
	}
}

// bcMember returns the tapper's membership if they may broadcast in their
// area. Anyone else gets the expired answer (a resident never learns of
// staff flows), a member without the right a refusal.
func (st *step) bcMember() (cadre.Member, bool) {
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

// bcStart begins a new broadcast: it asks for the text.
func (st *step) bcStart(m cadre.Member) {
	if !cadre.Can(m, cadre.ActBroadcast, m.Area) {
		st.s.resetFlow()
		st.show(st.t("bc_not_allowed"), st.menuButton())
		return
	}
	if st.e.svc.Broadcasts == nil {
		st.show(st.t("bc_unavailable"), st.menuButton())
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Step, st.s.Nonce = flowBcast, bcStepText, st.e.nonce()
	st.show(st.t("bc_compose", st.bcAreaName(m.Area), broadcast.MaxText, broadcast.MaxCaption), [][]kbbot.Button{
		{st.btn("btn_bc_list", data(cbBroadcast, bcList))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// bcTakeText keeps the text (or a photo's caption) and asks for the
// audience.
func (st *step) bcTakeText(m cadre.Member, text, photo string) {
	text = strings.TrimSpace(text)
	if text == "" && photo == "" {
		st.send(st.t("bc_text_empty"), nil)
		return
	}
	if n, limit := utf8.RuneCountInString(text), broadcast.TextLimit(photo != ""); n > limit {
		st.send(st.t("bc_too_long", n, limit), nil)
		return
	}
	st.s.set(dBcText, text)
	st.s.set(dBcPhoto, photo)
	st.inPlace = false
	st.bcAskArea(m, broadcast.Trim(m.Area))
}

// bcAskArea offers the whole of area cur, or one place in it with
// residents.
func (st *step) bcAskArea(m cadre.Member, cur cadre.Area) {
	store := st.e.svc.Broadcasts
	if !cadre.Can(m, cadre.ActBroadcast, cur) {
		st.expired()
		return
	}
	raw, _ := json.Marshal(cur)
	st.s.set(dBcArea, string(raw))
	if broadcast.Depth(cur) >= 3 {
		// A kelurahan or Kampung KB: nothing narrower to choose.
		st.bcAskGroup(m, cur)
		return
	}
	st.s.Step = bcStepArea
	total, err := store.Count(st.ctx, broadcast.Audience{Area: cur})
	if err != nil {
		st.storeFailed("count audience", err)
		return
	}
	var names []string
	places, err := store.Places(st.ctx, cur)
	if err != nil {
		st.storeFailed("read places", err)
		return
	}
	for _, p := range places {
		if p.Residents > 0 && len(names) < maxPlaceButtons {
			names = append(names, p.Name)
		}
	}
	st.s.set(dBcList, strings.Join(names, "\n"))
	n := st.s.Nonce
	rows := [][]kbbot.Button{{{Label: st.t("btn_bc_whole", st.bcPlainArea(cur), total), Data: data(cbBroadcast, bcArea, bcAll, n)}}}
	for i, name := range names {
		rows = append(rows, []kbbot.Button{{Label: name, Data: data(cbBroadcast, bcArea, strconv.Itoa(i), n)}})
	}
	st.show(st.t("bc_ask_area", st.bcAreaName(cur)), append(rows, st.menuButton()...))
}

// bcPickArea takes the whole area offered, or goes into one place of it.
func (st *step) bcPickArea(m cadre.Member, arg string) {
	var cur cadre.Area
	if st.s.Step != bcStepArea || json.Unmarshal([]byte(st.s.Data[dBcArea]), &cur) != nil {
		st.expired()
		return
	}
	if arg == bcAll {
		if !cadre.Can(m, cadre.ActBroadcast, cur) {
			st.expired()
			return
		}
		st.bcAskGroup(m, cur)
		return
	}
	names := strings.Split(st.s.Data[dBcList], "\n")
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(names) || names[i] == "" {
		st.expired()
		return
	}
	child := broadcast.Child(cur, names[i])
	if broadcast.Depth(child) >= 3 {
		if !cadre.Can(m, cadre.ActBroadcast, child) {
			st.expired()
			return
		}
		raw, _ := json.Marshal(child)
		st.s.set(dBcArea, string(raw))
		st.bcAskGroup(m, child)
		return
	}
	st.bcAskArea(m, child)
}

// bcAskGroup offers the groups, with how many residents of the area each
// reaches.
func (st *step) bcAskGroup(m cadre.Member, area cadre.Area) {
	st.s.Step = bcStepGroup
	n := st.s.Nonce
	count := func(g cadre.Group) (int, error) {
		return st.e.svc.Broadcasts.Count(st.ctx, broadcast.Audience{Area: area, Group: g})
	}
	all, err := count("")
	if err != nil {
		st.storeFailed("count audience", err)
		return
	}
	rows := [][]kbbot.Button{{{Label: st.t("btn_bc_all_groups", all), Data: data(cbBroadcast, bcGroup, bcAll, n)}}}
	for _, g := range cadre.Groups() {
		c, err := count(g)
		if err != nil {
			st.storeFailed("count audience", err)
			return
		}
		rows = append(rows, []kbbot.Button{{Label: st.t("group_"+string(g)) + " (" + strconv.Itoa(c) + ")", Data: data(cbBroadcast, bcGroup, string(g), n)}})
	}
	st.show(st.t("bc_ask_group", st.bcAreaName(area)), append(rows, st.menuButton()...))
}

func (st *step) bcPickGroup(m cadre.Member, arg string) {
	g := cadre.Group(arg)
	if st.s.Step != bcStepGroup || (arg != bcAll && !g.Valid()) {
		st.expired()
		return
	}
	if arg == bcAll {
		g = ""
	}
	st.s.set(dBcGroup, string(g))
	st.bcAskEvent(m)
}

// bcAskEvent offers to leave out residents already booked for an open
// event in or around the area; without such events it goes on.
func (st *step) bcAskEvent(m cadre.Member) {
	area := st.bcDraftArea()
	var ids []string
	var rows [][]kbbot.Button
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
			for _, ev := range c.OpenEvents(st.now) {
				if len(ids) == bcEventsOffered || !bcEventNear(c, ev, area) {
					continue
				}
				rows = append(rows, []kbbot.Button{{Label: bcClip(ev.Name, 40) + " · " + st.bcShortDay(ev.Date),
					Data: data(cbBroadcast, bcEvent, strconv.Itoa(len(ids)), st.s.Nonce)}})
				ids = append(ids, ev.ID)
			}
		}
	}
	st.s.set(dBcEvent, "")
	if len(ids) == 0 {
		st.bcPreview(m)
		return
	}
	st.s.Step = bcStepEvent
	st.s.set(dBcList, strings.Join(ids, "\n"))
	rows = append(rows, []kbbot.Button{st.btn("btn_bc_exclude_none", data(cbBroadcast, bcEvent, bcNo, st.s.Nonce))})
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
	fa := cadre.Area{Kabupaten: f.Kabupaten, Kecamatan: f.Kecamatan, Kelurahan: f.Kelurahan}
	kec := cadre.Area{Kabupaten: f.Kabupaten, Kecamatan: f.Kecamatan}
	return area.Contains(fa) || kec.Contains(area)
}

func (st *step) bcPickEvent(m cadre.Member, arg string) {
	if st.s.Step != bcStepEvent {
		st.expired()
		return
	}
	if arg != bcNo {
		ids := strings.Split(st.s.Data[dBcList], "\n")
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(ids) || ids[i] == "" {
			st.expired()
			return
		}
		st.s.set(dBcEvent, ids[i])
	}
	st.bcPreview(m)
}

// bcDraftArea is the audience area chosen so far.
func (st *step) bcDraftArea() cadre.Area {
	var a cadre.Area
	_ = json.Unmarshal([]byte(st.s.Data[dBcArea]), &a)
	return a
}

// bcDraft is the broadcast being composed.
func (st *step) bcDraft() broadcast.Broadcast {
	return broadcast.Broadcast{
		Author: st.ev.ChatID, Lang: st.r.Lang, Text: st.s.Data[dBcText], PhotoID: st.s.Data[dBcPhoto],
		Audience: broadcast.Audience{Area: st.bcDraftArea(), Group: cadre.Group(st.s.Data[dBcGroup]), ExcludeEvent: st.s.Data[dBcEvent]},
		Zone:     st.s.Data[dBcZone],
	}
}

// bcPreview shows the message as residents will see it, and how many it
// reaches now, with the choice to send now or later.
func (st *step) bcPreview(m cadre.Member) {
	st.s.set(dBcZone, st.bcZone(st.bcDraftArea()))
	b := st.bcDraft()
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
	st.s.set(dBcCount, strconv.Itoa(n))
	nonce := st.s.Nonce
	st.inPlace = false
	st.send(st.t("bc_preview_above"), nil)
	sample := broadcastMessage(st.e.lib, b, st.r.Lang)
	sample.ChatID, sample.Priority = st.ev.ChatID, kbbot.PriorityReply
	st.out = append(st.out, sample)
	if n == 0 {
		st.send(st.t("bc_preview_nobody", st.bcDescribe(b.Audience)), [][]kbbot.Button{
			{st.btn("btn_bc_audience", data(cbBroadcast, bcAudience, nonce))},
			{st.btn("btn_bc_rewrite", data(cbBroadcast, bcNew))},
			{st.btn("btn_menu", data(cbMenu))},
		})
		return
	}
	st.send(st.t("bc_preview", st.bcDescribe(b.Audience), n), [][]kbbot.Button{
		{st.btn("btn_bc_send_now", data(cbBroadcast, bcNow, nonce))},
		{st.btn("btn_bc_schedule", data(cbBroadcast, bcAt, nonce))},
		{st.btn("btn_bc_audience", data(cbBroadcast, bcAudience, nonce)), st.btn("btn_bc_rewrite", data(cbBroadcast, bcNew))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// bcAskTime asks for the date and time, local to the area.
func (st *step) bcAskTime() {
	st.s.Step = bcStepTime
	loc := loadZone(st.s.Data[dBcZone])
	n := st.s.Nonce
	st.show(st.t("bc_ask_time", booking.ZoneLabel(loc)), [][]kbbot.Button{
		{st.btn("btn_bc_tomorrow_8", data(cbBroadcast, bcQuick, "1", n)), st.btn("btn_bc_tomorrow_16", data(cbBroadcast, bcQuick, "2", n))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// bcConfirmTime checks a chosen time and asks to confirm it.
func (st *step) bcConfirmTime(at time.Time) {
	loc := loadZone(st.s.Data[dBcZone])
	if err := broadcast.CheckTime(at, st.now, loc); err != nil {
		key := map[error]string{broadcast.ErrPast: "bc_time_past", broadcast.ErrTooFar: "bc_time_far", broadcast.ErrNight: "bc_time_night"}[err]
		st.send(st.t(key, booking.ZoneLabel(loc)), nil)
		return
	}
	st.s.Step = bcStepConfirm
	st.s.set(dBcAt, strconv.FormatInt(at.Unix(), 10))
	b := st.bcDraft()
	n := st.s.Nonce
	st.show(st.t("bc_confirm_time", st.fmtTime(at, &booking.Facility{Location: loc}), st.bcDescribe(b.Audience), st.s.Data[dBcCount]), [][]kbbot.Button{
		{st.btn("btn_bc_schedule_ok", data(cbBroadcast, bcOK, n))},
		{st.btn("btn_bc_other_time", data(cbBroadcast, bcAt, n))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// bcCreate stores the broadcast, for now (at zero) or at, and audits it.
func (st *step) bcCreate(m cadre.Member, at time.Time) {
	b := st.bcDraft()
	if !cadre.Can(m, cadre.ActBroadcast, b.Audience.Area) {
		st.expired()
		return
	}
	loc := loadZone(b.Zone)
	now := at.IsZero()
	if now {
		at = broadcast.SendNow(st.now, loc)
	} else if err := broadcast.CheckTime(at, st.now, loc); err != nil {
		st.bcAskTime()
		return
	}
	b.ID = broadcast.NewID(st.ev.ChatID, st.s.Nonce)
	b.AuthorRole, b.Created, b.At = m.Role, st.now.UTC(), at.UTC()
	b.Zone = loc.String()
	saved, err := st.e.svc.Broadcasts.Create(st.ctx, b)
	if errors.Is(err, broadcast.ErrInvalid) {
		st.e.svc.Log.Warn("broadcast refused", "error", err)
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("create broadcast", err)
		return
	}
	count := st.s.Data[dBcCount]
	st.bcAudit(m, saved, fmt.Sprintf("broadcast %s to about %s residents, %s", saved.ID, count, saved.At.Format(time.RFC3339)))
	st.s.resetFlow()
	buttons := [][]kbbot.Button{
		{st.btn("btn_bc_progress", data(cbBroadcast, bcView, saved.ID))},
		{st.btn("btn_menu", data(cbMenu))},
	}
	f := &booking.Facility{Location: loc}
	switch {
	case now && !saved.At.After(st.now):
		st.show(st.t("bc_sending", count), buttons)
	case now:
		st.show(st.t("bc_night_later", st.fmtTime(saved.At, f), count), buttons)
	default:
		st.show(st.t("bc_scheduled", st.fmtTime(saved.At, f), count), buttons)
	}
}

// bcAudit writes a broadcast action to the audit log; a failure is logged.
func (st *step) bcAudit(m cadre.Member, b broadcast.Broadcast, detail string) {
	if st.e.svc.Audit == nil {
		return
	}
	e := cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: cadre.ActBroadcast, Area: b.Audience.Area, Detail: detail}
	if err := st.e.svc.Audit.Audit(st.ctx, e); err != nil {
		st.e.svc.Log.Error("audit broadcast", "error", err)
	}
}

// bcList lists the recent broadcasts the member may follow.
func (st *step) bcList(m cadre.Member) {
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
		lines = append(lines, "• "+st.bcLine(b))
		rows = append(rows, []kbbot.Button{{Label: st.bcStateIcon(b.State) + " " + bcClip(bcFirstLine(b), 30), Data: data(cbBroadcast, bcView, b.ID)}})
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
func (st *step) bcGet(m cadre.Member, id string) (broadcast.Broadcast, bool) {
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

// bcView shows a broadcast's progress.
func (st *step) bcView(m cadre.Member, id string) {
	b, ok := st.bcGet(m, id)
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
	rows = append(rows, []kbbot.Button{st.btn("btn_bc_list", data(cbBroadcast, bcList))}, []kbbot.Button{st.btn("btn_menu", data(cbMenu))})
	st.show(st.bcStatus(b), rows)
	st.toast(st.t("bc_refreshed"))
}

// bcStatus is a broadcast's state, audience, time and counts.
func (st *step) bcStatus(b broadcast.Broadcast) string {
	f := &booking.Facility{Location: loadZone(b.Zone)}
	text := st.t("bc_status", st.bcStateName(b.State), st.bcDescribe(b.Audience), st.fmtTime(b.At, f), html.EscapeString(bcClip(b.Text, 200)))
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

func (st *step) bcAskCancel(m cadre.Member, id string) {
	b, ok := st.bcGet(m, id)
	if !ok {
		return
	}
	if !b.State.Open() {
		st.show(st.bcStatus(b), [][]kbbot.Button{{st.btn("btn_bc_list", data(cbBroadcast, bcList))}, {st.btn("btn_menu", data(cbMenu))}})
		return
	}
	st.s.resetFlow()
	st.s.Flow, st.s.Nonce = flowBcastCancel, st.e.nonce()
	st.s.set(dBcID, b.ID)
	st.show(st.t("bc_cancel_confirm", html.EscapeString(bcClip(b.Text, 200))), [][]kbbot.Button{
		{st.btn("btn_bc_cancel_yes", data(cbBroadcast, bcCancelYes, b.ID, st.s.Nonce))},
		{st.btn("btn_bc_cancel_no", data(cbBroadcast, bcView, b.ID))},
	})
}

func (st *step) bcCancel(m cadre.Member, id, nonce string) {
	if st.s.Flow != flowBcastCancel || nonce != st.s.Nonce || st.s.Data[dBcID] != id {
		st.expired()
		return
	}
	b, ok := st.bcGet(m, id)
	if !ok {
		return
	}
	b, err := st.e.svc.Broadcasts.Cancel(st.ctx, b.ID, st.now)
	if err != nil {
		st.storeFailed("cancel broadcast", err)
		return
	}
	st.bcAudit(m, b, "cancel broadcast "+b.ID)
	st.s.resetFlow()
	st.toast(st.t("bc_cancelled_toast"))
	st.show(st.t("bc_cancelled")+"\n\n"+st.bcStatus(b), [][]kbbot.Button{
		{st.btn("btn_bc_list", data(cbBroadcast, bcList))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// bcZone is the time zone of the facilities in area (the most common one),
// Asia/Jakarta when none is known.
func (st *step) bcZone(area cadre.Area) string {
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

// bcDescribe says whom an audience reaches, escaped.
func (st *step) bcDescribe(a broadcast.Audience) string {
	group := st.t("bc_all_groups")
	if a.Group != "" {
		group = st.t("group_" + string(a.Group))
	}
	text := st.t("bc_audience", st.bcAreaName(a.Area), group)
	if a.ExcludeEvent != "" {
		name := a.ExcludeEvent
		if st.e.svc.Catalog != nil {
			if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
				if ev, ok := c.Event(a.ExcludeEvent); ok {
					name = ev.Name
				}
			}
		}
		text += "\n" + st.t("bc_audience_exclude", html.EscapeString(name))
	}
	return text
}

// bcAreaName is an area, escaped; the whole country in words.
func (st *step) bcAreaName(a cadre.Area) string {
	if broadcast.Depth(a) == 0 {
		return st.t("bc_everywhere")
	}
	return html.EscapeString(broadcast.Trim(a).String())
}

// bcPlainArea is the narrowest name of an area, for a button label.
func (st *step) bcPlainArea(a cadre.Area) string {
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
func (st *step) bcLine(b broadcast.Broadcast) string {
	f := &booking.Facility{Location: loadZone(b.Zone)}
	line := st.fmtShortDay(b.At, f) + " · " + st.bcStateName(b.State) + " · " + html.EscapeString(bcPlace(b.Audience.Area))
	if b.State != broadcast.Scheduled {
		line += " · " + st.t("bc_line_counts", b.Counts.Delivered, b.Counts.Total)
	}
	return line
}

func (st *step) bcStateName(s broadcast.State) string {
	switch s {
	case broadcast.Scheduled, broadcast.Sending, broadcast.Done, broadcast.Cancelled:
		return st.t("bc_state_" + string(s))
	}
	return html.EscapeString(string(s))
}

func (st *step) bcStateIcon(s broadcast.State) string {
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
func (st *step) bcShortDay(d booking.Date) string {
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
