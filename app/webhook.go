package app

import (
	"context"
	"fmt"
	"net/url"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
)

// runWebhook is Run in webhook mode: it listens on HTTPAddr, points
// Telegram at WebhookURL with the secret token, and takes the updates
// Telegram pushes until ctx ends. An update is answered 200 only once the
// dispatcher has committed it (its replies are in the chat's outbox), so a
// crash loses none: Telegram sends an unanswered update again. Every
// replica runs this; the webhook is not deleted on the way out, as other
// replicas go on.
//
// Stop order: the HTTP server stops taking updates, the intake finishes
// the steps under way, then the scheduler's jobs stop.
func (a *App) runWebhook(ctx context.Context) error {
	u, err := url.Parse(a.cfg.WebhookURL)
	if err != nil {
		return fmt.Errorf("KBBOT_WEBHOOK_URL: %w", err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := a.opsMux()
	// An update is accepted once it is in its chat's inbox in Redis; the
	// intake's workers, on every replica, handle it from there.
	accept := kbbot.HandlerFunc(func(ctx context.Context, ev kbbot.Event) error {
		return a.Intake.Accept(ctx, []kbbot.Event{ev})
	})
	mux.Handle(path, bot.NewWebhook(a.cfg.WebhookSecret, accept, a.botUsername, a.log.With("comp", "webhook")))
	stopHTTP, served, err := a.serveHTTP(mux)
	if err != nil {
		return err
	}

	a.setProfile(ctx)
	if err := a.Dispatcher.FlushPending(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("flush pending replies", "error", err)
	}
	if err := a.Scheduler.Start(ctx); err != nil {
		stopHTTP(ctx)
		return fmt.Errorf("start scheduler: %w", err)
	}
	if err := bot.SetWebhook(ctx, a.Client, a.cfg.WebhookURL, a.cfg.WebhookSecret); err != nil && ctx.Err() == nil {
		// Telegram keeps the webhook of an earlier start; log and go on.
		a.log.Error("setWebhook failed; updates may not arrive", "error", err)
	}
	intakeDone := make(chan error, 1)
	go func() { intakeDone <- a.runIntake(ctx) }()
	a.sourceUp.Store(true)
	defer a.sourceUp.Store(false)
	a.log.Info("kbbot takes updates by webhook", "listen", a.ListenAddr())

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-served:
		runErr = fmt.Errorf("webhook server: %w", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	stopHTTP(stopCtx)
	a.log.Info("kbbot stopped taking updates")
	select {
	case <-intakeDone:
	case <-stopCtx.Done():
		a.log.Warn("intake did not stop in time")
	}
	if serr := a.Scheduler.Stop(stopCtx); serr != nil {
		a.log.Warn("scheduler did not stop in time", "error", serr)
	}
	return runErr
}
