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
	// urls are the methods' URLs, parsed once.
	urlMu sync.RWMutex
	urls  map[string]*url.URL
}

// NewClient returns a client. hc should have a Timeout longer than the
// long-poll timeout; NewHTTPClient makes one.
func NewClient(apiURL, token string, hc *http.Client) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	c := &Client{apiURL: strings.TrimRight(apiURL, "/"), token: token, hc: hc, clock: kbbot.SystemClock{}, urls: map[string]*url.URL{}}
	if hc.Jar == nil && hc.CheckRedirect == nil {
		c.rt = hc.Transport
		if c.rt == nil {
			c.rt = http.DefaultTransport
		}
	}
	return c
}

// SetClock makes LastOK tell the time by clock (set before the first call).
func (c *Client) SetClock(clock kbbot.Clock) { c.clock = clock }

// NewHTTPClient returns an HTTP client with the timeouts kbbot needs: the
// whole request bounded by timeout, and connection set-up bounded apart.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.ResponseHeaderTimeout = 0 // long polls wait for headers; the overall timeout bounds them
	tr.TLSHandshakeTimeout = 10 * time.Second
	return &http.Client{Timeout: timeout, Transport: tr}
}

func (c *Client) endpoint(method string) string {
	return c.apiURL + "/bot" + c.token + "/" + method
}

// methodURL returns method's URL, parsed once; callers share it and must
// not change it.
func (c *Client) methodURL(method string) (*url.URL, error) {
	c.urlMu.RLock()
	u, ok := c.urls[method]
	c.urlMu.RUnlock()
	if ok {
		return u, nil
	}
	u, err := url.Parse(c.endpoint(method))
	if err != nil {
		return nil, err
	}
	c.urlMu.Lock()
	c.urls[method] = u
	c.urlMu.Unlock()
	return u, nil
}

func nop() {}

// roundTrip posts body, of content type ctype, to method. The caller
// reads and closes the response's body, then calls done.
func (c *Client) roundTrip(ctx context.Context, method string, body io.Reader, ctype string) (resp *http.Response, done func(), err error) {
	u, err := c.methodURL(method)
	if err != nil {
		return nil, nop, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	done = nop
	if t := c.hc.Timeout; c.rt != nil && t > 0 {
		// As http.Client bounds a call by its Timeout: the response's
		// body included.
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > t {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			done = cancel
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", body)
	if err != nil {
		done()
		return nil, nop, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	req.URL, req.Host = u, u.Host
	req.Header.Set("Content-Type", ctype)
	if c.rt == nil {
		resp, err = c.hc.Do(req)
	} else if resp, err = c.rt.RoundTrip(req); err != nil {
		err = &url.Error{Op: "Post", URL: c.endpoint(method), Err: err}
	}
	if err != nil {
		done()
		return nil, nop, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	return resp, done, nil
}

// Call posts params form-encoded to method and returns the result.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params) (json.RawMessage, error) {
	return postForm[json.RawMessage](ctx, c, method, paramsForm(params))
}

// postForm posts body, form-encoded parameters, to method and returns the
// result decoded into a T. A result that does not decode into a T is
// returned as a *resultError, after the call itself succeeded.
func postForm[T any](ctx context.Context, c *Client, method string, body []byte) (T, error) {
	resp, done, err := c.roundTrip(ctx, method, bytes.NewReader(body), "application/x-www-form-urlencoded")
	if err != nil {
		var zero T
		return zero, err
	}
	defer done()
	return decode[T](c, resp, method)
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
	resp, done, err := c.roundTrip(ctx, method, &body, w.FormDataContentType())
	if err != nil {
		return zero, err
	}
	defer done()
	return decode[T](c, resp, method)
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

func (*skipResult) quick([]byte) bool { return true }

// quickResult is a result type that can read itself off the front of a
// successful response, valid JSON that begins with okPrefix: Telegram
// writes "ok" first and the result's fields in a fixed order, so the few
// bytes wanted are found without decoding the rest. quick reports false
// when they are not where expected; the response is then decoded in full.
type quickResult interface {
	quick(result []byte) bool
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

// decode reads the response to a call of method, closes its body and
// decodes it.
func decode[T any](c *Client, resp *http.Response, method string) (T, error) {
	var api envelope[T]
	defer resp.Body.Close()
	buf := responses.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			responses.Put(buf)
		}
	}()
	if n := resp.ContentLength; n > 0 && n < maxResponse {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponse)); err != nil {
		return api.Result, c.redact(fmt.Errorf("telegram %s: read response: %w", method, err))
	}
	body := buf.Bytes()
	if q, ok := any(&api.Result).(quickResult); ok && len(body) > len(okPrefix) && string(body[:len(okPrefix)]) == okPrefix &&
		json.Valid(body) && q.quick(body[len(okPrefix):]) {
		c.lastOK.Store(c.clock.Now().UnixNano())
		return api.Result, nil
	}
	err := json.Unmarshal(body, &api)
	var te *json.UnmarshalTypeError
	inResult := errors.As(err, &te) && (te.Field == "result" || strings.HasPrefix(te.Field, "result."))
	if err != nil && !inResult {
		// A proxy's HTML error page, say: transient.
		return api.Result, fmt.Errorf("telegram %s: HTTP %d with a body that is not Bot API JSON", method, resp.StatusCode)
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
