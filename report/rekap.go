// Package report makes what cadres print and send on: the rekap of a KB
// serentak event (its figures and a CSV file an operator can paste into
// national reporting) and the inputs of its drawn files (ChartLabels,
// Poster). Package report/render draws them: the bar chart PNG, the QR
// posters of deep links and the XLSX file; the dialog reaches it only
// through an interface, so that it never imports image or spreadsheet code.
//
// It is pure: it turns a catalog and a store's counts (booking.Tally) into
// figures and bytes, reads no clock and no store, and imports no Telegram or
// Redis code.
//
// # The rekap's columns
//
// One row per facility and method, then one total row per method (faskes
// "JUMLAH"), in a stable order: facilities by kecamatan, name and id;
// methods in the order of booking.Methods. The columns (Columns) are:
//
//	acara_id, acara, tanggal   the event's id, name and date (YYYY-MM-DD)
//	faskes_id, faskes          the facility's id and name (JUMLAH: the totals)
//	kelurahan, kecamatan, kabupaten
//	metode, nama_metode        the method code and its name
//	target                     see jenis_target
//	jenis_target               kuota_faskes: the site's quota for the method
//	                           (facility rows); target_acara: the event's
//	                           target for the method (total rows, when the rekap
//	                           covers every site of the event and the event sets
//	                           one); jumlah_kuota: the sum of the quotas of the
//	                           sites covered (other total rows). Targets are set
//	                           per event and method, so a facility's "target" is
//	                           its quota.
//	terdaftar                  booked: active bookings and those checked in,
//	                           by the method booked
//	daftar_tunggu              waitlist: residents in line or holding an offered
//	                           place, by the method asked for
//	hadir                      attended: clients checked in, by the method given
//	kb_baru, kb_lanjutan, ganti_cara
//	                           attended, by category of the national register:
//	                           peserta KB baru, ulang/lanjutan, ganti cara
//	tidak_hadir                no-show: active bookings whose session has ended
//	                           without a check-in
//
// A client who was given another method than the one booked counts as
// booked under the first and attended under the second. Check-ins are
// counted anonymously by the store, so they stay in the rekap after the
// client erased their data (/hapusdata); their booking does not, so such a
// client counts in hadir, and in terdaftar through the check-in count.
package report

import (
	"sort"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// Kinds of target (the jenis_target column).
const (
	TargetQuota      = "kuota_faskes" // a site's quota for the method
	TargetEvent      = "target_acara" // the event's target for the method
	TargetQuotaTotal = "jumlah_kuota" // the sum of the quotas of the sites covered
)

// TotalName is the facility name of the total rows.
const TotalName = "JUMLAH"

// Columns are the header of the CSV and of the XLSX sheet, in order.
var Columns = []string{
	"acara_id", "acara", "tanggal", "faskes_id", "faskes", "kelurahan", "kecamatan", "kabupaten",
	"metode", "nama_metode", "target", "jenis_target", "terdaftar", "daftar_tunggu", "hadir",
	"kb_baru", "kb_lanjutan", "ganti_cara", "tidak_hadir",
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
	// Rows has one row per facility and method; Totals one per method.
	Rows   []Row
	Totals []Row
}

// Row is one line of a rekap.
type Row struct {
	FacilityID string // empty for a total row
	Facility   string // TotalName for a total row
	Kelurahan  string
	Kecamatan  string
	Kabupaten  string
	Method     booking.Method
	Target     int
	TargetKind string // TargetQuota, TargetEvent or TargetQuotaTotal
	Booked     int
	Waitlist   int
	Attended   int
	New        int // attended, peserta KB baru
	Continuing int // attended, ulang/lanjutan
	Switching  int // attended, ganti cara
	NoShow     int
}

// add adds the figures of o (not the target) to r.
func (r *Row) add(o Row) {
	r.Booked += o.Booked
	r.Waitlist += o.Waitlist
	r.Attended += o.Attended
	r.New += o.New
	r.Continuing += o.Continuing
	r.Switching += o.Switching
	r.NoShow += o.NoShow
}

func (r Row) empty() bool {
	return r.Target == 0 && r.Booked == 0 && r.Waitlist == 0 && r.Attended == 0 && r.NoShow == 0
}

// Sum returns the figures of every total row added up (Target included).
func (r Rekap) Sum() Row {
	s := Row{Facility: TotalName}
	for _, t := range r.Totals {
		s.add(t)
		s.Target += t.Target
	}
	return s
}

// Build computes the rekap of event ev from the store's counts t, for the
// sites whose facility in accepts (nil: every site), as at now (sessions
// ended by now count their unchecked bookings as no-shows, and bookings
// marked not served on the day count as no-shows at once). Counts naming
// a facility or session the catalog does not know are left out.
func Build(c *booking.Catalog, ev *booking.Event, t booking.Tally, in func(*booking.Facility) bool, now time.Time) Rekap {
	r := Rekap{EventID: ev.ID, EventName: ev.Name, Date: ev.Date, At: now.UTC(), Full: true}
	type key struct {
		fac string
		m   booking.Method
	}
	rows := map[key]*Row{}
	var sites []*booking.Site
	var facs []*booking.Facility
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
		sites = append(sites, s)
		facs = append(facs, f)
	}
	site := map[string]*booking.Site{}
	fac := map[string]*booking.Facility{}
	for i, s := range sites {
		site[s.Facility], fac[s.Facility] = s, facs[i]
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
	for _, s := range sites {
		for _, m := range s.Methods() {
			row(s.Facility, m)
		}
	}
	for _, b := range t.Bookings {
		s := site[b.FacilityID]
		if s == nil || (b.Status != booking.Active && b.Status != booking.NotServed) {
			continue
		}
		x := row(b.FacilityID, b.Method)
		x.Booked += b.N
		// Not served: still active after the session, or marked so on the
		// day (any reason; the reasons are in the bookings' records).
		if sess, ok := s.Session(b.SessionID); b.Status == booking.NotServed || ok && !now.Before(sess.End) {
			x.NoShow += b.N
		}
	}
	for _, sv := range t.Served {
		if site[sv.FacilityID] == nil {
			continue
		}
		row(sv.FacilityID, sv.Booked).Booked += sv.N
		x := row(sv.FacilityID, sv.Given)
		x.Attended += sv.N
		switch sv.Category {
		case booking.NewAcceptor:
			x.New += sv.N
		case booking.Continuing:
			x.Continuing += sv.N
		case booking.Switching:
			x.Switching += sv.N
		}
	}
	for _, w := range t.Waiting {
		if site[w.FacilityID] != nil {
			row(w.FacilityID, w.Method).Waitlist += w.N
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
	return r
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
