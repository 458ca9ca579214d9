package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot/telegramtest"
)

// The tests of procs_*_test.go run the kbbot binary itself: `kbbot serve`
// processes, configured by environment variables as in production, talk
// to the fake Bot API over HTTP and to the test Redis, and are killed with
// SIGKILL. The binary is built once per test run (without -race: it is
// the bot under test, not the test).

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the kbbot binary built for the process tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// kbbotBinary builds cmd/kbbot once and returns its path; it skips the
// test under -short, or when there is no go command.
func kbbotBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs kbbot processes")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build kbbot with")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "kbbot-procs-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kbbot")
		out, err := exec.Command(goCmd, "build", "-o", binPath, "github.com/kbbot/kbbot/cmd/kbbot").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build kbbot: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiProxy stands between one kbbot process and the fake Bot API, so the
// test sees which process polls and how many messages each sent.
type apiProxy struct {
	srv      *httptest.Server
	polling  atomic.Int64 // getUpdates requests under way
	lastPoll atomic.Int64 // unix nanoseconds of the last getUpdates
	sends    atomic.Int64 // sendMessage requests answered
}

func newAPIProxy(t *testing.T, api string) *apiProxy {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // a killed process cuts its requests
	p := &apiProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch path.Base(r.URL.Path) {
		case "getUpdates":
			p.polling.Add(1)
			p.lastPoll.Store(time.Now().UnixNano())
			defer p.polling.Add(-1)
		case "sendMessage":
			defer p.sends.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// kbProc is one `kbbot serve` process.
type kbProc struct {
	name   string
	cmd    *exec.Cmd
	api    *apiProxy
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // its exit, once done
}

// procEnv is what the processes of one test share.
type procEnv struct {
	t      *testing.T
	bin    string
	srv    *telegramtest.Server
	prefix string
	// vars are the environment of every process, as NAME=value.
	vars map[string]string
}

// newProcEnv configures processes for the fake Bot API srv and the test
// Redis under prefix, with the production defaults except for speed: a
// short long poll, no per-chat pacing and no flood limit, as newEnv.
func newProcEnv(t *testing.T, srv *telegramtest.Server, redisURL, prefix string) *procEnv {
	t.Helper()
	return &procEnv{t: t, bin: kbbotBinary(t), srv: srv, prefix: prefix, vars: map[string]string{
		"TELEGRAM_BOT_TOKEN":       srv.Token(),
		"REDIS_URL":                redisURL,
		"KBBOT_REDIS_PREFIX":       prefix,
		"KBBOT_CONTROLLER_NAME":    "Dinas PPKB Kota Contoh",
		"KBBOT_CONTROLLER_CONTACT": "ppkb@contoh.go.id",
		"KBBOT_POLL_TIMEOUT":       "2s",
		"KBBOT_SEND_RATE":          "1000",
		"KBBOT_SEND_CHAT_INTERVAL": "1ms",
		"KBBOT_FLOOD_LIMIT":        "0",
		"KBBOT_SHUTDOWN_TIMEOUT":   "5s",
		"KBBOT_LOG_LEVEL":          "info",
		"KBBOT_HTTP_ADDR":          "127.0.0.1:0",
	}}
}

// start runs `kbbot serve` with the shared environment plus extra
// (NAME=value pairs), each process behind its own proxy to the fake Bot
// API. The process is stopped with SIGTERM (then SIGKILL) when the test
// ends; its log is printed when the test failed.
func (pe *procEnv) start(name string, extra ...string) *kbProc {
	t := pe.t
	t.Helper()
	p := &kbProc{name: name, api: newAPIProxy(t, pe.srv.APIURL()), stderr: &syncBuffer{}, done: make(chan struct{})}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TELEGRAM_API_URL=" + p.api.srv.URL}
	for k, v := range pe.vars {
		env = append(env, k+"="+v)
	}
	env = append(env, extra...)
	p.cmd = exec.Command(pe.bin, "serve")
	p.cmd.Env = env
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.terminate()
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *kbProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would:
// nothing is released, confirmed or acknowledged.
func (p *kbProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !p.exited() {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	<-p.done
}

// terminate stops the process as an operator would (SIGTERM), and kills
// it if it has not stopped within 15 s.
func (p *kbProc) terminate() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logCount counts the log lines containing s.
func (p *kbProc) logCount(s string) int { return strings.Count(p.stderr.String(), s) }

// waitFor polls cond (a condition, not the time) until it holds, failing
// the test with what after timeout. A process that exits while waited for
// fails the test at once.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, procs ...*kbProc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		for _, p := range procs {
			if p.exited() {
				t.Fatalf("%s exited (%v) while waiting for %s", p.name, p.err, what)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
}

// waitCtx is waitFor's shape for goroutines: it returns an error instead
// of failing the test.
func waitCtx(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %s within %v", what, timeout)
		case <-time.After(5 * time.Millisecond): // polling a condition
		}
	}
	return nil
}

// leaderOf returns the process that polls now: the one with a getUpdates
// under way, or else the one that polled last.
func leaderOf(ps ...*kbProc) *kbProc {
	var best *kbProc
	for _, p := range ps {
		if p.exited() {
			continue
		}
		if p.api.polling.Load() > 0 {
			return p
		}
		if best == nil || p.api.lastPoll.Load() > best.api.lastPoll.Load() {
			best = p
		}
	}
	return best
}

// servedCount counts the users who received a message containing marker.
func servedCount(users []*telegramtest.User, marker string) int {
	n := 0
	for _, u := range users {
		if bcReceived(u, marker) > 0 {
			n++
		}
	}
	return n
}
