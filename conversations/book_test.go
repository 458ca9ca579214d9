package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// newBookWorld is a roleWorld with the booking store on the test Redis
// and one resident who consented.
func newBookWorld(t *testing.T) *roleWorld {
	t.Helper()
	return newBookWorldWith(t, nil, nil)
}

// newBookWorldWith is newBookWorld with the booking store wrapped by wrap
// (when not nil) and the reminder store rems.
func newBookWorldWith(t *testing.T, wrap func(booking.Store) booking.Store, rems conversations.ReminderStore) *roleWorld {
	t.Helper()
	w := newRoleWorld(t)
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	cat, err := booking.Demo(w.now)
	if err != nil {
		t.Fatal(err)
	}
	var bookings booking.Store = redisstore.NewBookingStore(rdb, keys, fakes.NewClock(w.now), redisstore.BookingOptions{})
	if _, err := bookings.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		bookings = wrap(bookings)
	}
	svc := conversations.Services{
		Catalog:  func(context.Context) (*booking.Catalog, error) { return cat, nil },
		Bookings: bookings,
		Staff:    w.store,
		Log:      quiet,
	}
	if rems != nil {
		svc.Reminders = rems
	}
	w.e = conversations.NewEngine(library(t), func() string { w.nonces++; return fmt.Sprintf("n%d", w.nonces) }, svc)
	r := resident.New("id")
	r.Consent, r.NoticeVersion, r.ConsentAt = conversations.ConsentGiven, conversations.NoticeVersion, w.now
	w.records[rResident] = r
	return w
}

// TestBookingRoutes: the booking flow's buttons carry the flow's name and
// nonce; the engine refuses a button of another step, a forged nonce and
// the old flow's buttons as expired; the state is one typed entry.
func TestBookingRoutes(t *testing.T) {
	t.Parallel()
	w := newBookWorld(t)
	toKec := func() []kbbot.Reply {
		r := w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_region"))
		return w.tap(rResident, r, "Kota Pekalongan, Jawa Tengah")
	}
	r := w.send(rResident, "/daftar")
	if d := buttonData(r, w.ui("btn_book_region")); d != "book:reg:n1" {
		t.Fatalf("region button: %q in %s", d, dump(r))
	}
	r = w.tap(rResident, r, w.ui("btn_book_region"))
	r = w.tap(rResident, r, "Kota Pekalongan, Jawa Tengah")
	if d := buttonData(r, "Pekalongan Barat"); !strings.HasPrefix(d, "book:kec:") || !strings.HasSuffix(d, ":n1") {
		t.Fatalf("kecamatan button: %q in %s", d, dump(r))
	}
	if s := w.sessions[rResident]; s.Flow != "book" || s.Step != "kec" || len(s.Data) != 1 || !strings.Contains(s.Data["state"], `"kab":"Kota Pekalongan"`) {
		t.Fatalf("session: %+v", s)
	}
	for _, d := range []string{
		"book:kab:0:%s",  // a button of an earlier step
		"book:kec:0:n99", // another nonce
		"book:kec:0",     // no nonce
		"book:kec:99:%s", // no such kecamatan
		"b:kec:0:%s",     // the old flow's button
	} {
		if strings.Contains(d, "%s") {
			d = fmt.Sprintf(d, w.sessions[rResident].Nonce)
		}
		if !w.expired(w.tapData(rResident, d)) {
			t.Errorf("%s was not refused as expired", d)
		}
		if s := w.sessions[rResident]; s.Flow != "" {
			t.Fatalf("%s left the flow at %+v", d, s)
		}
		toKec()
	}
	// Buttons sent before the flow moved are refused as expired.
	if !w.expired(w.tapData(rResident, "b:start")) {
		t.Error("b:start was not refused")
	}
	if !w.expired(w.tapData(rResident, "b:cadre")) || !w.expired(w.tapData(rResident, "daftarkan")) {
		t.Error("a resident's cadre booking button was not refused")
	}
	// A shared location reaches the flow through its hook.
	w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_near"))
	r = w.step(kbbot.Event{Kind: kbbot.EventLocation, ChatID: rResident, UserID: int64(rResident), Lat: -6.8886, Lon: 109.6596})
	found := false
	for _, rep := range r {
		for _, row := range rep.Buttons {
			for _, b := range row {
				found = found || strings.HasPrefix(b.Label, "Puskesmas Bendan") && strings.HasPrefix(b.Data, "book:f:")
			}
		}
	}
	if !found {
		t.Fatalf("nearest: %s", dump(r))
	}
}

// TestBookingSessionsShowTheMethodsPlaces: a session's "sisa" is what is
// left for the chosen method, not the session's whole capacity: with 12
// implants left at Puskesmas Bendan no session offers 25 places.
func TestBookingSessionsShowTheMethodsPlaces(t *testing.T) {
	t.Parallel()
	w := newBookWorld(t)
	w.tap(rResident, w.send(rResident, "/daftar"), w.ui("btn_book_near"))
	r := w.step(kbbot.Event{Kind: kbbot.EventLocation, ChatID: rResident, UserID: int64(rResident), Lat: -6.8886, Lon: 109.6596})
	var bendan string
	for _, l := range labels(r) {
		if strings.HasPrefix(l, "Puskesmas Bendan") {
			bendan = l
		}
	}
	r = w.tap(rResident, r, bendan)
	left := func(label string) int {
		_, n, ok := strings.Cut(label, "· sisa ")
		var v int
		if _, err := fmt.Sscan(n, &v); !ok || err != nil {
			t.Fatalf("no places in %q", label)
		}
		return v
	}
	var method string
	for _, l := range labels(r) {
		if strings.HasPrefix(l, "Implan") {
			method = l
		}
	}
	if method == "" {
		t.Fatalf("no implant at Puskesmas Bendan: %v", labels(r))
	}
	max := left(method)
	r = w.tap(rResident, r, method)
	sessions := 0
	for _, l := range labels(r) {
		if strings.Contains(l, "· sisa ") {
			sessions++
			if n := left(l); n > max {
				t.Errorf("session %q offers more than the %d implants left", l, max)
			}
		}
	}
	if sessions == 0 {
		t.Fatalf("no session offered: %v", labels(r))
	}
}

// plannedBookings is a booking store that says, as the Redis store does on
// one server, whether it stored the booking's reminders with it, and keeps
// what the flow's plan gave.
type plannedBookings struct {
	booking.Store
	store   bool // report the reminders stored
	planned []reminders.Item
}

func (p *plannedBookings) BookPlanned(ctx context.Context, r booking.Request, plan func(booking.Booking) []reminders.Item) (booking.Booking, bool, error) {
	b, err := p.Book(ctx, r)
	if err == nil && p.store {
		p.planned = plan(b)
	}
	return b, err == nil && p.store, err
}

// bookThroughFlow walks the booking flow as a resident: nearest site,
// the first method and session offered, her name and phone, the
// pregnancy checklist with "no" answers, and the confirmation.
func bookThroughFlow(t *testing.T, w *roleWorld, chat kbbot.ChatID) []kbbot.Reply {
	t.Helper()
	w.tap(chat, w.send(chat, "/daftar"), w.ui("btn_book_near"))
	r := w.step(kbbot.Event{Kind: kbbot.EventLocation, ChatID: chat, UserID: int64(chat), Lat: -6.8886, Lon: 109.6596})
	tapPrefix := func(prefix string) {
		t.Helper()
		for _, l := range labels(r) {
			if strings.HasPrefix(l, prefix) {
				r = w.tap(chat, r, l)
				return
			}
		}
		t.Fatalf("no button starting %q in %s", prefix, dump(r))
	}
	tapPrefix("Puskesmas Bendan")
	tapPrefix("Pil")
	tapPrefix("08.00")
	r = w.send(chat, "Sari Wulandari")
	r = w.step(kbbot.Event{Kind: kbbot.EventContact, ChatID: chat, UserID: int64(chat), Phone: "+6281234567890", OwnPhone: true})
	for range 8 {
		switch ls := strings.Join(labels(r), "|"); {
		case strings.Contains(ls, w.ui("btn_book_go")):
			return w.tap(chat, r, w.ui("btn_book_go"))
		case strings.Contains(ls, "Belum pernah"):
			r = w.tap(chat, r, "Belum pernah")
		case strings.Contains(ls, "Tidak"):
			r = w.tap(chat, r, "Tidak")
		default:
			t.Fatalf("the booking flow stopped at %s", dump(r))
		}
	}
	t.Fatalf("no confirmation after the checklist: %s", dump(r))
	return nil
}

// TestBookingSchedulesRemindersOnce: the booking flow schedules the
// booking's reminders itself exactly when the store did not store them
// with the booking, and gives the store only the kinds the resident wants.
func TestBookingSchedulesRemindersOnce(t *testing.T) {
	t.Parallel()
	for _, stored := range []bool{true, false} {
		t.Run(fmt.Sprintf("stored=%v", stored), func(t *testing.T) {
			t.Parallel()
			rems := fakes.NewReminders()
			pb := &plannedBookings{store: stored}
			w := newBookWorldWith(t, func(s booking.Store) booking.Store { pb.Store = s; return pb }, rems)
			w.records[rResident].OffKinds = []string{reminders.KindFollowup}
			r := bookThroughFlow(t, w, rResident)
			if !strings.Contains(texts(r), "KB-") {
				t.Fatalf("no booking code in the confirmation: %s", dump(r))
			}
			if stored {
				if rems.Calls() != 0 {
					t.Errorf("the flow scheduled reminders the store had stored (%d calls)", rems.Calls())
				}
				if len(pb.planned) != 2 || pb.planned[0].Kind != reminders.KindH1 || pb.planned[1].Kind != reminders.KindH0 {
					t.Errorf("the store was given %+v, want H-1 and H-0 (she stopped the follow-up)", pb.planned)
				}
				return
			}
			if got := rems.Pending(rResident); rems.Calls() != 1 || len(got) != 2 {
				t.Errorf("after a booking the store did not plan: %d calls, %d reminders; want 1 call, H-1 and H-0", rems.Calls(), len(got))
			}
		})
	}
}
