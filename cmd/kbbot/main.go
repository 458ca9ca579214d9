// Command kbbot runs the kbbot Telegram bot.
//
//	kbbot serve   run the bot against Telegram (TELEGRAM_BOT_TOKEN, REDIS_URL)
//	kbbot chat    try the whole bot in this terminal, with nothing but Go
//	kbbot version print the version, commit and Go version
//	kbbot healthcheck  exit 0 when the kbbot on KBBOT_HTTP_ADDR answers /healthz
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kbbot/kbbot/app"
)

const usage = `kbbot: Telegram bot for KB (Keluarga Berencana) outreach

Usage:
  kbbot serve          run the bot against Telegram (needs TELEGRAM_BOT_TOKEN and REDIS_URL)
  kbbot chat [FILE]    talk to the bot in this terminal (embedded Redis unless REDIS_URL is
                       set; the demo events of Kota Pekalongan unless an events FILE is given)
  kbbot import [--allow-past] FILE
                       validate a facilities and events file (.yaml, .xlsx or .csv) and load it
                       (needs REDIS_URL); events whose day is over are refused unless
                       --allow-past (a historical import, for the record)
  kbbot template FILE  write the events template: an Excel workbook (FILE.xlsx) or a CSV file
                       (FILE.csv) with the Kota Pekalongan demo as example rows
  kbbot version        print the version, commit and Go version
  kbbot healthcheck    exit 0 when the kbbot listening on KBBOT_HTTP_ADDR answers GET /healthz
                       (for container health checks; the image has no curl)

Configuration is read from environment variables; see README.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// These need no configuration: they work whatever the environment.
	switch args[0] {
	case "version":
		printVersion(stdout, currentBuild())
		return 0
	case "healthcheck":
		addr := strings.TrimSpace(getenv("KBBOT_HTTP_ADDR"))
		if addr == "" {
			addr = app.DefaultConfig().HTTPAddr
		}
		if err := healthcheck(context.Background(), addr, stdout); err != nil {
			fmt.Fprintf(stderr, "kbbot: %v\n", err)
			return 1
		}
		return 0
	case "template":
		if len(args) != 2 {
			fmt.Fprintf(stderr, "kbbot template: give the file to write, e.g. kbbot template acara.xlsx\n")
			return 2
		}
		if err := writeTemplate(args[1], stdout); err != nil {
			fmt.Fprintf(stderr, "kbbot: %v\n", err)
			return 1
		}
		return 0
	}
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "kbbot: invalid configuration:\n%v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		err = serve(ctx, cfg, stderr)
	case "chat":
		file := ""
		if len(args) > 1 {
			file = args[1]
		}
		err = chat(ctx, cfg, file, stdin, stdout)
	case "import":
		rest, allowPast := args[1:], false
		if len(rest) > 0 && rest[0] == "--allow-past" {
			rest, allowPast = rest[1:], true
		}
		if len(rest) != 1 {
			fmt.Fprintf(stderr, "kbbot import: give the events file, e.g. kbbot import events.xlsx (or kbbot import --allow-past old.xlsx for past events)\n")
			return 2
		}
		err = importFile(ctx, cfg, rest[0], allowPast, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kbbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "kbbot: %v\n", err)
		return 1
	}
	return 0
}

// serve runs the bot against Telegram until SIGINT or SIGTERM.
func serve(ctx context.Context, cfg app.Config, stderr io.Writer) error {
	if err := cfg.ValidateServe(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	defer a.Close()
	// Ordered shutdown: the poller stops taking updates at once, finishes
	// the steps in progress and confirms them; then Redis is closed. A
	// watchdog ends the process if that takes longer than allowed.
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	case <-time.After(cfg.ShutdownTimeout):
		return fmt.Errorf("shutdown took longer than KBBOT_SHUTDOWN_TIMEOUT=%s", cfg.ShutdownTimeout)
	}
}
