package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisconn"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// planFor returns the plan a booking flow gives BookPlanned: the H-1, H-0
// and follow-up reminders of chat for the booking, at pkm-a's 08:00
// session of testEvent (planItems).
func planFor(chat kbbot.ChatID) func(booking.Booking) []reminders.Item {
	return func(b booking.Booking) []reminders.Item { return planItems(chat, b.Code) }
}

// bookPlanned books r with plan as the booking flow does: BookPlanned,
// then Schedule when the reminders were not stored with the booking. On
// one server they must have been; on a cluster they cannot be.
func bookPlanned(t *testing.T, e *env, rs *redisstore.ReminderStore, r booking.Request, plan func(booking.Booking) []reminders.Item) booking.Booking {
	t.Helper()
	ctx := context.Background()
	b, planned, err := e.store.BookPlanned(ctx, r, plan)
	if err != nil {
		t.Fatalf("BookPlanned: %v", err)
	}
	if one := redisconn.SpansSlots(e.rdb); planned != one {
		t.Fatalf("BookPlanned stored the reminders with the booking: %v; want %v (one server: %v)", planned, one, one)
	}
	if !planned {
		if _, err := rs.Schedule(ctx, plan(b)...); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// pendingRefs returns the refs of chat's waiting reminders.
func pendingRefs(t *testing.T, rs *redisstore.ReminderStore, chat kbbot.ChatID) []string {
	t.Helper()
	items, err := rs.Pending(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, it := range items {
		refs = append(refs, it.Ref)
	}
	return refs
}

// TestBookPlannedStoresRemindersWithBooking: a resident's booking and its
// three reminders are stored in one step; the sweeper finds them due at
// their time; repeating the request returns the booking and leaves the
// reminders to the caller, whose Schedule then adds nothing.
func TestBookPlannedStoresRemindersWithBooking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	rs := redisstore.NewReminderStore(e.rdb, e.keys)
	const chat = kbbot.ChatID(5101)
	plan := planFor(chat)
	r := req(chat, "k1", "pkm-a", "0800", booking.IUD)

	b := bookPlanned(t, e, rs, r, plan)
	refs := pendingRefs(t, rs, chat)
	if len(refs) != 3 {
		t.Fatalf("the resident has %d reminders waiting, want 3 (H-1, H-0, follow-up)", len(refs))
	}
	for _, ref := range refs {
		if ref != b.Code {
			t.Errorf("a reminder names booking %q, want %s", ref, b.Code)
		}
	}
	if due, _, _, err := rs.RemCounts(ctx); err != nil || due != 3 {
		t.Errorf("RemCounts due = %d, %v; want 3", due, err)
	}
	// The sweeper claims the H-1 reminder at its time.
	want := plan(b)
	got, err := rs.Claim(ctx, want[0].Due, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].ID != want[0].ID || got[0].Chat != chat {
		t.Fatalf("Claim at the first due time = %+v, %v; want %s of chat %d", got, err, want[0].ID, chat)
	}

	again, planned, err := e.store.BookPlanned(ctx, r, plan)
	if err != nil || again.Code != b.Code || planned {
		t.Fatalf("repeated BookPlanned = %s, planned %v, %v; want %s, not planned", again.Code, planned, err, b.Code)
	}
	if n, err := rs.Schedule(ctx, plan(again)...); err != nil || n != 0 {
		t.Errorf("the caller's Schedule after a repeat changed %d items (%v); want 0", n, err)
	}
	checkInvariants(t, e, testEvent)
}

// TestBookPlannedRefusedStoresNoReminders: a booking refused (the
// session full, the resident already booked) stores no reminder, and an
// invalid reminder fails the call before the place is taken.
func TestBookPlannedRefusedStoresNoReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	rs := redisstore.NewReminderStore(e.rdb, e.keys)
	// pmb-b's one session has 3 places.
	for i := range 3 {
		chat := kbbot.ChatID(5200 + i)
		plan := planFor(chat)
		bookPlanned(t, e, rs, req(chat, "k", "pmb-b", "0900", booking.IUD), plan)
	}
	const late = kbbot.ChatID(5299)
	plan := planFor(late)
	_, planned, err := e.store.BookPlanned(ctx, req(late, "k", "pmb-b", "0900", booking.IUD), plan)
	if !errors.Is(err, booking.ErrFull) || planned {
		t.Fatalf("BookPlanned on a full session = planned %v, %v; want ErrFull", planned, err)
	}
	if refs := pendingRefs(t, rs, late); len(refs) != 0 {
		t.Errorf("a refused booking left reminders %v", refs)
	}

	const twice = kbbot.ChatID(5200)
	plan = planFor(twice)
	var already *booking.AlreadyBookedError
	if _, _, err := e.store.BookPlanned(ctx, req(twice, "k2", "pkm-a", "0800", booking.IUD), plan); !errors.As(err, &already) {
		t.Fatalf("a second booking for the event = %v, want AlreadyBookedError", err)
	}
	if refs := pendingRefs(t, rs, twice); len(refs) != 3 || refs[0] != already.Existing.Code {
		t.Errorf("the resident's reminders are %v, want the 3 of %s alone", refs, already.Existing.Code)
	}

	const bad = kbbot.ChatID(5300)
	broken := func(b booking.Booking) []reminders.Item {
		return []reminders.Item{{Chat: bad, ID: "", Kind: reminders.KindH1, Ref: b.Code}}
	}
	if _, _, err := e.store.BookPlanned(ctx, req(bad, "k", "pkm-a", "1000", booking.Implan), broken); !errors.Is(err, reminders.ErrInvalid) {
		t.Fatalf("BookPlanned with an invalid reminder = %v, want reminders.ErrInvalid", err)
	}
	if bs, err := e.store.Bookings(ctx, bad); err != nil || len(bs) != 0 {
		t.Errorf("an invalid plan still booked: %d bookings, %v", len(bs), err)
	}
	checkInvariants(t, e, testEvent)
}

// TestBookPlannedForClientWithoutPhone: a cadre's booking for a resident
// without Telegram stores the cadre's reminders with it.
func TestBookPlannedForClientWithoutPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	rs := redisstore.NewReminderStore(e.rdb, e.keys)
	const cadre = kbbot.ChatID(5401)
	jkt, _ := booking.LoadZone("Asia/Jakarta")
	start := time.Date(2030, 1, 10, 10, 0, 0, 0, jkt)
	plan := func(b booking.Booking) []reminders.Item {
		if b.Resident != 0 || b.BookedBy != cadre || b.ResidentRef == "" {
			t.Errorf("plan saw resident %d, ref %q, booked by %d; want no chat, a ref, the cadre", b.Resident, b.ResidentRef, b.BookedBy)
		}
		return reminders.PlanCadreBooking(cadre, b.Code, start, jkt, testStart)
	}
	r := booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan,
		Name: "Ibu Sari", BookedBy: cadre, ConsentAt: testStart, IdempotencyKey: "c1"}
	b := bookPlanned(t, e, rs, r, plan)
	if refs := pendingRefs(t, rs, cadre); len(refs) != 2 || refs[0] != b.Code {
		t.Errorf("the cadre's reminders are %v, want H-1 and H-0 of %s", refs, b.Code)
	}
}

// TestBookPlannedKeepsBookingWhenRemindersFail: when the resident's
// reminders cannot be stored (here a damaged reminder entry), the
// booking still stands and the caller is told to schedule them itself.
func TestBookPlannedKeepsBookingWhenRemindersFail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	const chat = kbbot.ChatID(5501)
	if err := e.rdb.HSet(ctx, e.keys.RemChats(redisstore.RemShard(chat)), int64(chat), "damaged").Err(); err != nil {
		t.Fatal(err)
	}
	plan := planFor(chat)
	b, planned, err := e.store.BookPlanned(ctx, req(chat, "k", "pkm-a", "0800", booking.IUD), plan)
	if err != nil || planned {
		t.Fatalf("BookPlanned = %v, planned %v; want the booking, not planned", err, planned)
	}
	if got, err := e.store.Get(ctx, b.Code); err != nil || got.Status != booking.Active {
		t.Fatalf("Get(%s) = %v, %v; want the active booking", b.Code, got.Status, err)
	}
	checkInvariants(t, e, testEvent)
}

// TestBookPlannedOnClusterLeavesRemindersToCaller: on a cluster the
// booking's event and its reminders' shard are in different hash slots,
// so the booking is made alone and the caller schedules.
func TestBookPlannedOnClusterLeavesRemindersToCaller(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.ClusterClient(t)
	keys := redisstore.NewKeys(redistest.ClusterPrefix(t, rdb))
	testPlannedOn(t, ctx, rdb, keys)
}

func testPlannedOn(t *testing.T, ctx context.Context, rdb redis.UniversalClient, keys redisstore.Keys) {
	e := newEnvOn(t, rdb, keys, "")
	rs := redisstore.NewReminderStore(rdb, keys)
	const chat = kbbot.ChatID(5601)
	plan := planFor(chat)
	b, planned, err := e.store.BookPlanned(ctx, req(chat, "k", "pkm-a", "0800", booking.IUD), plan)
	if err != nil || planned {
		t.Fatalf("BookPlanned on a cluster = %v, planned %v; want the booking alone", err, planned)
	}
	if n, err := rs.Schedule(ctx, plan(b)...); err != nil || n != 3 {
		t.Fatalf("the caller's Schedule = %d, %v; want 3", n, err)
	}
}

// TestBookPlannedWithDamagedCountStillBooks: a damaged reminder count
// (not a number) does not fail the bookings made in the call: the
// booking and its reminders stand, only the count is not updated.
func TestBookPlannedWithDamagedCountStillBooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	if !redisconn.SpansSlots(e.rdb) {
		t.Skip("on a cluster the reminders are scheduled apart from the booking")
	}
	rs := redisstore.NewReminderStore(e.rdb, e.keys)
	const chat = kbbot.ChatID(5701)
	if err := e.rdb.HSet(ctx, e.keys.RemCount(redisstore.RemShard(chat)), "w", "damaged").Err(); err != nil {
		t.Fatal(err)
	}
	b := bookPlanned(t, e, rs, req(chat, "k", "pkm-a", "0800", booking.IUD), planFor(chat))
	if refs := pendingRefs(t, rs, chat); len(refs) != 3 || refs[0] != b.Code {
		t.Errorf("the resident's reminders are %v, want the 3 of %s", refs, b.Code)
	}
	checkInvariants(t, e, testEvent)
}
