package conversations

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

// inviteFlow is /undang (admin, PKB): the invitee's role, then the
// kabupaten, kecamatan, kelurahan and Kampung KB (each only when the
// inviter's own area leaves it open; lists from the catalog, or typed),
// then how long the invite is valid; it shows the one-time code and its
// deep link. It opens from the staff menu (k:inv).
//
// Buttons, all for members who may invite: inv:role:<role>:<n>,
// inv:kab:<i>:<n> and inv:kec:<i>:<n> (entry i of the list shown),
// inv:all:<n> (the whole kecamatan or kelurahan), inv:days:<days>:<n>.
type inviteFlow struct{}

// Steps of inviteFlow.
const (
	stepInvRole = "role"
	stepInvKab  = "kab"
	stepInvKec  = "kec"
	stepInvKel  = "kel"
	stepInvKKB  = "kkb"
	stepInvExp  = "exp"
)

// inviteState holds the answers of an invite.
type inviteState struct {
	Role cadre.Role `json:"role,omitempty"`
	// Area is the area answered; the inviter's own area fills the rest.
	Area cadre.Area `json:"area"`
	// KelAsked and KKBAsked say the kelurahan and the Kampung KB were
	// answered; left empty, the invite is for the whole kecamatan or
	// kelurahan.
	KelAsked bool `json:"kel_asked,omitempty"`
	KKBAsked bool `json:"kkb_asked,omitempty"`
}

// inviteDays are the validities an inviter can choose.
var inviteDays = []int{1, 3, 7}

const (
	// maxPlaceLen bounds a typed area name.
	maxPlaceLen = 60
	// maxListButtons bounds a list of kabupaten or kecamatan buttons.
	maxListButtons = 30
)

func (inviteFlow) Name() string       { return "inv" }
func (inviteFlow) Commands() []string { return []string{"undang", "invite"} }

// Start opens the invite for a member; anyone else gets the answer to an
// unknown command.
func (f inviteFlow) Start(st *step, _ string) {
	if m, ok := staffFromCommand(st); ok {
		f.open(st, m)
	}
}

// open asks for the invitee's role.
func (f inviteFlow) open(st *step, m cadre.Member) {
	if !staffMay(st, m, cadre.ActInvite) {
		return
	}
	st.enter(f, stepInvRole)
	var rows [][]kbbot.Button
	for _, r := range []cadre.Role{cadre.PKB, cadre.Kader, cadre.TPK, cadre.Bidan} {
		if cadre.CanInvite(m, r, m.Area) {
			rows = append(rows, []kbbot.Button{st.flowButton(st.roleName(r), "role", string(r))})
		}
	}
	st.show(st.t("invite_role", st.areaName(m.Area)), append(rows, st.staffButtons()...))
}

func (f inviteFlow) Routes() []Route {
	return []Route{
		f.route("role", 1, []string{stepInvRole}, func(st *step, m cadre.Member, s *inviteState, arg string) {
			r := cadre.Role(arg)
			if !cadre.CanInvite(m, r, m.Area) {
				st.expired()
				return
			}
			s.Role = r
			f.next(st, m, *s)
		}),
		f.route("kab", 1, []string{stepInvKab}, func(st *step, m cadre.Member, s *inviteState, arg string) {
			kab, ok := listed(f.kabupatens(st), arg)
			if !ok {
				st.expired()
				return
			}
			s.Area.Kabupaten = kab
			f.next(st, m, *s)
		}),
		f.route("kec", 1, []string{stepInvKec}, func(st *step, m cadre.Member, s *inviteState, arg string) {
			kec, ok := listed(f.kecamatans(st, s.area(m).Kabupaten), arg)
			if !ok {
				st.expired()
				return
			}
			s.Area.Kecamatan = kec
			f.next(st, m, *s)
		}),
		f.route("all", 0, []string{stepInvKel, stepInvKKB}, func(st *step, m cadre.Member, s *inviteState, _ string) {
			if st.s.Step == stepInvKel {
				s.KelAsked = true
			} else {
				s.KKBAsked = true
			}
			f.next(st, m, *s)
		}),
		f.route("days", 1, []string{stepInvExp}, func(st *step, m cadre.Member, s *inviteState, arg string) {
			days, err := strconv.Atoi(arg)
			if err != nil || !validDays(days) {
				st.expired()
				return
			}
			f.create(st, m, *s, days)
		}),
	}
}

// route is a button of a running invite, for a member who may invite, with
// the invite's answers so far and the button's argument, if any.
func (inviteFlow) route(op string, args int, steps []string, do func(st *step, m cadre.Member, s *inviteState, arg string)) Route {
	return Route{Op: op, Args: args, Steps: steps, Right: cadre.ActInvite, Do: staffDo(func(st *step, m cadre.Member, args []string) {
		var s inviteState
		loadState(st, &s)
		arg := ""
		if len(args) > 0 {
			arg = args[0]
		}
		do(st, m, &s, arg)
	})}
}

// Text takes a typed area name; the role and the validity are buttons.
func (f inviteFlow) Text(st *step, t string) bool {
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok || !cadre.Can(m, cadre.ActInvite, m.Area) {
		st.s.resetFlow()
		return false
	}
	if st.s.Step == stepInvRole || st.s.Step == stepInvExp {
		st.send(st.t("invite_use_buttons"), nil)
		return true
	}
	place, ok := cleanPlace(t)
	if !ok {
		st.send(st.t("invite_place_invalid"), nil)
		return true
	}
	var s inviteState
	loadState(st, &s)
	switch st.s.Step {
	case stepInvKab:
		s.Area.Kabupaten = canonical(place, f.kabupatens(st))
	case stepInvKec:
		s.Area.Kecamatan = canonical(place, f.kecamatans(st, s.area(m).Kabupaten))
	case stepInvKel:
		s.Area.Kelurahan, s.KelAsked = place, true
	case stepInvKKB:
		s.Area.KampungKB, s.KKBAsked = place, true
	}
	f.next(st, m, s)
	return true
}

// area is the invite's area so far: the inviter's own area, narrowed by
// the answers given.
func (s inviteState) area(m cadre.Member) cadre.Area {
	a := m.Area
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&a.Kabupaten, s.Area.Kabupaten)
	fill(&a.Kecamatan, s.Area.Kecamatan)
	fill(&a.Kelurahan, s.Area.Kelurahan)
	fill(&a.KampungKB, s.Area.KampungKB)
	return a
}

// next keeps the answers and asks the next question of the invite:
// kabupaten, kecamatan, kelurahan, Kampung KB (each only when the
// inviter's area leaves it open), then the validity.
func (f inviteFlow) next(st *step, m cadre.Member, s inviteState) {
	saveState(st, s)
	a := s.area(m)
	list := func(names []string, op string) [][]kbbot.Button {
		var rows [][]kbbot.Button
		for i, k := range names {
			if i == maxListButtons {
				break
			}
			rows = append(rows, []kbbot.Button{st.flowButton(k, op, strconv.Itoa(i))})
		}
		return append(rows, st.staffButtons()...)
	}
	switch {
	case a.Kabupaten == "":
		st.s.Step = stepInvKab
		st.show(st.t("invite_kab"), list(f.kabupatens(st), "kab"))
	case a.Kecamatan == "":
		st.s.Step = stepInvKec
		st.show(st.t("invite_kec", a.Kabupaten), list(f.kecamatans(st, a.Kabupaten), "kec"))
	case m.Area.Kelurahan == "" && !s.KelAsked:
		st.s.Step = stepInvKel
		st.show(st.t("invite_kel", a.Kecamatan), append([][]kbbot.Button{
			{st.flowButton(st.t("btn_invite_whole_kec"), "all")},
		}, st.staffButtons()...))
	case a.Kelurahan != "" && m.Area.KampungKB == "" && !s.KKBAsked:
		st.s.Step = stepInvKKB
		st.show(st.t("invite_kkb", a.Kelurahan), append([][]kbbot.Button{
			{st.flowButton(st.t("btn_invite_whole_kel"), "all")},
		}, st.staffButtons()...))
	default:
		if !cadre.CanInvite(m, s.Role, a) {
			st.s.resetFlow()
			st.show(st.t("invite_outside", st.areaName(m.Area)), st.staffButtons())
			return
		}
		st.s.Step = stepInvExp
		var row []kbbot.Button
		for _, d := range inviteDays {
			row = append(row, st.flowButton(st.t("btn_invite_"+strconv.Itoa(d)+"d"), "days", strconv.Itoa(d)))
		}
		st.show(st.t("invite_expiry", st.roleName(s.Role), st.areaName(a)), append([][]kbbot.Button{row}, st.staffButtons()...))
	}
}

// create makes the code and shows it, once.
func (inviteFlow) create(st *step, m cadre.Member, s inviteState, days int) {
	a := s.area(m)
	if a.Kabupaten == "" || a.Kecamatan == "" || !cadre.CanInvite(m, s.Role, a) {
		st.expired()
		return
	}
	expires := st.now.Add(time.Duration(days) * 24 * time.Hour)
	code, err := st.e.svc.Roles.CreateInvite(st.ctx, m, s.Role, a, expires, st.now)
	if err != nil {
		st.storeFailed("create invite", err)
		return
	}
	st.s.resetFlow()
	text := st.t("invite_created", st.roleName(s.Role), st.areaName(a), groupCode(code), st.staffTime(expires), code)
	if u := st.e.svc.BotUsername; u != "" {
		text += "\n\n" + st.t("invite_link", "https://t.me/"+u+"?start=k-"+code)
	}
	st.show(text, st.staffButtons())
}

func validDays(d int) bool {
	for _, x := range inviteDays {
		if d == x {
			return true
		}
	}
	return false
}

// listed returns entry arg (an index) of names.
func listed(names []string, arg string) (string, bool) {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(names) {
		return "", false
	}
	return names[i], true
}

// groupCode writes a code in two halves for reading aloud: "ABCDE-FGHJK".
func groupCode(code string) string {
	if len(code) < 8 {
		return code
	}
	h := (len(code) + 1) / 2
	return code[:h] + "-" + code[h:]
}

// cleanPlace accepts a typed area name: 2-60 characters, letters, digits
// and the punctuation of place names, with the spaces tidied.
func cleanPlace(t string) (string, bool) {
	t = strings.Join(strings.Fields(t), " ")
	if n := utf8.RuneCountInString(t); n < 2 || n > maxPlaceLen {
		return "", false
	}
	letters := 0
	for _, r := range t {
		if unicode.IsLetter(r) {
			letters++
		} else if !unicode.IsDigit(r) && !strings.ContainsRune(" .'-/()", r) {
			return "", false
		}
	}
	return t, letters >= 2
}

// canonical returns the name in names equal to place but for case, or
// place itself.
func canonical(place string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, place) {
			return n
		}
	}
	return place
}

// places returns the kabupaten/kota of the catalog's facilities, each with
// its kecamatan, sorted. Without a catalog the lists are empty and the
// inviter types the names.
func (inviteFlow) places(st *step) map[string][]string {
	out := map[string][]string{}
	if st.e.svc.Catalog == nil {
		return out
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil || c == nil {
		if err != nil {
			st.e.svc.Log.Warn("read catalog for invite areas", "error", err)
		}
		return out
	}
	seen := map[[2]string]bool{}
	for _, f := range c.Facilities() {
		if f.Kabupaten == "" {
			continue
		}
		if _, ok := out[f.Kabupaten]; !ok {
			out[f.Kabupaten] = nil
		}
		if k := [2]string{f.Kabupaten, f.Kecamatan}; f.Kecamatan != "" && !seen[k] {
			seen[k] = true
			out[f.Kabupaten] = append(out[f.Kabupaten], f.Kecamatan)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func (f inviteFlow) kabupatens(st *step) []string {
	var out []string
	for k := range f.places(st) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (f inviteFlow) kecamatans(st *step, kab string) []string {
	for k, v := range f.places(st) {
		if strings.EqualFold(k, kab) {
			return v
		}
	}
	return nil
}
