package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot"

	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisconn"
)

// get fetches path from process p's HTTP server.
func (p *process) get(t *testing.T, path string) (int, string) {
	t.Helper()
	select {
	case <-p.App.Listening():
	case <-time.After(30 * time.Second):
		t.Fatal("kbbot did not start its HTTP server within 30s")
	}
	resp, err := http.Get("http://" + p.App.ListenAddr() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// waitReady polls /readyz until its status is want, and returns the body.
func (p *process) waitReady(t *testing.T, want int, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := p.get(t, "/readyz")
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz answered %d %s, want %d within %v", code, body, want, within)
		}
		// Polling a condition, not waiting for time.
		time.Sleep(20 * time.Millisecond)
	}
}

var sample = regexp.MustCompile(`(?m)^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$`)

// scrape reads /metrics into a map from "name{labels}" to value.
func (p *process) scrape(t *testing.T) (map[string]float64, string) {
	t.Helper()
	code, body := p.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics answered %d", code)
	}
	out := map[string]float64{}
	for _, m := range sample.FindAllStringSubmatch(body, -1) {
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metric %s: %v", m[0], err)
		}
		out[m[1]+m[2]] = v
	}
	return out, body
}

// metric returns one sample of /metrics, by "name{labels}" (0 when absent).
func (p *process) metric(t *testing.T, key string) float64 {
	t.Helper()
	m, _ := p.scrape(t)
	return m[key]
}

// TestMetricsAfterResidentJourney: an operator scraping /metrics after a
// resident's /start, consent and a tap sees the updates handled by kind,
// the step latency, the replies sent and Go's runtime; no label names the
// resident. /healthz and /readyz answer 200 while all is well.
func TestMetricsAfterResidentJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	if code, body := p.get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz answered %d %s", code, body)
	}
	var ready struct {
		Ready bool `json:"ready"`
	}
	if err := json.Unmarshal([]byte(p.waitReady(t, http.StatusOK, 30*time.Second)), &ready); err != nil || !ready.Ready {
		t.Fatalf("/readyz body: %v %v", ready, err)
	}
	before, _ := p.scrape(t)

	u := e.srv.User(7311, "Sulastri")
	must(t)(u.Send("/start"))
	must(t)(u.Tap("✅ Setuju"))
	must(t)(u.Tap("❓ Bantuan"))

	after, body := p.scrape(t)
	moved := func(key string, least float64) {
		t.Helper()
		if d := after[key] - before[key]; d < least {
			t.Errorf("%s moved by %v, want at least %v", key, d, least)
		}
	}
	moved(`kbbot_updates_handled_total{kind="command",outcome="ok"}`, 1)
	moved(`kbbot_updates_handled_total{kind="callback",outcome="ok"}`, 2)
	moved(`kbbot_step_duration_seconds_count`, 3)
	moved(`kbbot_replies_sent_total{priority="reply"}`, 4) // welcome, consent, menu edit, help (and callback answers)
	for _, key := range []string{`kbbot_replies_sent_total{priority="broadcast"}`, `kbbot_telegram_refusals_total{code="429"}`,
		`kbbot_telegram_refusals_total{code="403"}`, `kbbot_redis_errors_total`} {
		if v, ok := after[key]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", key, v, ok)
		}
	}
	for _, key := range []string{"go_goroutines", "kbbot_outbox_backlog_chats", "kbbot_reminder_lag_seconds"} {
		if _, ok := after[key]; !ok {
			t.Errorf("%s missing from /metrics", key)
		}
	}
	// The chat id may turn up by chance inside a sample's value (a byte
	// count); it must not be in any metric's name or labels.
	if strings.Contains(body, "Sulastri") {
		t.Errorf("/metrics names the resident:\n%s", body)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") && strings.Contains(line[:i], "7311") {
			t.Errorf("/metrics labels a sample with the resident's chat: %s", line)
		}
	}
}

// TestReadyzFollowsRedis: /readyz fails with a reason naming Redis while
// Redis cannot be reached, and recovers once it is back; /healthz stays 200
// throughout.
func TestReadyzFollowsRedis(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(redistest.URL())
	if err != nil || u.Scheme != "redis" || u.Query().Has("addr") || redistest.IsCluster() {
		t.Skip("needs a single plain-TCP Redis to put a proxy in front of")
	}
	e := newEnv(t)
	gate := newRedisGate(t, u.Host)
	gate.set(false)
	viaGate := *u
	viaGate.Host = gate.ln.Addr().String()
	o, err := redisconn.Parse(viaGate.String())
	if err != nil {
		t.Fatal(err)
	}
	o.Single.MaxRetries = -1
	rdb := o.NewClient()
	t.Cleanup(func() { _ = rdb.Close() })
	p := e.startOn(rdb)
	p.waitReady(t, http.StatusOK, 30*time.Second)

	gate.set(true)
	var down struct {
		Ready  bool   `json:"ready"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(p.waitReady(t, http.StatusServiceUnavailable, 30*time.Second)), &down); err != nil {
		t.Fatal(err)
	}
	if down.Ready || !strings.HasPrefix(down.Reason, "redis: ") {
		t.Errorf("/readyz while Redis is down: %+v, want ready false and a reason naming redis", down)
	}
	if code, _ := p.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz answered %d while Redis is down; the process is alive", code)
	}
	gate.set(false)
	p.waitReady(t, http.StatusOK, 30*time.Second)
}

// switchTransport fails every request to the Bot API while down, as a
// Telegram that cannot be reached; failed counts the failures.
type switchTransport struct {
	next   http.RoundTripper
	down   atomic.Bool
	failed atomic.Int64
}

func (s *switchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.down.Load() {
		s.failed.Add(1)
		return nil, errors.New("dial tcp: connect: network is unreachable")
	}
	return s.next.RoundTrip(r)
}

// TestReadyzFollowsTelegram: while Telegram cannot be reached, /readyz
// fails with a reason naming Telegram once it has not answered for two
// minutes (by the App's clock), and recovers as soon as it answers again.
func TestReadyzFollowsTelegram(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sw := &switchTransport{next: bot.NewHTTPClient(10 * time.Second).Transport}
	e.httpClient = &http.Client{Transport: sw, Timeout: 10 * time.Second}
	p := e.start()
	p.waitReady(t, http.StatusOK, 30*time.Second)

	sw.down.Store(true)
	// The long poll in flight when Telegram went away may still answer:
	// wait for a call that failed, so that no answer comes after the clock moves.
	deadline := time.Now().Add(30 * time.Second)
	for sw.failed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no call to Telegram failed within 30s")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not waiting for time
	}
	if code, body := p.get(t, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz answered %d %s a moment after Telegram went away; a short outage must not fail it", code, body)
	}
	e.clock.Advance(3 * time.Minute)
	var down struct {
		Ready  bool   `json:"ready"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(p.waitReady(t, http.StatusServiceUnavailable, 30*time.Second)), &down); err != nil {
		t.Fatal(err)
	}
	if down.Ready || !strings.HasPrefix(down.Reason, "telegram: no answer for ") {
		t.Errorf("/readyz while Telegram is silent: %+v, want a reason naming telegram", down)
	}
	sw.down.Store(false)
	p.waitReady(t, http.StatusOK, 30*time.Second)
}

// TestMetricsCountRefusalsBookingsAndLag: a 429 and a 403 from Telegram,
// a booking and an overdue reminder each show on /metrics, and the
// reminder lag falls back to 0 once the sweep has sent what was due.
func TestMetricsCountRefusalsBookingsAndLag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	before, _ := p.scrape(t)
	moved := func(after map[string]float64, key string, want float64) {
		t.Helper()
		if d := after[key] - before[key]; d != want {
			t.Errorf("%s moved by %v, want %v", key, d, want)
		}
	}

	u := e.srv.User(7312, "Sari Wulandari")
	consent(t, u)
	e.srv.FailNext("sendMessage", http.StatusTooManyRequests, 1, "")
	must(t)(u.Send("/bantuan"))
	bookIUDAtBendan(t, u)

	ctx := context.Background()
	if err := p.App.SampleReminderLag(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := p.metric(t, "kbbot_reminder_lag_seconds"); lag != 0 {
		t.Errorf("reminder lag %vs before anything is due, want 0", lag)
	}
	// An hour after 16:00 WIB the day before the event, the H-1 reminder is overdue
	// until a sweep sends it.
	e.clock.Advance(56 * time.Hour)
	if err := p.App.SampleReminderLag(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := p.metric(t, "kbbot_reminder_lag_seconds"); lag != 3600 {
		t.Errorf("reminder lag %vs with the H-1 reminder an hour overdue, want 3600", lag)
	}
	sweep(t, p)
	if err := p.App.SampleReminderLag(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := p.metric(t, "kbbot_reminder_lag_seconds"); lag != 0 {
		t.Errorf("reminder lag %vs after the sweep, want 0", lag)
	}

	blocker := e.srv.User(7313, "Rina")
	consent(t, blocker)
	e.srv.FailNext("sendMessage", http.StatusForbidden, 0, "")
	must(t)(blocker.Send("/menu"))

	after, body := p.scrape(t)
	moved(after, `kbbot_telegram_refusals_total{code="429"}`, 1)
	moved(after, `kbbot_telegram_refusals_total{code="403"}`, 1)
	moved(after, `kbbot_bookings_total{method="iud"}`, 1)
	if d := after[`kbbot_replies_sent_total{priority="reminder"}`] - before[`kbbot_replies_sent_total{priority="reminder"}`]; d < 1 {
		t.Errorf("reminder messages moved by %v, want at least 1 (the H-1 reminder)", d)
	}
	// Names and labels only: a sample's value (a duration, a byte count)
	// may hold the same digits by chance.
	for _, line := range strings.Split(body, "\n") {
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			line = line[:i]
		}
		for _, s := range []string{"7312", "7313", "Sari", "Rina"} {
			if strings.Contains(line, s) {
				t.Errorf("/metrics names a resident (%q): %s", s, line)
			}
		}
	}
}
