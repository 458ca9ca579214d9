package conversations

import (
	"fmt"
	"html"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
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

// posterStart offers the member's area and the open events in it.
func (st *step) posterStart(m cadre.Member) {
	if !cadre.Can(m, cadre.ActPoster, m.Area) {
		st.notAllowed(m)
		return
	}
	if st.e.svc.BotUsername == "" || st.e.svc.AreaLinks == nil {
		st.s.resetFlow()
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return
	}
	st.s.Flow, st.s.Step, st.s.Nonce = flowReport, stepPoster, st.e.nonce()
	n := st.s.Nonce
	var rows [][]kbbot.Button
	if !m.Area.IsZero() {
		rows = append(rows, []kbbot.Button{{Label: st.t("btn_poster_area", clip(m.Area.String(), 48)), Data: data(cbReport, qArea, n)}})
	}
	if st.e.svc.Catalog != nil {
		if c, err := st.e.svc.Catalog(st.ctx); err == nil {
			for i, ev := range eventsIn(c, c.OpenEvents(st.now), m, cadre.ActPoster) {
				if i == maxPosterEvents {
					break
				}
				label := fmt.Sprintf("📅 %s · %d/%d", clip(ev.Name, 40), ev.Date.Day, int(ev.Date.Month))
				rows = append(rows, []kbbot.Button{{Label: label, Data: data(cbReport, qPosterEv, ev.ID, n)}})
			}
		} else {
			st.e.svc.Log.Warn("read catalog for posters", "error", err)
		}
	}
	if len(rows) == 0 {
		st.s.resetFlow()
		st.show(st.t("poster_none", st.areaName(m.Area)), st.staffButtons())
		return
	}
	st.show(st.t("poster_pick"), append(rows, st.staffButtons()...))
}

// posterArea makes the poster of the member's own area.
func (st *step) posterArea(m cadre.Member) {
	if !cadre.Can(m, cadre.ActPoster, m.Area) || m.Area.IsZero() {
		st.expired()
		return
	}
	code, err := st.e.svc.AreaLinks.AreaLink(st.ctx, m.Area)
	if err != nil {
		st.storeFailed("area link", err)
		return
	}
	st.poster(m, m.Area, "a-"+code, m.Area.String(), nil)
}

// posterEvent makes the poster of an open event with a site in the
// member's area.
func (st *step) posterEvent(m cadre.Member, id string) {
	c := st.catalog()
	if c == nil {
		return
	}
	ev, ok := c.Event(id)
	if !ok || !ev.Open(st.now) || len(eventsIn(c, []*booking.Event{ev}, m, cadre.ActPoster)) == 0 {
		st.expired()
		return
	}
	st.poster(m, m.Area, "e-"+ev.ID, ev.Name, []string{idDay(ev.Date)})
}

// poster draws and sends a poster of the deep link with payload.
func (st *step) poster(m cadre.Member, area cadre.Area, payload, name string, lines []string) {
	link := "https://t.me/" + st.e.svc.BotUsername + "?start=" + payload
	id := func(key string) string { return st.e.lib.UI.T(content.ID, key) }
	png, err := st.e.render().Poster(report.Poster{
		Title: id("poster_title"),
		Link:  link,
		Name:  name,
		Lines: append(lines, id("poster_scan")),
	})
	if err != nil {
		st.e.svc.Log.Error("make poster", "error", err)
		st.s.resetFlow()
		st.show(st.t("report_failed"), st.staffButtons())
		return
	}
	st.auditStaff(m, cadre.ActPoster, area, payload)
	st.s.resetFlow()
	st.show(st.t("poster_ready", html.EscapeString(name)), nil)
	st.inPlace = false
	file := "poster-" + payload + ".png"
	st.sendFile(kbbot.ReplyPhoto, file, png, st.t("poster_caption", html.EscapeString(name), html.EscapeString(link)), nil)
	st.sendFile(kbbot.ReplyDocument, file, png, st.t("poster_print_caption"), st.staffButtons())
}
