package report

import (
	"sort"
	"strconv"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// The per-client register: one line per client checked in at the sites
// covered, in the column order of the BKKBN's R/I/KB form (Register
// Pelayanan KB), so that a facility or a PKB can copy it into the paper
// register or New SIGA and hand it to the Dinas.
//
// # The columns and where their order comes from
//
// RegisterColumns first follow the per-client fields of R/I/KB in the
// order the 2013 column instructions list them (R/I/KB/13, as summarised
// in the project's domain reference, ../shared/reference/kb-domain.md §7
// "Per-client fields on R/I/KB"): service date; client card serial
// number; name; address; wife's age; number of living children; new
// acceptor (PB) by method; PB pasca persalinan; PB pasca keguguran;
// informed consent; JKN PBI / non-PBI; ganti cara; pelayanan ulang;
// IUD/implant removal; serious complication; failure; PB from KPS/KS I
// families. A method-bearing column holds the method's name (the paper
// form has a sub-column per method); a mark holds 1, so that columns add
// up. Columns kbbot does not record (the card's number, address, age,
// children, KPS/KS I) are there and empty, to keep the form's order; the
// staff fill them in from the client's card. After them come kbbot's own
// columns: booking code, facility, method booked, walk-in.
//
// What is not in it, by choice: the pregnancy checklist's answers (a
// screening tool read at the table, not a column of the register: health
// data the register does not need), the phone number, the chat, and who
// checked the client in.

// RegisterColumns are the header of the register's CSV and XLSX sheet.
var RegisterColumns = []string{
	// R/I/KB, in its order.
	"No.", "Tanggal pelayanan", "No. seri Kartu Peserta KB (K/I/KB)", "Nama peserta", "Alamat", "Umur istri",
	"Jumlah anak hidup", "Peserta KB baru: metode", "PB pasca persalinan", "PB pasca keguguran",
	"Informed consent", "JKN PBI", "JKN non-PBI", "Ganti cara: dari metode", "Ganti cara: ke metode",
	"Pelayanan ulang: metode", "Pencabutan IUD/implan", "Komplikasi berat: metode", "Kegagalan: metode",
	"PB dari keluarga KPS/KS I",
	// kbbot's own.
	"Kode pendaftaran", "Faskes", "Kecamatan", "Metode didaftarkan", "Datang langsung",
}

// RegisterFormColumns is how many of RegisterColumns are R/I/KB's; the
// rest are kbbot's.
const RegisterFormColumns = 20

// Register is the per-client register of an event, for the sites in view
// of whoever asked.
type Register struct {
	EventID   string
	EventName string
	Date      booking.Date
	// At is when it was made.
	At time.Time
	// Full reports that every site of the event is covered.
	Full bool
	// Lines are the clients checked in, by facility then time.
	Lines []RegisterLine
	// Purged counts the check-ins left out because their personal data
	// was purged after the event (the rekap still counts them).
	Purged int
}

// RegisterLine is one client's line.
type RegisterLine struct {
	// Date is the day of the service, in the facility's zone.
	Date     booking.Date
	Facility *booking.Facility
	Booking  booking.Booking
	CheckIn  booking.CheckIn
}

// BuildRegister makes the register of event ev from the check-ins list
// (with their bookings) at the sites whose facility in accepts (nil:
// every site); purged counts those whose personal data is gone. Check-ins
// at a facility not covered are left out.
func BuildRegister(c *booking.Catalog, ev *booking.Event, in func(*booking.Facility) bool, list []booking.CheckedIn, purged int, now time.Time) Register {
	r := Register{EventID: ev.ID, EventName: ev.Name, Date: ev.Date, At: now.UTC(), Full: true, Purged: purged}
	covered := map[string]*booking.Facility{}
	for _, s := range ev.Sites {
		f, ok := c.Facility(s.Facility)
		if !ok {
			continue
		}
		if in != nil && !in(f) {
			r.Full = false
			continue
		}
		covered[f.ID] = f
	}
	for _, x := range list {
		f := covered[x.Booking.FacilityID]
		if f == nil || x.Booking.EventID != ev.ID {
			continue
		}
		r.Lines = append(r.Lines, RegisterLine{Date: booking.DateOf(x.CheckIn.At, f.Location), Facility: f, Booking: x.Booking, CheckIn: x.CheckIn})
	}
	sort.SliceStable(r.Lines, func(i, j int) bool {
		a, b := r.Lines[i], r.Lines[j]
		if a.Facility.Kecamatan != b.Facility.Kecamatan {
			return a.Facility.Kecamatan < b.Facility.Kecamatan
		}
		if a.Facility.Name != b.Facility.Name {
			return a.Facility.Name < b.Facility.Name
		}
		if a.Facility.ID != b.Facility.ID {
			return a.Facility.ID < b.Facility.ID
		}
		if !a.CheckIn.At.Equal(b.CheckIn.At) {
			return a.CheckIn.At.Before(b.CheckIn.At)
		}
		return a.Booking.Code < b.Booking.Code
	})
	return r
}

// Table returns the register's lines, the cells of each in the order of
// RegisterColumns: marks as the int 1, method columns as method names,
// empty cells as "".
func (r Register) Table() [][]any {
	out := make([][]any, 0, len(r.Lines))
	for i, l := range r.Lines {
		ci, reg := l.CheckIn, l.CheckIn.Register
		mark := func(b bool) any {
			if b {
				return 1
			}
			return ""
		}
		method := func(b bool, m booking.Method) any {
			if b && m != "" {
				return MethodName(m)
			}
			return ""
		}
		out = append(out, []any{
			i + 1, l.Date.String(), "", l.Booking.Name, "", "",
			"", method(ci.Category == booking.NewAcceptor, ci.Method), mark(reg.Post == booking.PostPartum), mark(reg.Post == booking.PostAbortion),
			mark(reg.Consent), mark(reg.JKN == booking.JKNPBI), mark(reg.JKN == booking.JKNNonPBI),
			method(ci.Category == booking.Switching, reg.From), method(ci.Category == booking.Switching, ci.Method),
			method(ci.Category == booking.Continuing, ci.Method), method(true, reg.Removed),
			method(reg.Complication, ci.Method), method(ci.Category == booking.Failure, ci.Method),
			"",
			l.Booking.Code, l.Facility.Name, l.Facility.Kecamatan, MethodName(l.Booking.Method), mark(l.Booking.WalkIn),
		})
	}
	return out
}

// RegisterCSV returns the register as a CSV file Excel in an Indonesian
// locale opens into columns (see CSV): the header RegisterColumns, then
// one line per client.
func RegisterCSV(r Register) ([]byte, error) { return excelCSV(RegisterColumns, r.Table()) }

// RegisterNotes explain the register's columns, Indonesian first, for the
// Keterangan sheet of its XLSX: each a column (or columns) and what it
// holds.
var RegisterNotes = [][2]string{
	{"Urutan kolom / column order", "Kolom 1–" + strconv.Itoa(RegisterFormColumns) + " mengikuti urutan kolom per klien formulir R/I/KB (Register Pelayanan KB, petunjuk R/I/KB/13). Kolom sesudahnya tambahan dari kbbot. / Columns 1–" + strconv.Itoa(RegisterFormColumns) + " follow the per-client columns of the R/I/KB form (instructions R/I/KB/13); the rest are kbbot's."},
	{"Kolom kosong / empty columns", "No. seri kartu K/I/KB, alamat, umur istri, jumlah anak hidup dan keluarga KPS/KS I tidak dicatat kbbot: isi dari kartu peserta. / Not recorded by kbbot: fill them in from the client's card."},
	{"Metode / method", "Kolom berlabel \"metode\" berisi nama metode; kolom tanda berisi 1 (bisa dijumlahkan). / Method columns hold the method's name; mark columns hold 1 (they add up)."},
	{"Pencabutan IUD/implan", "Metode yang dicabut pada kunjungan ini (pencabutan saja, atau bersama ganti cara / pelayanan ulang). / The method removed at this visit."},
	{"Kegagalan", "Klien hamil saat memakai metode itu; tidak diberi metode. / The client became pregnant while using that method; no method given."},
	{"JKN", "JKN PBI / non-PBI; keduanya kosong: tidak punya JKN (atau check-in sebelum kolom ini ada). / Both empty: no JKN (or a check-in from before this column)."},
	{"Tidak dimuat / not included", "Jawaban daftar periksa kehamilan, nomor HP dan petugas yang mencatat tidak dimuat: register tidak memerlukannya. / The pregnancy checklist's answers, phone numbers and the staff member are left out: the register does not need them."},
}
