package conversations

import (
	"context"
	"log/slog"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
)

// PlannedBooker is a booking store that can store a new booking's
// reminders in the same step as the booking (redisstore.BookingStore:
// one script call instead of two). When Services.Bookings implements it
// and Services.Reminders is set, the booking flow books with it.
type PlannedBooker interface {
	// BookPlanned books as booking.Store.Book does and, when this call
	// takes the place, stores plan(b), the booking's reminders, with it
	// and reports planned. planned false (a repeated request, a store
	// that could not) leaves scheduling them to the caller.
	BookPlanned(ctx context.Context, r booking.Request, plan func(booking.Booking) []reminders.Item) (b booking.Booking, planned bool, err error)
}

// Services are the stores the flows reach. Any may be nil in tests of flows
// that do not need it; the flows then say the feature is not available.
type Services struct {
	// Bookings keeps places, bookings and waitlists.
	Bookings booking.Store
	// Catalog returns the facilities and events (cached by the caller).
	Catalog func(ctx context.Context) (*booking.Catalog, error)
	// Reminders schedules and cancels reminders.
	Reminders ReminderStore
	// IsCadre reports whether a chat may book for residents without a
	// phone. Until cadre roles exist it is a list in the configuration.
	IsCadre func(kbbot.ChatID) bool
	// Staff finds staff members (roles.go and the flows that check rights).
	Staff StaffStore
	// Roles keeps invites, the audit log and check-ins (roles.go).
	Roles RoleStore
	// Broadcasts keeps residents' areas and groups and the broadcasts
	// (broadcast.go).
	Broadcasts BroadcastStore
	// Reports makes posters and rekaps (reports.go).
	Reports ReportStore
	// Day reads and changes a site's bookings on its service day: the day
	// list, walk-ins, not-served marks (daylist.go).
	Day DayStore
	// Render draws the posters' and rekaps' PNG and XLSX files
	// (report/render.Files).
	Render Renderer
	// Audit records staff actions.
	Audit cadre.Auditor
	// Guesses limits the unknown booking codes staff may type at check-in
	// (nil: no limit; invite codes are limited by the RoleStore).
	Guesses cadre.Guesses
	// News keeps who asked to be told of new events ("Kabari saya",
	// news.go); nil: not offered.
	News EventNewsStore
	// AreaContacts keeps the contacts staff set for their areas
	// (/kontakwilayah, areacontact.go), shown in the no-event dead end;
	// nil: not offered.
	AreaContacts AreaContactStore
	// Tickets keeps the Tanya bidan questions (ask.go); nil: the feature
	// says it is not available.
	Tickets TicketStore
	// TicketEscalate is how many working hours a question waits at one
	// level (bidan, PKB, admin) before it goes to the next
	// (KBBOT_TICKET_ESCALATE; default 8h).
	TicketEscalate time.Duration
	// AdminChats are the configured admins (KBBOT_ADMIN_IDS), the last
	// level of a question.
	AdminChats []kbbot.ChatID
	// Imports reads and imports events files admins send (import.go).
	Imports EventImporter
	// Changes carries out the changes of events an import made and says
	// whom to tell (eventchange.go).
	Changes ChangeStore
	// FollowUps keeps what the cadres' follow-up list needs beyond the
	// bookings (followup.go).
	FollowUps FollowUpStore
	// AreaLinks gives areas short codes for deep links and posters.
	AreaLinks cadre.AreaLinks
	// BotUsername is the bot's @username without "@", for deep links.
	BotUsername string
	// OfferTTL is how long a freed place is held for the first in line.
	OfferTTL time.Duration
	// Notice fills in the privacy notice.
	Notice Notice
	// Log receives operational errors of the stores (no personal data).
	Log *slog.Logger
}

// Notice is what the privacy notice names: the controller and the
// retention periods the code applies.
type Notice struct {
	// Controller and Contact name the data controller (KBBOT_CONTROLLER_NAME,
	// KBBOT_CONTROLLER_CONTACT).
	Controller, Contact string
	// BookingRetention is how long after its event a booking keeps the
	// name, phone and checklist answers.
	BookingRetention time.Duration
	// RecordRetention is how long a resident record is kept without
	// activity or planned reminder.
	RecordRetention time.Duration
	// SessionTTL is the idle expiry of a conversation.
	SessionTTL time.Duration
	// BackupDays is how many days after a deletion the data is gone from
	// every backup too (the operator's rotation, KBBOT_BACKUP_DAYS).
	BackupDays int
	// TicketDays is how many days a Tanya bidan question is kept after its
	// last change (redisstore.TicketTTL).
	TicketDays int
}

// ReminderStore is what the flows need of the reminder store.
type ReminderStore interface {
	Schedule(ctx context.Context, items ...reminders.Item) (int, error)
	CancelResident(ctx context.Context, chat kbbot.ChatID, kinds ...string) (int, error)
	CancelRef(ctx context.Context, chat kbbot.ChatID, ref string, kinds ...string) (int, error)
}

// isCadre reports whether the chat may book for residents without a
// phone: a chat of the configured cadre list, or staff whose role has
// cadre.ActBookFor.
func (st *step) isCadre() bool {
	if st.e.svc.IsCadre != nil && st.e.svc.IsCadre(st.ev.ChatID) {
		return true
	}
	m, ok := st.member()
	return ok && cadre.Can(m, cadre.ActBookFor, m.Area)
}

// catalog returns the facilities and events, or nil after telling the
// resident that booking is not available right now.
func (st *step) catalog() *booking.Catalog {
	if st.e.svc.Catalog == nil || st.e.svc.Bookings == nil {
		st.show(st.t("booking_unavailable"), st.menuButton())
		return nil
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil {
		st.storeFailed("read catalog", err)
		return nil
	}
	return c
}

// discardLog is the logger of a dry run's step (kbbot.WithDryRun).
var discardLog = slog.New(slog.DiscardHandler)

// log is the step's logger: the services', or none in a dry run, whose
// result is thrown away when a store was asked for anything (and so
// whose store failures are not failures).
func (st *step) log() *slog.Logger {
	if kbbot.InDryRun(st.ctx) {
		return discardLog
	}
	return st.e.svc.Log
}

// mustRetry records that a write the resident was promised failed: the
// step is not committed and its event comes again (the poller does not
// confirm the update; the scheduler retries the reminder). The stores
// written before it in the step are idempotent, so the retry completes
// what this try began.
func (st *step) mustRetry(op string, err error) {
	st.log().Error("store failed; the event will be retried", "op", op, "error", err)
	st.retry = true
}

// storeFailed tells the resident that something could not be done now, and
// logs why (without personal data).
func (st *step) storeFailed(op string, err error) {
	st.log().Error("store failed", "op", op, "error", err)
	st.inPlace = false
	st.send(st.t("store_failed"), st.menuButton())
}
