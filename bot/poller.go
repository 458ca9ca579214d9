package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
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
	// Workers bounds how many chats are handled at once (default 32).
	Workers int
	// HandleTimeout bounds one event's handling, also during shutdown (default 30 s).
	HandleTimeout time.Duration
	// MaxBackoff caps the wait after repeated errors (default 30 s).
	MaxBackoff time.Duration
}

// Poller is kbbot's long-polling loop. Unlike the library's
// GetUpdatesChan it confirms an update to Telegram only after it has been
// handled, stops at once when its context ends, honours retry_after and
// backs off on errors.
type Poller struct {
	c           *Client
	h           kbbot.Handler
	log         *slog.Logger
	cfg         PollerConfig
	botUsername string
	offset      int
}

// NewPoller returns a poller feeding events from c to h. botUsername is
// the bot's @username without "@", used to notice mentions in groups.
func NewPoller(c *Client, h kbbot.Handler, botUsername string, log *slog.Logger, cfg PollerConfig) *Poller {
	if cfg.Timeout == 0 {
		cfg.Timeout = 25 * time.Second
	}
	if cfg.Limit == 0 {
		cfg.Limit = 100
	}
	if cfg.Workers == 0 {
		cfg.Workers = 32
	}
	if cfg.HandleTimeout == 0 {
		cfg.HandleTimeout = 30 * time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	return &Poller{c: c, h: h, log: log, cfg: cfg, botUsername: botUsername}
}

// Run polls until ctx ends, then returns nil; it returns an error at once
// for a token Telegram refuses. Updates being handled when ctx ends are
// finished (bounded by HandleTimeout) and confirmed before Run returns.
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
		if next, err := p.handle(ctx, updates); err != nil {
			p.offset = next
			backoff = time.Second
			p.log.Warn("updates not handled; fetching them again", "error", err, "retry_in", backoff)
		} else {
			p.offset = next
		}
	}
}

// fetch asks for the updates after the confirmed offset.
func (p *Poller) fetch(ctx context.Context) ([]tgbotapi.Update, error) {
	params := tgbotapi.Params{
		"offset":  strconv.Itoa(p.offset),
		"limit":   strconv.Itoa(p.cfg.Limit),
		"timeout": strconv.Itoa(int(p.cfg.Timeout / time.Second)),
	}
	if err := params.AddInterface("allowed_updates", AllowedUpdates); err != nil {
		return nil, err
	}
	raw, err := p.c.Call(ctx, "getUpdates", params)
	if err != nil {
		return nil, err
	}
	var updates []tgbotapi.Update
	if err := json.Unmarshal(raw, &updates); err != nil {
		return nil, fmt.Errorf("decode updates: %w", err)
	}
	return updates, nil
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

// handle runs a batch: the updates of one chat in order, different chats in
// parallel. It returns the offset to confirm: past the whole batch, or up to
// the first update that failed (those after it that were handled are
// skipped when they come again, as their ids are remembered).
func (p *Poller) handle(ctx context.Context, updates []tgbotapi.Update) (int, error) {
	next := p.offset
	byChat := map[kbbot.ChatID][]kbbot.Event{}
	var order []kbbot.ChatID
	for _, u := range updates {
		next = max(next, u.UpdateID+1)
		ev, ok := ToEvent(u, p.botUsername)
		if !ok {
			continue
		}
		if _, seen := byChat[ev.ChatID]; !seen {
			order = append(order, ev.ChatID)
		}
		byChat[ev.ChatID] = append(byChat[ev.ChatID], ev)
	}
	// Handling outlives a shutdown signal, bounded, so a step is not cut in half.
	hctx := context.WithoutCancel(ctx)
	var (
		mu       sync.Mutex
		firstBad = -1
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, p.cfg.Workers)
	)
	for _, chat := range order {
		evs := byChat[chat]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, ev := range evs {
				if err := p.one(hctx, ev); err != nil {
					mu.Lock()
					if firstBad < 0 || int(ev.UpdateID) < firstBad {
						firstBad, firstErr = int(ev.UpdateID), err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstBad >= 0 {
		return firstBad, firstErr
	}
	return next, nil
}

// one handles a single event, recovering from a panic in the handler so
// that one bad update cannot stop the bot.
func (p *Poller) one(ctx context.Context, ev kbbot.Event) (err error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.HandleTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("panic handling update; skipped", "update_id", ev.UpdateID, "panic", fmt.Sprint(r))
			err = nil
		}
	}()
	start := time.Now()
	err = p.h.Handle(ctx, ev)
	p.log.Debug("handled update", "update_id", ev.UpdateID, "kind", ev.Kind, "took", time.Since(start), "error", err)
	return err
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
