// Package report makes what cadres print and hand in: the rekap of a KB
// serentak event (its figures and a CSV file an operator can paste into
// national reporting), the per-client register in the order of the R/I/KB
// form (register.go), and the inputs of the drawn files (ChartLabels,
// Poster). Package report/render draws them: the bar chart PNG, the QR
// posters of deep links and the XLSX files; the dialog reaches it only
// through an interface, so that it never imports image or spreadsheet
// code.
//
// It is pure: it turns a catalog and a store's counts (booking.Tally) into
// figures and bytes, reads no clock and no store, and imports no Telegram or
// Redis code.
//
// # The rekap's columns
//
// One row per facility and method, then one total row per method (faskes
// "JUMLAH"), then the MKJP, non-MKJP and overall totals (GroupMKJP,
// GroupNonMKJP, GroupAll), in a stable order: facilities by kecamatan, name
// and id; methods in the order of booking.Methods. The headers (Columns)
// are Indonesian words; their meaning:
//
//	ID acara, Acara, Tanggal   the event's id, name and date (YYYY-MM-DD)
//	ID faskes, Faskes          the facility's id and name (JUMLAH: the totals)
//	Kelurahan, Kecamatan, Kabupaten/kota
//	Kode metode, Metode        the method code and its name (group rows: the
//	                           group's name)
//	MKJP                       "ya" for IUD, implan, MOW, MOP; "tidak" else
//	Target                     see Jenis target
//	Jenis target               kuota faskes: the site's quota for the method
//	                           (facility rows); target acara: the event's
//	                           target for the method (total rows, when the
//	                           rekap covers every site of the event and the
//	                           event sets one); jumlah kuota: the sum of the
//	                           quotas of the sites covered (other total rows).
//	                           Targets are set per event and method, so a
//	                           facility's "target" is its quota.
//	Terdaftar                  booked: active bookings, those checked in and
//	                           those marked not served, by the method booked
//	Daftar tunggu              waitlist: residents in line or holding an
//	                           offered place, by the method asked for
//	Datang langsung            walk-ins registered on the day, by method
//	Hadir                      clients checked in, in the row of their
//	                           register line's method (the method given; for a
//	                           removal alone the method removed, for a
//	                           failure the method that failed)
//	Dilayani                   clients given the method: KB baru + KB ulang
//	                           + ganti cara (booking.Category.Acceptor)
//	% capaian                  Dilayani ÷ Target × 100, rounded; empty
//	                           without a target
//	KB baru, of which KB pasca persalinan and KB pasca keguguran; KB ulang;
//	Ganti cara                 Dilayani by register category
//	Pencabutan IUD/implan      removals, in the row of the method removed
//	Komplikasi berat, Kegagalan, Informed consent, JKN PBI, JKN non-PBI,
//	Tanpa JKN                  check-ins with that register mark
//	Tidak datang               no-show: active bookings at a site whose last
//	                           session of the day has ended, and bookings
//	                           marked not served because the client did not
//	                           come
//	Tidak dilayani: hamil, ...: perlu pemeriksaan lanjut, ...: berubah
//	pikiran                    bookings marked "tidak jadi dilayani", by
//	                           reason
//
// A client who was given another method than the one booked counts as
// booked under the first and served under the second. Check-ins and
// walk-ins are counted anonymously by the store, so they stay in the rekap
// after the client erased their data (/hapusdata); their booking does not,
// so such a client counts in Hadir, and in Terdaftar through the check-in
// count.
package report

import (
	"math"
	"sort"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// Kinds of target (the Jenis target column).
const (
	TargetQuota      = "kuota faskes" // a site's quota for the method
	TargetEvent      = "target acara" // the event's target for the method
	TargetQuotaTotal = "jumlah kuota" // the sum of the quotas of the sites covered
	// TargetMixed is a group row adding event targets and quotas.
	TargetMixed = "target acara + kuota"
)

// TotalName is the facility name of the total rows.
const TotalName = "JUMLAH"

// The groups of methods of the group rows (Row.Group).
const (
	GroupMKJP    = "MKJP"     // IUD, implan, MOW, MOP
	GroupNonMKJP = "non-MKJP" // the other methods
	GroupAll     = "semua"    // every method
)

// groupNames are the group rows' Metode cells.
var groupNames = map[string]string{
	GroupMKJP: "MKJP (IUD, implan, MOW, MOP)", GroupNonMKJP: "Non-MKJP", GroupAll: "Semua metode",
}

// Rekap is an event's figures, per facility and method, for the sites in
// view of whoever asked.
type Rekap struct {
	EventID   string
	EventName string
	Date      booking.Date
	// At is when the figures were taken.
	At time.Time
	// Full reports that every site of the event is covered: the totals then
	// compare with the event's targets.
	Full bool
	// Rows has one row per facility and method; Totals one per method;
	// Groups the MKJP, non-MKJP and overall totals, in that order.
	Rows   []Row
	Totals []Row
	Groups []Row
}

// Row is one line of a rekap.
type Row struct {
	FacilityID string // empty for a total row
	Facility   string // TotalName for a total row
	Kelurahan  string
	Kecamatan  string
	Kabupaten  string
	Method     booking.Method // empty for a group row
	Group      string         // GroupMKJP, GroupNonMKJP or GroupAll for a group row
	Target     int
	TargetKind string // TargetQuota, TargetEvent, TargetQuotaTotal or TargetMixed
	Booked     int
	Waitlist   int
	WalkIns    int
	Attended   int // checked in, in the row of the register line's method
	Served     int // given the method: New + Continuing + Switching
	New        int // KB baru
	// PostPartum and PostAbortion are new acceptors right after a
	// delivery or a miscarriage (counted in New too).
	PostPartum   int
	PostAbortion int
	Continuing   int // KB ulang
	Switching    int // ganti cara
	Removals     int // IUD or implant removed, in the row of the method removed
	// Complications, Failures, Consent and the JKN counts are check-ins
	// with that register mark.
	Complications int
	Failures      int
	Consent       int
	JKNPBI        int
	JKNNonPBI     int
	JKNNone       int
	NoShow        int // tidak datang
	// Not served on the day, by reason (ReasonAbsent counts in NoShow).
	Pregnant int // hamil
	Exam     int // perlu pemeriksaan lanjut
	Changed  int // berubah pikiran
}

// Capaian returns Served as a whole percentage of Target (ok false
// without a target).
func (r Row) Capaian() (pct int, ok bool) {
	if r.Target <= 0 {
		return 0, false
	}
	return int(math.Round(float64(r.Served) * 100 / float64(r.Target))), true
}

// add adds the figures of o (not the target) to r.
func (r *Row) add(o Row) {
	r.Booked += o.Booked
	r.Waitlist += o.Waitlist
	r.WalkIns += o.WalkIns
	r.Attended += o.Attended
	r.Served += o.Served
	r.New += o.New
	r.PostPartum += o.PostPartum
	r.PostAbortion += o.PostAbortion
	r.Continuing += o.Continuing
	r.Switching += o.Switching
	r.Removals += o.Removals
	r.Complications += o.Complications
	r.Failures += o.Failures
	r.Consent += o.Consent
	r.JKNPBI += o.JKNPBI
	r.JKNNonPBI += o.JKNNonPBI
	r.JKNNone += o.JKNNone
	r.NoShow += o.NoShow
	r.Pregnant += o.Pregnant
	r.Exam += o.Exam
	r.Changed += o.Changed
}

func (r Row) empty() bool {
	z := Row{Target: r.Target}
	z.add(r)
	return z == Row{}
}

// Sum returns the overall total (the GroupAll row): every method's
// figures added up, targets included.
func (r Rekap) Sum() Row {
	for _, g := range r.Groups {
		if g.Group == GroupAll {
			return g
		}
	}
	return group(GroupAll, r.Totals, nil)
}

// Group returns the group row g (GroupMKJP, GroupNonMKJP, GroupAll).
func (r Rekap) Group(g string) Row {
	for _, x := range r.Groups {
		if x.Group == g {
			return x
		}
	}
	return Row{Facility: TotalName, Group: g}
}

// Build computes the rekap of event ev from the store's counts t, for the
// sites whose facility in accepts (nil: every site), as at now. Active
// bookings at a site whose last session of the day has ended by now count
// as no-shows; bookings marked not served count at once, as no-shows when
// the client did not come, else by reason. Counts naming a facility the
// catalog does not know, or a site not covered, are left out.
func Build(c *booking.Catalog, ev *booking.Event, t booking.Tally, in func(*booking.Facility) bool, now time.Time) Rekap {
	r := Rekap{EventID: ev.ID, EventName: ev.Name, Date: ev.Date, At: now.UTC(), Full: true}
	type key struct {
		fac string
		m   booking.Method
	}
	rows := map[key]*Row{}
	site := map[string]*booking.Site{}
	fac := map[string]*booking.Facility{}
	over := map[string]bool{} // the site's last session has ended
	for i := range ev.Sites {
		s := &ev.Sites[i]
		f, ok := c.Facility(s.Facility)
		if !ok {
			continue
		}
		if in != nil && !in(f) {
			r.Full = false
			continue
		}
		site[s.Facility], fac[s.Facility] = s, f
		var end time.Time
		for _, x := range s.Sessions {
			if x.End.After(end) {
				end = x.End
			}
		}
		over[s.Facility] = !end.IsZero() && !now.Before(end)
	}
	row := func(facID string, m booking.Method) *Row {
		k := key{facID, m}
		if rows[k] == nil {
			f := fac[facID]
			rows[k] = &Row{FacilityID: f.ID, Facility: f.Name, Kelurahan: f.Kelurahan, Kecamatan: f.Kecamatan,
				Kabupaten: f.Kabupaten, Method: m, Target: site[facID].Quota[m], TargetKind: TargetQuota}
		}
		return rows[k]
	}
	for i := range ev.Sites {
		if s := &ev.Sites[i]; site[s.Facility] != nil {
			for _, m := range s.Methods() {
				row(s.Facility, m)
			}
		}
	}
	for _, b := range t.Bookings {
		if site[b.FacilityID] == nil || (b.Status != booking.Active && b.Status != booking.NotServed) {
			continue
		}
		x := row(b.FacilityID, b.Method)
		x.Booked += b.N
		if b.Status == booking.Active && over[b.FacilityID] {
			x.NoShow += b.N
		}
	}
	for _, n := range t.NotServed {
		if site[n.FacilityID] == nil {
			continue
		}
		x := row(n.FacilityID, n.Method)
		switch n.Reason {
		case booking.ReasonPregnant:
			x.Pregnant += n.N
		case booking.ReasonExam:
			x.Exam += n.N
		case booking.ReasonChanged:
			x.Changed += n.N
		default:
			x.NoShow += n.N
		}
	}
	for _, sv := range t.Served {
		if site[sv.FacilityID] == nil {
			continue
		}
		row(sv.FacilityID, sv.Booked).Booked += sv.N
		x := row(sv.FacilityID, sv.Given)
		x.Attended += sv.N
		if sv.Category.Acceptor() {
			x.Served += sv.N
		}
		switch sv.Category {
		case booking.NewAcceptor:
			x.New += sv.N
		case booking.Continuing:
			x.Continuing += sv.N
		case booking.Switching:
			x.Switching += sv.N
		case booking.Failure:
			x.Failures += sv.N
		}
		reg := sv.Register
		switch reg.Post {
		case booking.PostPartum:
			x.PostPartum += sv.N
		case booking.PostAbortion:
			x.PostAbortion += sv.N
		}
		if reg.Removed.Valid() {
			row(sv.FacilityID, reg.Removed).Removals += sv.N
		}
		if reg.Complication {
			x.Complications += sv.N
		}
		if reg.Consent {
			x.Consent += sv.N
		}
		switch reg.JKN {
		case booking.JKNPBI:
			x.JKNPBI += sv.N
		case booking.JKNNonPBI:
			x.JKNNonPBI += sv.N
		case booking.JKNNone:
			x.JKNNone += sv.N
		}
	}
	for _, w := range t.Waiting {
		if site[w.FacilityID] != nil {
			row(w.FacilityID, w.Method).Waitlist += w.N
		}
	}
	for _, w := range t.WalkIns {
		if site[w.FacilityID] != nil {
			row(w.FacilityID, w.Method).WalkIns += w.N
		}
	}

	for _, x := range rows {
		r.Rows = append(r.Rows, *x)
	}
	sort.Slice(r.Rows, func(i, j int) bool {
		a, b := r.Rows[i], r.Rows[j]
		if a.Kecamatan != b.Kecamatan {
			return a.Kecamatan < b.Kecamatan
		}
		if a.Facility != b.Facility {
			return a.Facility < b.Facility
		}
		if a.FacilityID != b.FacilityID {
			return a.FacilityID < b.FacilityID
		}
		return rank(a.Method) < rank(b.Method)
	})

	totals := map[booking.Method]*Row{}
	total := func(m booking.Method) *Row {
		if totals[m] == nil {
			totals[m] = &Row{Facility: TotalName, Method: m, TargetKind: TargetQuotaTotal}
		}
		return totals[m]
	}
	for _, x := range r.Rows {
		t := total(x.Method)
		t.add(x)
		t.Target += x.Target
	}
	if r.Full {
		for m, n := range ev.Targets {
			if n > 0 {
				t := total(m)
				t.Target, t.TargetKind = n, TargetEvent
			}
		}
	}
	for _, m := range booking.Methods() {
		if t := totals[m]; t != nil && !t.empty() {
			r.Totals = append(r.Totals, *t)
		}
	}
	r.Groups = []Row{
		group(GroupMKJP, r.Totals, func(m booking.Method) bool { return m.LongActing() }),
		group(GroupNonMKJP, r.Totals, func(m booking.Method) bool { return !m.LongActing() }),
		group(GroupAll, r.Totals, nil),
	}
	return r
}

// group adds up the total rows of the methods in accepts (nil: all).
func group(name string, totals []Row, in func(booking.Method) bool) Row {
	g := Row{Facility: TotalName, Group: name}
	kinds := map[string]bool{}
	for _, t := range totals {
		if in != nil && !in(t.Method) {
			continue
		}
		g.add(t)
		g.Target += t.Target
		if t.Target > 0 {
			kinds[t.TargetKind] = true
		}
	}
	switch {
	case len(kinds) > 1:
		g.TargetKind = TargetMixed
	case kinds[TargetEvent]:
		g.TargetKind = TargetEvent
	default:
		g.TargetKind = TargetQuotaTotal
	}
	return g
}

// rank orders methods as booking.Methods does; unknown codes last.
func rank(m booking.Method) int {
	for i, x := range booking.Methods() {
		if x == m {
			return i
		}
	}
	return len(booking.Methods())
}

// methodNames are the method names used in the files, as the national
// reporting forms write them.
var methodNames = map[booking.Method]string{
	booking.Pil: "Pil", booking.MiniPil: "Minipil", booking.Suntik1: "Suntik 1 bulan",
	booking.Suntik3: "Suntik 3 bulan", booking.Implan: "Implan", booking.IUD: "IUD/AKDR",
	booking.Kondom: "Kondom", booking.MOW: "MOW", booking.MOP: "MOP", booking.MAL: "MAL",
}

// MethodName returns the name of method m in the files ("IUD/AKDR"), or its
// code when unknown.
func MethodName(m booking.Method) string {
	if n, ok := methodNames[m]; ok {
		return n
	}
	return string(m)
}

// GroupName returns the name of a group of methods in the files.
func GroupName(g string) string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	return g
}
