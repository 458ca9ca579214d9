package redisstore_test

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// maxBookingBytes is issue 10's budget for a booking with its reminders.
const maxBookingBytes = 800

// memoryOf sums MEMORY USAGE (every element counted: SAMPLES 0) of the
// keys under prefix, grouped by the key's name past the prefix with its
// variable parts (hash tags, codes) cut off.
func memoryOf(t testing.TB, rdb redis.UniversalClient, prefix string) (total int64, by map[string]int64) {
	t.Helper()
	ctx := context.Background()
	keys := redistest.Keys(ctx, rdb, prefix+"*")
	cmds := make([]*redis.IntCmd, len(keys))
	for start := 0; start < len(keys); start += 500 {
		pipe := rdb.Pipeline()
		for i := start; i < min(start+500, len(keys)); i++ {
			cmds[i] = pipe.MemoryUsage(ctx, keys[i], 0)
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			t.Fatal(err)
		}
	}
	by = map[string]int64{}
	for i, k := range keys {
		name := strings.TrimPrefix(k, prefix)
		if j := strings.LastIndex(name, "}"); j >= 0 {
			name = name[:strings.Index(name, "{")+1] + "…" + name[j:]
		}
		for _, p := range []string{"code:", "codes:", "resev:"} {
			if strings.HasPrefix(name, p) {
				name = p + "…"
			}
		}
		by[name] += cmds[i].Val()
		total += cmds[i].Val()
	}
	return total, by
}

// TestBookingWithRemindersMemory books residents of a large event, each
// with the reminders the conversation plans, and asserts that a booking
// with its reminders adds at most maxBookingBytes of Redis memory: MEMORY
// USAGE over every key and field it adds (the event's hashes, the code,
// the resident's index, the reminder shards).
func TestBookingWithRemindersMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	e := newEnvOn(t, rdb, keys, memoryYAML)
	rem := redisstore.NewReminderStore(rdb, keys)
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	const n = 4000
	chats := make([]kbbot.ChatID, n)
	for i := range chats {
		chats[i] = kbbot.ChatID(6_200_000_000 + int64(i)*7919)
	}
	fillBuckets(t, rdb, keys, chats)
	before, byBefore := memoryOf(t, rdb, prefix)
	sessions := []string{"0800", "1000"}
	for i, chat := range chats {
		r := req(chat, "bk"+strconv.Itoa(i), "pkm-a", sessions[i%2], booking.IUD)
		r.Phone = "0812" + strconv.Itoa(10000000+i)
		b, err := e.store.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2030, 1, 10, 8+2*(i%2), 0, 0, 0, jkt)
		items := reminders.PlanBooking(chat, b.Code, start, start.Add(2*time.Hour), jkt, testStart)
		if len(items) != 3 {
			t.Fatalf("planned %d reminders, want 3", len(items))
		}
		if _, err := rem.Schedule(ctx, items...); err != nil {
			t.Fatal(err)
		}
	}
	after, byAfter := memoryOf(t, rdb, prefix)
	per := float64(after-before) / n
	var names []string
	for k := range byAfter {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if d := byAfter[k] - byBefore[k]; d != 0 {
			t.Logf("%-28s %7.1f B/booking", k, float64(d)/n)
		}
	}
	t.Logf("a booking with its reminders: %.0f B", per)
	if per > maxBookingBytes {
		t.Errorf("a booking with its 3 reminders takes %.0f B of Redis, want ≤ %d", per, maxBookingBytes)
	}
}

// fillBuckets fills the code buckets, and the resident buckets of chats,
// as a million bookings would (about 64 codes and 30 residents a bucket,
// the counts varying as they would), so that the test measures what one
// more booking adds at national scale.
func fillBuckets(t testing.TB, rdb redis.UniversalClient, keys redisstore.Keys, chats []kbbot.ChatID) {
	t.Helper()
	ctx := context.Background()
	pipe := rdb.Pipeline()
	flush := func(force bool) {
		if pipe.Len() >= 500 || (force && pipe.Len() > 0) {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := booking.CodeAlphabet
	for i := range len(a) * len(a) * len(a) {
		suffix := string([]byte{a[i%len(a)], a[i/len(a)%len(a)], a[i/len(a)/len(a)]})
		fields := make([]any, 0, 128)
		for j := range 48 + i%33 {
			fields = append(fields, "F-"+strconv.Itoa(j)+suffix, "filler-ev")
		}
		pipe.HSet(ctx, keys.BookingCodes("KB-XXX"+suffix), fields...)
		flush(false)
	}
	filled := map[string]bool{}
	for _, c := range chats {
		k := keys.ResidentEvents(c)
		if filled[k] {
			continue
		}
		filled[k] = true
		b := int64(c) % redisstore.ResidentEventsBuckets
		fields := make([]any, 0, 80)
		for j := range 20 + b%21 {
			fields = append(fields, strconv.FormatInt(b+(j+1)*redisstore.ResidentEventsBuckets, 10)+"|filler-ev", "")
		}
		pipe.HSet(ctx, k, fields...)
		flush(false)
	}
	flush(true)
}

// memoryYAML is an event large enough for every structure to take the
// encoding it has at scale.
const memoryYAML = `
facilities:
  - {id: pkm-a, name: Puskesmas A, type: puskesmas, address: "Jl. Contoh", kecamatan: K, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta}
events:
  - id: kbs-test
    name: Memory
    date: 2030-01-10
    sites:
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "10:00", capacity: 50000}
          - {start: "10:00", end: "12:00", capacity: 50000}
        quota: {iud: 100000}
`
