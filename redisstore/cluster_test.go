package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// TestEraseResidentOnCluster gives one resident everything the stores
// keep, on a real Redis Cluster (REDIS_CLUSTER_ADDRS; scripts/test.sh
// starts one), then runs every store's EraseResident: see eraseEverything.
// The cluster refuses any command whose keys span slots, and
// CrossSlotGuard reports it too.
func TestEraseResidentOnCluster(t *testing.T) {
	t.Parallel()
	rdb := redistest.ClusterClient(t)
	keys := redisstore.NewKeys(redistest.ClusterPrefix(t, rdb))
	eraseEverything(t, rdb, keys, func() []string { return redistest.ClusterKeys(context.Background(), rdb, keys.Prefix()) })
}

// TestEraseResidentEverything is TestEraseResidentOnCluster on the single
// test server, with CrossSlotGuard, so it runs without a cluster too.
func TestEraseResidentEverything(t *testing.T) {
	t.Parallel()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	eraseEverything(t, rdb, keys, func() []string {
		return redistest.Keys(context.Background(), rdb, keys.Prefix()+"*")
	})
}

// eraseEverything gives one resident everything the stores keep: two
// cancelled bookings (two booking codes, on two slots), a booking made as a
// cadre for a neighbour, a waitlist entry, reminders, a profile, a place in
// a broadcast being sent, a staff membership and audit entries naming the
// bookings. Then the audit scrub and every store's EraseResident run, in
// the order of /hapusdata (the erasers twice), and the neighbour the
// resident booked as a cadre is erased by code (EraseBooking). Afterwards
// no key of allKeys names the resident or the neighbour (nor the
// neighbour's code) but the staff audit log's actor fields (who did what
// stays).
func eraseEverything(t *testing.T, rdb redis.UniversalClient, keys redisstore.Keys, allKeys func() []string) {
	ctx := context.Background()
	e := newEnvOn(t, rdb, keys, "")
	const chat = kbbot.ChatID(987654321)
	const name, phone = "Rahmawati Zulfa", "081298765432"

	var codes []string
	for _, key := range []string{"one", "two"} {
		r := req(chat, key, "pkm-a", "0800", booking.IUD)
		r.Name, r.Phone, r.Screening = name, phone, map[string]string{"hamil": "tidak"}
		b, err := e.store.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Cancel(ctx, b.Code, chat); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	if redistest.Slot(keys.BookingCodes(codes[0])) == redistest.Slot(keys.BookingCodes(codes[1])) {
		t.Log("both booking codes hash to one slot; the erase still runs")
	}
	nb, err := e.store.Book(ctx, booking.Request{EventID: testEvent, FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan,
		BookedBy: chat, Name: "Tetangga Tanpa HP", ConsentAt: testStart, IdempotencyKey: "nb"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ { // pmb-b is full; the resident waits
		book(t, e, i, "pmb-b", "0900", booking.IUD)
	}
	if w, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: chat}); err != nil || w.Position != 1 {
		t.Fatalf("join waitlist: %+v %v", w, err)
	}

	rem := redisstore.NewReminderStore(rdb, keys)
	due := testStart.Add(time.Hour)
	if _, err := rem.Schedule(ctx,
		reminders.Item{ID: "h1:" + codes[1], Chat: chat, Kind: reminders.KindH1, Ref: codes[1], Due: due, NotAfter: due.Add(time.Hour), Zone: "Asia/Jakarta"},
		reminders.Item{ID: "h1:other", Chat: 5, Kind: reminders.KindH1, Ref: "other", Due: due, NotAfter: due.Add(time.Hour), Zone: "Asia/Jakarta"},
	); err != nil {
		t.Fatal(err)
	}

	bc := redisstore.NewBroadcastStore(rdb, keys, e.store.BookedChats)
	area := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	for _, c := range []kbbot.ChatID{chat, 5} {
		if err := bc.SetProfile(ctx, c, broadcast.Profile{Area: area, Group: cadre.IbuHamil, Lang: "id"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bc.SetStopped(ctx, chat, true); err != nil {
		t.Fatal(err)
	}
	if err := bc.SetStopped(ctx, chat, false); err != nil {
		t.Fatal(err)
	}
	bcAt := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	cast := broadcast.Broadcast{ID: broadcast.NewID(900, "c1"), Author: 900, AuthorRole: cadre.Kader, Lang: "id",
		Audience: broadcast.Audience{Area: area}, Text: "Besok ada KB serentak", Zone: "Asia/Jakarta", Created: bcAt, At: bcAt}
	if _, err := bc.Create(ctx, cast); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.StartDue(ctx, bcAt); err != nil {
		t.Fatal(err)
	}

	staff := redisstore.NewStaffStore(rdb, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: fakes.NewClock(bcAt)})
	invite, err := staff.CreateInvite(ctx, cadre.Member{Chat: 1, Role: cadre.Admin}, cadre.Kader, area, bcAt.Add(time.Hour), bcAt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Redeem(ctx, invite, chat, name, bcAt); err != nil {
		t.Fatal(err)
	}

	// Staff wrote about the resident's bookings in the audit log.
	for _, c := range codes {
		if err := staff.Audit(ctx, cadre.AuditEntry{Actor: 501, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: area, Detail: c}); err != nil {
			t.Fatal(err)
		}
	}

	// /hapusdata: the audit scrub, then the erasers, in the order app
	// wires them.
	own, err := e.store.ResidentCodes(ctx, chat)
	if err != nil || len(own) != 2 {
		t.Fatalf("resident's codes: %v %v", own, err)
	}
	if n, err := staff.ScrubResident(ctx, chat, own); err != nil || n != 2 {
		t.Fatalf("scrub audit log: %d %v", n, err)
	}
	for _, er := range []interface {
		EraseResident(context.Context, kbbot.ChatID) error
	}{e.store, rem, staff, bc} {
		for range 2 { // and again: idempotent
			if err := er.EraseResident(ctx, chat); err != nil {
				t.Fatalf("%T.EraseResident: %v", er, err)
			}
		}
	}

	// The neighbour, booked by the resident as a cadre, is erased by code.
	if b, err := e.store.EraseBooking(ctx, nb.Code); err != nil || b.Name != "" || b.Status != booking.Cancelled {
		t.Fatalf("erase the neighbour's booking: %+v %v", b, err)
	}
	if _, err := staff.ScrubResident(ctx, 0, []string{nb.Code}); err != nil {
		t.Fatal(err)
	}

	chatStr := "987654321"
	for _, k := range allKeys() {
		val := dumpKey(t, rdb, k)
		for _, needle := range append([]string{chatStr, name, phone, "Tetangga", nb.Code}, codes...) {
			if !strings.Contains(k, needle) && !strings.Contains(val, needle) {
				continue
			}
			if k == keys.StaffAudit() && needle == chatStr {
				continue // the actor of staff actions stays
			}
			t.Errorf("%s still holds %q: %s", k, needle, val)
		}
	}
	if got, _ := e.store.Bookings(ctx, chat); len(got) != 0 {
		t.Errorf("bookings after erase: %+v", got)
	}
	if p, _ := rem.Pending(ctx, 5); len(p) != 1 {
		t.Errorf("another resident's reminders: %+v", p)
	}
}

// TestPurgePersonalOnCluster runs the retention purge on a real Redis
// Cluster: the event's keys in one script, each resident's index of events
// (its own slot) with a command of its own.
func TestPurgePersonalOnCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.ClusterClient(t)
	keys := redisstore.NewKeys(redistest.ClusterPrefix(t, rdb))
	e := newEnvOn(t, rdb, keys, "")
	for c := 1; c <= 3; c++ {
		book(t, e, 987650000+c, "pmb-b", "0900", booking.IUD)
	}
	if _, err := e.store.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: "pmb-b", Method: booking.IUD, Resident: 987650009}); err != nil {
		t.Fatal(err)
	}
	before := tallyOf(t, e)
	if n, err := e.store.PurgePersonal(ctx, testEventEnd.Add(redisstore.DefaultRetention+time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if after := tallyOf(t, e); after != before {
		t.Errorf("tally changed: %s, was %s", after, before)
	}
	for _, k := range redistest.ClusterKeys(ctx, rdb, keys.Prefix()) {
		if v := dumpKey(t, rdb, k); strings.Contains(k+v, "98765000") || strings.Contains(v, "Warga") {
			t.Errorf("%s still names a resident: %s", k, v)
		}
	}
}
