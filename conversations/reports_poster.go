package conversations

import (
	"fmt"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/report"
)

// Posters: a member with cadre.ActPoster picks their own area (deep link
// start=a-<area code>) or an open event with a site in their area
// (start=e-<event id>) and gets a printable PNG with its QR code: as a
// photo to look at, and as a file to print at full quality. What the
// poster says is in Indonesian, whatever the member's language: residents
// read it.

// maxPosterEvents bounds the events offered, soonest first.
const maxPosterEvents = 10

// posterFlow offers the member's area and the open events in it; one tap
// sends the poster. Buttons: qr:area:<n>, qr:ev:<event>:<n>.
type posterFlow struct{}

const stepPoster = "qr_pick"

func (posterFlow) Name() string       { return "qr" }
func (posterFlow) Commands() []string { return []string{"qr", "poster"} }

// Start offers the member's area and the open events in it.
func (f posterFlow) Start(st *step, _ string) {
	m, ok := staffOpen(st, cadre.ActPoster)
	if !ok {
		return
	}
	if st.e.svc.BotUsername == "" || st.e.svc.AreaLinks == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return
	}
	st.enter(f, stepPoster)
	var rows [][]kbbot.Button
	if !m.Area.IsZero() {
		rows = append(rows, []kbbot.Button{st.flowButton(st.t("btn_poster_area", shortLabel(m.Area.String(), 48)), "area")})
	}
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil {
			for i, ev := range eventsIn(c, c.OpenEvents(st.now), m, cadre.ActPoster) {
				if i == maxPosterEvents {
					break
				}
				label := fmt.Sprintf("📅 %s · %d/%d", shortLabel(ev.Name, 40), ev.Date.Day, int(ev.Date.Month))
				rows = append(rows, []kbbot.Button{st.flowButton(label, "ev", ev.ID)})
			}
		} else {
			st.log().Warn("read catalog for posters", "error", err)
		}
	}
	if len(rows) == 0 {
		st.s.resetFlow()
		st.show(st.t("poster_none", st.areaName(m.Area)), st.staffButtons())
		return
	}
	st.show(st.t("poster_pick"), append(rows, st.staffButtons()...))
}

func (f posterFlow) Routes() []Route {
	pick := []string{stepPoster}
	return []Route{
		{Op: "area", Steps: pick, Right: cadre.ActPoster, Do: staffDo(f.area)},
		{Op: "ev", Args: 1, Steps: pick, Right: cadre.ActPoster, Do: staffDo(f.event)},
	}
}

// Text: the posters are picked with the buttons.
func (posterFlow) Text(st *step, _ string) bool {
	return staffTyping(st, func(cadre.Member) { st.send(st.t("report_use_buttons"), st.staffButtons()) })
}

// area makes the poster of the member's own area.
func (f posterFlow) area(st *step, m cadre.Member, _ []string) {
	if m.Area.IsZero() {
		st.expired()
		return
	}
	code, err := st.e.svc.AreaLinks.AreaLink(st.ctx, m.Area)
	if err != nil {
		st.storeFailed("area link", err)
		return
	}
	f.poster(st, m, m.Area, "a-"+code, m.Area.String(), nil)
}

// event makes the poster of an open event with a site in the member's
// area.
func (f posterFlow) event(st *step, m cadre.Member, args []string) {
	_, ev, ok := staffEvent(st, m, cadre.ActPoster, args[0], true)
	if !ok {
		return
	}
	f.poster(st, m, m.Area, "e-"+ev.ID, ev.Name, []string{idDay(ev.Date)})
}

// poster draws and sends a poster of the deep link with payload.
func (posterFlow) poster(st *step, m cadre.Member, area cadre.Area, payload, name string, lines []string) {
	link := "https://t.me/" + st.e.svc.BotUsername + "?start=" + payload
	id := func(key string) string { return st.e.lib.UI.T(content.ID, key) }
	png, err := st.e.render().Poster(report.Poster{
		Title: id("poster_title"),
		Link:  link,
		Name:  name,
		Lines: append(lines, id("poster_scan")),
	})
	if err != nil {
		st.log().Error("make poster", "error", err)
		st.s.resetFlow()
		st.show(st.t("report_failed"), st.staffButtons())
		return
	}
	st.auditStaff(m, cadre.ActPoster, area, payload)
	st.s.resetFlow()
	st.show(st.t("poster_ready", name), nil)
	st.inPlace = false
	file := "poster-" + payload + ".png"
	st.sendFile(kbbot.ReplyPhoto, file, png, st.t("poster_caption", name, link), nil)
	st.sendFile(kbbot.ReplyDocument, file, png, st.t("poster_print_caption"), st.staffButtons())
}
