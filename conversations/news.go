package conversations

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/reminders"
)

// Never a dead end: when no KB serentak is open, the resident is told
// that the Puskesmas serve KB on working days, may ask a bidan, and may
// ask to be told of the next event in her kabupaten/kota ("Kabari saya").
// The news of a new event comes as a due item of her chat
// (reminders.KindEventNews, planned by app's announcement job), once per
// event, skipped when she booked it already.
//
// Buttons: news:on (subscribe; consent), news:off:<key> (stop; bound to
// the resident by her ButtonKey), news:book (book in the kabupaten/kota of
// her news).

// EventNewsStore keeps who asked to be told of new events
// (redisstore.EventNews).
type EventNewsStore interface {
	// Subscribe asks news of kabupaten for chat (replacing another).
	Subscribe(ctx context.Context, chat kbbot.ChatID, kabupaten string) error
	// Unsubscribe stops chat's news, if any.
	Unsubscribe(ctx context.Context, chat kbbot.ChatID) error
}

// newsFlow is "Kabari saya".
type newsFlow struct{}

const flowNews = "news"

func (newsFlow) Name() string            { return flowNews }
func (newsFlow) Commands() []string      { return nil }
func (newsFlow) Text(*step, string) bool { return false }
func (f newsFlow) Start(st *step, _ string) {
	f.on(st, nil)
}

func (f newsFlow) Routes() []Route {
	return []Route{
		// on explains consent itself, rather than "button expired".
		{Op: "on", Do: f.on},
		{Op: "off", Args: 1, Do: f.off},
		{Op: "book", Do: f.book},
	}
}

// book opens the booking at the kecamatan of the kabupaten/kota whose
// news she asked, the place the news spoke of; the booking's start when
// it no longer has an open event (or she withdrew consent since).
func (newsFlow) book(st *step, _ []string) {
	if !st.r.Consented() || st.r.EventNews == "" {
		bookFlow{}.Start(st, "")
		return
	}
	c := st.catalog()
	if c == nil {
		return
	}
	for i, r := range c.Regions(st.now) {
		if strings.EqualFold(r.Kabupaten, st.r.EventNews) {
			st.enter(bookFlow{}, stepKab)
			var s bookState
			bookFlow{}.listKecamatan(st, &s, c, strconv.Itoa(i))
			s.keep(st)
			return
		}
	}
	bookFlow{}.Start(st, "")
}

// noEventOpen is the answer when no KB serentak takes bookings: where KB
// is served meanwhile, a person to ask, and the news of the next event.
func (st *step) noEventOpen() {
	rows := [][]kbbot.Button{}
	if st.e.svc.News != nil && st.r.Consented() {
		rows = append(rows, []kbbot.Button{st.btn("btn_news_on", data(flowNews, "on"))})
	}
	if st.e.svc.Tickets != nil {
		rows = append(rows, []kbbot.Button{st.btn("menu_ask", data(cbMenu, itemAsk))})
	}
	text := st.t("book_none_open")
	if line := st.areaContactLine(); line != "" {
		text += "\n\n" + line
	}
	st.show(text, append(rows, st.menuButton()...))
}

// on subscribes the resident to the news of her kabupaten/kota; without
// an area she is asked to tell it first.
func (newsFlow) on(st *step, _ []string) {
	switch {
	case st.e.svc.News == nil:
		st.show(st.t("book_none_open"), st.menuButton())
	case !st.r.Consented():
		st.show(st.t("ask_need_consent"), st.menuButton())
	case st.r.Area == nil || st.r.Area.Kabupaten == "":
		st.needArea("news_need_area", flowNews)
	default:
		kab := st.r.Area.Kabupaten
		if err := st.e.svc.News.Subscribe(st.ctx, st.ev.ChatID, kab); err != nil {
			st.storeFailed("subscribe to event news", err)
			return
		}
		st.r.EventNews = kab
		st.show(st.t("news_on", kab), [][]kbbot.Button{
			{st.btn("btn_news_off", data(flowNews, "off", st.residentKey()))},
			{st.btn("btn_menu", data(cbMenu))},
		})
	}
}

// off stops the news (news:off:<key>).
func (newsFlow) off(st *step, args []string) {
	if st.r.ButtonKey == "" || args[0] != st.r.ButtonKey || st.e.svc.News == nil {
		st.expired()
		return
	}
	if err := st.e.svc.News.Unsubscribe(st.ctx, st.ev.ChatID); err != nil {
		st.storeFailed("stop event news", err)
		return
	}
	st.r.EventNews = ""
	st.toast(st.t("news_off_toast"))
	st.inPlace = false
	st.send(st.t("news_off"), st.menuButton())
}

// eventNews tells the resident of a new event (KindEventNews), unless she
// stopped the news or reminders, booked it already, or it no longer takes
// bookings.
func (st *step) eventNews(eventID string) {
	if st.r.EventNews == "" {
		// Her record no longer asks news (retention, a stop): drop her.
		if st.e.svc.News != nil {
			if err := st.e.svc.News.Unsubscribe(st.ctx, st.ev.ChatID); err != nil {
				st.log().Warn("drop a stale event news subscription", "error", err)
			}
		}
		return
	}
	if st.r.StopKind(reminders.KindEventNews) || !st.r.Consented() || st.e.svc.Catalog == nil {
		return
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.mustRetry("read the events for news", err)
		return
	}
	ev, ok := c.Event(eventID)
	if !ok || !openForBooking(ev, st.now) {
		return
	}
	if st.e.svc.Bookings != nil {
		bs, err := st.e.svc.Bookings.Bookings(st.ctx, st.ev.ChatID)
		if err != nil {
			st.mustRetry("read bookings for news", err)
			return
		}
		for _, b := range bs {
			if b.EventID == ev.ID && b.Status == booking.Active {
				return
			}
		}
	}
	st.send(st.t("news_event", st.r.EventNews, ev.Name, st.fmtDay(ev.Date)), [][]kbbot.Button{
		{st.btn("btn_news_book", data(flowNews, "book"))},
		{st.btn("btn_news_off", data(flowNews, "off", st.residentKey()))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// openForBooking reports whether some site of ev still takes bookings.
func openForBooking(ev *booking.Event, now time.Time) bool {
	for _, s := range ev.Sites {
		if now.Before(s.Closes) {
			return true
		}
	}
	return false
}
