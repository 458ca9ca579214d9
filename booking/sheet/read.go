package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kbbot/kbbot/booking"
)

// maxRows bounds the rows read of one sheet.
const maxRows = 20000

// Format is a kind of events file.
type Format string

// The formats Read takes.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
	YAML Format = "yaml"
)

// FormatOf tells a file's format by its name, or by its first bytes when
// the name does not say (an XLSX file is a ZIP archive). ok is false for a
// name with another extension.
func FormatOf(name string, data []byte) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return XLSX, true
	case ".csv", ".txt":
		return CSV, true
	case ".yaml", ".yml":
		return YAML, true
	case "":
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return XLSX, true
		}
		return "", false
	}
	return "", false
}

// Read reads an events file of any format Read knows, told by FormatOf: a
// spreadsheet (ReadXLSX, ReadCSV) or YAML (booking.Parse, whose problems
// are in English). name labels the problems.
//
// A booking.Check (at most one) asks for the planner's checks of an
// import (see booking.Check).
func Read(data []byte, name string, checks ...booking.Check) (*booking.Catalog, error) {
	f, ok := FormatOf(name, data)
	if !ok {
		return nil, fileError(name, "jenis file ini tidak dikenal: kirim file Excel (.xlsx), CSV (.csv) atau YAML (.yaml)", nil)
	}
	switch f {
	case XLSX:
		return ReadXLSX(bytes.NewReader(data), name, checks...)
	case CSV:
		return ReadCSV(bytes.NewReader(data), name, checks...)
	}
	return booking.Parse(bytes.NewReader(data), name, checks...)
}

// grid is one sheet (or CSV section) as read: its name as written and its
// rows, the first being the header.
type grid struct {
	name string
	t    *table
	rows []gridRow
}

// gridRow is one row: its number in the sheet and its cells' text.
type gridRow struct {
	n     int
	cells []string
}

// empty reports whether every cell is blank.
func (r gridRow) empty() bool {
	for _, c := range r.cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// place is where an entry of the draft comes from.
type place struct {
	t   *table
	row int
}

// reader turns the grids of one file into a draft, collecting problems.
type reader struct {
	file     string
	checks   []booking.Check
	date1904 bool
	probs    []Problem
	// failed are the cells already reported, "label|field": Build's
	// problems about them would say the same again.
	failed map[string]bool
	where  map[string]place
	// dupIDs are the entries whose id another entry has already.
	dupIDs map[string]bool
	// missing are the required columns a sheet lacks, "sheet|field": its
	// rows are not told one by one.
	missing map[string]bool
}

func (r *reader) add(t *table, row int, col, format string, a ...any) {
	name := ""
	if t != nil {
		name = t.name
	}
	r.probs = append(r.probs, Problem{Sheet: name, Row: row, Column: col, Msg: fmt.Sprintf(format, a...)})
}

// label names the entry of a row in the draft.
func (r *reader) label(t *table, row int) string {
	l := t.name + "!" + strconv.Itoa(row)
	r.where[l] = place{t, row}
	return l
}

// rowValues are one row's cells, read by their columns' kinds.
type rowValues struct {
	label string
	given map[string]bool
	vals  map[string]any
	row   int
}

func (v rowValues) str(field string) string {
	s, _ := v.vals[field].(string)
	return s
}

// read checks the grids and makes the catalog.
func (r *reader) read(grids []*grid) (*booking.Catalog, error) {
	r.failed, r.where, r.missing = map[string]bool{}, map[string]place{}, map[string]bool{}
	byTable := map[*table]*grid{}
	for _, g := range grids {
		if g.t == nil {
			continue
		}
		if _, dup := byTable[g.t]; dup {
			r.add(g.t, 0, "", "sheet ini ada dua kali (juga %q): gabungkan barisnya dalam satu sheet", g.name)
			continue
		}
		byTable[g.t] = g
	}
	rows := map[*table][]rowValues{}
	for _, t := range tables {
		g, ok := byTable[t]
		if !ok {
			r.add(t, 0, "", "sheet ini tidak ada di file. Pakai templat (kbbot template) yang punya sheet %s", sheetNames())
			continue
		}
		rows[t] = r.rows(g)
	}
	if len(r.probs) > 0 && len(rows) == 0 {
		return nil, r.error()
	}
	draft := r.draft(rows)
	c, err := booking.Build(draft, r.file, r.checks...)
	var pe *booking.ParseError
	switch {
	case errors.As(err, &pe):
		r.dupIDs = map[string]bool{}
		for _, p := range pe.Problems {
			if p.Code == booking.CodeDuplicateID {
				r.dupIDs[p.Entry] = true
			}
		}
		for _, p := range pe.Problems {
			if q, ok := r.translate(p); ok {
				r.probs = append(r.probs, q)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("sheet: %s: %w", r.file, err)
	}
	if len(r.probs) > 0 {
		return nil, r.error()
	}
	return c, nil
}

func sheetNames() string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = strconv.Quote(t.name)
	}
	return strings.Join(names, ", ")
}

// error sorts the problems by sheet, row and column and keeps the first
// MaxProblems.
func (r *reader) error() error {
	order := func(p Problem) (int, int, int) {
		ti, ci := len(tables), -1
		if t := tableNamed(p.Sheet); t != nil {
			ti = slices.Index(tables, t)
			ci = slices.IndexFunc(t.cols, func(c column) bool { return c.name == p.Column })
		}
		if p.Sheet == "" {
			ti = -1
		}
		return ti, p.Row, ci
	}
	sort.SliceStable(r.probs, func(i, j int) bool {
		a1, a2, a3 := order(r.probs[i])
		b1, b2, b3 := order(r.probs[j])
		if a1 != b1 {
			return a1 < b1
		}
		if a2 != b2 {
			return a2 < b2
		}
		return a3 < b3
	})
	e := &Error{File: r.file, Problems: r.probs}
	if len(e.Problems) > MaxProblems {
		e.More = len(e.Problems) - MaxProblems
		e.Problems = e.Problems[:MaxProblems]
	}
	return e
}

// rows reads the header and the rows of one sheet.
func (r *reader) rows(g *grid) []rowValues {
	t := g.t
	i := slices.IndexFunc(g.rows, func(row gridRow) bool { return !row.empty() })
	if i < 0 {
		r.add(t, 0, "", "sheet ini kosong: baris pertama harus judul kolom (%s)", colNames(t))
		return nil
	}
	header, data := g.rows[i], g.rows[i+1:]
	cols := map[int]column{}
	seen := map[string]bool{}
	for k, h := range header.cells {
		if ignoredColumn(h) {
			continue
		}
		c, ok := matchColumn(t, h)
		switch {
		case !ok:
			r.add(t, header.n, strings.TrimSpace(h), "kolom ini tidak dikenal. Kolom sheet %s: %s (kolom lain boleh bila judulnya diawali \"catatan\" atau \"#\")", t.name, colNames(t))
		case seen[c.name]:
			r.add(t, header.n, c.name, "kolom ini ada dua kali")
		default:
			seen[c.name] = true
			cols[k] = c
		}
	}
	for _, c := range t.cols {
		if c.required && !seen[c.name] {
			r.add(t, header.n, c.name, "kolom wajib ini tidak ada di baris judul")
			r.missing[t.name+"|"+c.field] = true
		}
	}
	var out []rowValues
	for _, row := range data {
		if row.n > maxRows {
			if !row.empty() {
				r.add(t, row.n, "", "sheet ini lebih dari %d baris: bagi menjadi beberapa file", maxRows)
			}
			break
		}
		if v, ok := r.row(t, cols, row); ok {
			out = append(out, v)
		}
	}
	return out
}

func colNames(t *table) string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// matchColumn finds the column a header names (or its English field name,
// as in the YAML file).
func matchColumn(t *table, h string) (column, bool) {
	k := headerKey(h)
	for _, c := range t.cols {
		if c.name == k || (c.field == k && !strings.Contains(c.field, ".")) {
			return c, true
		}
	}
	return column{}, false
}

// row reads one data row; ok is false for a row with nothing in the
// columns read.
func (r *reader) row(t *table, cols map[int]column, row gridRow) (rowValues, bool) {
	blank := true
	for k := range cols {
		if k < len(row.cells) && strings.TrimSpace(row.cells[k]) != "" {
			blank = false
		}
	}
	if blank {
		return rowValues{}, false
	}
	v := rowValues{label: r.label(t, row.n), given: map[string]bool{}, vals: map[string]any{}, row: row.n}
	for k, c := range cols {
		raw := ""
		if k < len(row.cells) {
			raw = strings.TrimSpace(row.cells[k])
		}
		if raw == "" {
			if c.required {
				r.add(t, row.n, c.name, "wajib diisi")
				r.failed[v.label+"|"+c.field] = true
			}
			continue
		}
		val, msg := r.cell(c, raw)
		if msg != "" {
			r.add(t, row.n, c.name, "%s", msg)
			r.failed[v.label+"|"+c.field] = true
			continue
		}
		v.given[c.field] = true
		v.vals[c.field] = val
	}
	return v, true
}

// clip shortens a cell's text for a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:39]) + "…"
}

// cell reads one cell by its column's kind: the value, or the Indonesian
// reason it is not one.
func (r *reader) cell(c column, raw string) (any, string) {
	bad := func(format string, a ...any) (any, string) {
		return nil, fmt.Sprintf(format, a...) + fmt.Sprintf(", bukan %q", clip(raw))
	}
	switch c.kind {
	case kID, kRef:
		id := strings.ToLower(raw)
		if !booking.ValidID(id) {
			return bad("harus kode: huruf kecil a-z, angka 0-9 dan tanda -, tanpa spasi, paling panjang %d karakter", booking.MaxIDLen)
		}
		return id, ""
	case kList:
		for _, x := range c.list {
			if strings.EqualFold(x, raw) {
				return x, ""
			}
		}
		return bad("harus salah satu dari: %s", strings.Join(c.list, ", "))
	case kZone:
		for _, x := range c.list {
			if strings.EqualFold(x, raw) {
				return x, ""
			}
		}
		if z, ok := zoneLabels[strings.ToLower(raw)]; ok {
			return z, ""
		}
		return bad("harus salah satu dari: %s (atau WIB, WITA, WIT)", strings.Join(c.list, ", "))
	case kInt:
		n, ok := parseInt(raw)
		if !ok || float64(n) < c.min || float64(n) > c.max {
			return bad("harus bilangan bulat %d–%d", int(c.min), int(c.max))
		}
		return n, ""
	case kFloat:
		f, ok := parseFloat(raw)
		if !ok || f < c.min || f > c.max {
			what := "lintang"
			if c.field == "lon" {
				what = "bujur"
			}
			return bad("harus angka desimal antara %s dan %s (%s di Indonesia)", decimal(c.min), decimal(c.max), what)
		}
		return f, ""
	case kDate:
		d, ok := parseDate(raw, r.date1904)
		if !ok {
			return bad("harus tanggal, mis. 2023-07-20 atau 20/07/2023")
		}
		return d.String(), ""
	case kDateTime:
		s, ok := parseDateTime(raw, r.date1904)
		if !ok {
			return bad("harus tanggal dan jam, mis. 2023-07-19 20:00")
		}
		return s, ""
	case kTime:
		m, ok := parseClock(raw)
		if !ok {
			return bad("harus jam, mis. 08:00")
		}
		return fmt.Sprintf("%02d:%02d", m/60, m%60), ""
	case kBool:
		b, ok := parseBool(raw)
		if !ok {
			return bad("isi \"ya\" atau kosongkan")
		}
		return b, ""
	}
	return raw, ""
}

// draft assembles the rows into a booking.Draft: sites under their event,
// sessions under their site.
func (r *reader) draft(rows map[*table][]rowValues) booking.Draft {
	fT, eT, sT, xT := tableNamed(SheetFacilities), tableNamed(SheetEvents), tableNamed(SheetSites), tableNamed(SheetSessions)
	var d booking.Draft
	for _, v := range rows[fT] {
		lat, _ := v.vals["lat"].(float64)
		lon, _ := v.vals["lon"].(float64)
		demo, _ := v.vals["demo"].(bool)
		d.Facilities = append(d.Facilities, booking.DraftFacility{Label: v.label, Given: v.given,
			ID: v.str("id"), Name: v.str("name"), Type: v.str("type"), Address: v.str("address"), Kelurahan: v.str("kelurahan"),
			Kecamatan: v.str("kecamatan"), Kabupaten: v.str("kabupaten"), Provinsi: v.str("provinsi"), TimeZone: v.str("timezone"),
			Lat: lat, Lon: lon, Demo: demo})
	}
	events := make([]*booking.DraftEvent, 0, len(rows[eT]))
	evByID := map[string]*booking.DraftEvent{}
	for _, v := range rows[eT] {
		cancelled, _ := v.vals["cancelled"].(bool)
		e := &booking.DraftEvent{Label: v.label, Given: v.given, ID: v.str("id"), Name: v.str("name"), Date: v.str("date"),
			BookingCloses: v.str("booking_closes"), Targets: methodCounts(v, "targets."), Cancelled: cancelled}
		events = append(events, e)
		if _, dup := evByID[e.ID]; e.ID != "" && !dup {
			evByID[e.ID] = e
		}
	}
	type siteKey struct{ event, facility string }
	type siteRef struct {
		ev *booking.DraftEvent
		i  int
	}
	sites := map[siteKey]siteRef{}
	for _, v := range rows[sT] {
		evID, fac := v.str("event"), v.str("facility")
		e := r.event(sT, v, evByID)
		if e == nil {
			continue
		}
		quota := methodCounts(v, "quota.")
		v.given["quota"] = len(quota) > 0
		over, _ := v.vals["oversubscribe"].(bool)
		cancelled, _ := v.vals["cancelled"].(bool)
		e.Sites = append(e.Sites, booking.DraftSite{Label: v.label, Given: v.given, Facility: fac, Quota: quota, Oversubscribe: over,
			Cancelled: cancelled})
		if k := (siteKey{evID, fac}); fac != "" {
			if _, dup := sites[k]; !dup {
				sites[k] = siteRef{e, len(e.Sites) - 1}
			}
		}
		if r.anyFailed(v.label, "quota.") {
			r.failed[v.label+"|quota"] = true
		}
	}
	for _, v := range rows[xT] {
		evID, fac := v.str("event"), v.str("facility")
		if r.event(xT, v, evByID) == nil || fac == "" {
			continue
		}
		ref, ok := sites[siteKey{evID, fac}]
		if !ok {
			r.add(xT, v.row, "fasilitas", "fasilitas %q belum punya baris untuk acara %q di sheet %s", fac, evID, SheetSites)
			continue
		}
		capacity, _ := v.vals["capacity"].(int)
		s := &ref.ev.Sites[ref.i]
		s.Sessions = append(s.Sessions, booking.DraftSession{Label: v.label, Given: v.given,
			Start: v.str("start"), End: v.str("end"), Capacity: capacity, MovedFrom: v.str("moved_from")})
	}
	for _, e := range events {
		e.Given["sites"] = len(e.Sites) > 0
		for i := range e.Sites {
			e.Sites[i].Given["sessions"] = len(e.Sites[i].Sessions) > 0
		}
		d.Events = append(d.Events, *e)
	}
	return d
}

// event returns the draft event a site or session row names, or nil after
// saying why (a cell already reported says nothing more).
func (r *reader) event(t *table, v rowValues, evByID map[string]*booking.DraftEvent) *booking.DraftEvent {
	id := v.str("event")
	if id == "" {
		return nil
	}
	e, ok := evByID[id]
	if !ok {
		r.add(t, v.row, "acara", "acara %q tidak ada di sheet %s", id, SheetEvents)
		return nil
	}
	return e
}

// anyFailed reports whether a cell of the entry whose field starts with
// prefix was reported.
func (r *reader) anyFailed(label, prefix string) bool {
	for k := range r.failed {
		if strings.HasPrefix(k, label+"|"+prefix) {
			return true
		}
	}
	return false
}

// methodCounts are the row's method columns with prefix ("quota.",
// "targets.") that hold a number, by method code.
func methodCounts(v rowValues, prefix string) map[string]int {
	out := map[string]int{}
	for f, val := range v.vals {
		if code, ok := strings.CutPrefix(f, prefix); ok {
			out[code] = val.(int)
		}
	}
	return out
}

// translate words a problem booking.Build found in Indonesian, at the row
// and column it concerns; ok is false for one about a cell already
// reported.
func (r *reader) translate(p booking.Problem) (Problem, bool) {
	pl, ok := r.where[p.Entry]
	if !ok {
		return Problem{Msg: p.String()}, true
	}
	if r.failed[p.Entry+"|"+p.Field] || r.missing[pl.t.name+"|"+p.Field] {
		return Problem{}, false
	}
	// An event whose id is wrong or taken has no sites of its own, and a
	// site naming no valid facility no sessions: that was said already.
	if p.Code == booking.CodeNoSites && (r.failed[p.Entry+"|id"] || r.dupIDs[p.Entry]) ||
		p.Code == booking.CodeNoSessions && r.failed[p.Entry+"|facility"] {
		return Problem{}, false
	}
	t := pl.t
	col := ""
	if c, ok := t.col(p.Field); ok {
		col = c.name
	}
	arg := func(i int) string {
		if i < len(p.Args) {
			return p.Args[i]
		}
		return ""
	}
	row := func(label string) string {
		if other, ok := r.where[label]; ok {
			return "baris " + strconv.Itoa(other.row)
		}
		return label
	}
	var msg string
	switch p.Code {
	case booking.CodeRequired:
		msg = "wajib diisi"
	case booking.CodeDuplicateID:
		msg = fmt.Sprintf("kode %q sudah dipakai di %s", arg(0), row(arg(1)))
	case booking.CodeNegative:
		msg = "tidak boleh negatif"
	case booking.CodeNoSites:
		msg = fmt.Sprintf("acara ini belum punya lokasi: tambahkan barisnya di sheet %s", SheetSites)
	case booking.CodeSiteTwice:
		msg = fmt.Sprintf("fasilitas %q sudah ada di acara ini (%s): satu baris per fasilitas", arg(0), row(arg(1)))
	case booking.CodeUnknownFacility:
		msg = fmt.Sprintf("fasilitas %q tidak ada di sheet %s", arg(0), SheetFacilities)
	case booking.CodeNoQuota:
		msg = "isi kuota paling sedikit satu metode (kolom kuota_…)"
	case booking.CodeNoPlace:
		msg = "semua kuota 0: paling sedikit satu metode harus punya tempat"
	case booking.CodeNoSessions:
		msg = fmt.Sprintf("lokasi ini belum punya sesi: tambahkan barisnya di sheet %s", SheetSessions)
	case booking.CodeEndBeforeStart:
		msg = fmt.Sprintf("jam selesai %s tidak sesudah jam mulai %s", arg(0), arg(1))
	case booking.CodeOverlap:
		msg = fmt.Sprintf("sesi %s bertumpuk dengan sesi %s (%s) di lokasi yang sama", dash(arg(0)), dash(arg(2)), row(arg(1)))
	case booking.CodeClosesLate:
		msg = fmt.Sprintf("pendaftaran tutup %s, sesudah sesi pertama di %s (%s): harus sebelumnya",
			strings.Replace(arg(0), "T", " ", 1), arg(1), arg(2))
	case booking.CodeCapacity:
		msg = fmt.Sprintf("harus bilangan bulat 1–%d, bukan %s", maxCapacity, arg(0))
	case booking.CodeMarkup:
		msg = fmt.Sprintf("berisi tanda < atau > (kode HTML) atau karakter kontrol: tulis teks biasa saja, bukan %q", arg(0))
	case booking.CodeOverCapacity:
		msg = fmt.Sprintf("jumlah kuota %s tempat lebih banyak dari kapasitas semua sesi (%s). Kurangi kuota, tambah kapasitas sesi, atau isi \"ya\" di kolom lebih_kuota bila memang disengaja", arg(0), arg(1))
	case booking.CodePast:
		msg = fmt.Sprintf("tanggal %s sudah lewat (hari ini %s). Acara lama hanya bisa diimpor untuk arsip, dengan kbbot import --allow-past", arg(0), arg(1))
	default:
		// The cell checks above catch these first; Build's wording is
		// the fallback.
		msg = "tidak sah: " + p.Msg
	}
	return Problem{Sheet: t.name, Row: pl.row, Column: col, Msg: msg}, true
}

// dash writes "08:00-10:00" as "08:00–10:00".
func dash(span string) string { return strings.Replace(span, "-", "–", 1) }
