package conversations

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/content/wilayah"
)

// areaFlow is the residents' area and group (/wilayah, the menu button, a
// cadre's "a-<code>" deep link). With consent only: the profile decides
// which broadcasts of their cadres reach them.
//
// Places come from the official list (content/wilayah): the resident
// types her kelurahan/desa (or kecamatan) and taps one of the closest
// names, each shown with its kecamatan and kabupaten/kota; or she goes
// down the list with buttons, from the kabupaten/kota of the catalog's
// facilities or from the provinces, to a kecamatan and its
// kelurahan/desa. Long lists come in pages.
//
//	area:open               open (menu button, /dataku)
//	area:then:<flow>        open, then go on to Tanya bidan or Kabari saya
//	                        (flowAsk, flowNews) once the area is saved
//	area:in:<i>:<n>         the i-th place offered (a candidate, or a
//	                        place of the list shown)
//	area:pg:<page>:<n>      another page of the list shown
//	area:all:<n>            the provinces (the whole list)
//	area:kel:-:<n>          "I do not know my kelurahan": the kecamatan shown
//	area:grp:<group|->:<n>  group ("-": none)
//	area:edit:<n>           change the area     area:editgrp:<n>  change the group
//	area:del:<n>            delete (ask)        area:delyes:<n>   delete (confirmed)
type areaFlow struct{}

const flowArea = "area"

// Operations of the area flow in callback data.
const (
	arOpen      = "open"
	arThen      = "then"
	arIn        = "in"
	arPage      = "pg"
	arAll       = "all"
	arKel       = "kel"
	arGroup     = "grp"
	arEdit      = "edit"
	arEditGroup = "editgrp"
	arDelete    = "del"
	arDeleteYes = "delyes"
	arNone      = "-"
)

// Steps of the area flow.
const (
	arStepShow  = "show"
	arStepPick  = "pick"
	arStepGroup = "group"
	arStepDel   = "del"
)

// areaState is the area flow's state.
type areaState struct {
	// At is the code whose places are shown ("" for the start: the
	// catalog's kabupaten/kota, or the provinces when All).
	At   string `json:"at,omitempty"`
	All  bool   `json:"all,omitempty"`
	Page int    `json:"page,omitempty"`
	// List are the codes the buttons offer, by index.
	List []string `json:"list,omitempty"`
	// Code is the place chosen (a kecamatan or kelurahan), asked the group.
	Code string `json:"code,omitempty"`
	KKB  string `json:"kkb,omitempty"` // Kampung KB, from a deep link only
	// OnlyGroup: only the group changes, the stored area stays.
	OnlyGroup bool `json:"only_group,omitempty"`
	// Next is the flow that sent her here to tell her area first (Tanya
	// bidan, Kabari saya): it goes on once the area is saved.
	Next string `json:"next,omitempty"`
}

// areaThen are the flows that may send a resident to tell her area first
// and go on after it (area:then:<flow>).
var areaThen = map[string]bool{flowAsk: true, flowNews: true}

// payloadArea is the /start payload that opens the area flow (t.me/<bot>?start=wilayah),
// kept while the resident is asked for consent.
const payloadArea = "wilayah"

// Sizes of the area picker's lists.
const (
	areaPageSize   = 10 // places a page, two a row
	areaCandidates = 6  // candidates of a typed name
	// maxPlaceButtons bounds other lists of places (the broadcast's).
	maxPlaceButtons = 40
)

func (areaFlow) Name() string       { return flowArea }
func (areaFlow) Commands() []string { return []string{"wilayah"} }

// Start opens /wilayah: the profile if there is one, else the questions.
// Consent comes first.
func (f areaFlow) Start(st *step, _ string) {
	st.s.resetFlow()
	if !st.r.Consented() {
		st.s.StartPayload = payloadArea
		st.inPlace = false
		st.send(st.t("wil_consent_needed"), nil)
		st.askConsent()
		return
	}
	store := st.e.svc.Broadcasts
	if store == nil {
		st.show(st.t("wil_unavailable"), st.menuButton())
		return
	}
	p, ok, err := store.Profile(st.ctx, st.ev.ChatID)
	if err != nil {
		st.storeFailed("read profile", err)
		return
	}
	st.enter(f, arStepShow)
	if !ok {
		var s areaState
		f.askPlace(st, &s, st.t("wil_intro"))
		f.save(st, s)
		return
	}
	st.show(st.t("wil_current", st.wilArea(p.Area), st.wilGroup(p.Group)), [][]kbbot.Button{
		{st.flowButton(st.t("btn_wil_edit_area"), arEdit)},
		{st.flowButton(st.t("btn_wil_edit_group"), arEditGroup)},
		{st.flowButton(st.t("btn_wil_delete"), arDelete)},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// areaDeepLink handles the area payloads of /start: "wilayah" opens the
// flow, "a-<code>" sets the area of a cadre's poster. It reports whether p
// was one of them.
func (st *step) areaDeepLink(p string) bool { return areaFlow{}.deepLink(st, p) }

func (f areaFlow) deepLink(st *step, p string) bool {
	if p == payloadArea {
		f.Start(st, "")
		return true
	}
	code, ok := strings.CutPrefix(p, "a-")
	if !ok {
		return false
	}
	if !st.r.Consented() {
		st.s.resetFlow()
		st.s.StartPayload = p
		st.inPlace = false
		st.send(st.t("wil_consent_needed"), nil)
		st.askConsent()
		return true
	}
	if st.e.svc.AreaLinks == nil || st.e.svc.Broadcasts == nil {
		st.send(st.t("deeplink_unknown"), nil)
		return false
	}
	a, found, err := st.e.svc.AreaLinks.ResolveAreaLink(st.ctx, code)
	if err != nil {
		st.storeFailed("resolve area link", err)
		return true
	}
	a = broadcast.Trim(a)
	if !found || broadcast.Depth(a) == 0 {
		st.send(st.t("deeplink_unknown"), nil)
		return false
	}
	st.enter(f, arStepPick)
	st.inPlace = false
	lead := st.t("wil_from_link", a.String())
	var s areaState
	if l := areaList(st); l != nil {
		if r, ok := l.Resolve(a); ok {
			a = r
		}
	}
	switch {
	case a.Code == "":
		// A link to a place the list does not know: she finds hers.
		f.askPlace(st, &s, lead)
	case wilayah.LevelOf(a.Code) == wilayah.Village:
		s.Code, s.KKB = a.Code, a.KampungKB
		f.askGroup(st, lead)
	default:
		s.At = a.Code
		f.askPlace(st, &s, lead)
	}
	f.save(st, s)
	return true
}

func (f areaFlow) Routes() []Route {
	// on is a button of the running flow at step at, with the flow's state.
	on := func(op string, args int, at string, do func(st *step, s *areaState, args []string)) Route {
		return Route{Op: op, Args: args, Steps: []string{at}, Consent: true, Do: func(st *step, args []string) {
			var s areaState
			loadState(st, &s)
			do(st, &s, args)
			f.save(st, s)
		}}
	}
	return []Route{
		{Op: arOpen, Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: arThen, Args: 1, Consent: true, Do: func(st *step, args []string) {
			if !areaThen[args[0]] {
				st.expired()
				return
			}
			f.Start(st, "")
			if st.s.Flow == flowArea {
				var s areaState
				loadState(st, &s)
				s.Next = args[0]
				f.save(st, s)
			}
		}},
		on(arIn, 1, arStepPick, func(st *step, s *areaState, args []string) {
			i, err := strconv.Atoi(args[0])
			if err != nil || i < 0 || i >= len(s.List) {
				st.expired()
				return
			}
			f.take(st, s, s.List[i])
		}),
		on(arPage, 1, arStepPick, func(st *step, s *areaState, args []string) {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 || n > 1000 {
				st.expired()
				return
			}
			s.Page = n
			f.askPlace(st, s, "")
		}),
		on(arAll, 0, arStepPick, func(st *step, s *areaState, _ []string) {
			*s = areaState{All: true, OnlyGroup: s.OnlyGroup, KKB: s.KKB}
			f.askPlace(st, s, "")
		}),
		on(arKel, 1, arStepPick, func(st *step, s *areaState, args []string) {
			if args[0] != arNone || wilayah.LevelOf(s.At) != wilayah.District {
				st.expired()
				return
			}
			s.Code, s.KKB = s.At, ""
			f.askGroup(st, "")
		}),
		on(arGroup, 1, arStepGroup, func(st *step, s *areaState, args []string) {
			g, ok := groupArg(args[0], arNone)
			if !ok {
				st.expired()
				return
			}
			f.saveProfile(st, s, g)
		}),
		on(arEdit, 0, arStepShow, func(st *step, s *areaState, _ []string) {
			*s = areaState{}
			f.askPlace(st, s, "")
		}),
		on(arEditGroup, 0, arStepShow, func(st *step, s *areaState, _ []string) {
			s.OnlyGroup = true
			f.askGroup(st, "")
		}),
		on(arDelete, 0, arStepShow, func(st *step, _ *areaState, _ []string) {
			st.s.Step = arStepDel
			st.show(st.t("wil_delete_confirm"), [][]kbbot.Button{
				{st.flowButton(st.t("btn_wil_delete_yes"), arDeleteYes)},
				{st.btn("btn_menu", data(cbMenu))},
			})
		}),
		on(arDeleteYes, 0, arStepDel, func(st *step, _ *areaState, _ []string) {
			if err := st.e.svc.Broadcasts.DeleteProfile(st.ctx, st.ev.ChatID); err != nil {
				st.storeFailed("delete profile", err)
				return
			}
			st.s.resetFlow()
			st.show(st.t("wil_deleted"), st.menuButton())
		}),
	}
}

// save keeps s while the area flow still runs.
func (areaFlow) save(st *step, s areaState) {
	if st.s.Flow == flowArea {
		saveState(st, s)
	}
}

// take goes on with the place of code: a kelurahan/desa is her place; a
// kecamatan, kabupaten/kota or province shows its places.
func (f areaFlow) take(st *step, s *areaState, code string) {
	l := areaList(st)
	if l == nil {
		return
	}
	if _, ok := l.Place(code); !ok {
		st.expired()
		return
	}
	if wilayah.LevelOf(code) == wilayah.Village {
		s.Code, s.KKB = code, "" // a Kampung KB comes from its own deep link only
		f.askGroup(st, "")
		return
	}
	s.At, s.Page, s.KKB = code, 0, ""
	f.askPlace(st, s, "")
}

// groupArg is the group a button names: none is no group (""); ok is
// false for a group that does not exist.
func groupArg(arg, none string) (g cadre.Group, ok bool) {
	if arg == none {
		return "", true
	}
	g = cadre.Group(arg)
	return g, g.Valid()
}

// Text takes a typed place name and offers the closest places of the
// list, within the place shown first.
func (f areaFlow) Text(st *step, t string) bool {
	if st.s.Step != arStepPick {
		st.send(st.t("wil_use_buttons"), nil)
		return true
	}
	name, ok := broadcast.CleanName(t)
	if !ok {
		st.send(st.t("wil_name_invalid"), nil)
		return true
	}
	l := areaList(st)
	if l == nil {
		return true
	}
	var s areaState
	loadState(st, &s)
	st.inPlace = false
	levels := []wilayah.Level{wilayah.District, wilayah.Village}
	var found []wilayah.Match
	if wilayah.LevelOf(s.At) >= wilayah.Regency {
		found = l.Search(name, wilayah.Options{Under: s.At, Levels: levels, Limit: areaCandidates})
	}
	if len(found) == 0 {
		found = nearFirst(l.Search(name, wilayah.Options{Levels: levels, Limit: areaCandidates}),
			catalogMatches(st, l, name, levels))
	}
	s.List = s.List[:0]
	var rows [][]kbbot.Button
	for i, m := range found {
		s.List = append(s.List, m.Code)
		rows = append(rows, []kbbot.Button{st.flowButton(areaLabel(st, m.Place, m.Parents), arIn, strconv.Itoa(i))})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_browse"), arAll)})
	if len(found) == 0 {
		st.show(st.t("wil_not_found", name), append(rows, st.menuButton()...))
	} else {
		st.show(st.t("wil_candidates"), append(rows, st.menuButton()...))
	}
	f.save(st, s)
	return true
}

// catalogMatches are the candidates for a typed name within the
// kabupaten/kota of the catalog's facilities: where the KB serentak this
// bot serves take place, so where its residents most likely live.
func catalogMatches(st *step, l *wilayah.List, name string, levels []wilayah.Level) []wilayah.Match {
	if st.e.svc.Catalog == nil {
		return nil
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil || c == nil {
		return nil
	}
	var out []wilayah.Match
	seen := map[string]bool{}
	for _, f := range c.Facilities() {
		a, ok := l.Resolve(cadre.Area{Kabupaten: f.Kabupaten})
		if !ok || seen[a.Code] {
			continue
		}
		seen[a.Code] = true
		out = append(out, l.Search(name, wilayah.Options{Under: a.Code, Levels: levels, Limit: areaCandidates})...)
	}
	return out
}

// nearFirst puts the candidates near the catalog's facilities (near)
// before the country's (all) when they match about as well (a name they
// begin, against an exact name far away: "bendan" finds Bendan Kergon in
// Kota Pekalongan before Bendan in Boyolali), then the rest, without
// duplicates, up to areaCandidates.
func nearFirst(all, near []wilayah.Match) []wilayah.Match {
	best := 0
	for _, m := range all {
		best = max(best, m.Score)
	}
	var out []wilayah.Match
	seen := map[string]bool{}
	add := func(m wilayah.Match) {
		if !seen[m.Code] && len(out) < areaCandidates {
			seen[m.Code] = true
			out = append(out, m)
		}
	}
	sort.SliceStable(near, func(i, j int) bool { return near[i].Score > near[j].Score })
	for _, m := range near {
		if m.Score >= best-20 {
			add(m)
		}
	}
	for _, m := range all {
		add(m)
	}
	return out
}

// areaList is the official list of areas; nil, with the resident told,
// when it cannot be read (a broken build: its tests check it).
func areaList(st *step) *wilayah.List {
	l, err := wilayah.Load()
	if err != nil {
		st.log().Error("area list", "error", err)
		st.s.resetFlow()
		st.show(st.t("wil_unavailable"), st.menuButton())
		return nil
	}
	return l
}

// areaLabel is a place on a button: its name and, to tell places of one
// name apart, its parents ("Panjang Wetan — Pekalongan Utara, Kota
// Pekalongan"); a kecamatan says it is one.
func areaLabel(st *step, p wilayah.Place, parents string) string {
	name := p.Name
	if p.Level == wilayah.District {
		name = st.t("wil_kec_label", p.Name)
	}
	if parents == "" {
		return name
	}
	return name + " — " + parents
}

// catalogRegencies are the codes of the kabupaten/kota of the catalog's
// facilities that the list knows, sorted by name.
func catalogRegencies(st *step, l *wilayah.List) []string {
	if st.e.svc.Catalog == nil {
		return nil
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil || c == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, fc := range c.Facilities() {
		if a, ok := l.Resolve(cadre.Area{Kabupaten: fc.Kabupaten}); ok && !seen[a.Code] {
			seen[a.Code] = true
			out = append(out, a.Code)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := l.Place(out[i])
		b, _ := l.Place(out[j])
		return a.Name < b.Name
	})
	return out
}

// withLead puts first, when set, above the question text.
func withLead(first, text string) string {
	if first == "" {
		return text
	}
	return first + "\n\n" + text
}

// askPlace shows the places of s.At, a page at a time: at the start the
// catalog's kabupaten/kota (or the provinces), then a province's
// kabupaten/kota, a kabupaten/kota's kecamatan, a kecamatan's
// kelurahan/desa with "I do not know". She may type a name instead.
func (areaFlow) askPlace(st *step, s *areaState, first string) {
	l := areaList(st)
	if l == nil {
		return
	}
	st.s.Step = arStepPick
	var codes []string
	question := st.t("wil_ask_where")
	switch lv := wilayah.LevelOf(s.At); {
	case s.At == "" && !s.All:
		codes = catalogRegencies(st, l)
	case s.At == "":
		question = st.t("wil_ask_prov")
	default:
		p, _ := l.Place(s.At)
		question = st.t([]string{wilayah.Province: "wil_ask_kab", wilayah.Regency: "wil_ask_kec", wilayah.District: "wil_ask_kel"}[lv], p.Name)
	}
	if codes == nil {
		for _, p := range l.Children(s.At) {
			codes = append(codes, p.Code)
		}
	}
	pages := max(1, (len(codes)+areaPageSize-1)/areaPageSize)
	s.Page = min(max(s.Page, 0), pages-1)
	codes = codes[s.Page*areaPageSize : min(len(codes), (s.Page+1)*areaPageSize)]
	s.List = codes
	var rows [][]kbbot.Button
	for i, code := range codes {
		p, _ := l.Place(code)
		b := st.flowButton(p.Name, arIn, strconv.Itoa(i))
		if i%2 == 1 && len(rows) > 0 && len(rows[len(rows)-1]) == 1 {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		} else {
			rows = append(rows, []kbbot.Button{b})
		}
	}
	var nav []kbbot.Button
	if s.Page > 0 {
		nav = append(nav, st.flowButton(st.t("btn_wil_back"), arPage, strconv.Itoa(s.Page-1)))
	}
	if s.Page < pages-1 {
		nav = append(nav, st.flowButton(st.t("btn_wil_more"), arPage, strconv.Itoa(s.Page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	if wilayah.LevelOf(s.At) == wilayah.District {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_kel_unknown"), arKel, arNone)})
	}
	if s.At != "" || !s.All {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_browse"), arAll)})
	}
	st.show(withLead(first, question), append(rows, st.menuButton()...))
}

func (areaFlow) askGroup(st *step, first string) {
	st.s.Step = arStepGroup
	var rows [][]kbbot.Button
	for _, g := range cadre.Groups() {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("group_"+string(g)), arGroup, string(g))})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_group_skip"), arGroup, arNone)})
	st.show(withLead(first, st.t("wil_ask_group")), append(rows, st.menuButton()...))
}

// saveProfile stores the profile: the area chosen (or, when only the group
// changes, the one stored) and group g.
func (areaFlow) saveProfile(st *step, s *areaState, g cadre.Group) {
	store := st.e.svc.Broadcasts
	var a cadre.Area
	if s.OnlyGroup {
		p, ok, err := store.Profile(st.ctx, st.ev.ChatID)
		if err != nil {
			st.storeFailed("read profile", err)
			return
		}
		if !ok {
			st.expired()
			return
		}
		a = p.Area
	} else {
		l := areaList(st)
		if l == nil {
			return
		}
		var ok bool
		if a, ok = l.Area(s.Code); !ok || wilayah.LevelOf(s.Code) < wilayah.District {
			st.expired()
			return
		}
		if a.Kelurahan != "" {
			a.KampungKB = s.KKB
		}
	}
	p := broadcast.Profile{Area: a, Group: g, Lang: st.r.Lang}
	err := store.SetProfile(st.ctx, st.ev.ChatID, p)
	if errors.Is(err, broadcast.ErrInvalid) {
		st.expired()
		return
	}
	if err != nil {
		st.storeFailed("save profile", err)
		return
	}
	// The opt-out marks follow the session: a resident who said /berhenti
	// stays out of broadcasts; one who talks to us has not blocked us.
	if !st.audienceStopped(st.r.RemindersOff) || !st.audienceBlocked(false) {
		return
	}
	st.r.Area, st.r.Group = &a, g
	if g == cadre.IbuHamil || g == cadre.PascaSalin {
		st.inferSapaan(content.SapaanIbu)
	}
	st.s.resetFlow()
	text := st.t("wil_saved", st.wilArea(a), st.wilGroup(g))
	if st.r.RemindersOff {
		text += "\n\n" + st.t("wil_saved_but_stopped")
	}
	rows := st.menuButton()
	if g == cadre.IbuHamil && st.r.Pregnancy == nil {
		// A pregnant resident is offered the way to KB after birth.
		text += "\n\n" + st.t("kbpp_offer")
		rows = append([][]kbbot.Button{{st.btn("btn_kbpp_start", data(flowKBPP))}}, rows...)
	}
	if s.Next != "" && areaThen[s.Next] {
		// Back to what she was doing when she was asked her area.
		st.show(text, nil)
		st.inPlace = false
		st.open(s.Next, "")
		return
	}
	st.show(text, rows)
}

// audienceStopped keeps the broadcasts' opt-out index in step with
// /berhenti and /mulai. Only residents who gave consent can be in an
// audience, so nothing is stored for others. The opt-out is a promise: on
// a store failure the step is retried (false), never logged and forgotten.
func (st *step) audienceStopped(stopped bool) bool {
	return audienceMark(st, "broadcast opt-out", func(s BroadcastStore) error {
		return s.SetStopped(st.ctx, st.ev.ChatID, stopped)
	})
}

// audienceBlocked keeps the broadcasts' index of residents who blocked the
// bot in step with the record; false when the store failed (retried).
func (st *step) audienceBlocked(blocked bool) bool {
	return audienceMark(st, "broadcast blocked mark", func(s BroadcastStore) error {
		return s.SetBlocked(st.ctx, st.ev.ChatID, blocked)
	})
}

// audienceMark writes a mark of a consenting resident to the audience
// index; false when the store failed and the event is to be retried.
func audienceMark(st *step, op string, write func(BroadcastStore) error) bool {
	if st.e.svc.Broadcasts == nil || !st.r.Consented() {
		return true
	}
	if err := write(st.e.svc.Broadcasts); err != nil {
		st.mustRetry(op, err)
		return false
	}
	return true
}

// wilArea is an area for residents.
func (st *step) wilArea(a cadre.Area) markup {
	if a.Kelurahan == "" {
		return markup(escape(a.String()) + " " + st.t("wil_kel_unknown"))
	}
	return markup(escape(a.String()))
}

// wilGroup is a group's name, or "none".
func (st *step) wilGroup(g cadre.Group) string {
	if g == "" || !g.Valid() {
		return st.t("wil_group_none")
	}
	return st.t("group_" + string(g))
}

// areaCheck brings a record whose area was stored by name (before the
// official list) in line with the resident's profile, which the migration
// gave its code (app.MigrateAreas): the record takes the profile's area.
// It reports whether her area was not found on the list and she was not
// asked about it yet: then confirmArea asks, after the step.
func (st *step) areaCheck() bool {
	a := st.r.Area
	if a == nil || a.Code != "" || !st.r.Consented() || st.e.svc.Broadcasts == nil {
		return false
	}
	p, ok, err := st.e.svc.Broadcasts.Profile(st.ctx, st.ev.ChatID)
	if err != nil {
		st.log().Warn("read profile for the area check", "error", err)
		return false
	}
	if !ok {
		return false
	}
	if p.Area.Code != "" {
		area := p.Area
		st.r.Area = &area
		return false
	}
	return !st.r.AreaAsked && (st.ev.Kind == kbbot.EventText || st.ev.Kind == kbbot.EventCommand)
}

// confirmArea asks, once, a resident whose area is not on the official
// list to choose her place again: the closest places of the list as
// buttons, the list itself, or later. Only when her step left no flow
// running (a flow in progress is not cut; she is asked at a later step).
func (st *step) confirmArea() {
	if st.retry || st.wipe || st.s.Flow != "" || st.r.Area == nil {
		return
	}
	l, err := wilayah.Load()
	if err != nil {
		return
	}
	a := *st.r.Area
	st.r.AreaAsked = true
	query := a.Kelurahan
	if query == "" {
		query = a.Kecamatan
	} else {
		query += ", " + a.Kecamatan
	}
	query += ", " + a.Kabupaten
	found := l.Search(query, wilayah.Options{Levels: []wilayah.Level{wilayah.District, wilayah.Village}, Limit: areaCandidates})
	st.enter(areaFlow{}, arStepPick)
	var s areaState
	var rows [][]kbbot.Button
	for i, m := range found {
		s.List = append(s.List, m.Code)
		rows = append(rows, []kbbot.Button{st.flowButton(areaLabel(st, m.Place, m.Parents), arIn, strconv.Itoa(i))})
	}
	rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_browse"), arAll)},
		[]kbbot.Button{st.btn("btn_wil_confirm_later", data(cbMenu))})
	st.inPlace = false
	st.send(st.t("wil_confirm", a.String()), rows)
	saveState(st, s)
}
