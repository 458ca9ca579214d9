package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	stdlog "log"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

// The tests of this file run two kbbot processes (each its own Redis
// client, as in production) that send through their App.Sender, the
// production sender with its Redis limiter, to the fake Bot API enforcing
// Telegram's limits. The tests of volume scale the overall limit up to
// 300/s so that they stay short; the test of priorities, where a slot's
// length matters, and BenchmarkSendAtTelegramRate run Telegram's real 30/s.
// Between the bot and the fake sits a proxy that notes when each request
// arrives, so that the tests can see the timing Telegram would see.

// scaledLimits are Telegram's limits with the overall one scaled up.
var scaledLimits = telegramtest.Limits{Global: 300, PerChat: 1, ChatBurst: 3, PerGroupPerMinute: 20}

// apiCall is one request that reached the proxy.
type apiCall struct {
	method string
	chat   int64
	at     time.Time // arrival
	done   time.Time // answer
	status int
}

// callLog records the requests passing the proxy.
type callLog struct {
	next  http.RoundTripper
	mu    sync.Mutex
	calls []apiCall
}

func (l *callLog) RoundTrip(r *http.Request) (*http.Response, error) {
	c := apiCall{method: path.Base(r.URL.Path), at: time.Now()}
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil {
			c.chat, _ = strconv.ParseInt(v.Get("chat_id"), 10, 64)
		}
	}
	resp, err := l.next.RoundTrip(r)
	c.done = time.Now()
	if resp != nil {
		c.status = resp.StatusCode
	}
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
	return resp, err
}

// sends returns the sendMessage requests in order of arrival.
func (l *callLog) sends() []apiCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []apiCall
	for _, c := range l.calls {
		if c.method == "sendMessage" {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b apiCall) int { return a.at.Compare(b.at) })
	return out
}

// newLimitsEnv returns an env whose fake server enforces limits, reached
// through a recording proxy, with the bots configured for sendRate.
func newLimitsEnv(t testing.TB, limits telegramtest.Limits, sendRate int) (*env, *callLog) {
	t.Helper()
	e := newEnv(t, telegramtest.WithLimits(limits))
	target, err := url.Parse(e.srv.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	log := &callLog{next: tr}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = log
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // long polls cut at shutdown
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)
	e.cfg.APIURL = proxy.URL
	e.cfg.SendRate = sendRate
	e.cfg.SendChatInterval = app.DefaultConfig().SendChatInterval
	return e, log
}

// addGroup makes a group chat known to the fake server, through a plain
// message in it, which the bot ignores.
func addGroup(e *env, id int64) {
	e.srv.EnqueueAsync(tgbotapi.Update{Message: &tgbotapi.Message{
		From: &tgbotapi.User{ID: 7, FirstName: "Kader"},
		Chat: &tgbotapi.Chat{ID: id, Type: "group", Title: "Kader KB"},
		Text: "halo semua",
	}})
}

// job is one message to send.
type job struct {
	chat int64
	text string
	lane kbbot.Priority
}

// sendAll sends jobs through the senders, workers goroutines each, and
// returns the first error.
func sendAll(ctx context.Context, senders []kbbot.Sender, workers int, jobs <-chan job, sent *atomic.Int64) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, s := range senders {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					_, err := s.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: kbbot.ChatID(j.chat), Text: j.text, Priority: j.lane})
					if err != nil {
						once.Do(func() { first = fmt.Errorf("send %q to %d: %w", j.text, j.chat, err) })
						continue
					}
					if sent != nil {
						sent.Add(1)
					}
				}
			}()
		}
	}
	wg.Wait()
	return first
}

// deliveredOnce checks that every text arrived exactly once.
func deliveredOnce(t testing.TB, srv *telegramtest.Server, texts []string) {
	t.Helper()
	count := map[string]int{}
	for _, m := range srv.Sent() {
		count[m.Text]++
	}
	for _, s := range texts {
		if count[s] != 1 {
			t.Errorf("message %q arrived %d times, want once", s, count[s])
		}
	}
}

// TestSendLimitsTwoProcesses: two processes send 3,000 messages to 600
// residents and 5 groups, some back to back to the same chat, as fast as
// the limiter lets them: no request breaks a limit, and one chat never gets
// more than its bucket allows (three at once, then one a second).
func TestSendLimitsTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 3,000 messages at scaled limits")
	}
	e, log := newLimitsEnv(t, scaledLimits, scaledLimits.Global)
	const (
		residents = 597
		rounds    = 5
		groups    = 5
	)
	for i := range residents {
		e.srv.User(int64(700000+i), "Warga")
	}
	for g := range groups {
		addGroup(e, int64(-1000-g))
	}
	p1, p2 := e.start(), e.start()

	// Rounds of one message per resident, shuffled within each round, so
	// that a resident's messages are now and then close together; one
	// busy resident gets 5 messages at once; each group gets three, two
	// rounds apart.
	rng := rand.New(rand.NewSource(6))
	var all []job
	hot := int64(700000)
	for i := range 5 {
		all = append(all, job{chat: hot, text: fmt.Sprintf("hot %d", i), lane: kbbot.PriorityBroadcast})
	}
	for r := range rounds {
		var round []job
		for i := 1; i < residents; i++ {
			round = append(round, job{chat: int64(700000 + i), text: fmt.Sprintf("r%d-%d", r, i), lane: kbbot.PriorityBroadcast})
		}
		if r%2 == 0 {
			for g := range groups {
				round = append(round, job{chat: int64(-1000 - g), text: fmt.Sprintf("g%d-%d", r, g), lane: kbbot.PriorityBroadcast})
			}
		}
		rng.Shuffle(len(round), func(i, j int) { round[i], round[j] = round[j], round[i] })
		all = append(all, round...)
	}
	if len(all) != 3000 {
		t.Fatalf("%d jobs", len(all))
	}
	jobs := make(chan job, len(all))
	texts := make([]string, 0, len(all))
	for _, j := range all {
		jobs <- j
		texts = append(texts, j.text)
	}
	close(jobs)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := sendAll(ctx, []kbbot.Sender{p1.App.Sender, p2.App.Sender}, 64, jobs, nil); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	rate := float64(len(all)) / elapsed.Seconds()
	t.Logf("%d messages in %v: %.1f/s (enforced %d/s); 429s %d, violations %d",
		len(all), elapsed.Round(time.Millisecond), rate, scaledLimits.Global, e.srv.TooManyRequests(), e.srv.Violations())

	if n, v := e.srv.TooManyRequests(), e.srv.Violations(); n != 0 || v != 0 {
		t.Errorf("Telegram answered 429 %d times, for %d violations of its limits", n, v)
	}
	deliveredOnce(t, e.srv, texts)

	// What Telegram saw: per chat, the arrivals. A resident's bucket
	// allows three at once, then one a second: the message three places
	// after another comes at least a second later; a group's messages
	// come 3s apart (20 a minute).
	arrivals := map[int64][]time.Time{}
	for _, c := range log.sends() {
		arrivals[c.chat] = append(arrivals[c.chat], c.at)
	}
	if n := len(arrivals[hot]); n != 5 {
		t.Fatalf("the busy resident got %d messages, want 5", n)
	}
	close1s := 0
	for chat, at := range arrivals {
		span, want := 3, time.Second
		if chat < 0 {
			span, want = 1, 3*time.Second
		}
		for i := range at {
			if j := i + span; j < len(at) && at[j].Sub(at[i]) < want {
				t.Errorf("chat %d got messages %d and %d %v apart, want at least %v", chat, i, j, at[j].Sub(at[i]), want)
			}
			if chat > 0 && i+1 < len(at) && at[i+1].Sub(at[i]) < 1500*time.Millisecond {
				close1s++
			}
		}
	}
	// The order above does bring messages to one chat close together:
	// the limiter, not luck, kept them apart.
	if close1s < 20 {
		t.Errorf("only %d pairs of messages to one resident within 1.5s: the test does not exercise the per-chat limit", close1s)
	}
}

// TestSendLimitsPauseOn429: when Telegram answers one request 429 with
// retry_after 1, neither process sends for that second; then both resume,
// and the refused message arrives once.
func TestSendLimitsPauseOn429(t *testing.T) {
	e, log := newLimitsEnv(t, scaledLimits, scaledLimits.Global)
	const n = 900
	for i := range n {
		e.srv.User(int64(710000+i), "Warga")
	}
	p1, p2 := e.start(), e.start()
	// Process 1 sends to even chats, process 2 to odd ones.
	var q [2]chan job
	var texts []string
	for k := range q {
		q[k] = make(chan job, n)
	}
	for i := range n {
		j := job{chat: int64(710000 + i), text: fmt.Sprintf("m%d", i), lane: kbbot.PriorityBroadcast}
		q[i%2] <- j
		texts = append(texts, j.text)
	}
	close(q[0])
	close(q[1])
	var sent atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- sendAll(ctx, []kbbot.Sender{p1.App.Sender}, 32, q[0], &sent) }()
	go func() { errs <- sendAll(ctx, []kbbot.Sender{p2.App.Sender}, 32, q[1], &sent) }()
	// Once sending is in full swing, Telegram refuses the next message.
	for sent.Load() < 200 {
		select {
		case err := <-errs:
			t.Fatalf("senders stopped early: %v", err)
		case <-e.srv.Changes():
		}
	}
	e.srv.FailNext("sendMessage", http.StatusTooManyRequests, 1, "")
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := e.srv.TooManyRequests(); got != 1 || e.srv.Violations() != 0 {
		t.Errorf("%d 429 answers, want only the injected one (violations %d)", got, e.srv.Violations())
	}
	deliveredOnce(t, e.srv, texts)

	sends := log.sends()
	i429 := slices.IndexFunc(sends, func(c apiCall) bool { return c.status == http.StatusTooManyRequests })
	if i429 < 0 {
		t.Fatal("the 429 did not pass the proxy")
	}
	refused := sends[i429]
	// Requests already on their way when the 429 came back may arrive;
	// after that, nothing for the second Telegram asked for.
	quietFrom, quietTo := refused.done.Add(100*time.Millisecond), refused.done.Add(time.Second)
	var before, after [2]int
	for _, c := range sends {
		proc := (c.chat - 710000) % 2
		switch {
		case c.at.After(quietFrom) && c.at.Before(quietTo):
			t.Errorf("process %d sent to %d %v after the 429, during the pause", proc+1, c.chat, c.at.Sub(refused.done))
		case c.at.Before(refused.at) && c.at.After(refused.at.Add(-400*time.Millisecond)):
			before[proc]++
		case !c.at.Before(quietTo):
			after[proc]++
		}
	}
	if before[0] == 0 || before[1] == 0 || after[0] == 0 || after[1] == 0 {
		t.Errorf("requests per process in the 400ms before the 429 %v and after the pause %v: want both processes busy before and after", before, after)
	}
	retried := slices.IndexFunc(sends[i429+1:], func(c apiCall) bool { return c.chat == refused.chat })
	if retried < 0 {
		t.Fatal("the refused message was not sent again")
	}
	if d := sends[i429+1+retried].at.Sub(refused.done); d < time.Second {
		t.Errorf("the refused message was sent again %v after the 429, within the pause", d)
	}
	t.Logf("429 at message %d; %d/%d requests per process in the 400ms before, %v after the pause", i429, before[0], before[1], after)
}

// TestSendLimitsRepliesFirst: at Telegram's real 30/s, while broadcasts
// from two processes use the whole budget, replies and reminders take the
// next slots instead of queueing behind the broadcasts. Asserted by
// counting, not timing: while one urgent message waits, at most a few
// broadcast messages (those already holding a slot) go out before it.
// How fast anything goes is BenchmarkSendAtTelegramRate's job.
func TestSendLimitsRepliesFirst(t *testing.T) {
	e, _ := newLimitsEnv(t, telegramtest.Limits{Global: 30, PerChat: 1, ChatBurst: 3, PerGroupPerMinute: 20}, 30)
	const broadcast, urgent = 400, 12
	for i := range broadcast + urgent {
		e.srv.User(int64(720000+i), "Warga")
	}
	p1, p2 := e.start(), e.start()
	jobs := make(chan job, broadcast)
	for i := range broadcast {
		jobs <- job{chat: int64(720000 + i), text: fmt.Sprintf("b%d", i), lane: kbbot.PriorityBroadcast}
	}
	close(jobs)
	var sent atomic.Int64
	bctx, stopBroadcast := context.WithCancel(context.Background())
	defer stopBroadcast()
	errs := make(chan error, 1)
	go func() {
		errs <- sendAll(bctx, []kbbot.Sender{p1.App.Sender, p2.App.Sender}, 32, jobs, &sent)
	}()
	waitSent := func(n int64) {
		for sent.Load() < n {
			select {
			case err := <-errs:
				t.Fatalf("broadcast ended early: %v", err)
			case <-e.srv.Changes():
			}
		}
	}
	waitSent(20)

	// An urgent message every five broadcast messages, from either
	// process, alternately a reply and a reminder.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// overtaken[i] is how many broadcast messages went out while urgent
	// message i waited for its slot.
	var overtaken []int64
	for i := range urgent {
		waitSent(sent.Load() + 5)
		lane := kbbot.PriorityReply
		if i%2 == 1 {
			lane = kbbot.PriorityReminder
		}
		p := []*process{p1, p2}[i/2%2]
		before := sent.Load()
		if _, err := p.App.Sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: kbbot.ChatID(720000 + broadcast + i), Text: fmt.Sprintf("u%d", i), Priority: lane}); err != nil {
			t.Fatal(err)
		}
		overtaken = append(overtaken, sent.Load()-before)
	}
	stopBroadcast()
	<-errs
	if left := broadcast - sent.Load(); left < 100 {
		t.Fatalf("only %d broadcast messages were still queued at the end: the budget was not saturated throughout", left)
	}
	t.Logf("broadcast messages sent while each urgent message waited: %v; 429s %d", overtaken, e.srv.TooManyRequests())
	if n, v := e.srv.TooManyRequests(), e.srv.Violations(); n != 0 || v != 0 {
		t.Errorf("Telegram answered 429 %d times, for %d violations of its limits", n, v)
	}
	// Two processes, each with a few broadcast sends already holding their
	// slot: those may go first; a reply queued behind the broadcasts would
	// see dozens.
	const maxAhead = 6
	for i, n := range overtaken {
		if n > maxAhead {
			t.Errorf("urgent message %d waited while %d broadcast messages went out; want at most %d (ahead of the queue)", i, n, maxAhead)
		}
	}
}

// senderFunc adapts a function to kbbot.Sender.
type senderFunc func(ctx context.Context, r kbbot.Reply) (int, error)

func (f senderFunc) Send(ctx context.Context, r kbbot.Reply) (int, error) { return f(ctx, r) }

// BenchmarkSendAtTelegramRate sends b.N messages from two processes
// through their limiters, configured for Telegram's real 30/s, to the fake
// Bot API enforcing 30/s overall and 1/s per chat, and reports the rate
// reached and the 429s received.
//
//	go test -run '^$' -bench SendAtTelegramRate -benchtime 300x ./app/
func BenchmarkSendAtTelegramRate(b *testing.B) {
	limits := telegramtest.Limits{Global: 30, PerChat: 1, ChatBurst: 3, PerGroupPerMinute: 20}
	e, _ := newLimitsEnv(b, limits, 30)
	for i := range b.N {
		e.srv.User(int64(730000+i), "Warga")
	}
	p1, p2 := e.start(), e.start()
	jobs := make(chan job, b.N)
	for i := range b.N {
		jobs <- job{chat: int64(730000 + i), text: fmt.Sprintf("m%d", i), lane: kbbot.PriorityBroadcast}
	}
	close(jobs)
	b.ResetTimer()
	start := time.Now()
	err := sendAll(context.Background(), []kbbot.Sender{p1.App.Sender, p2.App.Sender}, 16, jobs, nil)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(e.srv.TooManyRequests()), "429s")
	b.ReportMetric(float64(e.srv.Violations()), "violations")
}

// TestReplyBurstGoesOutUnpaced: with Telegram's limits enforced and the
// bot's per-chat limits as in production, the two messages answering
// /start reach the resident without waiting for the per-chat pace (a burst
// of 3 is allowed), while the limits still hold: a third and fourth message
// to the same chat at once make the limiter wait, and Telegram refuses
// nothing.
func TestReplyBurstGoesOutUnpaced(t *testing.T) {
	t.Parallel()
	e, _ := newLimitsEnv(t, telegramtest.Limits{Global: 30, PerChat: 1, ChatBurst: 3, PerGroupPerMinute: 20}, 30)
	p := e.start()
	ls, ok := p.App.Sender.(*bot.LimitedSender)
	if !ok {
		t.Fatalf("the bot sends through %T, not the limited sender", p.App.Sender)
	}
	u := e.srv.User(6100001, "Sari")
	must(t)(u.Send("/start"))
	if n := len(u.Messages()); n != 2 {
		t.Fatalf("/start got %d messages, want the welcome and the consent question", n)
	}
	if n := ls.Paced(); n != 0 {
		t.Fatalf("%d messages of the 2-message reply waited for the per-chat pace; a burst of 3 may go at once", n)
	}
	ctx := context.Background()
	for _, text := range []string{"tiga", "empat"} {
		if _, err := p.App.Sender.Send(ctx, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: kbbot.ChatID(u.ID), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if n := ls.Paced(); n < 1 {
		t.Fatalf("4 messages to one chat at once went out unpaced: the burst limit did not hold")
	}
	if v, n := e.srv.Violations(), e.srv.TooManyRequests(); v != 0 || n != 0 {
		t.Fatalf("Telegram saw %d limit violations and answered 429 %d times", v, n)
	}
}
