package conversations

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content/wilayah"
)

// inviteFlow is /undang (admin, PKB): the invitee's role, then the
// kabupaten/kota, kecamatan, kelurahan/desa and Kampung KB (each only when
// the inviter's own area leaves it open), then how long the invite is
// valid; it shows the one-time code and its deep link. It opens from the
// staff menu (k:inv). Places come from the official list
// (content/wilayah), so the invite's area carries its Kemendagri code: the
// kabupaten/kota of the catalog's facilities and the kecamatan of a
// kabupaten/kota are buttons, and a typed name offers the closest places
// of the list; a Kampung KB is typed (it has no code).
//
// Buttons, all for members who may invite: inv:role:<role>:<n>,
// inv:in:<i>:<n> (entry i of the places offered), inv:all:<n> (the whole
// kecamatan or kelurahan), inv:days:<days>:<n>.
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
	// Code is the place answered, of the official list; "" while the
	// inviter's own area stands.
	Code string `json:"code,omitempty"`
	// KKB is the Kampung KB typed.
	KKB string `json:"kkb,omitempty"`
	// List are the codes the buttons offer, by index.
	List []string `json:"list,omitempty"`
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
	// maxListButtons bounds a list of kecamatan buttons (three a row).
	maxListButtons = 90
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
		f.route("in", 1, []string{stepInvKab, stepInvKec, stepInvKel}, func(st *step, m cadre.Member, s *inviteState, arg string) {
			i, err := strconv.Atoi(arg)
			l, lerr := wilayah.Load()
			if err != nil || i < 0 || i >= len(s.List) || lerr != nil {
				st.expired()
				return
			}
			code := s.List[i]
			cur := s.area(m, l)
			if _, ok := l.Area(code); !ok || cur.Code != "" && !wilayah.Within(code, cur.Code) || code == cur.Code {
				st.expired()
				return
			}
			s.Code, s.List = code, nil
			if wilayah.LevelOf(code) == wilayah.Village {
				s.KelAsked = true
			}
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

// Text takes a typed place name: the closest places of the list are
// offered; a Kampung KB's name is taken as typed.
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
	if st.s.Step == stepInvKKB {
		s.KKB, s.KKBAsked = place, true
		f.next(st, m, s)
		return true
	}
	l, err := wilayah.Load()
	if err != nil {
		st.storeFailed("area list", err)
		return true
	}
	cur := s.area(m, l)
	level := map[string]wilayah.Level{stepInvKab: wilayah.Regency, stepInvKec: wilayah.District, stepInvKel: wilayah.Village}[st.s.Step]
	found := l.Search(place, wilayah.Options{Under: cur.Code, Levels: []wilayah.Level{level}, Limit: 6})
	s.List = nil
	var rows [][]kbbot.Button
	for i, c := range found {
		s.List = append(s.List, c.Code)
		rows = append(rows, []kbbot.Button{st.flowButton(c.Name+" — "+c.Parents, "in", strconv.Itoa(i))})
	}
	if st.s.Step == stepInvKel {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_invite_whole_kec"), "all")})
	}
	saveState(st, s)
	st.inPlace = false
	if len(found) == 0 {
		key := "invite_not_found"
		if cur.Code != "" && len(l.Search(place, wilayah.Options{Levels: []wilayah.Level{level}, Limit: 1})) > 0 {
			key = "invite_not_within" // on the list, but not within the area asked
		}
		st.show(st.t(key, place, st.areaName(cur)), append(rows, st.staffButtons()...))
		return true
	}
	st.show(st.t("invite_candidates"), append(rows, st.staffButtons()...))
	return true
}

// area is the invite's area so far: the place answered, or the inviter's
// own area (found on the list when it was stored by name), with the
// Kampung KB typed.
func (s inviteState) area(m cadre.Member, l *wilayah.List) cadre.Area {
	a := m.Area
	if r, ok := l.Resolve(a); ok {
		a = r
	}
	if s.Code != "" {
		if c, ok := l.Area(s.Code); ok {
			a = c
		}
	}
	if a.KampungKB == "" {
		a.KampungKB = s.KKB
	}
	return a
}

// next keeps the answers and asks the next question of the invite:
// kabupaten, kecamatan, kelurahan, Kampung KB (each only when the
// inviter's area leaves it open), then the validity.
func (f inviteFlow) next(st *step, m cadre.Member, s inviteState) {
	l, err := wilayah.Load()
	if err != nil {
		st.storeFailed("area list", err)
		return
	}
	a := s.area(m, l)
	list := func(codes []string, op string, perRow int) [][]kbbot.Button {
		s.List = codes
		var rows [][]kbbot.Button
		for i, c := range codes {
			p, _ := l.Place(c)
			b := st.flowButton(p.Name, op, strconv.Itoa(i))
			if i%perRow == 0 {
				rows = append(rows, []kbbot.Button{b})
			} else {
				rows[len(rows)-1] = append(rows[len(rows)-1], b)
			}
		}
		return append(rows, st.staffButtons()...)
	}
	s.List = nil
	var text string
	var rows [][]kbbot.Button
	switch {
	case a.Kabupaten == "":
		st.s.Step = stepInvKab
		text, rows = st.t("invite_kab"), list(catalogRegencies(st, l), "in", 1)
	case a.Kecamatan == "":
		st.s.Step = stepInvKec
		var codes []string
		if a.Code != "" {
			for _, p := range l.Children(a.Code) {
				if len(codes) < maxListButtons {
					codes = append(codes, p.Code)
				}
			}
		}
		text, rows = st.t("invite_kec", a.Kabupaten), list(codes, "in", 3)
	case m.Area.Kelurahan == "" && !s.KelAsked:
		st.s.Step = stepInvKel
		text, rows = st.t("invite_kel", a.Kecamatan), append([][]kbbot.Button{
			{st.flowButton(st.t("btn_invite_whole_kec"), "all")},
		}, st.staffButtons()...)
	case a.Kelurahan != "" && m.Area.KampungKB == "" && !s.KKBAsked:
		st.s.Step = stepInvKKB
		text, rows = st.t("invite_kkb", a.Kelurahan), append([][]kbbot.Button{
			{st.flowButton(st.t("btn_invite_whole_kel"), "all")},
		}, st.staffButtons()...)
	default:
		saveState(st, s)
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
		return
	}
	saveState(st, s)
	st.show(text, rows)
}

// create makes the code and shows it, once.
func (inviteFlow) create(st *step, m cadre.Member, s inviteState, days int) {
	l, err := wilayah.Load()
	if err != nil {
		st.storeFailed("area list", err)
		return
	}
	a := s.area(m, l)
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
