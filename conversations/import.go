package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
)

// Facilities and events from a file an admin sends (flow "imp",
// cadre.ActImport: admins only):
//
//	/impor, /import, the staff menu's door (imp:open)   how it works, and the XLSX template as a file
//	a document sent by an admin, in any step             read, check and preview: ✅ Impor / ✖️ Batal
//	imp:ok:<nonce>, imp:no:<nonce>                       import as previewed, or forget the file
//
// The file is read, checked and planned against the store by the
// EventImporter (app wires it: the Bot API download, package booking/sheet,
// the booking store's PlanImport), which keeps the catalog read for the
// preview under the flow's nonce for a short while (redisstore
// EventImports, 30 minutes), so that the confirmation imports exactly what
// the preview showed, without fetching the file again. The nonce is the
// token: a button of an older preview, a forged one, or one tapped twice
// is expired like any stale button, and Apply imports once. The rules of
// an import are the booking store's (the same file twice changes nothing,
// a quota or capacity below the places taken is refused, a removed row
// with bookings too: the refusal says how a move or a cancellation is
// written). Sessions moved and sites cancelled are counted in the preview,
// with the residents booked there, and told after the import
// (eventchange.go). A document from
// anyone else gets the answer every document gets (media_unsupported).
type importFlow struct{}

// flowImport is the import flow's name and callback action.
const flowImport = "imp"

// The import flow's steps and buttons.
const (
	impPreview = "preview" // a preview shown, waiting for ✅ or ✖️
	impOpen    = "open"    // imp:open, the staff menu's door
	impOK      = "ok"      // imp:ok:<nonce>
	impNo      = "no"      // imp:no:<nonce>
)

// EventImporter reads, checks and imports events files sent to the bot.
type EventImporter interface {
	// Template returns the XLSX template (kbbot template) to send.
	Template(ctx context.Context) ([]byte, error)
	// Prepare fetches doc, reads it as an events file and plans its
	// import against the store, writing nothing but the catalog it keeps
	// for chat under token (replacing any other) when the plan refuses
	// nothing. Its errors: *ImportTooBigError, ErrImportFormat,
	// *ImportInvalidError, ErrImportFetch, or a store's.
	Prepare(ctx context.Context, chat kbbot.ChatID, token string, doc ImportDocument) (ImportPreview, error)
	// Apply imports the catalog kept for chat under token. Applied again,
	// it imports nothing and returns the first result with Again set.
	// ErrImportGone when nothing is kept under token (expired, cancelled
	// or replaced by another file).
	Apply(ctx context.Context, chat kbbot.ChatID, token string) (ImportResult, error)
	// Discard forgets the catalog kept for chat under token.
	Discard(ctx context.Context, chat kbbot.ChatID, token string) error
}

// ImportDocument is a document as Telegram announced it.
type ImportDocument struct {
	FileID, Name string
	Size         int64 // 0: not announced
}

// ImportPreview is what an import of a file would do.
type ImportPreview struct {
	File    string
	Catalog *booking.Catalog
	// Plan says which facilities and events are new, changed or as they
	// are.
	Plan booking.ImportReport
	// Refused are the limits below the places already taken: the file
	// cannot be imported as it is (nothing was kept).
	Refused []booking.BelowLimit
	// TTL is how long the preview's buttons work.
	TTL time.Duration
}

// ImportResult is what an import did.
type ImportResult struct {
	File   string
	Report booking.ImportReport
	// Refused are limits refused at the import (places taken since the
	// preview): their events were left as they were.
	Refused []booking.BelowLimit
	// Again says this import was applied before (a repeated confirmation).
	Again bool
}

var (
	// ErrImportGone means no file is kept under the token.
	ErrImportGone = errors.New("import: no file kept under this token")
	// ErrImportFormat means the file is not of a kind the importer reads.
	ErrImportFormat = errors.New("import: not an events file format")
	// ErrImportFetch means the file could not be fetched from Telegram.
	ErrImportFetch = errors.New("import: the file could not be fetched")
)

// ImportTooBigError is a file over the importer's limit.
type ImportTooBigError struct {
	Size, Max int64 // Size 0: not known, only that it is over Max
}

func (e *ImportTooBigError) Error() string {
	return fmt.Sprintf("import: file of %d bytes over the limit of %d", e.Size, e.Max)
}

// ImportInvalidError is a file that is not a valid events file: its
// problems, each naming where it is (in Indonesian for a spreadsheet), and
// how many more were found.
type ImportInvalidError struct {
	Problems []string
	More     int
}

func (e *ImportInvalidError) Error() string {
	return fmt.Sprintf("import: %d problems", len(e.Problems)+e.More)
}

func (importFlow) Name() string            { return flowImport }
func (importFlow) Commands() []string      { return []string{"impor", "import"} }
func (importFlow) Text(*step, string) bool { return false }

func (f importFlow) Routes() []Route {
	return []Route{
		{Op: impOpen, Right: cadre.ActImport, Do: staffDo(func(st *step, m cadre.Member, _ []string) { f.open(st, m) })},
		{Op: impOK, Steps: []string{impPreview}, Right: cadre.ActImport, Do: staffDo(f.confirm)},
		{Op: impNo, Steps: []string{impPreview}, Right: cadre.ActImport, Do: f.cancel},
	}
}

// Start is /impor: how to import, for an admin; anyone else gets the
// answer to an unknown command or is told their role cannot.
func (f importFlow) Start(st *step, _ string) {
	if m, ok := staffOpen(st, cadre.ActImport); ok {
		f.open(st, m)
	}
}

// open explains the import and sends the template.
func (importFlow) open(st *step, _ cadre.Member) {
	st.s.resetFlow()
	imp := st.e.svc.Imports
	if imp == nil {
		st.show(st.t("staff_unavailable"), st.staffButtons())
		return
	}
	st.show(st.t("import_howto"), st.staffButtons())
	tmpl, err := imp.Template(st.ctx)
	if err != nil {
		st.log().Error("make the events template", "error", err)
		return
	}
	st.sendFile(kbbot.ReplyDocument, "templat-acara-kbbot.xlsx", tmpl, st.t("import_template_caption"), nil)
}

// importDocument takes a document an admin sent, in any step; it reports
// false for anyone else's, which gets the answer to every document.
func importDocument(st *step) bool {
	if st.ev.Media != "document" {
		return false
	}
	m, ok, err := st.staffLookup()
	if err != nil {
		st.storeFailed("staff lookup", err)
		return true
	}
	if !ok || !cadre.Can(m, cadre.ActImport, m.Area) {
		return false
	}
	importFlow{}.receive(st)
	return true
}

// receive reads the document and shows its preview, or what is wrong.
func (f importFlow) receive(st *step) {
	imp := st.e.svc.Imports
	if imp == nil {
		st.s.resetFlow()
		st.send(st.t("staff_unavailable"), st.staffButtons())
		return
	}
	st.enter(f, impPreview)
	name := st.ev.FileName
	if name == "" {
		name = "dokumen"
	}
	pv, err := imp.Prepare(st.ctx, st.ev.ChatID, st.s.Nonce, ImportDocument{FileID: st.ev.FileID, Name: name, Size: st.ev.FileSize})
	var big *ImportTooBigError
	var bad *ImportInvalidError
	if err != nil || len(pv.Refused) > 0 {
		st.s.resetFlow()
	}
	switch {
	case errors.As(err, &big):
		size := st.t("import_size_unknown")
		if big.Size > 0 {
			size = megabytes(big.Size)
		}
		st.send(st.t("import_too_big", name, size, megabytes(big.Max)), st.staffButtons())
	case errors.Is(err, ErrImportFormat):
		st.send(st.t("import_format", name), st.staffButtons())
	case errors.Is(err, ErrImportFetch):
		st.log().Warn("fetch a document", "error", err)
		st.send(st.t("import_fetch_failed", name), st.staffButtons())
	case errors.As(err, &bad):
		st.send(st.t("import_invalid", name, len(bad.Problems)+bad.More, markup(problemList(bad.Problems, bad.More, st))), st.staffButtons())
	case err != nil:
		st.storeFailed("prepare import", err)
	case len(pv.Refused) > 0:
		text := st.t("import_refused", name, markup(f.refusals(st, pv.Catalog, pv.Refused)))
		for _, l := range pv.Refused {
			if l.Limit < 0 {
				// A row removed: perhaps a move or a cancellation meant.
				text += "\n\n" + st.t("import_refused_hint")
				break
			}
		}
		st.send(text, st.staffButtons())
	default:
		st.send(f.preview(st, name, pv), [][]kbbot.Button{
			{st.flowButton(st.t("btn_import_ok"), impOK), st.flowButton(st.t("btn_import_no"), impNo)},
		})
	}
}

// maxShown bounds the problems and events a message lists (Telegram's
// 4096 characters).
const (
	maxProblemsShown = 15
	maxEventsShown   = 10
	maxTextLen       = 3500
)

// problemList is the problems, one per line, escaped, as many as fit.
func problemList(probs []string, more int, st *step) string {
	var b strings.Builder
	for i, p := range probs {
		line := "\n• " + escape(p)
		if i == maxProblemsShown || b.Len()+len(line) > maxTextLen {
			more += len(probs) - i
			break
		}
		b.WriteString(line)
	}
	if more > 0 {
		b.WriteString("\n" + st.t("import_more_problems", more))
	}
	return b.String()
}

func megabytes(n int64) string {
	s := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
	return strings.TrimSuffix(strings.Replace(s, ".", ",", 1), ",0") + " MB"
}

// preview is the preview of an import: what the file holds, what would
// change, then its events, and the question.
func (importFlow) preview(st *step, name string, pv ImportPreview) string {
	c := pv.Catalog
	sites, sessions := 0, 0
	quota := map[booking.Method]int{}
	for _, e := range c.Events() {
		sites += len(e.Sites)
		for _, s := range e.Sites {
			sessions += len(s.Sessions)
			for m, n := range s.Quota {
				quota[m] += n
			}
		}
	}
	var quotas []string
	for _, m := range booking.Methods() {
		if quota[m] > 0 {
			quotas = append(quotas, st.t("import_method_"+string(m))+" "+strconv.Itoa(quota[m]))
		}
	}
	if len(quotas) == 0 {
		quotas = []string{"–"}
	}
	p := pv.Plan
	var b strings.Builder
	b.WriteString(st.t("import_preview", name, len(c.Events()), len(c.Facilities()), sites, sessions,
		strings.Join(quotas, ", "), len(p.Created), len(p.Updated), len(p.Unchanged),
		len(p.FacilitiesCreated), len(p.FacilitiesUpdated)))
	if len(p.Changes) > 0 {
		moved, cancelled := 0, 0
		for _, ch := range p.Changes {
			moved += len(ch.Moved)
			cancelled += len(ch.Cancelled)
		}
		b.WriteString("\n\n" + st.t("import_changes", moved, cancelled, p.Told))
	}
	status := map[string]string{}
	for _, id := range p.Created {
		status[id] = st.t("import_status_new")
	}
	for _, id := range p.Updated {
		status[id] = st.t("import_status_changed")
	}
	for _, id := range p.Unchanged {
		status[id] = st.t("import_status_same")
	}
	b.WriteString("\n")
	for i, e := range c.Events() {
		if i == maxEventsShown {
			b.WriteString("\n" + st.t("import_more_events", len(c.Events())-i))
			break
		}
		b.WriteString("\n" + st.t("import_event_line", e.Name, st.fmtDay(e.Date), len(e.Sites), status[e.ID]))
	}
	b.WriteString("\n\n" + st.t("import_ask", int(pv.TTL.Minutes())))
	return b.String()
}

// refusals lists limits below the places taken, one per line.
func (importFlow) refusals(st *step, c *booking.Catalog, limits []booking.BelowLimit) string {
	var b strings.Builder
	for i, l := range limits {
		if i == maxProblemsShown {
			b.WriteString("\n" + st.t("import_more_problems", len(limits)-i))
			break
		}
		where := l.Facility
		var fac *booking.Facility
		if c != nil {
			if f, ok := c.Facility(l.Facility); ok {
				where, fac = f.Name, f
			}
		}
		what := st.t("import_method_" + string(l.Method))
		if l.Session != "" {
			// The session as it stands (a moved one keeps the id of its
			// first start).
			hours := l.Session
			switch {
			case !l.SessionStart.IsZero() && fac != nil:
				hours = st.clock(l.SessionStart.In(fac.Location))
			case len(hours) == 4:
				hours = hours[:2] + "." + hours[2:]
			}
			what = st.t("import_session", hours)
		}
		limit := strconv.Itoa(l.Limit)
		switch {
		case l.Limit < 0 && l.Session != "":
			limit = st.t("import_removed")
		case l.Limit < 0:
			limit = st.t("import_not_offered")
		}
		b.WriteString("\n" + st.t("import_refused_line", l.Event, where, what, limit, l.Taken))
	}
	return b.String()
}

// confirm imports what the preview showed, writes it to the audit log and
// says what changed. A failing store leaves the step uncommitted and the
// tap comes again: Apply then returns the first result, and the audit
// entry is written again (the log may say twice what was done once, never
// less).
func (f importFlow) confirm(st *step, m cadre.Member, _ []string) {
	imp := st.e.svc.Imports
	if imp == nil {
		st.expired()
		return
	}
	res, err := imp.Apply(st.ctx, st.ev.ChatID, st.s.Nonce)
	switch {
	case errors.Is(err, ErrImportGone):
		st.s.resetFlow()
		st.show(st.t("import_gone"), st.staffButtons())
		return
	case err != nil:
		st.mustRetry("import events", err)
		return
	}
	r := res.Report
	if st.e.svc.Audit != nil {
		detail := strings.Join([]string{res.File, strconv.Itoa(len(r.Created)), strconv.Itoa(len(r.Updated)), strconv.Itoa(len(r.Unchanged))}, auditSep)
		entry := cadre.AuditEntry{At: st.now.UTC(), Actor: st.ev.ChatID, Role: m.Role, Action: cadre.ActImport, Detail: detail}
		if err := st.e.svc.Audit.Audit(st.ctx, entry); err != nil {
			st.mustRetry("audit import", err)
			return
		}
	}
	st.s.resetFlow()
	text := st.t("import_done", res.File, len(r.Created), len(r.Updated), len(r.Unchanged), r.Facilities)
	if r.Told > 0 {
		text += "\n" + st.t("import_done_told", r.Told)
	}
	if len(res.Refused) > 0 {
		text += "\n\n" + st.t("import_done_refused", markup(f.refusals(st, nil, res.Refused)))
	}
	st.show(text, st.staffButtons())
}

// cancel forgets the previewed file.
func (importFlow) cancel(st *step, _ []string) {
	if imp := st.e.svc.Imports; imp != nil {
		if err := imp.Discard(st.ctx, st.ev.ChatID, st.s.Nonce); err != nil {
			st.log().Warn("discard a previewed import", "error", err)
		}
	}
	st.s.resetFlow()
	st.show(st.t("import_cancelled"), st.staffButtons())
}

// auditSep separates the parts of an import's audit detail: file, events
// created, updated, unchanged.
const auditSep = "|"

// auditImport is an import's line in /audit.
func auditImport(st *step, detail string) string {
	p := strings.Split(detail, auditSep)
	if len(p) != 4 {
		return st.t("audit_act_import") + " · " + escape(clip(detail, 80))
	}
	return st.t("audit_import", clip(p[0], 60), p[1], p[2], p[3])
}
