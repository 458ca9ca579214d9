package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// redisGate is a TCP proxy in front of the test Redis that the test can
// close: while down it cuts every connection and refuses new ones, as a
// Redis that crashed or a network that failed.
type redisGate struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newRedisGate(t *testing.T, target string) *redisGate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &redisGate{ln: ln, target: target, down: true, conns: map[net.Conn]bool{}}
	go g.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		g.set(true)
	})
	return g
}

func (g *redisGate) serve() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		go g.pipe(c)
	}
}

func (g *redisGate) pipe(c net.Conn) {
	g.mu.Lock()
	if g.down {
		g.mu.Unlock()
		_ = c.Close()
		return
	}
	g.mu.Unlock()
	r, err := net.Dial("tcp", g.target)
	if err != nil {
		_ = c.Close()
		return
	}
	g.mu.Lock()
	if g.down {
		g.mu.Unlock()
		_ = c.Close()
		_ = r.Close()
		return
	}
	g.conns[c], g.conns[r] = true, true
	g.mu.Unlock()
	go func() { _, _ = io.Copy(r, c); _ = r.Close() }()
	_, _ = io.Copy(c, r)
	_ = c.Close()
}

// set takes Redis down (cutting every connection) or brings it up.
func (g *redisGate) set(down bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.down = down
	if down {
		for c := range g.conns {
			_ = c.Close()
		}
		clear(g.conns)
	}
}

// TestServeStartsWithRedisDown: `kbbot serve` started while Redis is down
// does not exit: it waits and retries with back-off, and once Redis
// answers it serves residents without a restart. Later, while Redis is
// away, residents who write are told that kbbot has a problem and will
// answer once it recovers (the "unavailable" text), also after the poll
// leader's lock has run out; once Redis is back their messages are
// answered after all, and everything goes on.
func TestServeStartsWithRedisDown(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(redistest.URL())
	if err != nil || u.Scheme != "redis" || u.Query().Has("addr") || redistest.IsCluster() {
		t.Skip("needs a single plain-TCP Redis to put a proxy in front of")
	}
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	srv.SetWaitTimeout(60 * time.Second)
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	gate := newRedisGate(t, u.Host)
	viaGate := *u
	viaGate.Host = gate.ln.Addr().String()
	pe := newProcEnv(t, srv, viaGate.String(), prefix)

	p := pe.start("kbbot")
	const retrying = "cannot reach Redis at REDIS_URL; retrying"
	waitFor(t, 60*time.Second, "two retries while Redis is down", func() bool { return p.logCount(retrying) >= 2 }, p)
	gate.set(false)
	waitFor(t, 60*time.Second, "polling once Redis is up", func() bool { return p.logCount("polling for updates (leader)") > 0 }, p)
	tries := p.logCount(retrying)
	if waits := retryWaits(p.stderr.String()); len(waits) < 2 || waits[1] <= waits[0] {
		t.Errorf("the retries do not back off: waits %v", waits)
	}

	sari := srv.User(820001, "Sari")
	answered := func(u *telegramtest.User, kind byte) func() bool {
		return func() bool {
			ms := u.Messages()
			return len(ms) > 0 && replyKind(ms[len(ms)-1]) == kind
		}
	}
	must(t)(sari.Send("/bantuan"))
	waitFor(t, 60*time.Second, "help page after Redis came up", answered(sari, 'B'), p)

	// Redis goes away. Ani writes and is told that kbbot has a problem and
	// will answer once it is back. So is Rina, who writes once the poll
	// leader's lock has run out in Redis.
	lib, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	sorryText := lib.UI.T(content.ID, "unavailable")
	sorry := func(u *telegramtest.User) func() bool {
		return func() bool {
			for _, m := range u.Messages() {
				if m.Plain() == sorryText {
					return true
				}
			}
			return false
		}
	}
	gate.set(true)
	ani, rina := srv.User(820002, "Ani"), srv.User(820003, "Rina")
	sent := make(chan error, 2)
	send := func(u *telegramtest.User, text string) {
		go func() { _, err := u.Send(text); sent <- err }()
	}
	send(ani, "/menu")
	waitFor(t, 60*time.Second, fmt.Sprintf("%q to Ani while Redis is away", sorryText), sorry(ani), p)
	lock := redisstore.NewKeys(prefix).NamedLock("poll")
	waitFor(t, 60*time.Second, "the poll leader's lock to run out", func() bool { return rdb.Exists(context.Background(), lock).Val() == 0 }, p)
	send(rina, "/bantuan")
	waitFor(t, 60*time.Second, fmt.Sprintf("%q to Rina, who wrote after the lock ran out", sorryText), sorry(rina), p)

	// Redis is back: her message is answered after all, and the others go on.
	gate.set(false)
	for range 2 {
		if err := <-sent; err != nil {
			t.Fatalf("an update written while Redis was away was not taken once it was back: %v", err)
		}
	}
	waitFor(t, 60*time.Second, "Ani's menu, asked while Redis was away", answered(ani, 'M'), p)
	waitFor(t, 60*time.Second, "Rina's help page, asked while Redis was away", answered(rina, 'B'), p)
	must(t)(sari.Send("/menu"))
	waitFor(t, 60*time.Second, "the menu after Redis came back", answered(sari, 'M'), p)
	must(t)(ani.Send("/bantuan"))
	waitFor(t, 60*time.Second, "help page after Redis came back", answered(ani, 'B'), p)
	if p.exited() {
		t.Fatalf("kbbot exited: %v", p.err)
	}
	t.Logf("kbbot retried %d times before Redis came up; while it was away Ani got %q, Rina %q", tries, replyKinds(ani), replyKinds(rina))
}

var retryIn = regexp.MustCompile(`"retry_in_ms":(\d+)`)

// retryWaits returns the waits before each retry that a JSON log names.
func retryWaits(log string) []time.Duration {
	var out []time.Duration
	for _, m := range retryIn.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, time.Duration(n)*time.Millisecond)
	}
	return out
}
