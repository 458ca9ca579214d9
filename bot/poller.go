package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kbbot/kbbot"
)

// AllowedUpdates are the update kinds kbbot asks for, set on every start
// because Telegram otherwise keeps the last setting.
var AllowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// PollerConfig tunes a Poller. Zero values take the defaults.
type PollerConfig struct {
	// Timeout is the long-poll timeout (default 25 s).
	Timeout time.Duration
	// Limit is the most updates per getUpdates (default 100).
	Limit int
	// MaxBackoff caps the wait after repeated errors (default 30 s).
	MaxBackoff time.Duration
}

// Poller is kbbot's long-polling loop. It hands each batch of updates to
// an Acceptor (the durable intake) and asks for the next batch as soon as
// the batch is accepted, never waiting for updates to be handled: the next
// getUpdates confirms to Telegram only updates that were durably accepted,
// so a crash loses none. It stops at once when its context ends, honours
// retry_after and backs off on errors.
type Poller struct {
	c           *Client
	a           kbbot.Acceptor
	log         *slog.Logger
	cfg         PollerConfig
	botUsername string
	offset      int
}

// NewPoller returns a poller feeding events from c to a. botUsername is
// the bot's @username without "@", used to notice mentions in groups.
func NewPoller(c *Client, a kbbot.Acceptor, botUsername string, log *slog.Logger, cfg PollerConfig) *Poller {
	if cfg.Timeout == 0 {
		cfg.Timeout = 25 * time.Second
	}
	if cfg.Limit == 0 {
		cfg.Limit = 100
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	return &Poller{c: c, a: a, log: log, cfg: cfg, botUsername: botUsername}
}

// Run polls until ctx ends, then returns nil; it returns an error at once
// for a token Telegram refuses. On the way out it confirms the updates
// accepted so far.
func (p *Poller) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			if !sleep(ctx, backoff) {
				return p.confirm()
			}
		}
		updates, err := p.fetch(ctx)
		if ctx.Err() != nil {
			return p.confirm()
		}
		if err != nil {
			var ra *kbbot.RetryAfterError
			switch {
			case errors.Is(err, ErrUnauthorized):
				return err
			case errors.As(err, &ra):
				backoff = ra.After
			default:
				backoff = min(max(2*backoff, time.Second), p.cfg.MaxBackoff)
			}
			p.log.Warn("getUpdates failed", "error", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		next, evs := p.events(updates)
		if err := p.a.Accept(ctx, evs); err != nil {
			if ctx.Err() != nil {
				return p.confirm()
			}
			backoff = time.Second
			p.log.Warn("updates not accepted; fetching them again", "error", err, "retry_in", backoff)
			continue
		}
		p.offset = next
	}
}

// events turns a batch into events, in order, and returns the offset that
// confirms the whole batch (updates kbbot ignores included).
func (p *Poller) events(updates []wireUpdate) (int, []kbbot.Event) {
	next := p.offset
	evs := make([]kbbot.Event, 0, len(updates))
	for i := range updates {
		u := &updates[i]
		next = max(next, u.UpdateID+1)
		if ev, ok := u.event(p.botUsername); ok {
			evs = append(evs, ev)
		}
	}
	return next, evs
}

// fetch asks for the updates after the confirmed offset.
func (p *Poller) fetch(ctx context.Context) ([]wireUpdate, error) {
	allowed, err := json.Marshal(AllowedUpdates)
	if err != nil {
		return nil, err
	}
	f := form{b: make([]byte, 0, 64+3*len(allowed))}
	f.addJSON("allowed_updates", allowed)
	f.addInt("limit", int64(p.cfg.Limit))
	f.addInt("offset", int64(p.offset))
	f.addInt("timeout", int64(p.cfg.Timeout/time.Second))
	updates, err := postForm[wireUpdates](ctx, p.c, "getUpdates", f.b)
	var re *resultError
	if errors.As(err, &re) {
		return nil, fmt.Errorf("decode updates: %w", re.err)
	}
	if err != nil {
		return nil, err
	}
	return []wireUpdate(updates), nil
}

// confirm tells Telegram, on the way out, which updates were handled.
func (p *Poller) confirm() error {
	if p.offset == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := p.c.Call(ctx, "getUpdates", tgbotapi.Params{"offset": strconv.Itoa(p.offset), "limit": "1", "timeout": "0"})
	if err != nil {
		p.log.Warn("confirm handled updates on shutdown", "error", err)
	}
	return nil
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
