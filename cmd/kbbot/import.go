package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/redisstore"
)

// importFile validates an admin's facilities and events file (YAML, XLSX
// or CSV, by its extension) and writes it to Redis. The same file twice
// changes nothing; a quota or capacity below what is already booked is
// refused, naming it. Sessions moved and sites cancelled are kept in the
// events' change logs: the running bot (kbbot serve) tells their residents.
//
// The planner's checks apply (booking.Check): an event whose day is over
// is refused unless allowPast (a historical import, for the record).
func importFile(ctx context.Context, cfg app.Config, path string, allowPast bool, stdout io.Writer) error {
	if cfg.RedisURL == "" {
		return errors.New("REDIS_URL is not set: kbbot import writes to the bot's Redis")
	}
	cat, err := readEvents(path, booking.Check{Now: time.Now(), AllowPast: allowPast})
	if err != nil {
		return err
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

// readEvents reads and validates an events file: a spreadsheet (.xlsx,
// .csv) through package booking/sheet, anything else as YAML; checks asks
// for the planner's checks of an import.
func readEvents(path string, checks ...booking.Check) (*booking.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read events file: %w", err)
	}
	name := filepath.Base(path)
	if _, ok := sheet.FormatOf(name, data); !ok {
		name += ".yaml" // the format of old: any name is YAML
	}
	cat, err := sheet.Read(data, name, checks...)
	if err != nil {
		return nil, fmt.Errorf("%s is not valid:\n%w", path, err)
	}
	return cat, nil
}

// writeTemplate writes the events template to path: an XLSX workbook, or
// the CSV shape for a name ending in .csv. It never overwrites a file.
func writeTemplate(path string, stdout io.Writer) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		data, err = sheet.Template()
	case ".csv":
		data, err = sheet.TemplateCSV()
	default:
		return fmt.Errorf("%s: the template is an Excel workbook (.xlsx) or a CSV file (.csv); name the file so", path)
	}
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists already: remove it or choose another name", path)
		}
		return fmt.Errorf("write template: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write template: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: sheets fasilitas, acara, lokasi and sesi with the Kota Pekalongan demo as example rows; fill them in and run kbbot import %s, or send the file to the bot as an admin\n", path, path)
	return nil
}

func printReport(w io.Writer, path string, rep booking.ImportReport) {
	fmt.Fprintf(w, "imported %s: %d facilities; events created: %s; updated: %s; unchanged: %s\n",
		path, rep.Facilities, list(rep.Created), list(rep.Updated), list(rep.Unchanged))
	if len(rep.Changes) == 0 {
		return
	}
	moved, cancelled := 0, 0
	for _, c := range rep.Changes {
		moved += len(c.Moved)
		cancelled += len(c.Cancelled)
	}
	fmt.Fprintf(w, "changes: %d sessions moved, %d sites cancelled; the running bot tells the %d residents booked there within a minute\n",
		moved, cancelled, rep.Told)
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
