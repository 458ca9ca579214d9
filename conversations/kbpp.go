package conversations

import (
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// KB pasca persalinan (KB-PP): from pregnancy to a method after birth.
// A pregnant resident says so (/hamil, the menu, the group "ibu hamil" of
// /wilayah, or typing "saya hamil"); with her consent the expected month
// is kept on her record (health data). She reads which methods can start
// when after birth, is reminded of the plan before the expected month, and
// once she tells the birth she is reminded at one week, at 40 days (the
// end of nifas) and at 6 weeks, and, if she breastfeeds fully (MAL),
// before the baby is 6 months old. "Kehamilan tidak berlanjut" ends it all
// with care: no baby message ever follows. One tap stops the pathway.
//
// Buttons: kbpp (open), kbpp:due:<YYYY-MM|x>:<nonce>, kbpp:born:<days
// ago>:<nonce>, kbpp:bf:<full|partial|no>:<nonce>, kbpp:birth, kbpp:loss,
// kbpp:lossy:<nonce>, kbpp:more, kbpp:off:<key> (bound to the resident).

type kbppFlow struct{}

const (
	flowKBPP     = "kbpp"
	stepKBPPDue  = "due"
	stepKBPPBorn = "born"
	stepKBPPBF   = "bf"
	stepKBPPLoss = "loss"
	// kbppRef is the Ref of the pathway's reminders.
	kbppRef = "kbpp"
)

func (kbppFlow) Name() string       { return flowKBPP }
func (kbppFlow) Commands() []string { return []string{"hamil", "kbpp"} }
func (kbppFlow) Text(*step, string) bool {
	return false
}

func (f kbppFlow) Routes() []Route {
	return []Route{
		// Start explains consent itself, rather than "button expired".
		{Op: "", Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: "due", Args: 1, Steps: []string{stepKBPPDue}, Consent: true, Do: f.due},
		{Op: "birth", Consent: true, Do: f.askBorn},
		{Op: "born", Args: 1, Steps: []string{stepKBPPBorn}, Consent: true, Do: f.born},
		{Op: "bf", Args: 1, Steps: []string{stepKBPPBF}, Consent: true, Do: f.breastfeeding},
		{Op: "loss", Consent: true, Do: f.askLoss},
		{Op: "lossy", Steps: []string{stepKBPPLoss}, Consent: true, Do: f.loss},
		{Op: "more", Do: func(st *step, _ []string) { st.inPlace = false; st.send(st.t("kbpp_methods"), kbppButtons(st)) }},
		{Op: "off", Args: 1, Do: f.off},
	}
}

// Start shows where the pathway stands, or asks the expected month.
func (f kbppFlow) Start(st *step, _ string) {
	if !st.r.Consented() {
		st.show(st.t("kbpp_need_consent"), st.menuButton())
		return
	}
	p := st.r.Pregnancy
	switch {
	case p == nil:
		st.enter(f, stepKBPPDue)
		var rows [][]kbbot.Button
		now := st.now.In(staffZone)
		for i := range 10 {
			m := time.Date(now.Year(), now.Month()+time.Month(i), 1, 12, 0, 0, 0, staffZone)
			if i%2 == 0 {
				rows = append(rows, nil)
			}
			rows[len(rows)-1] = append(rows[len(rows)-1], st.flowButton(st.monthLabel(m), "due", m.Format("2006-01")))
		}
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_kbpp_due_unknown"), "due", "x")},
			// A mother whose baby is born already goes on from the birth.
			[]kbbot.Button{st.btn("btn_kbpp_birth", data(flowKBPP, "birth"))})
		st.show(st.t("kbpp_ask_due"), append(rows, st.menuButton()...))
	case p.Born.IsZero():
		st.show(st.t("kbpp_pregnant", st.dueLabel(p)), kbppButtons(st))
	default:
		st.show(st.t("kbpp_after_birth", st.fmtDate(p.Born.In(staffZone))), kbppButtons(st))
	}
}

// kbppButtons are the pathway's buttons at its stage.
func kbppButtons(st *step) [][]kbbot.Button {
	var rows [][]kbbot.Button
	if p := st.r.Pregnancy; p != nil && p.Born.IsZero() {
		rows = append(rows, []kbbot.Button{st.btn("btn_kbpp_birth", data(flowKBPP, "birth"))})
	}
	rows = append(rows,
		[]kbbot.Button{st.btn("btn_kbpp_methods", data(flowKBPP, "more"))},
		[]kbbot.Button{st.btn("menu_ask", data(cbMenu, itemAsk))},
	)
	if p := st.r.Pregnancy; p != nil && !p.Born.IsZero() {
		// After the birth: book a KB-PP service.
		rows = append(rows, []kbbot.Button{st.btn("menu_events", data(cbMenu, itemEvents))})
	}
	if p := st.r.Pregnancy; p != nil && p.Born.IsZero() {
		rows = append(rows, []kbbot.Button{st.btn("btn_kbpp_loss", data(flowKBPP, "loss"))})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_kbpp_off", data(flowKBPP, "off", st.residentKey()))})
	return append(rows, st.menuButton()...)
}

// monthLabel is "Maret 2027".
func (st *step) monthLabel(t time.Time) string {
	if st.lang() == "en" {
		return t.Format("January 2006")
	}
	return monthsID[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// dueLabel is the expected month, or words for "not known".
func (st *step) dueLabel(p *resident.Pregnancy) string {
	if t, err := time.ParseInLocation("2006-01", p.Due, staffZone); err == nil {
		return st.monthLabel(t)
	}
	return st.t("kbpp_due_unknown")
}

// due keeps the expected month and plans the reminder of the plan.
func (f kbppFlow) due(st *step, args []string) {
	p := &resident.Pregnancy{Since: st.now.UTC()}
	if args[0] != "x" {
		if _, err := time.Parse("2006-01", args[0]); err != nil {
			st.expired()
			return
		}
		p.Due = args[0]
	}
	st.r.Pregnancy = p
	st.inferSapaan(content.SapaanIbu)
	if !st.planKBPP() {
		return
	}
	st.s.resetFlow()
	st.show(st.t("kbpp_saved", st.dueLabel(p))+"\n\n"+st.t("kbpp_plan"), kbppButtons(st))
}

// planKBPP replaces the pathway's reminders by those of where it stands.
func (st *step) planKBPP() bool {
	if st.e.svc.Reminders == nil {
		return true
	}
	if _, err := st.e.svc.Reminders.CancelResident(st.ctx, st.ev.ChatID, reminders.KBPPKinds...); err != nil {
		st.mustRetry("replan KB-PP reminders", err)
		return false
	}
	p := st.r.Pregnancy
	if p == nil {
		return true
	}
	at9 := func(t time.Time) time.Time {
		t = t.In(staffZone)
		return time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, staffZone)
	}
	item := func(kind string, due time.Time, useful time.Duration) reminders.Item {
		return reminders.Item{ID: kind + ":" + strconv.FormatInt(int64(st.ev.ChatID), 10) + ":" + p.Since.Format("20060102"),
			Chat: st.ev.ChatID, Kind: kind, Ref: kbppRef, Due: due.UTC(), NotAfter: due.Add(useful).UTC(), Zone: staffZone.String()}
	}
	var items []reminders.Item
	if p.Born.IsZero() {
		if t, err := time.ParseInLocation("2006-01", p.Due, staffZone); err == nil {
			// Three weeks before the expected month begins.
			if due := at9(t.AddDate(0, 0, -21)); due.After(st.now) {
				items = append(items, item(reminders.KindKBPPDue, due, 21*24*time.Hour))
			}
		}
	} else {
		b := p.Born
		for _, k := range []struct {
			kind string
			days int
		}{{reminders.KindKBPPWeek1, 7}, {reminders.KindKBPPNifas, 40}, {reminders.KindKBPPWeek6, 42}} {
			if due := at9(b.AddDate(0, 0, k.days)); due.After(st.now) {
				items = append(items, item(k.kind, due, 7*24*time.Hour))
			}
		}
		if p.Breastfeeding == "full" {
			// Two weeks before the baby is 6 months old.
			if due := at9(b.AddDate(0, 6, -14)); due.After(st.now) {
				items = append(items, item(reminders.KindKBPPMAL, due, 14*24*time.Hour))
			}
		}
	}
	if len(items) == 0 {
		return true
	}
	if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
		st.mustRetry("plan KB-PP reminders", err)
		return false
	}
	return true
}

// askBorn asks when the baby was born.
func (f kbppFlow) askBorn(st *step, _ []string) {
	if st.r.Pregnancy == nil {
		st.r.Pregnancy = &resident.Pregnancy{Since: st.now.UTC()}
		st.inferSapaan(content.SapaanIbu)
	}
	st.enter(f, stepKBPPBorn)
	rows := [][]kbbot.Button{
		{st.flowButton(st.t("btn_kbpp_born_today"), "born", "0"), st.flowButton(st.t("btn_kbpp_born_yesterday"), "born", "1")},
		{st.flowButton(st.t("btn_kbpp_born_week"), "born", "4"), st.flowButton(st.t("btn_kbpp_born_2weeks"), "born", "14")},
		{st.flowButton(st.t("btn_kbpp_born_month"), "born", "30"), st.flowButton(st.t("btn_kbpp_born_2months"), "born", "61")},
		{st.flowButton(st.t("btn_kbpp_born_3months"), "born", "91"), st.flowButton(st.t("btn_kbpp_born_5months"), "born", "137")},
		{st.flowButton(st.t("btn_kbpp_born_older"), "born", "183")},
	}
	st.show(st.t("kbpp_ask_born"), append(rows, st.menuButton()...))
}

// born keeps the day of birth (days ago, roughly) and asks about
// breastfeeding.
func (f kbppFlow) born(st *step, args []string) {
	days, err := strconv.Atoi(args[0])
	if err != nil || days < 0 || days > 365 || st.r.Pregnancy == nil {
		st.expired()
		return
	}
	d := st.now.In(staffZone).AddDate(0, 0, -days)
	st.r.Pregnancy.Born = time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, staffZone).UTC()
	st.r.Pregnancy.Due = ""
	// A mother of a newborn: the cadres' group follows, as /wilayah would.
	if st.r.Group == cadre.IbuHamil {
		st.r.Group = cadre.PascaSalin
	}
	st.s.Step = stepKBPPBF
	st.show(st.t("kbpp_congrats")+"\n\n"+st.t("kbpp_ask_bf"), [][]kbbot.Button{
		{st.flowButton(st.t("btn_kbpp_bf_full"), "bf", "full")},
		{st.flowButton(st.t("btn_kbpp_bf_partial"), "bf", "partial")},
		{st.flowButton(st.t("btn_kbpp_bf_no"), "bf", "no")},
	})
}

// breastfeeding keeps how she feeds the baby and plans the reminders
// after birth; a mother who breastfeeds fully reads about MAL.
func (f kbppFlow) breastfeeding(st *step, args []string) {
	switch args[0] {
	case "full", "partial", "no":
	default:
		st.expired()
		return
	}
	if st.r.Pregnancy == nil {
		st.expired()
		return
	}
	st.r.Pregnancy.Breastfeeding = args[0]
	if !st.planKBPP() {
		return
	}
	st.s.resetFlow()
	text := st.t("kbpp_after_saved")
	if args[0] == "full" {
		text += "\n\n" + st.t("kbpp_mal")
	}
	st.show(text, kbppButtons(st))
}

// askLoss asks, gently, before ending the pathway.
func (f kbppFlow) askLoss(st *step, _ []string) {
	st.enter(f, stepKBPPLoss)
	st.show(st.t("kbpp_loss_ask"), [][]kbbot.Button{
		{st.flowButton(st.t("btn_kbpp_loss_yes"), "lossy")},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// loss ends the pathway after a pregnancy that did not continue: every
// message about pregnancy and baby stops, and a person is offered.
func (f kbppFlow) loss(st *step, _ []string) {
	st.r.Pregnancy = nil
	if !st.planKBPP() {
		return
	}
	if st.r.Group == cadre.IbuHamil || st.r.Group == cadre.PascaSalin {
		// No cadre's message to pregnant women or new mothers either.
		st.r.Group = ""
		st.clearGroupProfile()
	}
	st.s.resetFlow()
	st.show(st.t("kbpp_loss_done"), [][]kbbot.Button{
		{st.btn("menu_ask", data(cbMenu, itemAsk))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// clearGroupProfile takes the group off the resident's broadcast profile.
func (st *step) clearGroupProfile() {
	store := st.e.svc.Broadcasts
	if store == nil {
		return
	}
	p, ok, err := store.Profile(st.ctx, st.ev.ChatID)
	if err != nil || !ok {
		return
	}
	p.Group = ""
	if err := store.SetProfile(st.ctx, st.ev.ChatID, p); err != nil {
		st.log().Warn("clear group after a pregnancy loss", "error", err)
	}
}

// off stops the pathway (kbpp:off:<key>): its data and reminders go.
func (f kbppFlow) off(st *step, args []string) {
	if st.r.ButtonKey == "" || args[0] != st.r.ButtonKey {
		st.expired()
		return
	}
	st.r.Pregnancy = nil
	if !st.planKBPP() {
		return
	}
	st.toast(st.t("kbpp_off_toast"))
	st.inPlace = false
	st.send(st.t("kbpp_off"), st.menuButton())
}

// kbppReminder is a reminder of the pathway; silent when it ended, or when
// it no longer fits where she stands.
func (st *step) kbppReminder(kind string) {
	p := st.r.Pregnancy
	if p == nil || (kind == reminders.KindKBPPDue) != p.Born.IsZero() {
		return
	}
	st.send(st.t("rem_"+kind), kbppButtons(st))
}

// pregnancyText reports whether free text t says she is pregnant
// ("saya hamil", "lagi hamil 7 bulan"), to offer the pathway.
func pregnancyText(t string) bool {
	w := " " + normTalk(t) + " "
	if !strings.Contains(w, " hamil ") || strings.Contains(w, " tidak hamil ") || strings.Contains(w, " belum hamil ") ||
		strings.Contains(w, " ingin hamil ") || strings.Contains(w, " mau hamil ") || strings.Contains(w, " takut hamil ") ||
		strings.Contains(w, " cegah hamil ") || strings.Contains(w, " agar tidak ") || strings.Contains(w, " supaya tidak ") {
		return false
	}
	for _, s := range []string{" saya hamil ", " sedang hamil ", " lagi hamil ", " aku hamil ", " istri saya hamil ", " sy hamil ", " hamil bulan ", " hamil minggu "} {
		if strings.Contains(w, s) {
			return true
		}
	}
	return strings.HasPrefix(w, " hamil ") && len(strings.Fields(w)) <= 4
}

// birthText reports whether free text t says her baby is born ("saya
// sudah melahirkan", "baru lahiran"), to offer the pathway after birth.
func birthText(t string) bool {
	w := " " + normTalk(t) + " "
	born := false
	for _, s := range []string{" melahirkan ", " lahiran ", " bersalin ", " bayi saya lahir ", " bayi saya sudah lahir ", " anak saya lahir "} {
		born = born || strings.Contains(w, s)
	}
	if !born || strings.Contains(w, " belum ") || strings.Contains(w, " akan ") || strings.Contains(w, " mau ") {
		return false
	}
	for _, s := range []string{" sudah ", " udah ", " sdh ", " baru ", " habis ", " abis ", " selesai "} {
		if strings.Contains(w, s) {
			return true
		}
	}
	return strings.Contains(w, " lahir ")
}

// offerKBPPBirth answers "saya sudah melahirkan", after what the search
// found: the pathway from the birth, if she wants it.
func (st *step) offerKBPPBirth() {
	rows := [][]kbbot.Button{{st.btn("btn_kbpp_birth", data(flowKBPP, "birth"))}}
	st.send(st.t("kbpp_offer_born"), append(rows, st.menuButton()...))
}

// offerKBPP answers "saya hamil": the pathway, if she wants it.
func (st *step) offerKBPP() {
	rows := [][]kbbot.Button{{st.btn("btn_kbpp_start", data(flowKBPP))}}
	st.send(st.t("kbpp_offer"), append(rows, st.menuButton()...))
}
