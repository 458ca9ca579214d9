package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// slotProxy is a go-redis hook that behaves as a proxy in front of a
// sharded Redis would: it refuses every command, script or transaction
// whose keys span hash slots with a CROSSSLOT error, whatever the context
// says, and counts the refusals.
type slotProxy struct{ refused atomic.Int64 }

func (p *slotProxy) DialHook(next redis.DialHook) redis.DialHook { return next }

func (p *slotProxy) refuse(cmd redis.Cmder) bool {
	slots := map[int]bool{}
	for _, k := range redistest.CommandKeys(cmd.Args()) {
		slots[redistest.Slot(k)] = true
	}
	if len(slots) <= 1 {
		return false
	}
	p.refused.Add(1)
	cmd.SetErr(crossSlotErr{})
	return true
}

type crossSlotErr struct{}

func (crossSlotErr) Error() string { return "CROSSSLOT Keys in request don't hash to the same slot" }
func (crossSlotErr) RedisError()   {}

func (p *slotProxy) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if p.refuse(cmd) {
			return cmd.Err()
		}
		return next(ctx, cmd)
	}
}

func (p *slotProxy) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var pass []redis.Cmder
		for _, c := range cmds {
			if !p.refuse(c) {
				pass = append(pass, c)
			}
		}
		if len(pass) == 0 {
			return cmds[0].Err()
		}
		return next(ctx, pass)
	}
}

// TestBookingThroughSlotCheckingProxy: on one server the booking and
// reminder stores send each batch as one call across hash slots; behind a
// proxy that refuses such calls (CROSSSLOT), the first batches are
// refused, the stores fall back to one call per slot, and every booking
// and reminder is made once, with its code and resident index, as on a
// cluster.
func TestBookingThroughSlotCheckingProxy(t *testing.T) {
	t.Parallel()
	if !redisconn.SpansSlots(redistest.Client(t)) {
		t.Skip("REDIS_URL names a cluster: no call spans slots there")
	}
	ctx := context.Background()
	rdb := redistest.Client(t)
	proxy := &slotProxy{}
	rdb.AddHook(proxy)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	e := newEnvOn(t, rdb, keys, testYAML)
	rem := redisstore.NewReminderStore(rdb, keys)
	jkt, err := booking.LoadZone("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([]string, 16)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chat := kbbot.ChatID(7_100_000 + i)
			b, err := e.store.Book(ctx, req(chat, "k"+strconv.Itoa(i), "pkm-a", []string{"0800", "1000"}[i%2], booking.Implan))
			if err != nil {
				var full *booking.FullError
				if !errors.As(err, &full) {
					t.Errorf("book %d: %v", i, err)
				}
				return
			}
			codes[i] = b.Code
			st := time.Date(2030, 1, 10, 8, 0, 0, 0, jkt)
			if _, err := rem.Schedule(ctx, reminders.PlanBooking(chat, b.Code, st, st.Add(time.Hour), jkt, testStart)...); err != nil {
				t.Errorf("schedule %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if proxy.refused.Load() == 0 {
		t.Fatal("no call was refused: the stores did not span slots")
	}
	refused := proxy.refused.Load()
	booked := 0
	for i, code := range codes {
		if code == "" {
			continue
		}
		booked++
		chat := kbbot.ChatID(7_100_000 + i)
		if b, err := e.store.Get(ctx, code); err != nil || b.Resident != chat {
			t.Errorf("get %s: %+v %v", code, b, err)
		}
		if list, err := e.store.Bookings(ctx, chat); err != nil || len(list) != 1 || list[0].Code != code {
			t.Errorf("bookings of %d: %+v %v", chat, list, err)
		}
		if items, err := rem.Pending(ctx, chat); err != nil || len(items) != 3 {
			t.Errorf("reminders of %d: %d %v", chat, len(items), err)
		}
	}
	if booked != 10 { // implan: 10 places
		t.Errorf("%d booked, want 10", booked)
	}
	if n := checkInvariants(t, e, testEvent); n != booked {
		t.Errorf("%d active, %d booked", n, booked)
	}
	// From then on nothing is refused.
	late, err := e.store.Book(ctx, req(7_200_000, "late", "pmb-b", "0900", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	st := time.Date(2030, 1, 10, 8, 0, 0, 0, jkt)
	if _, err := rem.Schedule(ctx, reminders.PlanBooking(7_200_000, late.Code, st, st.Add(time.Hour), jkt, testStart)...); err != nil {
		t.Fatal(err)
	}
	if n := proxy.refused.Load(); n != refused {
		t.Errorf("%d more calls refused after the fallback", n-refused)
	}
}

// TestLargeEventHashtableEncoding: an event with many limits keeps its
// limits and counts in Redis's hashtable encoding (HashtableMarker), so a
// booking's reads of them do not scan hundreds of fields; a small event
// keeps the compact encoding. The marker changes no limit or count, and
// importing the event again changes nothing.
func TestLargeEventHashtableEncoding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var y strings.Builder
	y.WriteString("facilities:\n")
	for s := range 12 {
		fmt.Fprintf(&y, "  - {id: pkm-%d, name: Puskesmas %d, type: puskesmas, address: \"Jl. Contoh\", kecamatan: K, kabupaten: Kab, provinsi: Prov, lat: -6.9, lon: 109.6, timezone: Asia/Jakarta}\n", s, s)
	}
	y.WriteString("events:\n  - id: kbs-big\n    name: Big\n    date: 2030-01-10\n    sites:\n")
	for s := range 12 {
		fmt.Fprintf(&y, "      - facility: pkm-%d\n        sessions:\n          - {start: \"08:00\", end: \"10:00\", capacity: 5}\n", s)
		y.WriteString("        quota: {iud: 5, implan: 5, pil: 5}\n")
	}
	e := newEnv(t, y.String())
	small := newEnv(t, "")
	book(t, small, 1, "pkm-a", "0800", booking.IUD)
	if _, err := e.store.Book(ctx, booking.Request{EventID: "kbs-big", FacilityID: "pkm-1", SessionID: "0800", Method: booking.IUD,
		Resident: 1, Name: "Warga 1", ConsentAt: testStart, IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		e    *env
		ev   string
		want string
	}{{e, "kbs-big", "hashtable"}, {small, testEvent, "listpack"}} {
		k := c.e.keys.EventLimits(c.ev)
		if enc := c.e.rdb.ObjectEncoding(ctx, k).Val(); enc != c.want {
			t.Errorf("%s: encoding %q, want %q", k, enc, c.want)
		}
	}
	b, err := e.store.Book(ctx, booking.Request{EventID: "kbs-big", FacilityID: "pkm-7", SessionID: "0800", Method: booking.Pil,
		Resident: 5, Name: "Warga 5", ConsentAt: testStart, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if n := checkInvariants(t, e, "kbs-big"); n != 2 {
		t.Errorf("%d active", n)
	}
	a, err := e.store.Availability(ctx, "kbs-big", "pkm-7")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Method(booking.Pil); p != (booking.Places{Limit: 5, Taken: 1}) {
		t.Errorf("pil places %+v", p)
	}
	if rep, err := e.store.Import(ctx, e.cat); err != nil || len(rep.Unchanged) != 1 {
		t.Errorf("import again: %+v %v", rep, err)
	}
	if got, err := e.store.Get(ctx, b.Code); err != nil || got.Status != booking.Active {
		t.Errorf("get: %+v %v", got, err)
	}
}
