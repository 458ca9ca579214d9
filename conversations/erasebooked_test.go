package conversations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// ebWorld is a roleWorld whose engine also has the booking store, with
// the demo events imported, and one booking kader ebBooker made for a
// resident without a phone at Puskesmas Bendan (Pekalongan Barat).
type ebWorld struct {
	*roleWorld
	bookings *redisstore.BookingStore
	code     string
}

const (
	ebBooker kbbot.ChatID = 20 // kader, Pekalongan Barat: made the booking
	ebTimur  kbbot.ChatID = 21 // kader, Pekalongan Timur
	ebBidan  kbbot.ChatID = 22 // bidan, Pekalongan Barat: no right to book for residents
	ebTPK    kbbot.ChatID = 23 // TPK, Pekalongan Barat: may book for residents there
)

func newEbWorld(t *testing.T) *ebWorld {
	t.Helper()
	w := &ebWorld{roleWorld: newRoleWorld(t)}
	ctx := context.Background()
	rdb := redistest.Client(t)
	w.bookings = redisstore.NewBookingStore(rdb, redisstore.NewKeys(redistest.Prefix(t, rdb)), fakes.NewClock(w.now), redisstore.BookingOptions{})
	cat, err := booking.Demo(w.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.bookings.Import(ctx, cat); err != nil {
		t.Fatal(err)
	}
	w.e = conversations.NewEngine(library(t), func() string { w.nonces++; return fmt.Sprintf("n%d", w.nonces) }, conversations.Services{
		Bookings:    w.bookings,
		Catalog:     func(context.Context) (*booking.Catalog, error) { return cat, nil },
		Staff:       w.store,
		Roles:       w.store,
		Audit:       w.store,
		BotUsername: "kbbot_test",
		Log:         quiet,
	})
	w.join(ebBooker, cadre.Kader, rBarat)
	w.join(ebTimur, cadre.Kader, rTimur)
	w.join(ebBidan, cadre.Bidan, rBarat)
	w.join(ebTPK, cadre.TPK, rBarat)
	b, err := w.bookings.Book(ctx, booking.Request{EventID: "kbs-pekalongan-demo", FacilityID: "pkm-bendan", SessionID: "0800",
		Method: booking.Kondom, BookedBy: ebBooker, Name: "Siti Aminah", Phone: "081234567890", ConsentAt: w.now, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	w.code = b.Code
	return w
}

// intact fails the test unless the booking still holds the resident.
func (w *ebWorld) intact() {
	w.t.Helper()
	b, err := w.bookings.Get(context.Background(), w.code)
	if err != nil || b.Name != "Siti Aminah" || b.Status != booking.Active {
		w.t.Fatalf("the booking was touched: %+v %v", b, err)
	}
}

// noErasureAudited fails the test if the audit log has an erasure.
func (w *ebWorld) noErasureAudited() {
	w.t.Helper()
	es, err := w.store.AuditLog(context.Background(), cadre.Area{}, 50)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == "erase_booked" {
			w.t.Fatalf("an erasure was audited: %+v", e)
		}
	}
}

// TestEraseBookedRefusals: only a chat that may book for residents at the
// booking's facility (or made the booking) may erase it. A kader of
// another kecamatan is told the booking is outside their area; a bidan
// and a resident get the unknown-command answer; forged buttons are
// expired; a member removed after seeing the question cannot confirm.
// Nothing is erased and no erasure is audited.
func TestEraseBookedRefusals(t *testing.T) {
	t.Parallel()
	w := newEbWorld(t)

	// Outside the area.
	got := w.send(ebTimur, "/hapuspeserta "+w.code)
	if want := w.ui("eb_outside", w.code, "Puskesmas Bendan"); texts(got) != want || buttonData(got, w.ui("btn_eb_yes")) != "" {
		t.Errorf("a kader of another kecamatan: %s\nwant %q", dump(got), want)
	}
	if got := w.tapData(ebTimur, "eb:yes:n1"); !w.expired(got) {
		t.Errorf("a forged yes outside the area: %s", dump(got))
	}
	// A bidan has the command for walk-ins only.
	got = w.send(ebBidan, "/hapuspeserta "+w.code)
	if want := w.ui("eb_not_walkin", w.code); texts(got) != want || buttonData(got, w.ui("btn_eb_yes")) != "" {
		t.Errorf("a bidan, for a cadre's booking: %s\nwant %q", dump(got), want)
	}
	// Not staff: no such command, no such button.
	for _, chat := range []kbbot.ChatID{rResident} {
		got := w.send(chat, "/hapuspeserta "+w.code)
		want := strings.Replace(texts(w.send(chat, "/zzz")), "/zzz", "/hapuspeserta", 1)
		if texts(got) != want {
			t.Errorf("chat %d: %s\nwant as an unknown command: %q", chat, dump(got), want)
		}
		if got := w.send(chat, "/erasebooked"); !strings.Contains(texts(got), "/erasebooked") || len(got) != 1 {
			t.Errorf("chat %d, /erasebooked: %s", chat, dump(got))
		}
		for _, d := range []string{"eb:yes:n1", "eb:no:n1", "eb:yes"} {
			if got := w.tapData(chat, d); !w.expired(got) {
				t.Errorf("chat %d taps %q: %s", chat, d, dump(got))
			}
		}
	}
	w.intact()

	// A member of the area who did not make the booking sees it, masked,
	// and may keep it.
	got = w.send(ebTPK, "/hapuspeserta "+strings.ToLower(w.code))
	if txt := texts(got); !strings.Contains(txt, "S*** A*****") || strings.Contains(txt, "Aminah") || buttonData(got, w.ui("btn_eb_yes")) == "" {
		t.Fatalf("a TPK of the area: %s", dump(got))
	}
	if got := w.tap(ebTPK, got, w.ui("btn_eb_no")); texts(got) != w.ui("eb_kept") {
		t.Errorf("no: %s", dump(got))
	}

	// The right is checked again at the tap: the kader who made the
	// booking leaves the team while the question is open.
	got = w.send(ebBooker, "/hapuspeserta "+w.code)
	yes := buttonData(got, w.ui("btn_eb_yes"))
	if yes == "" {
		t.Fatalf("the kader who booked: %s", dump(got))
	}
	if _, err := w.store.Remove(context.Background(), ebBooker, cadre.Member{Chat: rAdmin, Role: cadre.Admin}, w.now); err != nil {
		t.Fatal(err)
	}
	if got := w.tapData(ebBooker, yes); !w.expired(got) {
		t.Errorf("a former member confirms: %s", dump(got))
	}
	w.intact()
	w.noErasureAudited()
}

// TestEraseBookedOwnBookingRefused: a resident's own booking (made on
// Telegram) is not erased by staff, even of the area: the answer says the
// resident uses /hapusdata.
func TestEraseBookedOwnBookingRefused(t *testing.T) {
	t.Parallel()
	w := newEbWorld(t)
	own, err := w.bookings.Book(context.Background(), booking.Request{EventID: "kbs-pekalongan-demo", FacilityID: "pkm-bendan", SessionID: "0800",
		Method: booking.Kondom, Resident: rResident, Name: "Dewi Lestari", ConsentAt: w.now, IdempotencyKey: "own"})
	if err != nil {
		t.Fatal(err)
	}
	got := w.send(ebTPK, "/hapuspeserta "+own.Code)
	if want := w.ui("eb_own", own.Code); texts(got) != want {
		t.Errorf("a resident's own booking: %s\nwant %q", dump(got), want)
	}
	if b, err := w.bookings.Get(context.Background(), own.Code); err != nil || b.Name != "Dewi Lestari" {
		t.Errorf("the resident's booking was touched: %+v %v", b, err)
	}
	// A malformed and an unknown code are named as such, and the flow
	// waits for another.
	w.send(ebTPK, "/hapuspeserta")
	if got := w.send(ebTPK, "KB-12"); texts(got) != w.ui("eb_bad_code") {
		t.Errorf("a malformed code: %s", dump(got))
	}
	if got := w.send(ebTPK, "kb-7qh4xm"); texts(got) != w.ui("eb_unknown", "KB-7QH4XM") {
		t.Errorf("an unknown code: %s", dump(got))
	}
	w.noErasureAudited()
}
