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
}

// NewClient returns a client. hc should have a Timeout longer than the
// long-poll timeout; NewHTTPClient makes one.
func NewClient(apiURL, token string, hc *http.Client) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	return &Client{apiURL: strings.TrimRight(apiURL, "/"), token: token, hc: hc, clock: kbbot.SystemClock{}}
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

// Call posts params form-encoded to method and returns the result.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params) (json.RawMessage, error) {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(method), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req, method)
}

// Upload posts params and one file as multipart/form-data.
func (c *Client) Upload(ctx context.Context, method string, params tgbotapi.Params, field, name string, data []byte) (json.RawMessage, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range params {
		if err := w.WriteField(k, v); err != nil {
			return nil, fmt.Errorf("telegram %s: %w", method, err)
		}
	}
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, err)
	}
	if _, err := fw.Write(data); err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(method), &body)
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req, method)
}

func (c *Client) do(req *http.Request, method string) (json.RawMessage, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram %s: %w", method, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, c.redact(fmt.Errorf("telegram %s: read response: %w", method, err))
	}
	var api tgbotapi.APIResponse
	if err := json.Unmarshal(raw, &api); err != nil {
		// A proxy's HTML error page, say: transient.
		return nil, fmt.Errorf("telegram %s: HTTP %d with a body that is not Bot API JSON", method, resp.StatusCode)
	}
	if !api.Ok {
		te := &tgbotapi.Error{Code: api.ErrorCode, Message: api.Description}
		if api.Parameters != nil {
			te.ResponseParameters = *api.Parameters
		}
		return nil, classify(method, te)
	}
	c.lastOK.Store(c.clock.Now().UnixNano())
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
