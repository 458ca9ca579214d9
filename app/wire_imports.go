package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/booking/sheet"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/redisstore"
)

// MaxImportFile is the largest events file an admin may send to the bot:
// a workbook of a whole province's KB serentak is a few hundred KB.
const MaxImportFile = 2 << 20

// importFetchTimeout bounds the download of an events file.
const importFetchTimeout = 30 * time.Second

// wireImports sets up the import of events files admins send
// (conversations' import flow) in a.services, before the engine is built:
// the file comes through the Bot API (bot.Client.Download), is read by
// package booking/sheet and planned and imported by the booking store; the
// catalog read for a preview waits in Redis for the admin's confirmation
// (redisstore.EventImports, 30 minutes). /hapusdata forgets a waiting file.
func (a *App) wireImports(keys redisstore.Keys) error {
	pending := redisstore.NewEventImports(a.rdb, keys, 0)
	a.services.Imports = &eventImporter{download: a.Client.Download, store: a.Bookings, pending: pending,
		imported: a.catalog.reset, log: a.log.With("comp", "imports"), clock: a.clock, changed: a.NotifyEventChanges}
	a.erasers = append(a.erasers, pending)
	return nil
}

// jobsImports adds the periodic jobs of the import flow: none (a waiting
// file expires by its Redis TTL).
func (a *App) jobsImports() error { return nil }

// eventImporter implements conversations.EventImporter.
type eventImporter struct {
	download func(ctx context.Context, fileID string, max int64) ([]byte, error)
	store    *redisstore.BookingStore
	pending  *redisstore.EventImports
	// imported is called after an import (the catalog cache is reset).
	imported func()
	log      *slog.Logger
	// clock tells the day, to refuse events whose day is over.
	clock kbbot.Clock
	// changed tells the residents of the changes an import made (a failure
	// is left to the periodic job).
	changed func(context.Context) error
}

var _ conversations.EventImporter = (*eventImporter)(nil)

// Template is the XLSX template of kbbot template.
func (x *eventImporter) Template(context.Context) ([]byte, error) { return sheet.Template() }

// Prepare fetches the document, reads it (by its name: XLSX, CSV or YAML),
// plans its import and keeps the catalog for the confirmation, unless the
// plan refuses something.
func (x *eventImporter) Prepare(ctx context.Context, chat kbbot.ChatID, token string, doc conversations.ImportDocument) (conversations.ImportPreview, error) {
	pv := conversations.ImportPreview{File: doc.Name, TTL: x.pending.TTL()}
	if doc.Size > MaxImportFile {
		return pv, &conversations.ImportTooBigError{Size: doc.Size, Max: MaxImportFile}
	}
	if _, ok := sheet.FormatOf(doc.Name, nil); !ok && !hasNoExt(doc.Name) {
		return pv, conversations.ErrImportFormat
	}
	// The step holds the chat while the file comes: bound the wait.
	dctx, cancel := context.WithTimeout(ctx, importFetchTimeout)
	data, err := x.download(dctx, doc.FileID, MaxImportFile)
	cancel()
	switch {
	case errors.Is(err, bot.ErrFileTooBig):
		return pv, &conversations.ImportTooBigError{Size: max(doc.Size, 0), Max: MaxImportFile}
	case err != nil:
		return pv, fmt.Errorf("%w: %w", conversations.ErrImportFetch, err)
	}
	if _, ok := sheet.FormatOf(doc.Name, data); !ok {
		return pv, conversations.ErrImportFormat
	}
	// The planner's checks: no past event (a historical import is the
	// CLI's, with --allow-past), no quota beyond the sessions' capacity.
	cat, err := sheet.Read(data, doc.Name, booking.Check{Now: x.clock.Now()})
	if err != nil {
		return pv, x.invalid(err)
	}
	if len(cat.Facilities()) == 0 && len(cat.Events()) == 0 {
		return pv, &conversations.ImportInvalidError{Problems: []string{"File ini tidak berisi fasilitas atau acara."}}
	}
	pv.Catalog = cat
	pv.Plan, err = x.store.PlanImport(ctx, cat)
	var below *booking.BelowBookedError
	switch {
	case errors.As(err, &below):
		pv.Refused = below.Limits
		return pv, nil
	case err != nil:
		return pv, err
	}
	if err := x.pending.Put(ctx, chat, redisstore.NewPendingImport(token, doc.Name, cat)); err != nil {
		return pv, err
	}
	return pv, nil
}

// hasNoExt reports whether a file name has no extension (the content
// decides then).
func hasNoExt(name string) bool {
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		if name[i] == '.' {
			return false
		}
	}
	return true
}

// invalid turns a file's problems into the dialog's error; a file that
// could not be opened at all is logged with its cause (no personal data:
// an events file names facilities).
func (x *eventImporter) invalid(err error) error {
	var se *sheet.Error
	var pe *booking.ParseError
	out := &conversations.ImportInvalidError{}
	switch {
	case errors.As(err, &se):
		if se.Cause != nil {
			x.log.Warn("an events file could not be opened", "file", se.File, "error", se.Cause)
		}
		for _, p := range se.Problems {
			out.Problems = append(out.Problems, p.String())
		}
		out.More = se.More
	case errors.As(err, &pe):
		for i, p := range pe.Problems {
			if i == sheet.MaxProblems {
				out.More = len(pe.Problems) - i
				break
			}
			out.Problems = append(out.Problems, p.String())
		}
	default:
		x.log.Warn("an events file could not be read", "error", err)
		out.Problems = []string{"File ini tidak dapat dibaca."}
	}
	return out
}

// Apply imports the catalog kept for chat under token, once: the result is
// kept with it, so a repeated confirmation returns it without importing.
func (x *eventImporter) Apply(ctx context.Context, chat kbbot.ChatID, token string) (conversations.ImportResult, error) {
	p, ok, err := x.pending.Get(ctx, chat)
	switch {
	case err != nil:
		return conversations.ImportResult{}, err
	case !ok || p.Token != token:
		return conversations.ImportResult{}, conversations.ErrImportGone
	case p.Applied != nil:
		return conversations.ImportResult{File: p.File, Report: *p.Applied, Refused: p.Refused, Again: true}, nil
	}
	cat, err := p.Catalog()
	if err != nil {
		return conversations.ImportResult{}, fmt.Errorf("app: kept import: %w", err)
	}
	rep, err := x.store.Import(ctx, cat)
	x.imported()
	var below *booking.BelowBookedError
	switch {
	case errors.As(err, &below):
		p.Refused = below.Limits
	case err != nil:
		return conversations.ImportResult{}, err
	}
	p.Applied = &rep
	if err := x.pending.Update(ctx, chat, p); err != nil {
		return conversations.ImportResult{}, err
	}
	if len(rep.Changes) > 0 && x.changed != nil {
		if err := x.changed(ctx); err != nil {
			x.log.Warn("tell residents of event changes; the periodic job retries", "error", err)
		}
	}
	x.log.Info("events imported", "chat", int64(chat), "file", p.File, "created", len(rep.Created), "updated", len(rep.Updated),
		"unchanged", len(rep.Unchanged), "refused", len(p.Refused))
	return conversations.ImportResult{File: p.File, Report: rep, Refused: p.Refused}, nil
}

// Discard forgets the catalog kept for chat under token.
func (x *eventImporter) Discard(ctx context.Context, chat kbbot.ChatID, token string) error {
	p, ok, err := x.pending.Get(ctx, chat)
	if err != nil || !ok || p.Token != token {
		return err
	}
	return x.pending.Drop(ctx, chat)
}
