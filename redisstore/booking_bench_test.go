package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// BenchmarkBook books against real Redis from many goroutines over two
// clients (as two processes would): b.N distinct residents try to book
// one method at one site whose quota is 90% of b.N, over four sessions
// whose capacities add up to the quota. It reports successful bookings
// per second and checks at the end that exactly the quota was booked,
// nothing more.
//
//	go test -run '^$' -bench BenchmarkBook -benchtime 20000x ./redisstore/
func BenchmarkBook(b *testing.B) {
	ctx := context.Background()
	rdb := redistest.Client(b)
	keys := redisstore.NewKeys(redistest.Prefix(b, rdb))
	quota := max(1, b.N-b.N/10)
	capacity := (quota + 3) / 4
	yaml := fmt.Sprintf(`
facilities:
  - {id: pkm-a, name: Puskesmas A, type: puskesmas, address: "Jl. Contoh", kecamatan: K, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta}
events:
  - id: kbs-test
    name: Bench
    date: 2030-01-10
    sites:
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "09:00", capacity: %[1]d}
          - {start: "09:00", end: "10:00", capacity: %[1]d}
          - {start: "10:00", end: "11:00", capacity: %[1]d}
          - {start: "11:00", end: "12:00", capacity: %[2]d}
        quota: {iud: %[3]d}
`, capacity, quota-3*capacity, quota)
	if quota-3*capacity <= 0 {
		yaml = strings.Replace(yaml, fmt.Sprintf("capacity: %d}\n        quota", quota-3*capacity), "capacity: 1}\n        quota", 1)
	}
	e := newEnvOn(b, rdb, keys, yaml)
	stores := []*redisstore.BookingStore{e.store, redisstore.NewBookingStore(redistest.Client(b), keys, e.clock, redisstore.BookingOptions{})}
	sessions := []string{"0800", "0900", "1000", "1100"}
	var next atomic.Int64
	var tally bookTally
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			r := req(kbbot.ChatID(i), "u"+strconv.FormatInt(i, 10), "pkm-a", sessions[i%4], booking.IUD)
			_, err := stores[i%2].Book(ctx, r)
			tally.add(err)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	tally.report(b, elapsed)
	booked, full := &tally.booked, &tally.full
	active := checkInvariants(b, e, testEvent)
	av, err := e.store.Availability(ctx, testEvent, "pkm-a")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := av.Method(booking.IUD)
	if p.Taken > p.Limit || int64(active) != booked.Load() || int64(p.Taken) != booked.Load() {
		b.Fatalf("overbooked or inconsistent: quota %d, taken %d, active %d, booked %d", p.Limit, p.Taken, active, booked.Load())
	}
	if want := min(b.N, quota); int(booked.Load()) != want {
		b.Fatalf("booked %d of %d attempts, want %d (quota %d)", booked.Load(), b.N, want, quota)
	}
	b.Logf("N=%d quota=%d booked=%d full=%d overbooked=0 in %v", b.N, quota, booked.Load(), full.Load(), elapsed.Round(time.Millisecond))
}

// bookTally counts the outcomes of booking attempts from many goroutines.
type bookTally struct {
	booked, full, failed atomic.Int64
	firstErr             atomic.Value
}

func (t *bookTally) add(err error) {
	switch {
	case err == nil:
		t.booked.Add(1)
	case errors.Is(err, booking.ErrFull):
		t.full.Add(1)
	default:
		t.failed.Add(1)
		t.firstErr.CompareAndSwap(nil, err.Error())
	}
}

// report reports bookings/s and attempts/s, and fails b if any attempt
// failed for another reason than a full place.
func (t *bookTally) report(b *testing.B, elapsed time.Duration) {
	b.ReportMetric(float64(t.booked.Load())/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "attempts/s")
	if t.failed.Load() > 0 {
		b.Fatalf("%d attempts failed, e.g. %v", t.failed.Load(), t.firstErr.Load())
	}
}
