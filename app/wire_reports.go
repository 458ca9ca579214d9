package app

import (
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/report/render"
)

// wireReports sets up the stores of check-in, the day list, rekap and posters in
// a.services, before the engine is built: the booking store keeps the
// check-ins and counts an event for a rekap; package report/render draws
// the PNG and XLSX files; posters use the area links and the bot's username wired in New.
// Nothing more is erased by /hapusdata: a check-in is part of its booking's
// record, which the booking store erases, and the check-in counts name
// nobody.
func (a *App) wireReports(keys redisstore.Keys) error {
	a.services.Reports = a.Bookings
	// The day list reads and changes the event's bookings where they are.
	a.services.Day = a.Bookings
	a.services.Render = render.Files{}
	return nil
}

// jobsReports adds the periodic jobs of the reports flows to a.Scheduler:
// none (no-shows are counted when a rekap is made).
func (a *App) jobsReports() error { return nil }

var (
	_ conversations.ReportStore = (*redisstore.BookingStore)(nil)
	_ conversations.DayStore    = (*redisstore.BookingStore)(nil)
	_ conversations.Renderer    = render.Files{}
)
