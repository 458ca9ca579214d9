// Package metrics holds kbbot's Prometheus metrics, served on /metrics of
// KBBOT_HTTP_ADDR. Each App has its own registry, so several Apps in one
// process (tests) do not share counts. No label carries personal data:
// labels are update kinds, outcomes, reply priorities, KB methods and
// Telegram error codes, never chat ids, names or booking codes.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// Metrics are the counters, gauges and histograms kbbot keeps.
type Metrics struct {
	reg *prometheus.Registry
	// Updates counts updates handled, by kind (text, callback, …) and
	// outcome (ok, error, backlog, unavailable).
	Updates *prometheus.CounterVec
	// StepSeconds is the latency of one handled update: the step, its
	// commit and the delivery of its replies.
	StepSeconds prometheus.Histogram
	// Replies counts messages Telegram accepted, by priority (reply,
	// reminder, broadcast).
	Replies *prometheus.CounterVec
	// Refusals counts Telegram's refusals of a send by code: 429 (too
	// many requests) and 403 (the resident blocked the bot).
	Refusals *prometheus.CounterVec
	// OutboxBacklog is the number of chats with replies not yet delivered,
	// sampled at each delivery of outboxes left behind.
	OutboxBacklog prometheus.Gauge
	// ReminderLag is the age of the oldest due reminder not yet sent
	// (0 when none is overdue).
	ReminderLag prometheus.Gauge
	// Broadcast counts broadcast messages by outcome (delivered,
	// blocked, failed).
	Broadcast *prometheus.CounterVec
	// Bookings counts bookings made, by method booked.
	Bookings *prometheus.CounterVec
	// CheckIns counts check-ins, by method given.
	CheckIns *prometheus.CounterVec
	// RedisErrors counts failed Redis commands and pipelines (redis.Nil,
	// "no such key", is not an error).
	RedisErrors prometheus.Counter
}

// New returns the metrics, registered with a new registry together with
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		Updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_updates_handled_total",
			Help: "Updates handled, by kind and outcome."}, []string{"kind", "outcome"}),
		StepSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kbbot_step_duration_seconds",
			Help:    "Time to handle one update: step, commit and delivery of its replies.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		Replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_replies_sent_total",
			Help: "Messages Telegram accepted, by priority (reply, reminder, broadcast)."}, []string{"priority"}),
		Refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_telegram_refusals_total",
			Help: "Sends Telegram refused, by code: 429 too many requests, 403 blocked by the resident."}, []string{"code"}),
		OutboxBacklog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kbbot_outbox_backlog_chats",
			Help: "Chats with replies not yet delivered, at the last delivery of outboxes left behind."}),
		ReminderLag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kbbot_reminder_lag_seconds",
			Help: "Age of the oldest due reminder not yet sent; 0 when none is overdue."}),
		Broadcast: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_broadcast_messages_total",
			Help: "Broadcast messages by outcome: delivered, blocked (skipped), failed (skipped)."}, []string{"outcome"}),
		Bookings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_bookings_total",
			Help: "Bookings made, by KB method booked."}, []string{"method"}),
		CheckIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kbbot_checkins_total",
			Help: "Clients checked in at a facility, by KB method given."}, []string{"method"}),
		RedisErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "kbbot_redis_errors_total",
			Help: "Redis commands and pipelines that failed (a missing key is not a failure)."}),
	}
	m.reg.MustRegister(m.Updates, m.StepSeconds, m.Replies, m.Refusals, m.OutboxBacklog, m.ReminderLag,
		m.Broadcast, m.Bookings, m.CheckIns, m.RedisErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Label values known in advance are shown at 0 from the start, so a
	// rate() sees the first one.
	for _, p := range []string{"reply", "reminder", "broadcast"} {
		m.Replies.WithLabelValues(p)
	}
	for _, c := range []string{"429", "403"} {
		m.Refusals.WithLabelValues(c)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Step records one handled update of kind with its outcome and duration.
func (m *Metrics) Step(kind, outcome string, took time.Duration) {
	m.Updates.WithLabelValues(kind, outcome).Inc()
	m.StepSeconds.Observe(took.Seconds())
}

// RedisHook returns a go-redis hook that counts failed commands (alone or
// in a pipeline) and failed dials in RedisErrors.
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m.RedisErrors} }

type redisHook struct{ errs prometheus.Counter }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			h.errs.Inc()
		}
		return c, err
	}
}

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(cmd, err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			h.count(c, c.Err())
		}
		return err
	}
}

// count counts err unless it is not a failure: redis.Nil (no such key),
// NOSCRIPT (a script is sent again in full), a Redis Function not loaded
// yet (it is loaded and called again) or a server without Functions
// (the script is used), or an older server refusing the CLIENT SETINFO
// of the connection handshake.
func (h redisHook) count(cmd redis.Cmder, err error) {
	if err == nil || errors.Is(err, redis.Nil) || strings.HasPrefix(err.Error(), "NOSCRIPT") {
		return
	}
	if n := cmd.Name(); (strings.EqualFold(n, "fcall") || strings.EqualFold(n, "function")) &&
		(strings.Contains(err.Error(), "Function not found") || strings.Contains(strings.ToLower(err.Error()), "unknown command")) {
		return
	}
	if args := cmd.Args(); len(args) > 1 && strings.EqualFold(cmd.Name(), "client") && strings.EqualFold(fmt.Sprint(args[1]), "setinfo") {
		return
	}
	h.errs.Inc()
}
