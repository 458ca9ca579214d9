package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/redisstore"
)

// importFile validates an admin's facilities and events file and writes it
// to Redis. The same file twice changes nothing; a quota or capacity below
// what is already booked is refused, naming it.
func importFile(ctx context.Context, cfg app.Config, path string, stdout io.Writer) error {
	if cfg.RedisURL == "" {
		return errors.New("REDIS_URL is not set: kbbot import writes to the bot's Redis")
	}
	cat, err := booking.ParseFile(path)
	if err != nil {
		return fmt.Errorf("%s is not valid:\n%w", path, err)
	}
	rdb, err := redisconn.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	store := redisstore.NewBookingStore(rdb, redisstore.NewKeys(cfg.RedisPrefix), kbbot.SystemClock{}, redisstore.BookingOptions{OfferTTL: cfg.OfferTTL})
	rep, err := store.Import(ctx, cat)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	printReport(stdout, path, rep)
	return nil
}

func printReport(w io.Writer, path string, rep booking.ImportReport) {
	fmt.Fprintf(w, "imported %s: %d facilities; events created: %s; updated: %s; unchanged: %s\n",
		path, rep.Facilities, list(rep.Created), list(rep.Updated), list(rep.Unchanged))
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
