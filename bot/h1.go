package bot

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// This file is the HTTP/1.1 client a Client's calls go through when its
// http.Client comes from NewHTTPClient and no proxy is configured. A call
// writes its request and reads its response on a keep-alive connection of
// a small pool, in the calling goroutine, and reads the whole body into
// the caller's buffer. net/http's Transport would hand every request to
// two goroutines of its connection (one writes, one reads) and allocate a
// Request, a Response and their headers: several times the CPU of the
// call itself on a busy bot.
//
// It speaks what the Bot API needs: POST with a Content-Length, responses
// with a Content-Length, chunked, or ending with the connection, over TCP
// or TLS. The call's deadline (the http.Client's Timeout, or the
// context's if sooner) is the connection's; a context that ends sooner
// interrupts the call at once.
//
// A server may close a keep-alive connection while it idles in the pool.
// net/http notices it before the next request (it reads on idle
// connections all along); here a connection idle over a second is looked
// at before it is used (h1probe_unix.go). A request that still fails on a
// reused connection (the server closed it as the request went out) before
// any byte of the response arrived is sent again on another connection,
// as net/http sends again one it could not write; net/http would not send
// a POST again once written, which this does in that case only.

// leanTransport is the transport NewHTTPClient makes: a net/http
// Transport, which requests made with the http.Client go through, marked
// so that a Client knows to take its calls over h1Pool instead.
type leanTransport struct {
	*http.Transport
}

// h1IdleTimeout is how long a connection may idle in the pool, as
// net/http's DefaultTransport.
const h1IdleTimeout = 90 * time.Second

// h1ProbeAfter is how long a connection idles before it is checked, when
// taken again, for whether the server closed it meanwhile.
const h1ProbeAfter = time.Second

// h1Pool holds the idle keep-alive connections to one server.
type h1Pool struct {
	addr string // host:port dialed
	host string // the Host header
	// tlsConf is nil for plain HTTP.
	tlsConf          *tls.Config
	dial             func(ctx context.Context, network, addr string) (net.Conn, error)
	handshakeTimeout time.Duration
	maxIdle          int
	probeAfter       time.Duration

	mu   sync.Mutex
	idle []*h1Conn // the most recently used last

	// retries counts the calls sent again on another connection.
	retries atomic.Int64
}

// h1Conn is one connection.
type h1Conn struct {
	nc      net.Conn
	raw     net.Conn // the TCP connection under TLS (else nc)
	br      *bufio.Reader
	wbuf    []byte
	idleAt  time.Time
	timeout time.Time // the deadline set on nc (zero: none)
}

// newH1Pool returns a pool for calls to u through tr, or nil if they
// must go through net/http (a proxy, a scheme other than http and https).
func newH1Pool(u *url.URL, tr *http.Transport) *h1Pool {
	if u.Scheme != "http" && u.Scheme != "https" || u.User != nil {
		return nil
	}
	if tr.Proxy != nil {
		if p, err := tr.Proxy(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}}); err != nil || p != nil {
			return nil
		}
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	p := &h1Pool{
		addr:             net.JoinHostPort(host, port),
		host:             u.Host,
		dial:             tr.DialContext,
		handshakeTimeout: tr.TLSHandshakeTimeout,
		maxIdle:          tr.MaxIdleConnsPerHost,
		probeAfter:       h1ProbeAfter,
	}
	if p.dial == nil {
		p.dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	if p.maxIdle <= 0 {
		p.maxIdle = http.DefaultMaxIdleConnsPerHost
	}
	if u.Scheme == "https" {
		if tr.TLSClientConfig != nil {
			p.tlsConf = tr.TLSClientConfig.Clone()
		} else {
			p.tlsConf = &tls.Config{}
		}
		if p.tlsConf.ServerName == "" {
			p.tlsConf.ServerName = host
		}
		p.tlsConf.NextProtos = []string{"http/1.1"}
	}
	return p
}

// aLongTimeAgo is a deadline that makes a blocked read or write return.
var aLongTimeAgo = time.Unix(1, 0)

// post sends body, of content type ctype, to path and reads the
// response's body into dst. deadline bounds the call (zero: none
// besides ctx).
//
// A call on a reused connection that the server closed or reset is sent
// again on another connection only when the request never went out (its
// write failed: a connection closed while idle), or, once, for an
// idempotent call (idempotent: a getter) that got no byte of an answer: a
// sendMessage the server may have read in full is never sent twice here.
func (p *h1Pool) post(ctx context.Context, deadline time.Time, path, ctype string, body []byte, dst *bytes.Buffer, idempotent bool) (int, error) {
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	resent := false
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		c, reused, err := p.get(ctx, deadline)
		if err != nil {
			return 0, err
		}
		dst.Reset()
		status, keep, started, written, err := p.do(ctx, c, deadline, path, ctype, body, dst)
		if err == nil {
			if keep {
				p.put(c)
			} else {
				_ = c.nc.Close()
			}
			return status, nil
		}
		_ = c.nc.Close()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, context.DeadlineExceeded
		}
		if !reused || started || !connGone(err) {
			return 0, err
		}
		if written {
			if !idempotent || resent {
				return 0, err
			}
			resent = true
		}
		p.retries.Add(1)
	}
}

// connGone reports whether err means the server closed or reset the
// connection.
func connGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// get returns an idle connection, or a new one.
func (p *h1Pool) get(ctx context.Context, deadline time.Time) (*h1Conn, bool, error) {
	now := time.Now()
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		idle := now.Sub(c.idleAt)
		if idle < h1IdleTimeout && (idle < p.probeAfter || c.alive()) {
			return c, true, nil
		}
		_ = c.nc.Close()
	}
	c, err := p.connect(ctx, deadline)
	return c, false, err
}

// connect dials a new connection, with TLS for https.
func (p *h1Pool) connect(ctx context.Context, deadline time.Time) (*h1Conn, error) {
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	nc, err := p.dial(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	raw := nc
	if p.tlsConf != nil {
		tc := tls.Client(nc, p.tlsConf)
		hctx := ctx
		if p.handshakeTimeout > 0 {
			var cancel context.CancelFunc
			hctx, cancel = context.WithTimeout(ctx, p.handshakeTimeout)
			defer cancel()
		}
		if err := tc.HandshakeContext(hctx); err != nil {
			_ = nc.Close()
			return nil, err
		}
		nc = tc
	}
	return &h1Conn{nc: nc, raw: raw, br: bufio.NewReaderSize(nc, 4096)}, nil
}

// put gives c back to the pool.
func (p *h1Pool) put(c *h1Conn) {
	c.idleAt = time.Now()
	if cap(c.wbuf) > 64<<10 {
		c.wbuf = nil
	}
	p.mu.Lock()
	if len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		_ = c.nc.Close()
	}
}

// closeIdle closes the idle connections.
func (p *h1Pool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.nc.Close()
	}
}

// do makes one call on c. keep reports whether c may be used again,
// started whether any of the response arrived.
func (p *h1Pool) do(ctx context.Context, c *h1Conn, deadline time.Time, path, ctype string, body []byte, dst *bytes.Buffer) (status int, keep, started, written bool, err error) {
	if !deadline.Equal(c.timeout) {
		if err := c.nc.SetDeadline(deadline); err != nil {
			return 0, false, false, false, err
		}
		c.timeout = deadline
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
		defer func() {
			if !stop() {
				// The context ended and moved the deadline: the
				// connection is not used again.
				keep = false
			}
		}()
	}
	w := append(c.wbuf[:0], "POST "...)
	w = append(w, path...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, p.host...)
	w = append(w, "\r\nUser-Agent: kbbot\r\nContent-Type: "...)
	w = append(w, ctype...)
	w = append(w, "\r\nContent-Length: "...)
	w = strconv.AppendInt(w, int64(len(body)), 10)
	w = append(w, "\r\n\r\n"...)
	w = append(w, body...)
	c.wbuf = w
	if _, err := c.nc.Write(w); err != nil {
		return 0, false, false, false, err
	}
	status, keep, started, err = readResponse(c.br, dst)
	return status, keep, started, true, err
}

// readResponse reads a response to a POST into dst, skipping 1xx ones.
func readResponse(br *bufio.Reader, dst *bytes.Buffer) (status int, keep, started bool, err error) {
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			started = true
		}
		if err != nil {
			return 0, false, started, err
		}
		// HTTP/1.x NNN reason
		if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
			return 0, false, true, fmt.Errorf("malformed HTTP status line %q", trimLine(line))
		}
		status, err = strconv.Atoi(string(line[9:12]))
		if err != nil || status < 100 {
			return 0, false, true, fmt.Errorf("malformed HTTP status line %q", trimLine(line))
		}
		minor := line[7] // line is bufio's: the header lines overwrite it
		keep = minor == '1'
		length, chunked := int64(-1), false
		for {
			h, err := br.ReadSlice('\n')
			if err != nil {
				if errors.Is(err, bufio.ErrBufferFull) {
					err = errors.New("HTTP header line too long")
				}
				return 0, false, true, err
			}
			h = trimLine(h)
			if len(h) == 0 {
				break
			}
			colon := bytes.IndexByte(h, ':')
			if colon <= 0 {
				return 0, false, true, fmt.Errorf("malformed HTTP header %q", h)
			}
			name, value := h[:colon], bytes.TrimSpace(h[colon+1:])
			switch {
			case asciiEqualFold(name, "Content-Length"):
				n, err := strconv.ParseInt(string(value), 10, 64)
				if err != nil || n < 0 || (length >= 0 && n != length) {
					return 0, false, true, fmt.Errorf("bad Content-Length %q", value)
				}
				length = n
			case asciiEqualFold(name, "Transfer-Encoding"):
				if !asciiEqualFold(value, "chunked") {
					return 0, false, true, fmt.Errorf("unsupported Transfer-Encoding %q", value)
				}
				chunked = true
			case asciiEqualFold(name, "Connection"):
				for _, v := range bytes.Split(value, []byte(",")) {
					v = bytes.TrimSpace(v)
					if asciiEqualFold(v, "close") {
						keep = false
					} else if asciiEqualFold(v, "keep-alive") && minor == '0' {
						keep = true
					}
				}
			}
		}
		if status < 200 {
			continue // 100 Continue and the like: the response follows
		}
		switch {
		case status == http.StatusNoContent || status == http.StatusNotModified:
			return status, keep, true, nil
		case chunked:
			// With a Content-Length beside it, the connection is not
			// trusted again (RFC 9112 6.3).
			return status, keep && length < 0, true, readChunked(br, dst)
		case length >= 0:
			if length > maxResponse {
				return 0, false, true, fmt.Errorf("response of %d bytes", length)
			}
			dst.Grow(int(length))
			b := dst.AvailableBuffer()[:length]
			if _, err := io.ReadFull(br, b); err != nil {
				return 0, false, true, err
			}
			dst.Write(b)
			return status, keep, true, nil
		default:
			// The body ends with the connection.
			n, err := dst.ReadFrom(io.LimitReader(br, maxResponse+1))
			if err == nil && n > maxResponse {
				err = fmt.Errorf("response of over %d bytes", maxResponse)
			}
			return status, false, true, err
		}
	}
}

// readChunked reads a chunked body into dst.
func readChunked(br *bufio.Reader, dst *bytes.Buffer) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = trimLine(line)
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = bytes.TrimSpace(line[:i])
		}
		n, err := strconv.ParseUint(string(line), 16, 63)
		if err != nil || len(line) == 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			// Trailers, up to an empty line.
			for {
				t, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(trimLine(t)) == 0 {
					return nil
				}
			}
		}
		if uint64(dst.Len())+n > maxResponse {
			return fmt.Errorf("response over %d bytes", maxResponse)
		}
		dst.Grow(int(n))
		b := dst.AvailableBuffer()[:n]
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		dst.Write(b)
		crlf, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(trimLine(crlf)) != 0 {
			return errors.New("malformed chunk end")
		}
	}
}

// trimLine drops a line's CRLF or LF.
func trimLine(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// asciiEqualFold reports whether b is s, ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
