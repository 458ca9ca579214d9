package redisstore_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// testEvent is the event of testYAML; booking closes 2030-01-09 20:00 WIB
// = 13:00 UTC.
const testEvent = "kbs-test"

var testStart = time.Date(2030, 1, 5, 3, 0, 0, 0, time.UTC)

// testYAML: site pkm-a has two sessions of 5 and quotas iud 6, implan 10;
// site pmb-b one session of 3 with iud 3.
const testYAML = `
facilities:
  - {id: pkm-a, name: Puskesmas A, type: puskesmas, address: "Jl. Contoh, Kota Pekalongan", kecamatan: Pekalongan Barat, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta}
  - {id: pmb-b, name: PMB B, type: pmb, address: "Jl. Contoh, Kota Pekalongan", kecamatan: Pekalongan Timur, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8987, lon: 109.6912, timezone: Asia/Jakarta}
events:
  - id: kbs-test
    name: Test
    date: 2030-01-10
    sites:
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "10:00", capacity: 5}
          - {start: "10:00", end: "12:00", capacity: 5}
        quota: {iud: 6, implan: 10}
      - facility: pmb-b
        sessions:
          - {start: "09:00", end: "11:00", capacity: 3}
        quota: {iud: 3}
`

type env struct {
	store *redisstore.BookingStore
	rdb   redis.UniversalClient
	keys  redisstore.Keys
	clock *fakes.Clock
	cat   *booking.Catalog
}

// newEnv imports yaml (testYAML when empty) into a fresh prefix.
func newEnv(t testing.TB, yaml string) *env {
	t.Helper()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	return newEnvOn(t, rdb, keys, yaml)
}

func newEnvOn(t testing.TB, rdb redis.UniversalClient, keys redisstore.Keys, yaml string) *env {
	t.Helper()
	if yaml == "" {
		yaml = testYAML
	}
	cat, err := booking.Parse(strings.NewReader(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clock := fakes.NewClock(testStart)
	e := &env{store: redisstore.NewBookingStore(rdb, keys, clock, redisstore.BookingOptions{OfferTTL: time.Hour}),
		rdb: rdb, keys: keys, clock: clock, cat: cat}
	if _, err := e.store.Import(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	return e
}

// req is a booking request of resident chat with idempotency key key.
func req(chat kbbot.ChatID, key, fac, sess string, m booking.Method) booking.Request {
	return booking.Request{
		EventID: testEvent, FacilityID: fac, SessionID: sess, Method: m, Resident: chat,
		Name: "Warga " + strconv.FormatInt(int64(chat), 10), ConsentAt: testStart, IdempotencyKey: key,
	}
}

// checkInvariants asserts, for one event, that every counter equals the
// active bookings plus held offers on it and stays within its limit, and
// that no resident has two active bookings.
func checkInvariants(t testing.TB, e *env, ev string) (active int) {
	t.Helper()
	ctx := context.Background()
	limits := e.rdb.HGetAll(ctx, e.keys.EventLimits(ev)).Val()
	used := usedOf(t, e, ev)
	places := placesOf(t, e, ev)
	offers, activeIdx := residentState(ctx, e, ev)
	want := map[string]int{}
	residents := map[string]string{}
	for code, p := range places {
		f := strings.Split(p, "|")
		if f[0] != "active" {
			continue
		}
		active++
		want["q|"+f[1]+"|"+f[3]]++
		want["s|"+f[1]+"|"+f[2]]++
		if other, dup := residents[f[4]]; dup {
			t.Errorf("resident %s has two active bookings: %s and %s", f[4], other, code)
		}
		residents[f[4]] = code
		if activeIdx[f[4]] != code {
			t.Errorf("active index of %s is %q, want %s", f[4], activeIdx[f[4]], code)
		}
	}
	if len(activeIdx) != active {
		t.Errorf("active index has %d entries, %d bookings are active", len(activeIdx), active)
	}
	held := 0
	for res, o := range offers {
		f := strings.Split(o, "|")
		if f[0] != "offered" {
			continue
		}
		held++
		want["q|"+f[1]+"|"+f[3]]++
		want["s|"+f[1]+"|"+f[2]]++
		if _, ok := activeIdx[res]; ok {
			t.Errorf("resident %s holds an offer and an active booking", res)
		}
	}
	if due := e.rdb.ZCard(ctx, e.keys.EventOfferDue(ev)).Val(); int(due) != held {
		t.Errorf("%d offers due, %d held", due, held)
	}
	fields := map[string]bool{}
	for f := range used {
		fields[f] = true
	}
	for f := range want {
		fields[f] = true
	}
	for f := range fields {
		u, _ := strconv.Atoi(used[f])
		if u != want[f] {
			t.Errorf("%s: used %d, but %d active bookings + held offers", f, u, want[f])
		}
		if lim, ok := limits[f]; ok {
			if l, _ := strconv.Atoi(lim); u > l {
				t.Errorf("%s: used %d above limit %d", f, u, l)
			}
		} else if u > 0 {
			t.Errorf("%s: used %d without a limit", f, u)
		}
	}
	return active
}

// placesOf returns the place strings of an event's bookings, by code
// (the first line of each row of its records).
func placesOf(t testing.TB, e *env, ev string) map[string]string {
	t.Helper()
	rows, err := e.rdb.HGetAll(context.Background(), e.keys.EventRecords(ev)).Result()
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{}
	for code, row := range rows {
		place, _, ok := strings.Cut(row, "\n")
		if !ok || place == "" {
			t.Errorf("the row of %s has no place: %q", code, row)
			continue
		}
		places[code] = place
	}
	return places
}

// usedOf returns the places taken of an event, by limit ("q|..." and
// "s|..."): the "u|..." counters of its limit hash.
func usedOf(t testing.TB, e *env, ev string) map[string]string {
	t.Helper()
	all, err := e.rdb.HGetAll(context.Background(), e.keys.EventLimits(ev)).Result()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	for f, v := range all {
		if k, ok := strings.CutPrefix(f, "u|"); ok {
			used[k] = v
		}
	}
	return used
}

// residentState returns the offers and active bookings of an event's
// residents, by resident.
func residentState(ctx context.Context, e *env, ev string) (offers, active map[string]string) {
	offers, active = map[string]string{}, map[string]string{}
	for f, v := range e.rdb.HGetAll(ctx, e.keys.EventResidents(ev)).Val() {
		if f == "" || (f[0] != 'c' && f[0] != 'r') || strings.Contains(f, "|") {
			continue // not a resident's state (see Keys.EventResidents)
		}
		// a, h, w, o separated by the unit separator.
		parts := strings.Split(v, "\x1f")
		if parts[0] != "" {
			active[f] = parts[0]
		}
		if len(parts) > 3 && parts[3] != "" {
			offers[f] = parts[3]
		}
	}
	return offers, active
}

// snapshot returns every key under the prefix with its type and content.
func snapshot(t testing.TB, rdb redis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range redistest.Keys(ctx, rdb, prefix+"*") {
		out[k] = dumpKey(t, rdb, k)
	}
	return out
}

// dumpKey returns a key's type, TTL and content.
func dumpKey(t testing.TB, rdb redis.UniversalClient, k string) string {
	t.Helper()
	ctx := context.Background()
	typ := rdb.Type(ctx, k).Val()
	var val string
	switch typ {
	case "string":
		val = rdb.Get(ctx, k).Val()
	case "hash":
		val = sortedMap(rdb.HGetAll(ctx, k).Val())
	case "set":
		s := rdb.SMembers(ctx, k).Val()
		sort.Strings(s)
		val = strings.Join(s, ",")
	case "zset":
		val = fmt.Sprint(rdb.ZRangeWithScores(ctx, k, 0, -1).Val())
	case "list":
		val = strings.Join(rdb.LRange(ctx, k, 0, -1).Val(), "\n")
	default:
		val = "?"
	}
	return typ + " ttl=" + rdb.PTTL(ctx, k).Val().String() + " " + val
}

func sortedMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + ";")
	}
	return b.String()
}

func kbbotChat(n int) kbbot.ChatID { return kbbot.ChatID(n) }
