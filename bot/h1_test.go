package bot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
)

// h1Server is a test server that counts the connections the client opens.
type h1Server struct {
	*httptest.Server
	conns atomic.Int64
}

func newH1Server(t *testing.T, tls bool, h http.HandlerFunc) *h1Server {
	t.Helper()
	s := &h1Server{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// leanClient returns a Client of s whose calls go over h1Pool.
func leanClient(t *testing.T, s *h1Server, timeout time.Duration) *Client {
	t.Helper()
	hc := NewHTTPClient(timeout)
	if s.TLS != nil {
		hc.Transport.(*leanTransport).TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	}
	c := NewClient(s.URL, "1:TOKEN", hc)
	if c.lean == nil {
		t.Fatal("the client does not use its lean HTTP/1.1 connections")
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func okHandler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"result":{"path":%q,"body":%q}}`, r.URL.Path, body)
}

func TestLeanClientReusesConnections(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			s := newH1Server(t, tls, okHandler)
			c := leanClient(t, s, 5*time.Second)
			for i := range 5 {
				res, err := postForm[struct{ Path, Body string }](context.Background(), c, "sendMessage", []byte(fmt.Sprintf("chat_id=%d", i)))
				if err != nil {
					t.Fatal(err)
				}
				if res.Path != "/bot1:TOKEN/sendMessage" || res.Body != fmt.Sprintf("chat_id=%d", i) {
					t.Fatalf("server got %+v", res)
				}
			}
			if n := s.conns.Load(); n != 1 {
				t.Errorf("5 calls in a row opened %d connections, want 1", n)
			}
		})
	}
}

func TestLeanClientConcurrentCalls(t *testing.T) {
	s := newH1Server(t, false, okHandler)
	c := leanClient(t, s, 5*time.Second)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for j := range 10 {
				want := fmt.Sprintf("n=%d", i*100+j)
				res, err := postForm[struct{ Body string }](context.Background(), c, "sendMessage", []byte(want))
				if err != nil {
					t.Error(err)
					return
				}
				if res.Body != want {
					t.Errorf("got the answer of %q for %q", res.Body, want)
				}
			}
		})
	}
	wg.Wait()
	if n := s.conns.Load(); n > 20 {
		t.Errorf("20 callers opened %d connections", n)
	}
}

func TestLeanClientServerClosesConnection(t *testing.T) {
	var calls atomic.Int64
	s := newH1Server(t, false, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Connection", "close")
		}
		okHandler(w, r)
	})
	c := leanClient(t, s, 5*time.Second)
	ctx := context.Background()
	// The first answer says Connection: close; the second call dials.
	for range 2 {
		if _, err := c.Call(ctx, "getMe", nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.conns.Load(); n != 2 {
		t.Errorf("after Connection: close, %d connections, want 2", n)
	}
	// The server drops the idle connection: the call is sent again on a
	// new one.
	s.CloseClientConnections()
	if _, err := c.Call(ctx, "getMe", nil); err != nil {
		t.Fatalf("call after the server closed the idle connection: %v", err)
	}
	if n := s.conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
	if calls.Load() != 3 {
		t.Errorf("the server answered %d calls, want 3", calls.Load())
	}
	// A connection idle for long is checked before it is used: the
	// closed one is not written to.
	c.lean.probeAfter = 0
	if _, err := c.Call(ctx, "getMe", nil); err != nil {
		t.Fatal(err)
	}
	s.CloseClientConnections()
	for i := 0; i < 1000 && probeSeesOpen(c); i++ {
		// The server's close is on its way (at once on loopback).
		runtime.Gosched()
	}
	if _, err := c.Call(ctx, "getMe", nil); err != nil {
		t.Fatal(err)
	}
	if c.lean.retries.Load() != 1 {
		t.Errorf("%d calls sent again, want 1 (the closed connection taken without a check)", c.lean.retries.Load())
	}
}

// probeSeesOpen reports whether c's idle connection is open.
func probeSeesOpen(c *Client) bool {
	p := c.lean
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle) > 0 && p.idle[len(p.idle)-1].alive()
}

// rawServer answers each connection with reply, whatever it is asked.
func rawServer(t *testing.T, reply func(r *http.Request) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for {
					r, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, r.Body)
					out := reply(r)
					if _, err := io.WriteString(nc, out); err != nil || strings.Contains(out, "Connection: close") || !strings.Contains(strings.ToLower(out), "content-length") && !strings.Contains(out, "chunked") {
						return
					}
				}
			})
		}
	})
	return "http://" + ln.Addr().String()
}

func TestLeanClientResponseFraming(t *testing.T) {
	const result = `{"ok":true,"result":{"message_id":42}}`
	cases := map[string]string{
		"content-length": "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 38\r\n\r\n" + result,
		"chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\n{\"ok\"\r\n21;ext=1\r\n:true,\"result\":{\"message_id\":42}}\r\n0\r\nX-Trailer: 1\r\n\r\n",
		"until close":      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + result,
		"http/1.0":         "HTTP/1.0 200 OK\r\n\r\n" + result,
		"100 continue":     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 38\r\n\r\n" + result,
		"lower-case, LF":   "HTTP/1.1 200 OK\ncontent-length: 38\n\n" + result,
		"connection close": "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 38\r\n\r\n" + result,
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			u := rawServer(t, func(*http.Request) string { return reply })
			c := NewClient(u, "1:TOKEN", NewHTTPClient(5*time.Second))
			if c.lean == nil {
				t.Fatal("not lean")
			}
			defer c.CloseIdleConnections()
			for range 2 {
				m, err := postForm[sentMessage](context.Background(), c, "sendMessage", []byte("chat_id=1"))
				if err != nil {
					t.Fatal(err)
				}
				if m.MessageID != 42 {
					t.Fatalf("message id %d, want 42", m.MessageID)
				}
			}
		})
	}
}

func TestLeanClientMalformedResponses(t *testing.T) {
	for name, reply := range map[string]string{
		"not http":           "SSH-2.0-OpenSSH\r\n\r\n",
		"short body":         "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{}",
		"bad chunk":          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
		"bad content-length": "HTTP/1.1 200 OK\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			u := rawServer(t, func(*http.Request) string { return reply })
			c := NewClient(u, "1:TOKEN", NewHTTPClient(5*time.Second))
			_, err := c.Call(context.Background(), "getMe", nil)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "TOKEN") {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
}

func TestLeanClientErrorBodies(t *testing.T) {
	s := newH1Server(t, false, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/sendMessage"):
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>502 Bad Gateway</html>")
		}
	})
	c := leanClient(t, s, 5*time.Second)
	_, err := c.Call(context.Background(), "sendMessage", nil)
	var ra *kbbot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Errorf("429: got %v, want a RetryAfterError of 7s", err)
	}
	_, err = c.Call(context.Background(), "getMe", nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("502: got %v", err)
	}
	// Both answers left the connection usable.
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestLeanClientTimeoutAndCancel(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	s := newH1Server(t, false, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getUpdates") {
			arrived <- struct{}{}
			<-release
		}
		okHandler(w, r)
	})
	defer close(release)
	// The client's timeout ends a call that gets no answer.
	c := leanClient(t, s, 50*time.Millisecond)
	_, err := c.Call(context.Background(), "getUpdates", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after the timeout: %v, want context.DeadlineExceeded", err)
	}
	<-arrived
	if err != nil && strings.Contains(err.Error(), "TOKEN") {
		t.Errorf("the error quotes the token: %v", err)
	}
	// Ending the context ends the call at once.
	c = leanClient(t, s, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err = c.Call(ctx, "getUpdates", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
	// The client goes on with a new connection.
	if _, err := c.Call(context.Background(), "getMe", nil); err != nil {
		t.Fatal(err)
	}
}

func TestLeanClientNotWithProxy(t *testing.T) {
	hc := NewHTTPClient(time.Second)
	hc.Transport.(*leanTransport).Proxy = func(*http.Request) (*url.URL, error) {
		return url.Parse("http://proxy.example:3128")
	}
	if c := NewClient("https://api.telegram.org", "1:T", hc); c.lean != nil {
		t.Error("with a proxy, calls do not go through the proxy")
	}
	hc = NewHTTPClient(time.Second)
	c := NewClient("https://api.telegram.org", "1:T", hc)
	if c.lean == nil {
		t.Fatal("without a proxy, calls go through net/http")
	}
	if c.lean.addr != "api.telegram.org:443" || c.lean.tlsConf == nil || c.lean.tlsConf.ServerName != "api.telegram.org" {
		t.Errorf("pool for %s, TLS %v", c.lean.addr, c.lean.tlsConf)
	}
	if c := NewClient("https://api.telegram.org", "1:T", &http.Client{}); c.lean != nil {
		t.Error("a client of another http.Client does not go through net/http")
	}
}

// TestLeanClientNeverResendsAMessageTheServerRead: the server reads a
// whole sendMessage on a reused connection and drops the connection
// without answering (it may have sent the message): the call fails (the
// outbox retries it later, as with net/http) instead of being sent again
// at once; a getter in the same case is sent once more and succeeds.
func TestLeanClientNeverResendsAMessageTheServerRead(t *testing.T) {
	var calls, sends atomic.Int64
	s := newH1Server(t, false, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if strings.HasSuffix(r.URL.Path, "/sendMessage") {
			sends.Add(1)
		}
		if n == 2 || n == 4 {
			// Read in full, then dropped unanswered.
			_, _ = io.ReadAll(r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		okHandler(w, r)
	})
	c := leanClient(t, s, 5*time.Second)
	ctx := context.Background()
	if _, err := c.Call(ctx, "getMe", nil); err != nil { // call 1: opens the connection
		t.Fatal(err)
	}
	// Call 2 (reused connection): read, then dropped.
	if _, err := postForm[struct{ Body string }](ctx, c, "sendMessage", []byte("chat_id=1&text=hai")); err == nil {
		t.Error("a sendMessage dropped unanswered after the server read it succeeded")
	}
	if n := sends.Load(); n != 1 {
		t.Errorf("the server got the sendMessage %d times, want once", n)
	}
	if _, err := c.Call(ctx, "getMe", nil); err != nil { // call 3: a new connection
		t.Fatal(err)
	}
	// Call 4 (reused): dropped; the getter goes again (call 5) and succeeds.
	if _, err := c.Call(ctx, "getMe", nil); err != nil {
		t.Errorf("a getter dropped unanswered was not sent again: %v", err)
	}
	if n := calls.Load(); n != 5 {
		t.Errorf("the server got %d calls, want 5", n)
	}
}
