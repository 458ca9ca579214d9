package conversations

import (
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/report"
)

// Rekap: a member with cadre.ActReport picks an event with a site in their
// area (open, or past) and gets, for the sites in their area (admins: all),
// a summary, a bar chart PNG and the CSV and XLSX files of package report
// (the PNG and XLSX drawn by Services.Render). Under the files, a button
// exports the per-client register (report.Register) of the same sites, as
// CSV and XLSX in the R/I/KB column order. Both exports are audited: the
// rekap as cadre.ActReport "rekap <event>", the register as
// cadre.AuditRegister "<event>".

// maxRekapEvents bounds the events offered, newest first.
const maxRekapEvents = 12

// rekapFlow lists the events the member may see a rekap of; one tap
// sends it. Buttons: rk:ev:<event>:<n>, and under the rekap's files
// rk:reg:<event>:<n> (the per-client register).
type rekapFlow struct{}

// Steps of the rekap.
const (
	stepRekap     = "rk_event" // events listed
	stepRekapSent = "rk_sent"  // a rekap sent: its register can follow
)

func (rekapFlow) Name() string       { return "rk" }
func (rekapFlow) Commands() []string { return []string{"rekap"} }

// Start lists the events the member may see a rekap of.
func (f rekapFlow) Start(st *step, _ string) {
	m, ok := staffOpen(st, cadre.ActReport)
	if !ok {
		return
	}
	if !reportReady(st) {
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	evs := eventsIn(c, c.Events(), m, cadre.ActReport)
	if len(evs) == 0 {
		st.show(st.t("rekap_none", st.areaName(m.Area)), st.staffButtons())
		return
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[j].Date.Before(evs[i].Date) })
	st.enter(f, stepRekap)
	var rows [][]kbbot.Button
	for i, ev := range evs {
		if i == maxRekapEvents {
			break
		}
		label := fmt.Sprintf("📊 %s · %d/%d/%d", shortLabel(ev.Name, 40), ev.Date.Day, int(ev.Date.Month), ev.Date.Year)
		rows = append(rows, []kbbot.Button{st.flowButton(label, "ev", ev.ID)})
	}
	st.show(st.t("rekap_pick", st.areaName(m.Area)), append(rows, st.staffButtons()...))
}

func (f rekapFlow) Routes() []Route {
	return []Route{
		{Op: "ev", Args: 1, Steps: []string{stepRekap}, Right: cadre.ActReport, Do: staffDo(f.event)},
		{Op: "reg", Args: 1, Steps: []string{stepRekapSent}, Right: cadre.ActReport, Do: staffDo(f.register)},
	}
}

// Text: the events are picked with the buttons.
func (rekapFlow) Text(st *step, _ string) bool {
	return staffTyping(st, func(cadre.Member) { st.send(st.t("report_use_buttons"), st.staffButtons()) })
}

// event makes and sends the rekap of the event tapped.
func (rekapFlow) event(st *step, m cadre.Member, args []string) {
	c, ev, ok := staffEvent(st, m, cadre.ActReport, args[0], false)
	if !ok {
		return
	}
	tally, err := st.e.svc.Reports.EventTally(st.ctx, ev.ID)
	if err != nil {
		st.storeFailed("event tally", err)
		return
	}
	in := func(f *booking.Facility) bool { return canAt(m, cadre.ActReport, f) }
	r := report.Build(c, ev, tally, in, st.now)

	scope := st.t("rekap_scope_all")
	if !r.Full {
		scope = st.t("rekap_scope_area", st.areaName(m.Area))
	}
	when := st.staffTime(st.now)
	mkjp, non, all := r.Group(report.GroupMKJP), r.Group(report.GroupNonMKJP), r.Sum()
	chart, err := st.e.render().Chart(r, report.ChartLabels{
		Title:    ev.Name,
		Subtitle: html.UnescapeString(st.fmtDay(ev.Date) + " · " + scope + " · " + st.t("rekap_as_of", st.staffStamp(st.now))),
		Target:   st.t("rekap_legend_target"), Booked: st.t("rekap_legend_booked"), Served: st.t("rekap_legend_served"),
		Quota: st.t("rekap_legend_quota"), QuotaShort: st.t("rekap_legend_quota_short"), Capaian: st.t("rekap_capaian"),
		Notes: []string{
			html.UnescapeString(st.t("rekap_note_groups", mkjp.Served, mkjp.Target, capaian(mkjp), non.Served, non.Target, capaian(non))),
			html.UnescapeString(st.t("rekap_note_day", all.NoShow, all.WalkIns, all.Pregnant+all.Exam+all.Changed)),
		},
		Empty: st.t("rekap_chart_empty"),
	})
	var csv, xlsx []byte
	if err == nil {
		csv, err = report.CSV(r)
	}
	if err == nil {
		xlsx, err = st.e.render().XLSX(r)
	}
	if err != nil {
		st.log().Error("make rekap files", "error", err)
		st.s.resetFlow()
		st.show(st.t("report_failed"), st.staffButtons())
		return
	}
	st.auditStaff(m, cadre.ActReport, m.Area, "rekap "+ev.ID)
	st.s.Step = stepRekapSent

	summary := st.rekapSummary(r, ev, scope, when)
	if mayExportRegister(m) {
		summary += " " + st.t("rekap_register_note")
	}
	st.show(summary, nil)
	st.inPlace = false
	base := "rekap-" + ev.ID + "-" + st.now.In(staffZone).Format("20060102-1504")
	st.sendFile(kbbot.ReplyPhoto, base+".png", chart, st.t("rekap_chart_caption", ev.Name), nil)
	st.sendFile(kbbot.ReplyDocument, base+".csv", csv, st.t("rekap_csv_caption"), nil)
	var regRow [][]kbbot.Button
	if mayExportRegister(m) {
		regRow = [][]kbbot.Button{{st.flowButton(st.t("btn_rekap_register"), "reg", ev.ID)}}
	}
	st.sendFile(kbbot.ReplyDocument, base+".xlsx", xlsx, st.t("rekap_xlsx_caption"), append(regRow, st.staffButtons()...))
}

// mayExportRegister reports whether m may export the per-client register,
// which names every client with her method (health data): those who keep
// and report it — the bidan of the service table (cadre.ActProvide), the
// PKB/PLKB and admins (cadre.ActInvite). Kader and TPK read the rekap,
// which names nobody, and follow residents up by name in /tindaklanjut.
func mayExportRegister(m cadre.Member) bool {
	return cadre.Can(m, cadre.ActProvide, m.Area) || cadre.Can(m, cadre.ActInvite, m.Area)
}

// register exports the per-client register of the event, for the sites
// in the member's area (admins: all), as CSV and XLSX, and audits it.
func (rekapFlow) register(st *step, m cadre.Member, args []string) {
	if !mayExportRegister(m) {
		st.notAllowed(m)
		return
	}
	c, ev, ok := staffEvent(st, m, cadre.ActReport, args[0], false)
	if !ok {
		return
	}
	in := func(f *booking.Facility) bool { return canAt(m, cadre.ActReport, f) }
	var list []booking.CheckedIn
	purged := 0
	for _, s := range ev.Sites {
		f, ok := c.Facility(s.Facility)
		if !ok || !in(f) {
			continue
		}
		l, p, err := st.e.svc.Reports.EventRegister(st.ctx, ev.ID, f.ID)
		if err != nil {
			st.storeFailed("event register", err)
			return
		}
		list, purged = append(list, l...), purged+p
	}
	r := report.BuildRegister(c, ev, in, list, purged, st.now)
	csv, err := report.RegisterCSV(r)
	var xlsx []byte
	if err == nil {
		xlsx, err = st.e.render().Register(r)
	}
	if err != nil {
		st.log().Error("make register files", "error", err)
		st.s.resetFlow()
		st.show(st.t("report_failed"), st.staffButtons())
		return
	}
	st.auditStaff(m, cadre.AuditRegister, m.Area, ev.ID)
	st.s.resetFlow()
	scope := st.t("rekap_scope_all")
	if !r.Full {
		scope = st.t("rekap_scope_area", st.areaName(m.Area))
	}
	text := st.t("register_sent", ev.Name, scope, len(r.Lines))
	if r.Purged > 0 {
		text += "\n" + st.t("register_purged", r.Purged)
	}
	st.inPlace = false
	st.send(text, nil)
	base := "register-rikb-" + ev.ID + "-" + st.now.In(staffZone).Format("20060102-1504")
	st.sendFile(kbbot.ReplyDocument, base+".csv", csv, st.t("register_csv_caption"), nil)
	st.sendFile(kbbot.ReplyDocument, base+".xlsx", xlsx, st.t("register_xlsx_caption"), st.staffButtons())
}

// capaian is a row's % capaian, or "–" without a target.
func capaian(r report.Row) string {
	if p, ok := r.Capaian(); ok {
		return fmt.Sprintf("%d%%", p)
	}
	return "–"
}

// staffStamp is a short time for a chart: "26/11/2026 09.00 WIB".
func (st *step) staffStamp(t time.Time) string {
	lt := t.In(staffZone)
	return fmt.Sprintf("%d/%d/%d %s WIB", lt.Day(), int(lt.Month()), lt.Year(), st.clock(lt))
}

// rekapSummary is the rekap in words: the totals (bookings, served
// against the target, MKJP and non-MKJP, attended by category, no-shows,
// walk-ins and not served by reason), then one line per method.
func (st *step) rekapSummary(r report.Rekap, ev *booking.Event, scope, when string) string {
	sum, mkjp, non := r.Sum(), r.Group(report.GroupMKJP), r.Group(report.GroupNonMKJP)
	target := st.t("rekap_target_word")
	switch sum.TargetKind {
	case report.TargetQuotaTotal:
		target = st.t("rekap_quota_word")
	case report.TargetMixed:
		target = st.t("rekap_mixed_word")
	}
	var b strings.Builder
	b.WriteString(st.t("rekap_summary", ev.Name, st.fmtDay(ev.Date), scope, when,
		sum.Booked, sum.Waitlist, sum.WalkIns,
		sum.Served, target, sum.Target, capaian(sum),
		mkjp.Served, mkjp.Target, capaian(mkjp), non.Served, non.Target, capaian(non),
		sum.Attended, sum.New, sum.PostPartum+sum.PostAbortion, sum.Continuing, sum.Switching, sum.Attended-sum.Served-sum.Failures, sum.Failures,
		sum.Removals, sum.Complications,
		sum.NoShow, sum.Pregnant, sum.Exam, sum.Changed))
	for _, t := range r.Totals {
		key := "rekap_line_quota"
		if t.TargetKind == report.TargetEvent {
			key = "rekap_line_target"
		}
		line := "\n" + st.t(key, st.methodName(t.Method), t.Served, t.Target, capaian(t), t.Booked)
		if b.Len()+len(line) > 3500 {
			break
		}
		b.WriteString(line)
	}
	b.WriteString("\n\n" + st.t("rekap_files_note"))
	return b.String()
}
