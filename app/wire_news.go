package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// wireNews sets up "Kabari saya" in a.services: residents who find no
// event open may ask news of their kabupaten/kota; /hapusdata stops it.
func (a *App) wireNews(keys redisstore.Keys) error {
	a.news = redisstore.NewEventNews(a.rdb, keys)
	a.services.News = a.news
	a.erasers = append(a.erasers, a.news)
	// The contacts of areas go with the news: both answer the resident
	// who finds no event open.
	a.services.AreaContacts = redisstore.NewAreaContacts(a.rdb, keys)
	return nil
}

// jobsNews announces new events to the residents who asked, every minute
// in one process at a time.
func (a *App) jobsNews() error {
	return a.Scheduler.Add("@every 1m", "event-news", a.AnnounceEvents)
}

// AnnounceEvents plans, for every event not announced yet that still takes
// bookings, one message to each resident who asked news of a kabupaten/kota
// where it has a site (a due item of her chat: her step skips it when she
// booked already), and marks the event announced. Events that no longer
// take bookings are marked without news. Planning twice is harmless: the
// items' ids are the event's and the chat's.
func (a *App) AnnounceEvents(ctx context.Context) error {
	cat, err := a.Bookings.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("event news: %w", err)
	}
	var ids []string
	for _, ev := range cat.Events() {
		ids = append(ids, ev.ID)
	}
	fresh, err := a.news.Unannounced(ctx, ids)
	if err != nil {
		return err
	}
	now := a.clock.Now()
	for _, id := range fresh {
		ev, _ := cat.Event(id)
		kabs := map[string]string{} // kabupaten -> zone
		last := now
		for _, s := range ev.Sites {
			if !now.Before(s.Closes) {
				continue
			}
			if s.Closes.After(last) {
				last = s.Closes
			}
			if f, ok := cat.Facility(s.Facility); ok {
				kabs[f.Kabupaten] = f.TimeZone
			}
		}
		var items []reminders.Item
		for kab, zone := range kabs {
			subs, err := a.news.Subscribers(ctx, kab)
			if err != nil {
				return err
			}
			for _, c := range subs {
				items = append(items, reminders.Item{ID: reminders.KindEventNews + ":" + id + ":" + strconv.FormatInt(int64(c), 10),
					Chat: c, Kind: reminders.KindEventNews, Ref: id, Due: now.UTC(), NotAfter: last.UTC(), Zone: zone})
			}
		}
		for len(items) > 0 {
			n := min(len(items), 500)
			if _, err := a.Reminders.Schedule(ctx, items[:n]...); err != nil {
				return fmt.Errorf("event news: %w", err)
			}
			items = items[n:]
		}
		if err := a.news.MarkAnnounced(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// News returns the store of "Kabari saya".
func (a *App) News() *redisstore.EventNews { return a.news }
