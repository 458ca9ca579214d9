package conversations

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

// The residents' area and group (/wilayah, the menu button, a cadre's
// "a-<code>" deep link). With consent only: the profile decides which
// broadcasts of their cadres reach them.
//
//	s:w                 open (menu button)
//	s:rk:<i>:<n>        kabupaten/kota      s:rc:<i>:<n>  kecamatan
//	s:rl:<i|->:<n>      kelurahan ("-": I do not know)
//	s:rg:<group|->:<n>  group ("-": none)
//	s:re:<n>            change the area     s:rge:<n>     change the group
//	s:rx:<n>            delete (ask)        s:rxy:<n>     delete (confirmed)
const flowArea = "area"

// Operations of the area flow in callback data.
const (
	arOpen      = "w"
	arKab       = "rk"
	arKec       = "rc"
	arKel       = "rl"
	arGroup     = "rg"
	arEdit      = "re"
	arEditGroup = "rge"
	arDelete    = "rx"
	arDeleteYes = "rxy"
	arNone      = "-"
)

// Steps of flowArea and the keys of its Session.Data.
const (
	arStepShow  = "show"
	arStepKab   = "kab"
	arStepKec   = "kec"
	arStepKel   = "kel"
	arStepGroup = "group"
	arStepDel   = "del"

	dArKab     = "akab"  // chosen kabupaten/kota
	dArKec     = "akec"  // chosen kecamatan
	dArKel     = "akel"  // chosen kelurahan ("" when not known)
	dArKKB     = "akkb"  // Kampung KB, from a deep link only
	dArList    = "alist" // the names offered on the buttons, "\n"-separated
	dArOnlyGrp = "agrp"  // "1": only the group changes
)

// payloadArea is the /start payload that opens the area flow (t.me/<bot>?start=wilayah),
// kept while the resident is asked for consent.
const payloadArea = "wilayah"

// maxPlaceButtons bounds a list of places.
const maxPlaceButtons = 40

// areaStart opens /wilayah: the profile if there is one, else the
// questions. Consent comes first.
func (st *step) areaStart() {
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
	st.s.Flow, st.s.Nonce = flowArea, st.e.nonce()
	if !ok {
		st.areaAskKab(st.t("wil_intro"))
		return
	}
	n := st.s.Nonce
	st.s.Step = arStepShow
	st.show(st.t("wil_current", st.wilArea(p.Area), st.wilGroup(p.Group)), [][]kbbot.Button{
		{st.btn("btn_wil_edit_area", data(cbBroadcast, arEdit, n))},
		{st.btn("btn_wil_edit_group", data(cbBroadcast, arEditGroup, n))},
		{st.btn("btn_wil_delete", data(cbBroadcast, arDelete, n))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// areaDeepLink handles the area payloads of /start: "wilayah" opens the
// flow, "a-<code>" sets the area of a cadre's poster. It reports whether p
// was one of them.
func (st *step) areaDeepLink(p string) bool {
	if p == payloadArea {
		st.areaStart()
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
	st.s.resetFlow()
	st.s.Flow, st.s.Nonce = flowArea, st.e.nonce()
	st.s.set(dArKab, a.Kabupaten)
	st.inPlace = false
	lead := st.t("wil_from_link", a.String())
	switch broadcast.Depth(a) {
	case 1:
		st.areaAskKec(lead)
	case 2:
		st.s.set(dArKec, a.Kecamatan)
		st.areaAskKel(lead)
	default:
		st.s.set(dArKec, a.Kecamatan)
		st.s.set(dArKel, a.Kelurahan)
		st.s.set(dArKKB, a.KampungKB)
		st.areaAskGroup(lead)
	}
	return true
}

// areaCallback routes the buttons of the area flow.
func (st *step) areaCallback(op string, args []string) {
	if op == arOpen {
		st.areaStart()
		return
	}
	arg, ok := st.flowArg(flowArea, args)
	if !ok || !st.r.Consented() {
		st.expired()
		return
	}
	switch op {
	case arKab:
		st.areaPick(arStepKab, arg, dArKab, st.areaAskKec)
	case arKec:
		st.areaPick(arStepKec, arg, dArKec, st.areaAskKel)
	case arKel:
		if arg == arNone && st.s.Step == arStepKel {
			st.s.set(dArKel, "")
			st.areaAskGroup("")
			return
		}
		st.areaPick(arStepKel, arg, dArKel, st.areaAskGroup)
	case arGroup:
		g := cadre.Group(arg)
		if st.s.Step != arStepGroup || (arg != arNone && !g.Valid()) {
			st.expired()
			return
		}
		if arg == arNone {
			g = ""
		}
		st.areaSave(g)
	case arEdit:
		st.s.set(dArOnlyGrp, "")
		st.areaAskKab("")
	case arEditGroup:
		st.s.set(dArOnlyGrp, "1")
		st.areaAskGroup("")
	case arDelete:
		st.s.Step = arStepDel
		st.show(st.t("wil_delete_confirm"), [][]kbbot.Button{
			{st.btn("btn_wil_delete_yes", data(cbBroadcast, arDeleteYes, st.s.Nonce))},
			{st.btn("btn_menu", data(cbMenu))},
		})
	case arDeleteYes:
		if st.s.Step != arStepDel {
			st.expired()
			return
		}
		if err := st.e.svc.Broadcasts.DeleteProfile(st.ctx, st.ev.ChatID); err != nil {
			st.storeFailed("delete profile", err)
			return
		}
		st.s.resetFlow()
		st.show(st.t("wil_deleted"), st.menuButton())
	default:
		st.expired()
	}
}

// areaPick takes the i-th offered name at step and goes on with next.
func (st *step) areaPick(step, arg, key string, next func(lead string)) {
	names := strings.Split(st.s.Data[dArList], "\n")
	i, err := strconv.Atoi(arg)
	if st.s.Step != step || err != nil || i < 0 || i >= len(names) || names[i] == "" {
		st.expired()
		return
	}
	st.s.set(key, names[i])
	next("")
}

// areaText takes a typed kelurahan, or tells to use the buttons.
func (st *step) areaText(t string) bool {
	if st.s.Flow != flowArea {
		return false
	}
	if st.s.Step != arStepKel {
		st.send(st.t("wil_use_buttons"), nil)
		return true
	}
	name, ok := broadcast.CleanName(t)
	if !ok {
		st.send(st.t("wil_name_invalid"), nil)
		return true
	}
	for _, n := range strings.Split(st.s.Data[dArList], "\n") {
		if strings.EqualFold(n, name) {
			name = n
		}
	}
	st.s.set(dArKel, name)
	st.inPlace = false
	st.areaAskGroup("")
	return true
}

// areaNames lists the places one level below parent: those of the
// catalog's facilities and those residents gave, without duplicates.
func (st *step) areaNames(parent cadre.Area) []string {
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

// areaList offers names as buttons of op, remembering them for the tap.
func (st *step) areaList(op string, names []string, extra ...[]kbbot.Button) [][]kbbot.Button {
	st.s.set(dArList, strings.Join(names, "\n"))
	var rows [][]kbbot.Button
	for i, n := range names {
		rows = append(rows, []kbbot.Button{{Label: n, Data: data(cbBroadcast, op, strconv.Itoa(i), st.s.Nonce)}})
	}
	rows = append(rows, extra...)
	return append(rows, st.menuButton()...)
}

// withLead puts first, when set, above the question text.
func withLead(first, text string) string {
	if first == "" {
		return text
	}
	return first + "\n\n" + text
}

func (st *step) areaAskKab(first string) {
	names := st.areaNames(cadre.Area{})
	if len(names) == 0 {
		st.s.resetFlow()
		st.show(st.t("wil_no_places"), st.menuButton())
		return
	}
	st.s.Step = arStepKab
	st.show(withLead(first, st.t("wil_ask_kab")), st.areaList(arKab, names))
}

func (st *step) areaAskKec(first string) {
	kab := st.s.Data[dArKab]
	names := st.areaNames(cadre.Area{Kabupaten: kab})
	if len(names) == 0 {
		st.s.resetFlow()
		st.show(st.t("wil_no_places"), st.menuButton())
		return
	}
	st.s.Step = arStepKec
	st.show(withLead(first, st.t("wil_ask_kec", kab)), st.areaList(arKec, names))
}

func (st *step) areaAskKel(first string) {
	kec := st.s.Data[dArKec]
	names := st.areaNames(cadre.Area{Kabupaten: st.s.Data[dArKab], Kecamatan: kec})
	st.s.Step = arStepKel
	st.show(withLead(first, st.t("wil_ask_kel", kec)), st.areaList(arKel, names,
		[]kbbot.Button{st.btn("btn_wil_kel_unknown", data(cbBroadcast, arKel, arNone, st.s.Nonce))}))
}

func (st *step) areaAskGroup(first string) {
	st.s.Step = arStepGroup
	n := st.s.Nonce
	var rows [][]kbbot.Button
	for _, g := range cadre.Groups() {
		rows = append(rows, []kbbot.Button{st.btn("group_"+string(g), data(cbBroadcast, arGroup, string(g), n))})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_wil_group_skip", data(cbBroadcast, arGroup, arNone, n))})
	st.show(withLead(first, st.t("wil_ask_group")), append(rows, st.menuButton()...))
}

// areaSave stores the profile: the area chosen (or, when only the group
// changes, the one stored) and group g.
func (st *step) areaSave(g cadre.Group) {
	store := st.e.svc.Broadcasts
	var a cadre.Area
	if st.s.Data[dArOnlyGrp] == "1" {
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
		a = cadre.Area{Kabupaten: st.s.Data[dArKab], Kecamatan: st.s.Data[dArKec], Kelurahan: st.s.Data[dArKel]}
		if a.Kelurahan != "" {
			a.KampungKB = st.s.Data[dArKKB]
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
	st.s.resetFlow()
	text := st.t("wil_saved", st.wilArea(a), st.wilGroup(g))
	if st.r.RemindersOff {
		text += "\n\n" + st.t("wil_saved_but_stopped")
	}
	st.show(text, st.menuButton())
}

// audienceStopped keeps the broadcasts' opt-out index in step with
// /berhenti and /mulai. Only residents who gave consent can be in an
// audience, so nothing is stored for others. The opt-out is a promise: on
// a store failure the step is retried (false), never logged and forgotten.
func (st *step) audienceStopped(stopped bool) bool {
	if st.e.svc.Broadcasts == nil || !st.r.Consented() {
		return true
	}
	if err := st.e.svc.Broadcasts.SetStopped(st.ctx, st.ev.ChatID, stopped); err != nil {
		st.mustRetry("broadcast opt-out", err)
		return false
	}
	return true
}

// audienceBlocked keeps the broadcasts' index of residents who blocked the
// bot in step with the record; false when the store failed (retried).
func (st *step) audienceBlocked(blocked bool) bool {
	if st.e.svc.Broadcasts == nil || !st.r.Consented() {
		return true
	}
	if err := st.e.svc.Broadcasts.SetBlocked(st.ctx, st.ev.ChatID, blocked); err != nil {
		st.mustRetry("broadcast blocked mark", err)
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
