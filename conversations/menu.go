package conversations

import (
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
)

// menuFlow is the main menu and what hangs on it without a flow of its
// own: help, the privacy notice, the language switch, and the doors to the
// other flows. Its buttons work anywhere (no nonce): "menu",
// "menu:<item>"; but the language switch "menu:lang:<id|en>:<nonce>" and
// the form of address "menu:sap:<ibu|bapak>:<nonce>" carry the nonce of
// the session that showed them (langButton, sapaanButton).
type menuFlow struct{}

// Main menu items: doors to other flows (by their registered names) and
// pages of the menu itself.
const (
	itemLearn  = "learn"
	itemEvents = "events"
	itemOrders = "orders"
	itemHelp   = "help"
	itemCourse = "course"
	itemAsk    = "ask"
	itemKBPP   = "kbpp"
	itemPriv   = "priv"
	itemLang   = "lang"
	itemSapaan = "sap"
	itemNoop   = "noop"
)

// menuDoors are the menu items that open another flow, by its name.
var menuDoors = map[string]string{
	itemLearn:  cbLearn,
	itemEvents: flowBook,
	itemOrders: cbOrders,
	itemCourse: courseName,
	itemAsk:    flowAsk,
	itemKBPP:   flowKBPP,
}

func (menuFlow) Name() string            { return cbMenu }
func (menuFlow) Commands() []string      { return []string{"menu"} }
func (menuFlow) Text(*step, string) bool { return false }

// Start shows the menu.
func (menuFlow) Start(st *step, _ string) {
	st.s.resetFlow()
	st.menu()
}

func (menuFlow) Routes() []Route {
	routes := []Route{
		{Op: "", Do: func(st *step, _ []string) { st.s.resetFlow(); st.menu() }},
		{Op: itemHelp, Do: func(st *step, _ []string) { st.help() }},
		{Op: itemPriv, Do: func(st *step, _ []string) { st.show(st.privacyNotice(), st.menuButton()) }},
		{Op: itemNoop, Do: func(*step, []string) {}},
		// Bound to the screen that showed it: the nonce of the session
		// then (langButton).
		{Op: itemLang, Args: 2, Do: func(st *step, args []string) {
			l, ok := content.ParseLang(args[0])
			if !ok || args[1] == "" || args[1] != st.s.Nonce {
				st.expired()
				return
			}
			st.r.Lang = string(l)
			st.toast(st.t("lang_set"))
			if st.s.Flow == flowConsent {
				// Ask again, in the new language, in place of the old question.
				st.inPlace = false
				st.askConsent()
				return
			}
			st.menu()
		}},
		{Op: itemSapaan, Args: 2, Do: func(st *step, args []string) {
			s, ok := content.ParseSapaan(args[0])
			if !ok || args[1] == "" || args[1] != st.s.Nonce {
				st.expired()
				return
			}
			st.r.Sapaan = string(s)
			st.toast(st.t("sapaan_set_" + string(s)))
			if st.s.Flow == "me" {
				st.inPlace = true
				dataFlow{}.Start(st, "")
				return
			}
			st.menu()
		}},
	}
	for item, flow := range menuDoors {
		routes = append(routes, Route{Op: item, Do: func(st *step, _ []string) { st.open(flow, "") }})
	}
	return routes
}

func (st *step) menu() {
	st.show(st.t("menu_title"), st.menuButtons())
}

func (st *step) menuButtons() [][]kbbot.Button {
	// Residents who consented tell their area and group (broadcast_area.go).
	area := st.r.Consented() && st.e.svc.Broadcasts != nil
	name := "menu"
	if area {
		name = "menu+area"
	}
	rows := st.keyboard(name, func() [][]kbbot.Button {
		rows := [][]kbbot.Button{
			{st.btn("menu_learn", data(cbMenu, itemLearn))},
			{st.btn("menu_events", data(cbMenu, itemEvents))},
			{st.btn("menu_orders", data(cbMenu, itemOrders)), st.btn("menu_help", data(cbMenu, itemHelp))},
			{st.btn("menu_course", data(cbMenu, itemCourse))},
			{st.btn("menu_kbpp", data(cbMenu, itemKBPP))},
			{st.btn("menu_ask", data(cbMenu, itemAsk))},
		}
		if area {
			rows = append(rows, []kbbot.Button{st.btn("menu_area", data(flowArea, arOpen))})
		}
		return rows
	})
	// Staff rows (roles.go): the cadre booking of the configured cadre
	// list, and the staff menu for staff members. The shared rows are
	// clipped: appending copies them.
	return append(rows, st.staffMenuRows()...)
}

func (st *step) menuButton() [][]kbbot.Button {
	return st.keyboard("menu button", func() [][]kbbot.Button { return [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}} })
}

func (st *step) help() {
	st.show(st.t("help"), st.keyboard("help", func() [][]kbbot.Button {
		return [][]kbbot.Button{
			{st.btn("menu_ask", data(cbMenu, itemAsk))},
			{st.btn("btn_privacy_full", data(cbMenu, itemPriv))},
			{st.btn("btn_menu", data(cbMenu))},
		}
	}))
}

// language switches at once with an argument, or offers the choice.
func (st *step) language(arg string) {
	if l, ok := content.ParseLang(strings.ToLower(arg)); ok {
		st.r.Lang = string(l)
		st.send(st.t("lang_set"), nil)
		st.menu()
		return
	}
	if arg != "" {
		st.send(st.t("lang_unknown", arg), nil)
	}
	st.show(st.t("lang_choose"), [][]kbbot.Button{{st.langButton("Bahasa Indonesia", content.ID), st.langButton("English", content.EN)}})
}

// langButton switches the language to l. It carries the session's nonce
// (made now when the session has none), so it works while the screen that
// showed it is current, and an old or forged one has expired.
func (st *step) langButton(label string, l content.Lang) kbbot.Button {
	if st.s.Nonce == "" {
		st.s.Nonce = st.e.nonce()
	}
	return kbbot.Button{Label: label, Data: data(cbMenu, itemLang, string(l), st.s.Nonce)}
}

// sapaanButton sets the form of address to s; bound like langButton.
func (st *step) sapaanButton(s content.Sapaan) kbbot.Button {
	if st.s.Nonce == "" {
		st.s.Nonce = st.e.nonce()
	}
	return kbbot.Button{Label: st.t("btn_sapaan_" + string(s)), Data: data(cbMenu, itemSapaan, string(s), st.s.Nonce)}
}

// otherSapaanButton offers the form of address the resident is not
// addressed by now.
func (st *step) otherSapaanButton() kbbot.Button {
	if st.r.Sapaan == string(content.SapaanBapak) {
		return st.sapaanButton(content.SapaanIbu)
	}
	return st.sapaanButton(content.SapaanBapak)
}

// sapaanName is the form of address shown in /dataku.
func (st *step) sapaanName() string {
	if st.r.Sapaan == string(content.SapaanBapak) {
		return "Bapak"
	}
	return "Ibu"
}

// menuAskingSapaan is the menu shown once after the privacy question, with
// lead above it: while no form of address is known, it says the bot will
// say "Ibu" and offers "Bapak" (asked once: the line is not shown again).
func (st *step) menuAskingSapaan(lead string) {
	if st.r.Sapaan != "" || st.lang() != content.ID {
		st.show(lead+"\n\n"+st.t("menu_title"), st.menuButtons())
		return
	}
	rows := append([][]kbbot.Button{{st.sapaanButton(content.SapaanBapak)}}, st.menuButtons()...)
	st.show(lead+"\n\n"+st.t("sapaan_ask")+"\n\n"+st.t("menu_title"), rows)
}

// residentKey is the resident's ButtonKey, made now when there is none.
func (st *step) residentKey() string {
	if st.r.ButtonKey == "" {
		st.r.ButtonKey = st.e.nonce()
	}
	return st.r.ButtonKey
}
