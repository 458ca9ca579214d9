package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds `kbbot healthcheck`, below Docker's default
// HEALTHCHECK timeout of 30s and the Dockerfile's 5s.
const healthcheckTimeout = 3 * time.Second

// healthURL returns the /healthz URL of a kbbot listening on addr
// (KBBOT_HTTP_ADDR): a wildcard or empty host is reached on loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("KBBOT_HTTP_ADDR=%q: want host:port or :port", addr)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// healthcheck GETs /healthz of the kbbot on addr, for container runtimes
// without curl (the image has nothing but the binary). It returns nil on a
// 2xx answer.
func healthcheck(ctx context.Context, addr string, stdout io.Writer) error {
	u, err := healthURL(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("healthcheck %s: %s %s", u, resp.Status, body)
	}
	fmt.Fprintf(stdout, "ok %s\n", u)
	return nil
}
