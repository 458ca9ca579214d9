package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
)

// Check-in at the facility, and the counts a rekap is made of.
//
// A cadre or bidan checks a client in by booking code: the booking becomes
// Attended, with the method actually given and the line of the national
// KB register (R/I/KB, Register Pelayanan KB): the category, and the
// register's other columns (Register). A store keeps, besides the
// booking's own record (deleted by /hapusdata with the booking, its
// register part by the retention purge), an anonymous count per facility,
// method booked, method given, category and register marks, so that the
// service given still counts in a rekap after the client's data is gone.

// Category is the category of the national KB register (the BKKBN's
// R/I/KB) a client's visit is counted in.
type Category string

// The categories of the register. A visit is one of them; the register's
// other columns (pasca persalinan, removal, complication, informed
// consent, JKN) are in Register.
const (
	// NewAcceptor is a peserta KB baru (PB): using contraception for the
	// first time, or again after a pregnancy (Register.Post says whether
	// right after a delivery or a miscarriage) or a long break.
	NewAcceptor Category = "baru"
	// Continuing is a peserta KB ulang / lama: continuing the same method
	// (the next injection, a new implant of the same kind).
	Continuing Category = "lanjutan"
	// Switching is ganti cara: an acceptor changing to another method
	// (Register.From is the one before).
	Switching Category = "ganti"
	// RemovalOnly is a pencabutan: an IUD or implant removed, no method
	// given at this visit. CheckIn.Method is the method removed.
	RemovalOnly Category = "cabut"
	// Failure is a kegagalan: a client who became pregnant while using a
	// method; no method is given. CheckIn.Method is the method that
	// failed.
	Failure Category = "gagal"
)

// Categories lists the categories in the order the register shows them.
func Categories() []Category {
	return []Category{NewAcceptor, Continuing, Switching, RemovalOnly, Failure}
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, x := range Categories() {
		if c == x {
			return true
		}
	}
	return false
}

// Acceptor reports whether a visit of category c is a contraceptive
// service with CheckIn.Method (baru, ulang, ganti cara): what counts
// against a target (% capaian). A removal alone or a failure does not.
func (c Category) Acceptor() bool {
	return c == NewAcceptor || c == Continuing || c == Switching
}

// Post says whether a new acceptor starts right after a pregnancy ended:
// "KB pasca persalinan" (KBPP) or "KB pasca keguguran".
type Post string

// The values of Post.
const (
	PostNone     Post = ""
	PostPartum   Post = "persalinan" // pasca persalinan: after a delivery
	PostAbortion Post = "keguguran"  // pasca keguguran: after a miscarriage
)

// Valid reports whether p is a known value (PostNone included).
func (p Post) Valid() bool { return p == PostNone || p == PostPartum || p == PostAbortion }

// JKN is a client's membership of the national health insurance (BPJS
// Kesehatan), as the register records it.
type JKN string

// The values of JKN.
const (
	JKNPBI    JKN = "pbi"    // JKN PBI: premiums paid by the state
	JKNNonPBI JKN = "nonpbi" // JKN non-PBI
	JKNNone   JKN = "tidak"  // not a JKN member
)

// JKNs lists the values in the order staff see them.
func JKNs() []JKN { return []JKN{JKNPBI, JKNNonPBI, JKNNone} }

// Valid reports whether j is one of JKNs.
func (j JKN) Valid() bool { return j == JKNPBI || j == JKNNonPBI || j == JKNNone }

// Register is the rest of a client's line in the R/I/KB register, beside
// the method and the category of CheckIn.
type Register struct {
	// Post is set for a new acceptor right after a delivery or a
	// miscarriage.
	Post Post
	// From is, for a switch (ganti cara), the method used before.
	From Method
	// Removed is the IUD or implant removed at this visit, if any: for a
	// removal alone the method removed; with a switch, the method before
	// (From); with a continuing client or a failure, the method itself
	// (an implant replaced, an IUD taken out in a pregnancy).
	Removed Method
	// Complication marks a serious complication (komplikasi berat) of
	// the method.
	Complication bool
	// Consent records that the client signed the informed consent
	// (required when NeedsConsent).
	Consent bool
	// JKN is the client's JKN membership.
	JKN JKN
}

// ConsentMethod reports whether method m is one the register records an
// informed consent for: IUD, implant, the injections, MOW and MOP.
func ConsentMethod(m Method) bool {
	switch m {
	case IUD, Implan, Suntik1, Suntik3, MOW, MOP:
		return true
	}
	return false
}

// NeedsConsent reports whether a check-in of method m in category c must
// record a signed informed consent: for new and switching clients
// receiving a ConsentMethod (the SIGA form's rule: "mandatory for
// new/switching clients receiving suntik, IUD, implan, tubektomi,
// vasektomi"). A continuing client signed it when they started.
func NeedsConsent(m Method, c Category) bool {
	return (c == NewAcceptor || c == Switching) && ConsentMethod(m)
}

// Removable reports whether method m is one the register counts removals
// of: IUD and implant.
func Removable(m Method) bool { return m == IUD || m == Implan }

// ErrNoConsent means a check-in that needs a signed informed consent
// (NeedsConsent) came without it. It wraps ErrInvalid.
var ErrNoConsent = fmt.Errorf("informed consent not recorded: %w", ErrInvalid)

// ErrCancelled means a check-in was asked for a booking that was cancelled.
var ErrCancelled = errors.New("booking was cancelled")

// CheckIn records that the client of a booking came and was served.
type CheckIn struct {
	// Code is the booking's code.
	Code string
	// By is the staff member who checked the client in.
	By kbbot.ChatID
	// At is when (UTC).
	At time.Time
	// Method is the method given, which may differ from the one booked;
	// for a removal alone the method removed, for a failure the method
	// that failed.
	Method Method
	// Category is the register category.
	Category Category
	// Register is the rest of the register line. Check-ins recorded
	// before the full register have it empty.
	Register Register
}

// Validate checks a check-in before it reaches a store: the fields, and
// that the register line holds together (a removal is of an IUD or an
// implant, a switch names another method before, pasca persalinan only
// for a new acceptor, a JKN answer, the informed consent when
// NeedsConsent: ErrNoConsent).
func (c CheckIn) Validate() error {
	var p []string
	if !ValidCode(c.Code) {
		p = append(p, "code")
	}
	if c.By == 0 {
		p = append(p, "staff member")
	}
	if c.At.IsZero() {
		p = append(p, "time")
	}
	if !c.Method.Valid() {
		p = append(p, fmt.Sprintf("method %q", c.Method))
	}
	if !c.Category.Valid() {
		p = append(p, fmt.Sprintf("category %q", c.Category))
	}
	r := c.Register
	if !r.Post.Valid() || (r.Post != PostNone && c.Category != NewAcceptor) {
		p = append(p, fmt.Sprintf("post %q", r.Post))
	}
	if c.Category == Switching {
		if !r.From.Valid() || r.From == c.Method {
			p = append(p, fmt.Sprintf("switch from %q", r.From))
		}
	} else if r.From != "" {
		p = append(p, "switch from without a switch")
	}
	if r.Removed != "" || c.Category == RemovalOnly {
		var of Method // what may be removed
		switch c.Category {
		case RemovalOnly, Continuing, Failure:
			of = c.Method
		case Switching:
			of = r.From
		}
		if !Removable(r.Removed) || r.Removed != of {
			p = append(p, fmt.Sprintf("removal of %q", r.Removed))
		}
	}
	if !r.JKN.Valid() {
		p = append(p, fmt.Sprintf("JKN %q", r.JKN))
	}
	if len(p) > 0 {
		return fmt.Errorf("booking: check-in: bad %v: %w", p, ErrInvalid)
	}
	if NeedsConsent(c.Method, c.Category) && !r.Consent {
		return fmt.Errorf("booking: check-in of %s (%s): %w", c.Method, c.Category, ErrNoConsent)
	}
	return nil
}

// CheckedIn is what a check-in did.
type CheckedIn struct {
	// Booking is the booking as it is now (Attended).
	Booking Booking
	// CheckIn is the record kept: the one asked for, or for Already the
	// earlier one, which stays as it was.
	CheckIn CheckIn
	// Already reports that the booking had been checked in before, so
	// nothing changed.
	Already bool
}

// Tally is an event's bookings, waitlist and check-ins, counted: no names,
// no chats. A rekap is computed from it (package report).
type Tally struct {
	EventID string
	// Bookings counts the bookings on record by status and place. A
	// resident who erased their data is no longer in it.
	Bookings []BookingCount
	// Waiting counts the residents in line, or holding an offered place,
	// by facility and method.
	Waiting []WaitCount
	// Served counts the check-ins, anonymously: they stay after /hapusdata.
	Served []ServedCount
	// WalkIns counts the clients registered at the service table on the
	// day (BookingStore.WalkIn), whatever became of them: anonymous
	// counts that stay after an erasure or the purge.
	WalkIns []WalkInCount
	// NotServed counts the bookings marked "tidak jadi dilayani", by
	// reason (a booking whose mark cannot be read counts as ReasonAbsent).
	NotServed []NotServedCount
}

// BookingCount is the number of bookings with one status at one place.
type BookingCount struct {
	Status     Status
	FacilityID string
	SessionID  string
	Method     Method
	N          int
}

// WaitCount is the number of residents waiting for one method at one
// facility; Offered counts those holding an offered place.
type WaitCount struct {
	FacilityID string
	Method     Method
	Offered    bool
	N          int
}

// ServedCount is the number of clients checked in at one facility who had
// booked Booked in session SessionID, were given Given (see
// CheckIn.Method), and were counted in Category with the register marks
// of Register (its From is not counted: it is zero). Check-ins recorded
// before the full register have an empty Register.
type ServedCount struct {
	FacilityID string
	SessionID  string
	Booked     Method
	Given      Method
	Category   Category
	Register   Register
	N          int
}

// WalkInCount is the number of walk-ins registered for one method in one
// session at one facility.
type WalkInCount struct {
	FacilityID string
	SessionID  string
	Method     Method
	N          int
}

// NotServedCount is the number of bookings of one method in one session
// at one facility marked as not served for Reason.
type NotServedCount struct {
	FacilityID string
	SessionID  string
	Method     Method
	Reason     NotServedReason
	N          int
}
