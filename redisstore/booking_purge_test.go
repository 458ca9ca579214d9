package redisstore_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/report"
)

// purgeYAML is testYAML with a second, later event at pkm-a.
const purgeYAML = testYAML + `
  - id: kbs-later
    name: Later
    date: 2030-06-10
    sites:
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "10:00", capacity: 5}
        quota: {iud: 5}
`

// testEventEnd is the end of the last session of testEvent: 12:00 WIB.
var testEventEnd = time.Date(2030, 1, 10, 5, 0, 0, 0, time.UTC)

// personal is what a purge or an erasure must leave nowhere.
type personal struct{ needles []string }

func (p *personal) add(s ...string) { p.needles = append(p.needles, s...) }

// absent fails t for every key under prefix that holds one of the needles,
// in its name or its content.
func (p *personal) absent(t *testing.T, e *env) {
	t.Helper()
	for k, v := range snapshot(t, e.rdb, e.keys.Prefix()) {
		for _, n := range p.needles {
			if strings.Contains(k, n) || strings.Contains(v, n) {
				t.Errorf("%s still holds %q: %s", k, n, v)
			}
		}
	}
}

// rekapOf builds the rekap of testEvent as the /rekap flow does.
func rekapOf(t *testing.T, e *env, now time.Time) report.Rekap {
	t.Helper()
	tally, err := e.store.EventTally(context.Background(), testEvent)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := e.cat.Event(testEvent)
	return report.Build(e.cat, ev, tally, nil, now)
}

// TestPurgePersonal fills an event with everything personal a booking can
// carry (residents' and cadres' bookings, active, cancelled and checked in,
// screening answers, a waitlist, a held offer), runs the retention purge
// and checks the rekap and the tally are unchanged while no key under the
// prefix still holds a name, phone, answer, ref or chat of the event.
func TestPurgePersonal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	e := newEnvOn(t, rdb, keys, purgeYAML)
	const keep = 30 * 24 * time.Hour
	e.store = redisstore.NewBookingStore(rdb, keys, e.clock, redisstore.BookingOptions{OfferTTL: time.Hour, Retention: keep})
	var gone personal

	bookAs := func(chat, cadre kbbot.ChatID, key, name, phone, fac, sess string, m booking.Method, answer string) booking.Booking {
		t.Helper()
		r := booking.Request{EventID: testEvent, FacilityID: fac, SessionID: sess, Method: m, Resident: chat, BookedBy: cadre,
			Name: name, Phone: phone, ConsentAt: testStart, IdempotencyKey: key}
		if answer != "" {
			r.Screening = map[string]string{"hamil_mungkin": answer}
			gone.add(answer)
		}
		b, err := e.store.Book(ctx, r)
		if err != nil {
			t.Fatalf("book %s: %v", name, err)
		}
		gone.add(name)
		if phone != "" {
			gone.add(phone)
		}
		if b.ResidentRef != "" {
			gone.add(b.ResidentRef)
		}
		return b
	}
	const cadre = kbbot.ChatID(555000111)
	gone.add("555000111", "987654321", "987650001", "987650002", "987650003", "987650004", "987650005")
	served := bookAs(987654321, 0, "k1", "Rahmawati Zulfa", "081234567890", "pkm-a", "0800", booking.IUD, "haid-terakhir-12-hari")
	pregnant := bookAs(987650001, 0, "k2", "Siti Aminah", "081300000001", "pkm-a", "1000", booking.Implan, "belum-haid-sejak-melahirkan")
	cancelled := bookAs(987650002, 0, "k3", "Dewi Kartika", "", "pkm-a", "0800", booking.IUD, "")
	if _, err := e.store.Cancel(ctx, cancelled.Code, 987650002); err != nil {
		t.Fatal(err)
	}
	leaving := bookAs(987650003, 0, "k4", "Nur Hidayah", "081300000003", "pmb-b", "0900", booking.IUD, "")
	bookAs(0, cadre, "c1", "Ibu Sumi Lestari", "085700000002", "pmb-b", "0900", booking.IUD, "menyusui-eksklusif-4-bulan")
	servedByCadre := bookAs(0, cadre, "c2", "Ibu Narti Wahyuni", "", "pmb-b", "0900", booking.IUD, "")
	for _, c := range []kbbot.ChatID{987650004, 987650005} {
		if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: c}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.Cancel(ctx, leaving.Code, 987650003); err != nil { // 987650004 gets an offer
		t.Fatal(err)
	}
	for _, code := range []string{served.Code, servedByCadre.Code} {
		if _, err := e.store.CheckIn(ctx, booking.CheckIn{Code: code, By: 900, At: checkInAt, Method: booking.IUD, Category: booking.NewAcceptor,
			Register: booking.Register{Post: booking.PostPartum, Consent: true, JKN: booking.JKNPBI}}); err != nil {
			t.Fatal(err)
		}
	}
	// On the day: Siti is not served (pregnant); a walk-in comes.
	if _, err := e.store.MarkNotServed(ctx, booking.NotServedMark{Code: pregnant.Code, By: 900, At: checkInAt, Reason: booking.ReasonPregnant}); err != nil {
		t.Fatal(err)
	}
	gone.add("Ibu Jalan Kaki", "081300000009")
	if _, err := e.store.WalkIn(ctx, booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "0800", Method: booking.Implan,
		BookedBy: cadre, Name: "Ibu Jalan Kaki", Phone: "081300000009", ConsentAt: checkInAt, IdempotencyKey: "w1"}); err != nil {
		t.Fatal(err)
	}
	// The register line is kept with the check-in until the purge.
	if _, ci, _, _ := e.store.CheckInOf(ctx, served.Code); ci.Register.Post != booking.PostPartum || !ci.Register.Consent || ci.Register.JKN != booking.JKNPBI {
		t.Fatalf("register of the check-in before the purge: %+v", ci.Register)
	}
	// The same resident also booked the later event: that stays.
	laterReq := req(987654321, "later", "pkm-a", "0800", booking.IUD)
	laterReq.EventID, laterReq.Name = "kbs-later", "Rahmawati Zulfa"
	later, err := e.store.Book(ctx, laterReq)
	if err != nil {
		t.Fatal(err)
	}
	checkServedInvariants(t, e)

	// Until the retention has run out, nothing is purged.
	boundary := testEventEnd.Add(keep)
	if n, err := e.store.PurgePersonal(ctx, boundary); err != nil || n != 0 {
		t.Fatalf("purge at end+retention: %d %v", n, err)
	}
	if b, _ := e.store.Get(ctx, served.Code); b.Name != "Rahmawati Zulfa" || !b.ErasedAt.IsZero() {
		t.Fatalf("purged too early: %+v", b)
	}

	now := boundary.Add(time.Millisecond)
	rekapBefore, tallyBefore := rekapOf(t, e, now), tallyOf(t, e)
	usedBefore := usedOf(t, e, testEvent)
	if s := rekapBefore.Sum(); s.Booked == 0 || s.Attended != 2 || s.NoShow == 0 || s.Waitlist != 2 || s.WalkIns != 1 ||
		s.PostPartum != 2 || s.Consent != 2 || s.JKNPBI != 2 || s.Pregnant != 1 {
		t.Fatalf("the scenario should fill every figure: %+v", s)
	}

	if n, err := e.store.PurgePersonal(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if got := rekapOf(t, e, now); !reflect.DeepEqual(got, rekapBefore) {
		t.Errorf("rekap changed by the purge:\n got %+v\nwant %+v", got.Rows, rekapBefore.Rows)
	}
	if got := tallyOf(t, e); got != tallyBefore {
		t.Errorf("tally changed by the purge:\n got %s\nwant %s", got, tallyBefore)
	}
	if used := usedOf(t, e, testEvent); !reflect.DeepEqual(used, usedBefore) {
		t.Errorf("places taken changed: %v, was %v", used, usedBefore)
	}

	// The later event still names the resident (and nothing else does).
	snap := snapshot(t, e.rdb, e.keys.Prefix())
	gone.needles = without(gone.needles, "987654321", "Rahmawati Zulfa")
	gone.absent(t, e)
	for k, v := range snap {
		if strings.Contains(k+v, "Rahmawati Zulfa") && k != e.keys.EventRecords("kbs-later") {
			t.Errorf("%s still names the resident: %s", k, v)
		}
		if strings.Contains(k+v, "987654321") && !strings.Contains(k, "{ev:kbs-later}") &&
			(k != e.keys.ResidentEvents(987654321) || strings.Count(v, "987654321") != 1 || !strings.Contains(v, "987654321|kbs-later=;")) {
			t.Errorf("%s still holds the resident's chat: %s", k, v)
		}
	}
	if ids := e.rdb.HKeys(ctx, e.keys.ResidentEvents(987654321)).Val(); !reflect.DeepEqual(ids, []string{"987654321|kbs-later"}) {
		t.Errorf("resident's events after the purge: %v", ids)
	}
	if list, err := e.store.Bookings(ctx, 987654321); err != nil || len(list) != 1 || list[0].Code != later.Code {
		t.Errorf("resident's bookings after the purge: %+v %v", list, err)
	}
	if list, _ := e.store.Bookings(ctx, cadre); len(list) != 0 {
		t.Errorf("cadre's bookings after the purge: %+v", list)
	}
	if w, _ := e.store.Waiting(ctx, 987650005); len(w) != 0 {
		t.Errorf("waitlist after the purge: %+v", w)
	}

	// A purged booking is still found by its code, anonymous.
	b, err := e.store.Get(ctx, served.Code)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "" || b.Phone != "" || b.Screening != nil || b.Resident != 0 || b.BookedBy != 0 || b.ResidentRef != "" ||
		!b.ErasedAt.Equal(now) || b.Status != booking.Attended || b.FacilityID != "pkm-a" || b.Method != booking.IUD {
		t.Errorf("purged booking: %+v", b)
	}
	// Its check-in stays, without the register line (the counts keep it).
	if _, ci, ok, err := e.store.CheckInOf(ctx, served.Code); err != nil || !ok || ci.By != 900 || ci.Method != booking.IUD ||
		ci.Category != booking.NewAcceptor || ci.Register != (booking.Register{}) {
		t.Errorf("check-in of a purged booking: %+v %v %v", ci, ok, err)
	}
	if !e.rdb.SIsMember(ctx, e.keys.PurgedEvents(), testEvent).Val() {
		t.Error("event not marked purged")
	}

	// Again, later: nothing changes.
	if n, err := e.store.PurgePersonal(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge again: %d %v", n, err)
	}
	if again := snapshot(t, e.rdb, e.keys.Prefix()); !reflect.DeepEqual(again, snap) {
		t.Error("a second purge changed something")
	}
	if got := rekapOf(t, e, now); !reflect.DeepEqual(got, rekapBefore) {
		t.Error("rekap changed by a second purge")
	}
	// The later event's turn comes after its own retention.
	if n, err := e.store.PurgePersonal(ctx, time.Date(2030, 6, 10, 3, 0, 0, 0, time.UTC).Add(keep+time.Millisecond)); err != nil || n != 1 {
		t.Fatalf("purge of the later event: %d %v", n, err)
	}
	if e.rdb.HExists(ctx, e.keys.ResidentEvents(987654321), "987654321|kbs-later").Val() {
		t.Error("resident's index of events outlived both purges")
	}
}

// TestPurgeRetriedAfterAPartialRun: a run that stopped after the script
// (before marking the event) is finished by the next, and a script run
// again finds the event purged.
func TestPurgeRetriedAfterAPartialRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b := book(t, e, 987650001, "pkm-a", "0800", booking.IUD)
	now := testEventEnd.Add(redisstore.DefaultRetention + time.Second)
	if n, err := e.store.PurgePersonal(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	snap := snapshot(t, e.rdb, e.keys.Prefix())
	// Forget the mark, as if the process died before writing it.
	e.rdb.SRem(ctx, e.keys.PurgedEvents(), testEvent)
	if n, err := e.store.PurgePersonal(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge after a partial run: %d %v", n, err)
	}
	if again := snapshot(t, e.rdb, e.keys.Prefix()); !reflect.DeepEqual(again, snap) {
		t.Errorf("finishing a partial run changed the data:\n%v\n%v", again, snap)
	}
	if got, _ := e.store.Get(ctx, b.Code); !got.ErasedAt.Equal(now) {
		t.Errorf("erased at %v, want the first run's %v", got.ErasedAt, now)
	}
}

// tallyOf returns testEvent's tally as sorted lines.
func tallyOf(t *testing.T, e *env) string {
	t.Helper()
	tally, err := e.store.EventTally(context.Background(), testEvent)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(tallyLines(tally), "\n")
}

func without(list []string, drop ...string) []string {
	var out []string
outer:
	for _, s := range list {
		for _, d := range drop {
			if s == d {
				continue outer
			}
		}
		out = append(out, s)
	}
	return out
}
