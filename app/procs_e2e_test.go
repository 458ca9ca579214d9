package app_test

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// replyKind names a message of the bot by what it answers: H the welcome
// and L the privacy notice (both answer /start), B the help page, M the
// menu; '?' anything else.
func replyKind(m telegramtest.Message) byte {
	p := m.Plain()
	switch {
	case strings.HasPrefix(p, "Halo, Ibu!"):
		return 'H'
	case strings.HasPrefix(p, "🔒"):
		return 'L'
	case strings.HasPrefix(p, "Bantuan"):
		return 'B'
	case strings.HasPrefix(p, "Menu utama"):
		return 'M'
	}
	return '?'
}

// replyKinds is the kinds of u's messages, in order.
func replyKinds(u *telegramtest.User) string {
	var b strings.Builder
	for _, m := range u.Messages() {
		b.WriteByte(replyKind(m))
	}
	return b.String()
}

// collapse drops each message equal in kind to the one before: a
// duplicate arrives right after its original, since a chat's outbox is
// delivered in order before its next update is handled.
func collapse(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if i == 0 || s[i] != s[i-1] {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// TestThreeReplicasSurviveKill9: three `kbbot serve` processes in polling
// mode share one bot: the leader polls, and every process handles updates
// through the intake. 45 residents tap concurrently, each waiting for the
// answer before the next tap, like people. A third of the way through,
// the poll leader is killed with SIGKILL. A standby takes over polling,
// the killed process's chats come free after their lease, and every
// update gets its answer: none lost, in order. Messages sent twice are
// at most those in flight at the kill: only chats that the killed process
// (or another) held at that moment may see one, and each at most once.
//
// Polling is the harder mode here: the killed process is also the one
// confirming updates to Telegram, so the test covers the leader's
// failover and the offset as well as the chats' leases.
// TestThreeWebhookReplicasSurviveKill9 runs the same in webhook mode.
func TestThreeReplicasSurviveKill9(t *testing.T) {
	t.Parallel()
	pe, srv, rdb := replicaEnv(t)
	procs := []*kbProc{pe.start("kbbot-1")}
	waitFor(t, 60*time.Second, "poll leader", func() bool { return procs[0].logCount("polling for updates (leader)") > 0 }, procs...)
	procs = append(procs, pe.start("kbbot-2"), pe.start("kbbot-3"))
	for _, p := range procs[1:] {
		waitFor(t, 60*time.Second, p.name+" standing by", func() bool { return p.logCount("standing by") > 0 }, procs...)
	}
	replicasUnderKill(t, pe, srv, rdb, procs, func() *kbProc { return leaderOf(procs...) })
}

// TestThreeWebhookReplicasSurviveKill9: the same in webhook mode, the
// three processes behind a round-robin load balancer. A killed replica's
// requests fail (502), and Telegram sends those updates again, to
// another replica.
func TestThreeWebhookReplicasSurviveKill9(t *testing.T) {
	t.Parallel()
	pe, srv, rdb := replicaEnv(t)
	lb := &roundRobin{}
	front := httptest.NewServer(lb)
	t.Cleanup(front.Close)
	pe.vars["KBBOT_WEBHOOK_URL"] = front.URL + "/telegram"
	pe.vars["KBBOT_WEBHOOK_SECRET"] = "replica_Secret-3"
	var procs []*kbProc
	for i := range 3 {
		addr := freeAddr(t)
		p := pe.start(fmt.Sprintf("kbbot-%d", i+1), "KBBOT_HTTP_ADDR="+addr)
		procs = append(procs, p)
		waitFor(t, 60*time.Second, p.name+" taking updates", func() bool { return p.logCount("takes updates by webhook") > 0 }, procs...)
		lb.add(t, "http://"+addr)
	}
	replicasUnderKill(t, pe, srv, rdb, procs, func() *kbProc { return procs[0] })
}

// roundRobin is a load balancer: each request goes to the next backend.
type roundRobin struct {
	mu       sync.Mutex
	backends []*httputil.ReverseProxy
	next     int
}

func (lb *roundRobin) add(t *testing.T, backend string) {
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // a killed backend: 502
	lb.mu.Lock()
	lb.backends = append(lb.backends, rp)
	lb.mu.Unlock()
}

func (lb *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lb.mu.Lock()
	if len(lb.backends) == 0 {
		lb.mu.Unlock()
		http.Error(w, "no backend", http.StatusBadGateway)
		return
	}
	rp := lb.backends[lb.next%len(lb.backends)]
	lb.next++
	lb.mu.Unlock()
	rp.ServeHTTP(w, r)
}

// replicaEnv is the fake Bot API, the Redis and the configuration of the
// replica tests.
func replicaEnv(t *testing.T) (*procEnv, *telegramtest.Server, redis.UniversalClient) {
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	srv.SetWaitTimeout(60 * time.Second) // the failover takes seconds
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	pe := newProcEnv(t, srv, redistest.URL(), prefix)
	pe.vars["KBBOT_WORKERS"] = "8"
	return pe, srv, rdb
}

// replicasUnderKill drives 45 residents through procs, kills the process
// victim returns a third of the way through, and checks that every update
// was answered, in order, with duplicates only in chats held at the kill.
func replicasUnderKill(t *testing.T, pe *procEnv, srv *telegramtest.Server, rdb redis.UniversalClient, procs []*kbProc, victimOf func() *kbProc) {
	t.Helper()
	prefix := pe.prefix
	const residents, cycles = 45, 3
	steps := []struct{ text, kinds string }{{"/start", "HL"}, {"/bantuan", "B"}, {"/menu", "M"}}
	perCycle := 0
	for _, s := range steps {
		perCycle += len(s.kinds)
	}
	users := make([]*telegramtest.User, residents)
	for i := range users {
		users[i] = srv.User(int64(810000+i), "Warga")
	}
	total := func() int {
		n := 0
		for _, u := range users {
			n += len(u.Messages())
		}
		return n
	}
	// tap sends text as u and waits until u has want messages.
	tap := func(ctx context.Context, u *telegramtest.User, text string, want int) error {
		if _, err := u.Send(text); err != nil {
			return fmt.Errorf("resident %d: %q: %w", u.ID, text, err)
		}
		return waitCtx(ctx, 60*time.Second, fmt.Sprintf("answer to %q of resident %d (has %q)", text, u.ID, replyKinds(u)),
			func() bool { return len(u.Messages()) >= want })
	}
	ctx := context.Background()
	errs := make(chan error, residents)
	var wg sync.WaitGroup
	start := time.Now()
	for _, u := range users {
		wg.Go(func() {
			want := 0
			for range cycles {
				for _, s := range steps {
					want += len(s.kinds)
					if err := tap(ctx, u, s.text, want); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}

	// Kill the poll leader a third of the way through.
	waitFor(t, 60*time.Second, "a third of the answers", func() bool { return total() >= residents*cycles*perCycle/3 }, procs...)
	victim := victimOf()
	victim.kill(t)
	inFlight := heldChats(t, rdb, prefix, users)
	sentBefore := total()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	// One more tap each: whatever the killed process left in an outbox is
	// delivered before it, and everyone is still answered.
	for _, u := range users {
		wg.Go(func() {
			if err := tap(ctx, u, "/bantuan", len(u.Messages())+1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	want := strings.Repeat("HLBM", cycles) + "B"
	dupes := 0
	for _, u := range users {
		got := replyKinds(u)
		if c := collapse(got); c != want {
			t.Errorf("resident %d got %q (collapsed %q), want %q: an answer was lost or out of order", u.ID, got, c, want)
			continue
		}
		if d := len(got) - len(want); d > 0 {
			dupes += d
			if !inFlight[u.ID] {
				t.Errorf("resident %d got %d messages twice (%q), but no process held the chat at the kill", u.ID, d, got)
			}
			if d > 1 {
				t.Errorf("resident %d got %d messages twice (%q): at most one can be in flight per chat", u.ID, d, got)
			}
		}
	}
	var spread []string
	for _, p := range procs {
		spread = append(spread, fmt.Sprintf("%s %d", p.name, p.api.sends.Load()))
		if p != victim && p.api.sends.Load() == 0 {
			t.Errorf("%s sent nothing: handling does not spread over the replicas", p.name)
		}
	}
	t.Logf("%d updates, %d messages in %v; killed %s after %d messages, with %d chats held; %d message(s) sent twice; messages sent per process: %s",
		residents*(cycles*len(steps)+1), total(), elapsed.Round(time.Millisecond), victim.name, sentBefore, len(inFlight), dupes, strings.Join(spread, ", "))
	if dupes > len(inFlight) {
		t.Errorf("%d messages sent twice, more than the %d chats in flight at the kill", dupes, len(inFlight))
	}
}

// heldChats returns, of users' chats, those a process held at this moment
// (just after a kill): claimed by an intake worker (their ready-index
// score is a claim's deadline, in the future) or under a step's lock.
// Only these can have a message in flight.
func heldChats(t *testing.T, rdb redis.UniversalClient, prefix string, users []*telegramtest.User) map[int64]bool {
	t.Helper()
	ctx := context.Background()
	keys := redisstore.NewKeys(prefix)
	now := float64(time.Now().UnixMilli())
	ours := map[string]int64{}
	for _, u := range users {
		ours[strconv.FormatInt(u.ID, 10)] = u.ID
	}
	held := map[int64]bool{}
	for i := range app.DefaultConfig().IntakeShards {
		zs, err := rdb.ZRangeByScoreWithScores(ctx, keys.IntakeReady(i), &redis.ZRangeBy{Min: fmt.Sprint(now), Max: "+inf"}).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			if id, ok := ours[fmt.Sprint(z.Member)]; ok {
				held[id] = true
			}
		}
	}
	for _, u := range users {
		n, err := rdb.Exists(ctx, keys.ChatLock(chatID(u.ID))).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			held[u.ID] = true
		}
	}
	return held
}
