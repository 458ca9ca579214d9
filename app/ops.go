package app

import (
	"context"
	"errors"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/broadcast/send"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/metrics"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// Metrics: the App counts what operators watch (package metrics) through
// thin wrappers around the stores and the sender, so the packages that do
// the work know nothing of Prometheus. No wrapper puts a chat id, name or
// code in a label.

// Metrics returns the App's metrics, served on /metrics.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// priorityLabel names a reply's sending lane.
func priorityLabel(p kbbot.Priority) string {
	switch p {
	case kbbot.PriorityReminder:
		return "reminder"
	case kbbot.PriorityBroadcast:
		return "broadcast"
	}
	return "reply"
}

// methodLabel is a KB method's code, or "other" for one unknown (labels
// stay few).
func methodLabel(m booking.Method) string {
	if m.Valid() {
		return string(m)
	}
	return "other"
}

// countingSender counts each send Telegram took, by priority, and its
// 429 and 403 refusals. It wraps the Bot API sender below the limits, so
// every attempt is seen.
type countingSender struct {
	next kbbot.Sender
	m    *metrics.Metrics
}

func (s countingSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	id, err := s.next.Send(ctx, r)
	var ra *kbbot.RetryAfterError
	switch {
	case err == nil:
		s.m.Replies.WithLabelValues(priorityLabel(r.Priority)).Inc()
	case errors.As(err, &ra):
		s.m.Refusals.WithLabelValues("429").Inc()
	case errors.Is(err, kbbot.ErrBlocked):
		s.m.Refusals.WithLabelValues("403").Inc()
	}
	return id, err
}

// countingBookings counts the bookings made, by method. A request
// repeated with its idempotency key returns the first booking and is
// counted again; such repeats are rare (a retried update).
type countingBookings struct {
	booking.Store
	m *metrics.Metrics
}

func (s countingBookings) Book(ctx context.Context, r booking.Request) (booking.Booking, error) {
	b, err := s.Store.Book(ctx, r)
	if err == nil {
		s.m.Bookings.WithLabelValues(methodLabel(r.Method)).Inc()
	}
	return b, err
}

// The booking flow stores a booking and its reminders in one step.
var (
	_ conversations.PlannedBooker = (*redisstore.BookingStore)(nil)
	_ conversations.PlannedBooker = countingBookings{}
)

// BookPlanned books with the store's BookPlanned where it has one, and
// counts as Book does.
func (s countingBookings) BookPlanned(ctx context.Context, r booking.Request, plan func(booking.Booking) []reminders.Item) (booking.Booking, bool, error) {
	pb, ok := s.Store.(conversations.PlannedBooker)
	if !ok {
		b, err := s.Book(ctx, r)
		return b, false, err
	}
	b, planned, err := pb.BookPlanned(ctx, r, plan)
	if err == nil {
		s.m.Bookings.WithLabelValues(methodLabel(r.Method)).Inc()
	}
	return b, planned, err
}

// countingReports counts check-ins by the method given; a second
// check-in of a booking, which changes nothing, is not counted.
type countingReports struct {
	conversations.ReportStore
	m *metrics.Metrics
}

func (s countingReports) CheckIn(ctx context.Context, ci booking.CheckIn) (booking.CheckedIn, error) {
	res, err := s.ReportStore.CheckIn(ctx, ci)
	if err == nil && !res.Already {
		s.m.CheckIns.WithLabelValues(methodLabel(ci.Method)).Inc()
	}
	return res, err
}

// countingDay counts walk-ins as bookings, by method: a place taken like
// any other (a repeated request is counted again, as for Book).
type countingDay struct {
	conversations.DayStore
	m *metrics.Metrics
}

func (s countingDay) WalkIn(ctx context.Context, r booking.Request) (booking.Booking, error) {
	b, err := s.DayStore.WalkIn(ctx, r)
	if err == nil {
		s.m.Bookings.WithLabelValues(methodLabel(r.Method)).Inc()
	}
	return b, err
}

// countingQueue counts each broadcast message's recorded outcome.
type countingQueue struct {
	send.Queue
	m *metrics.Metrics
}

func (q countingQueue) Ack(ctx context.Context, id string, c broadcast.Claim, chat kbbot.ChatID, o broadcast.Outcome) (bool, error) {
	ok, err := q.Queue.Ack(ctx, id, c, chat, o)
	if err == nil && ok {
		q.m.Broadcast.WithLabelValues(string(o)).Inc()
	}
	return ok, err
}

// observeStep is the dispatcher's Observe.
func (a *App) observeStep(kind kbbot.EventKind, outcome string, took time.Duration) {
	a.metrics.Step(string(kind), outcome, took)
}

// sampleReminderLag sets the reminder lag gauge: how long the oldest due
// reminder has waited past its time by the App's clock. The scheduler runs
// it in every process.
func (a *App) sampleReminderLag(ctx context.Context) error {
	due, ok, err := a.Reminders.OldestDue(ctx)
	if err != nil {
		return err
	}
	lag := time.Duration(0)
	if now := a.clock.Now(); ok && due.Before(now) {
		lag = now.Sub(due)
	}
	a.metrics.ReminderLag.Set(lag.Seconds())
	return nil
}

// telegramFresh is how recently Telegram must have answered for /readyz.
const telegramFresh = 2 * time.Minute

// touchTelegram asks Telegram getMe when it has not answered for a
// minute (a standby process or an idle webhook replica calls nothing
// else), so /readyz tells a Telegram that cannot be reached.
func (a *App) touchTelegram(ctx context.Context) error {
	if a.clock.Now().Sub(a.Client.LastOK()) < telegramFresh/2 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := a.Client.Call(ctx, "getMe", nil)
	return err
}
