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
)

// areaFlow is the residents' area and group (/wilayah, the menu button, a
// cadre's "a-<code>" deep link). With consent only: the profile decides
// which broadcasts of their cadres reach them.
//
//	area:open               open (menu button, /dataku)
//	area:kab:<i>:<n>        kabupaten/kota      area:kec:<i>:<n>  kecamatan
//	area:kel:<i|->:<n>      kelurahan ("-": I do not know)
//	area:grp:<group|->:<n>  group ("-": none)
//	area:edit:<n>           change the area     area:editgrp:<n>  change the group
//	area:del:<n>            delete (ask)        area:delyes:<n>   delete (confirmed)
type areaFlow struct{}

const flowArea = "area"

// Operations of the area flow in callback data.
const (
	arOpen      = "open"
	arKab       = "kab"
	arKec       = "kec"
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
	arStepKab   = "kab"
	arStepKec   = "kec"
	arStepKel   = "kel"
	arStepGroup = "group"
	arStepDel   = "del"
)

// areaState is the area flow's state: the answers so far.
type areaState struct {
	Kab string `json:"kab,omitempty"` // chosen kabupaten/kota
	Kec string `json:"kec,omitempty"` // chosen kecamatan
	Kel string `json:"kel,omitempty"` // chosen kelurahan ("" when not known)
	KKB string `json:"kkb,omitempty"` // Kampung KB, from a deep link only
	// List are the names the buttons offer, by index.
	List []string `json:"list,omitempty"`
	// OnlyGroup: only the group changes, the stored area stays.
	OnlyGroup bool `json:"only_group,omitempty"`
}

// payloadArea is the /start payload that opens the area flow (t.me/<bot>?start=wilayah),
// kept while the resident is asked for consent.
const payloadArea = "wilayah"

// maxPlaceButtons bounds a list of places.
const maxPlaceButtons = 40

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
		f.askKab(st, &s, st.t("wil_intro"))
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
	st.enter(f, arStepKec)
	s := areaState{Kab: a.Kabupaten}
	st.inPlace = false
	lead := st.t("wil_from_link", a.String())
	switch broadcast.Depth(a) {
	case 1:
		f.askKec(st, &s, lead)
	case 2:
		s.Kec = a.Kecamatan
		f.askKel(st, &s, lead)
	default:
		s.Kec, s.Kel, s.KKB = a.Kecamatan, a.Kelurahan, a.KampungKB
		f.askGroup(st, lead)
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
		on(arKab, 1, arStepKab, func(st *step, s *areaState, args []string) {
			if f.pick(st, s, args[0], &s.Kab) {
				f.askKec(st, s, "")
			}
		}),
		on(arKec, 1, arStepKec, func(st *step, s *areaState, args []string) {
			if f.pick(st, s, args[0], &s.Kec) {
				f.askKel(st, s, "")
			}
		}),
		on(arKel, 1, arStepKel, func(st *step, s *areaState, args []string) {
			if args[0] == arNone {
				s.Kel = ""
				f.askGroup(st, "")
				return
			}
			if f.pick(st, s, args[0], &s.Kel) {
				f.askGroup(st, "")
			}
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
			s.OnlyGroup = false
			f.askKab(st, s, "")
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

// pick takes the i-th offered name into *dst; a bad index is an expired
// button.
func (areaFlow) pick(st *step, s *areaState, arg string, dst *string) bool {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(s.List) || s.List[i] == "" {
		st.expired()
		return false
	}
	*dst = s.List[i]
	return true
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

// Text takes a typed kelurahan, or tells to use the buttons.
func (f areaFlow) Text(st *step, t string) bool {
	if st.s.Step != arStepKel {
		st.send(st.t("wil_use_buttons"), nil)
		return true
	}
	name, ok := broadcast.CleanName(t)
	if !ok {
		st.send(st.t("wil_name_invalid"), nil)
		return true
	}
	var s areaState
	loadState(st, &s)
	for _, n := range s.List {
		if strings.EqualFold(n, name) {
			name = n
		}
	}
	s.Kel = name
	st.inPlace = false
	f.askGroup(st, "")
	f.save(st, s)
	return true
}

// areaNames lists the places one level below parent: those of the
// catalog's facilities and those residents gave, without duplicates.
func areaNames(st *step, parent cadre.Area) []string {
	seen := map[string]string{}
	add := func(n string) {
		if c, ok := broadcast.CleanName(n); ok {
			if _, dup := seen[broadcast.Norm(c)]; !dup {
				seen[broadcast.Norm(c)] = c
			}
		}
	}
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil && c != nil {
			for _, f := range c.Facilities() {
				fa := cadre.Area{Kabupaten: f.Kabupaten, Kecamatan: f.Kecamatan, Kelurahan: f.Kelurahan}
				if !parent.Contains(fa) {
					continue
				}
				switch broadcast.Depth(parent) {
				case 0:
					add(f.Kabupaten)
				case 1:
					add(f.Kecamatan)
				case 2:
					add(f.Kelurahan)
				}
			}
		}
	}
	if places, err := st.e.svc.Broadcasts.Places(st.ctx, parent); err == nil {
		for _, p := range places {
			add(p.Name)
		}
	} else {
		st.e.svc.Log.Warn("read places", "error", err)
	}
	out := make([]string, 0, len(seen))
	for _, n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return broadcast.Norm(out[i]) < broadcast.Norm(out[j]) })
	if len(out) > maxPlaceButtons {
		out = out[:maxPlaceButtons]
	}
	return out
}

// withLead puts first, when set, above the question text.
func withLead(first, text string) string {
	if first == "" {
		return text
	}
	return first + "\n\n" + text
}

// askPlace asks at step at for one of the places below parent, offered as
// buttons of op and remembered for the tap. Without places the kabupaten
// and kecamatan questions end the flow; the kelurahan may be typed, or
// not known.
func (areaFlow) askPlace(st *step, s *areaState, at, op string, parent cadre.Area, first, question string) {
	names := areaNames(st, parent)
	if len(names) == 0 && at != arStepKel {
		st.s.resetFlow()
		st.show(st.t("wil_no_places"), st.menuButton())
		return
	}
	st.s.Step = at
	s.List = names
	var rows [][]kbbot.Button
	for i, n := range names {
		rows = append(rows, []kbbot.Button{st.flowButton(n, op, strconv.Itoa(i))})
	}
	if at == arStepKel {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_wil_kel_unknown"), arKel, arNone)})
	}
	st.show(withLead(first, question), append(rows, st.menuButton()...))
}

func (f areaFlow) askKab(st *step, s *areaState, first string) {
	f.askPlace(st, s, arStepKab, arKab, cadre.Area{}, first, st.t("wil_ask_kab"))
}

func (f areaFlow) askKec(st *step, s *areaState, first string) {
	f.askPlace(st, s, arStepKec, arKec, cadre.Area{Kabupaten: s.Kab}, first, st.t("wil_ask_kec", s.Kab))
}

func (f areaFlow) askKel(st *step, s *areaState, first string) {
	f.askPlace(st, s, arStepKel, arKel, cadre.Area{Kabupaten: s.Kab, Kecamatan: s.Kec}, first, st.t("wil_ask_kel", s.Kec))
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
		a = cadre.Area{Kabupaten: s.Kab, Kecamatan: s.Kec, Kelurahan: s.Kel}
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
