package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// ErrUnauthorized means Telegram refused the bot token.
var ErrUnauthorized = errors.New("telegram refused the bot token (401)")

// ErrConflict means another process polls the same bot, or a webhook is set.
var ErrConflict = errors.New("telegram: another getUpdates or a webhook is active (409)")

// Client calls Bot API methods at <apiURL>/bot<token>/<method>. Every call
// takes a context; the token never appears in an error it returns.
type Client struct {
	apiURL string
	token  string
	hc     *http.Client
	// lastOK is when Telegram last answered a call with success (Unix
	// nanoseconds by clock; 0: never).
	lastOK atomic.Int64
	// clock tells lastOK's time (default: the system clock).
	clock kbbot.Clock
	// rt, when set, is hc's transport, which calls go to straight: hc
	// has no cookie jar nor redirect policy, and the Bot API does not
	// redirect, so http.Client.Do would only add its own bookkeeping to
	// every call; its Timeout is kept as a deadline on the call's context.
	rt http.RoundTripper
	// lean, when set, takes the calls instead of net/http (h1.go): hc
	// comes from NewHTTPClient and no proxy is configured.
	lean *h1Pool
	// urls are the methods' URLs, parsed once.
	urlMu sync.RWMutex
	urls  map[string]*methodURL
}

// methodURL is the URL of a method.
type methodURL struct {
	u    *url.URL
	path string // u's request URI
}

// NewClient returns a client. hc should have a Timeout longer than the
// long-poll timeout; NewHTTPClient makes one.
func NewClient(apiURL, token string, hc *http.Client) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	c := &Client{apiURL: strings.TrimRight(apiURL, "/"), token: token, hc: hc, clock: kbbot.SystemClock{}, urls: map[string]*methodURL{}}
	if hc.Jar == nil && hc.CheckRedirect == nil {
		c.rt = hc.Transport
		if c.rt == nil {
			c.rt = http.DefaultTransport
		}
		if lt, ok := c.rt.(*leanTransport); ok {
			if u, err := url.Parse(c.apiURL); err == nil {
				c.lean = newH1Pool(u, lt.Transport)
			}
		}
	}
	return c
}

// SetClock makes LastOK tell the time by clock (set before the first call).
func (c *Client) SetClock(clock kbbot.Clock) { c.clock = clock }

// NewHTTPClient returns an HTTP client with the timeouts kbbot needs: the
// whole request bounded by timeout, and connection set-up bounded apart.
// A Client's calls through it go over lean HTTP/1.1 connections of the
// Client's own (h1.go), unless a proxy is configured (HTTPS_PROXY and the
// like); anything else over net/http.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.ResponseHeaderTimeout = 0 // long polls wait for headers; the overall timeout bounds them
	tr.TLSHandshakeTimeout = 10 * time.Second
	return &http.Client{Timeout: timeout, Transport: &leanTransport{Transport: tr}}
}

// CloseIdleConnections closes the client's idle connections.
func (c *Client) CloseIdleConnections() {
	if c.lean != nil {
		c.lean.closeIdle()
	}
	c.hc.CloseIdleConnections()
}

func (c *Client) endpoint(method string) string {
	return c.apiURL + "/bot" + c.token + "/" + method
}

// methodURL returns method's URL, parsed once; callers share it and must
// not change it.
func (c *Client) methodURL(method string) (*methodURL, error) {
	c.urlMu.RLock()
	m, ok := c.urls[method]
	c.urlMu.RUnlock()
	if ok {
		return m, nil
	}
	u, err := url.Parse(c.endpoint(method))
	if err != nil {
		return nil, err
	}
	m = &methodURL{u: u, path: u.RequestURI()}
	c.urlMu.Lock()
	c.urls[method] = m
	c.urlMu.Unlock()
	return m, nil
}

// post posts body, of content type ctype, to method and reads the
// response's body into dst.
func (c *Client) post(ctx context.Context, method, ctype string, body []byte, dst *bytes.Buffer) (int, error) {
	m, err := c.methodURL(method)
	if err != nil {
		return 0, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	if c.lean != nil {
		var deadline time.Time
		if t := c.hc.Timeout; t > 0 {
			deadline = time.Now().Add(t)
		}
		// Getters (getUpdates, getMe, getFile...) may be sent twice.
		status, err := c.lean.post(ctx, deadline, m.path, ctype, body, dst, strings.HasPrefix(method, "get"))
		if err != nil {
			err = &url.Error{Op: "Post", URL: c.endpoint(method), Err: err}
			return 0, c.redact(fmt.Errorf("telegram %s: %w", method, err))
		}
		return status, nil
	}
	if t := c.hc.Timeout; c.rt != nil && t > 0 {
		// As http.Client bounds a call by its Timeout: the response's
		// body included.
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > t {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			defer cancel()
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", bytes.NewReader(body))
	if err != nil {
		return 0, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	req.URL, req.Host = m.u, m.u.Host
	req.Header.Set("Content-Type", ctype)
	var resp *http.Response
	if c.rt == nil {
		resp, err = c.hc.Do(req)
	} else if resp, err = c.rt.RoundTrip(req); err != nil {
		err = &url.Error{Op: "Post", URL: c.endpoint(method), Err: err}
	}
	if err != nil {
		return 0, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	defer resp.Body.Close()
	if n := resp.ContentLength; n > 0 && n < maxResponse {
		dst.Grow(int(n) + bytes.MinRead)
	}
	if _, err := dst.ReadFrom(io.LimitReader(resp.Body, maxResponse)); err != nil {
		return 0, c.redact(fmt.Errorf("telegram %s: read response: %w", method, err))
	}
	return resp.StatusCode, nil
}

// Call posts params form-encoded to method and returns the result.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params) (json.RawMessage, error) {
	return postForm[json.RawMessage](ctx, c, method, paramsForm(params))
}

// postForm posts body, form-encoded parameters, to method and returns the
// result decoded into a T. A result that does not decode into a T is
// returned as a *resultError, after the call itself succeeded.
func postForm[T any](ctx context.Context, c *Client, method string, body []byte) (T, error) {
	return call[T](ctx, c, method, "application/x-www-form-urlencoded", body)
}

// call posts body to method and decodes the response.
func call[T any](ctx context.Context, c *Client, method, ctype string, body []byte) (T, error) {
	buf := responses.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			responses.Put(buf)
		}
	}()
	status, err := c.post(ctx, method, ctype, body, buf)
	if err != nil {
		var zero T
		return zero, err
	}
	return decode[T](c, status, buf.Bytes(), method)
}

// Upload posts params and one file as multipart/form-data.
func (c *Client) Upload(ctx context.Context, method string, params tgbotapi.Params, field, name string, data []byte) (json.RawMessage, error) {
	return upload[json.RawMessage](ctx, c, method, params, field, name, data)
}

func upload[T any](ctx context.Context, c *Client, method string, params tgbotapi.Params, field, name string, data []byte) (T, error) {
	var zero T
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range params {
		if err := w.WriteField(k, v); err != nil {
			return zero, fmt.Errorf("telegram %s: %w", method, err)
		}
	}
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		return zero, fmt.Errorf("telegram %s: %w", method, err)
	}
	if _, err := fw.Write(data); err != nil {
		return zero, fmt.Errorf("telegram %s: %w", method, err)
	}
	if err := w.Close(); err != nil {
		return zero, fmt.Errorf("telegram %s: %w", method, err)
	}
	return call[T](ctx, c, method, w.FormDataContentType(), body.Bytes())
}

// maxResponse caps the body of a Bot API response read.
const maxResponse = 16 << 20

// envelope is a Bot API response whose result decodes into a T: the
// response is decoded in one pass, straight into the type wanted.
type envelope[T any] struct {
	Ok          bool                         `json:"ok"`
	Result      T                            `json:"result"`
	ErrorCode   int                          `json:"error_code"`
	Description string                       `json:"description"`
	Parameters  *tgbotapi.ResponseParameters `json:"parameters"`
}

// skipResult is a result nobody reads.
type skipResult struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (*skipResult) UnmarshalJSON([]byte) error { return nil }

func (*skipResult) quick(result []byte) (int, bool) {
	s := scan{b: result}
	return s.i, s.skip()
}

// quickResult is a result type that can read itself from a successful
// response that begins with okPrefix, without reflection: Telegram writes
// "ok" first and the result's fields in a fixed order, so what is wanted
// is found where expected (wiredecode.go). quick returns how many bytes of
// result its value took, having checked they are valid JSON, or false
// when the value is not as expected; the response is then decoded in
// full.
type quickResult interface {
	quick(result []byte) (int, bool)
}

// okPrefix begins every successful response Telegram writes.
const okPrefix = `{"ok":true,"result":`

// resultError is a result that did not decode into the type asked for;
// the call itself succeeded.
type resultError struct {
	method string
	err    error
}

func (e *resultError) Error() string {
	return "telegram " + e.method + ": decode result: " + e.err.Error()
}

func (e *resultError) Unwrap() error { return e.err }

// responses are buffers responses are read into; a response is decoded
// before its buffer is given back, and nothing decoded refers to it
// (encoding/json copies strings and raw messages).
var responses = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decode decodes body, the response of HTTP status status to a call of
// method.
func decode[T any](c *Client, status int, body []byte, method string) (T, error) {
	var api envelope[T]
	if q, ok := any(&api.Result).(quickResult); ok && len(body) > len(okPrefix) && string(body[:len(okPrefix)]) == okPrefix {
		if n, ok := q.quick(body[len(okPrefix):]); ok {
			// The envelope ends after the result.
			s := scan{b: body, i: len(okPrefix) + n}
			if s.peek() == '}' {
				s.i++
				if s.end() {
					c.lastOK.Store(c.clock.Now().UnixNano())
					return api.Result, nil
				}
			}
		}
		api.Result = *new(T)
	}
	err := json.Unmarshal(body, &api)
	var te *json.UnmarshalTypeError
	inResult := errors.As(err, &te) && (te.Field == "result" || strings.HasPrefix(te.Field, "result."))
	if err != nil && !inResult {
		// A proxy's HTML error page, say: transient.
		return api.Result, fmt.Errorf("telegram %s: HTTP %d with a body that is not Bot API JSON", method, status)
	}
	if !api.Ok {
		te := &tgbotapi.Error{Code: api.ErrorCode, Message: api.Description}
		if api.Parameters != nil {
			te.ResponseParameters = *api.Parameters
		}
		return api.Result, classify(method, te)
	}
	c.lastOK.Store(c.clock.Now().UnixNano())
	if err != nil {
		return api.Result, &resultError{method: method, err: err}
	}
	return api.Result, nil
}

// LastOK returns when Telegram last answered a call of this client with
// success (by its clock, SetClock), or the zero time if it never did;
// /readyz reads it.
func (c *Client) LastOK() time.Time {
	n := c.lastOK.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// redact removes the token from err's text (net/http errors quote the URL).
func (c *Client) redact(err error) error {
	if err == nil || c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), c.token, "<token>"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap lets errors.Is see context errors and the like; their own texts
// are never printed by kbbot, only this one.
func (e *redactedError) Unwrap() error {
	if errors.Is(e.err, context.Canceled) {
		return context.Canceled
	}
	if errors.Is(e.err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return nil
}

// classify maps a Bot API error to kbbot's domain errors, keeping the
// *tgbotapi.Error in the chain.
func classify(method string, te *tgbotapi.Error) error {
	msg := strings.ToLower(te.Message)
	switch {
	case te.RetryAfter > 0 || te.Code == http.StatusTooManyRequests:
		after := time.Duration(max(te.RetryAfter, 1)) * time.Second
		return fmt.Errorf("telegram %s: %w: %w", method, &kbbot.RetryAfterError{After: after}, te)
	case te.Code == http.StatusUnauthorized:
		return fmt.Errorf("telegram %s: %w", method, ErrUnauthorized)
	case te.Code == http.StatusConflict:
		return fmt.Errorf("telegram %s: %w: %w", method, ErrConflict, te)
	case te.Code == http.StatusForbidden:
		return fmt.Errorf("telegram %s: %w: %w", method, kbbot.ErrBlocked, te)
	case strings.Contains(msg, "message is not modified"):
		return fmt.Errorf("telegram %s: %w: %w", method, kbbot.ErrNotModified, te)
	case strings.Contains(msg, "chat not found"):
		return fmt.Errorf("telegram %s: %w: %w", method, kbbot.ErrChatNotFound, te)
	case te.Code == http.StatusBadRequest:
		return fmt.Errorf("telegram %s: %w: %w", method, kbbot.ErrBadRequest, te)
	}
	return fmt.Errorf("telegram %s: %w", method, te)
}
