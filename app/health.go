package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The operator's endpoints on KBBOT_HTTP_ADDR, in polling and webhook
// mode alike (the webhook's path is added to the same server):
//
//	/healthz  200 while the process runs
//	/readyz   200 when Redis answers a PING, Telegram answered within
//	          telegramFresh, and intake runs (the poll loop, leader or
//	          standby, or the webhook); else 503 with {"ready":false,"reason":…}
//	/metrics  Prometheus metrics (package metrics)

// opsMux returns a mux with the operator's endpoints.
func (a *App) opsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.serveReady)
	mux.Handle("GET /metrics", a.metrics.Handler())
	return mux
}

// serveReady answers /readyz.
func (a *App) serveReady(w http.ResponseWriter, r *http.Request) {
	reason := a.notReady(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	body := struct {
		Ready  bool   `json:"ready"`
		Reason string `json:"reason,omitempty"`
	}{Ready: reason == "", Reason: reason}
	if reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}

// notReady says why the process cannot serve residents now, or "" when
// it can.
func (a *App) notReady(ctx context.Context) string {
	if !a.intakeUp.Load() || !a.sourceUp.Load() {
		return "intake: not running"
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.rdb.Ping(pctx).Err(); err != nil {
		return "redis: " + err.Error()
	}
	last := a.Client.LastOK()
	if last.IsZero() {
		return "telegram: never answered"
	}
	if ago := a.clock.Now().Sub(last); ago > telegramFresh {
		return fmt.Sprintf("telegram: no answer for %ds", int(ago.Seconds()))
	}
	return ""
}

// ListenAddr returns the address the HTTP server listens on (useful with
// KBBOT_HTTP_ADDR=127.0.0.1:0), once Run has started it; "" before.
func (a *App) ListenAddr() string {
	if p := a.listenAddr.Load(); p != nil {
		return *p
	}
	return ""
}

// Listening is closed once the HTTP server listens (ListenAddr is set).
func (a *App) Listening() <-chan struct{} { return a.listening }

// serveHTTP starts the HTTP server on KBBOT_HTTP_ADDR with mux, and
// returns a function that stops it within ctx and the channel its Serve
// error arrives on.
func (a *App) serveHTTP(mux *http.ServeMux) (stop func(context.Context), served <-chan error, err error) {
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("KBBOT_HTTP_ADDR %s: %w", a.cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	ch := make(chan error, 1)
	go func() { ch <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	a.listenAddr.Store(&addr)
	close(a.listening)
	a.log.Info("HTTP server listens: /healthz, /readyz, /metrics", "listen", addr)
	return func(ctx context.Context) {
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("HTTP server did not stop in time", "error", err)
		}
	}, ch, nil
}
