package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// stormYAML has one site with 30 IUD places over two sessions of 15.
const stormYAML = `
facilities:
  - {id: pkm-a, name: Puskesmas A, type: puskesmas, address: "Jl. Contoh", kecamatan: K, kabupaten: Kota Pekalongan, provinsi: Jawa Tengah, lat: -6.8886, lon: 109.6596, timezone: Asia/Jakarta}
events:
  - id: kbs-test
    name: Storm
    date: 2030-01-10
    sites:
      - facility: pkm-a
        sessions:
          - {start: "08:00", end: "10:00", capacity: 15}
          - {start: "10:00", end: "12:00", capacity: 15}
        quota: {iud: 30}
`

// stormResult is what one process of the storm reports.
type stormResult struct {
	Booked  []string // codes
	Full    int
	Errors  []string
	Already int
}

// storm makes one booking attempt per resident in [from, to), all at
// once, alternating sessions.
func storm(ctx context.Context, s booking.Store, from, to int) stormResult {
	var mu sync.Mutex
	var res stormResult
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := from; i < to; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sess := "0800"
			if i%2 == 1 {
				sess = "1000"
			}
			b, err := s.Book(ctx, req(kbbot.ChatID(10_000+i), "k"+strconv.Itoa(i), "pkm-a", sess, booking.IUD))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.Booked = append(res.Booked, b.Code)
			case errors.Is(err, booking.ErrFull):
				res.Full++
			case errors.Is(err, booking.ErrAlreadyBooked):
				res.Already++
			default:
				res.Errors = append(res.Errors, err.Error())
			}
		}()
	}
	close(start)
	wg.Wait()
	return res
}

// TestBookStormHelperProcess is the second process of
// TestBookStormTwoProcesses; it does nothing when run on its own.
func TestBookStormHelperProcess(t *testing.T) {
	prefix := os.Getenv("KBBOT_STORM_PREFIX")
	if prefix == "" {
		t.Skip("helper of TestBookStormTwoProcesses")
	}
	from, _ := strconv.Atoi(os.Getenv("KBBOT_STORM_FROM"))
	to, _ := strconv.Atoi(os.Getenv("KBBOT_STORM_TO"))
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(prefix)
	s := redisstore.NewBookingStore(rdb, keys, fakes.NewClock(testStart), redisstore.BookingOptions{})
	ctx := context.Background()
	// Wait for the go.
	rdb.Set(ctx, prefix+"storm:ready", "1", time.Minute)
	if err := rdb.BLPop(ctx, 30*time.Second, prefix+"storm:go").Err(); err != nil {
		t.Fatal(err)
	}
	res := storm(ctx, s, from, to)
	out, _ := json.Marshal(res)
	fmt.Printf("STORM %s\n", out)
}

// TestBookStormTwoProcesses fires 1,000 booking attempts by distinct
// residents at the last 10 places, from two processes (this test and a
// child process running TestBookStormHelperProcess), each with its own
// Redis client(s): exactly 10 are booked.
func TestBookStormTwoProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, stormYAML)
	e.clock.Set(testStart)
	// Take 20 of the 30 places, leaving the last 10.
	for i := range 20 {
		sess := []string{"0800", "1000"}[i%2]
		if _, err := e.store.Book(ctx, req(kbbot.ChatID(1_000_000+i), "pre", "pkm-a", sess, booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	prefix := e.keys.Prefix()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBookStormHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "KBBOT_STORM_PREFIX="+prefix, "KBBOT_STORM_FROM=500", "KBBOT_STORM_TO=1000")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for e.rdb.Exists(ctx, prefix+"storm:ready").Val() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("helper process not ready: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// This process uses two clients (two store instances) for its half.
	second := redisstore.NewBookingStore(redistest.Client(t), e.keys, e.clock, redisstore.BookingOptions{})
	e.rdb.RPush(ctx, prefix+"storm:go", "go")
	var a, b stormResult
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = storm(ctx, e.store, 0, 250) }()
	go func() { defer wg.Done(); b = storm(ctx, second, 250, 500) }()
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var c stormResult
	found := false
	for _, line := range bytes.Split(stdout.Bytes(), []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("STORM ")); ok {
			if err := json.Unmarshal(rest, &c); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no result from the helper process:\n%s\n%s", stdout.String(), stderr.String())
	}
	booked := map[string]bool{}
	full := 0
	for _, r := range []stormResult{a, b, c} {
		for _, e := range r.Errors {
			t.Errorf("unexpected error: %s", e)
		}
		for _, code := range r.Booked {
			if booked[code] {
				t.Errorf("code %s returned twice", code)
			}
			booked[code] = true
		}
		full += r.Full
	}
	t.Logf("booked %d (this process %d+%d, child %d), full %d", len(booked), len(a.Booked), len(b.Booked), len(c.Booked), full)
	if len(booked) != 10 || full != 990 {
		t.Errorf("booked %d, refused as full %d; want 10 and 990", len(booked), full)
	}
	if n := checkInvariants(t, e, testEvent); n != 30 {
		t.Errorf("%d active bookings, want 30", n)
	}
	av, _ := e.store.Availability(ctx, testEvent, "pkm-a")
	if p, _ := av.Method(booking.IUD); p.Taken != 30 || p.Limit != 30 {
		t.Errorf("iud places %+v", p)
	}
	// Every code index points at the event and names a booking.
	for code := range booked {
		if got, err := e.store.Get(ctx, code); err != nil || got.Status != booking.Active {
			t.Errorf("get %s: %+v %v", code, got, err)
		}
	}
	// Codes are reserved in batches; failed attempts return theirs to
	// their store's pool, so far fewer than one code per attempt is used.
	if n := len(redistest.Keys(ctx, e.rdb, prefix+"code:*")); n > 30+3*(500+redisstore.CodeBatch) {
		t.Errorf("%d codes reserved", n)
	}
}

// TestSameResidentHammering: one resident taps "book" many times at once,
// Telegram redelivers the same update, and different updates race: one
// active booking results, and every answer names it.
func TestSameResidentHammering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	second := redisstore.NewBookingStore(redistest.Client(t), e.keys, e.clock, redisstore.BookingOptions{})
	stores := []booking.Store{e.store, second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			key := "update-1" // a redelivered update
			if i%2 == 1 {
				key = "update-" + strconv.Itoa(i) // different taps
			}
			sess := []string{"0800", "1000"}[i%2]
			m := []booking.Method{booking.IUD, booking.Implan}[i%3%2]
			b, err := stores[i%2].Book(ctx, req(77, key, "pkm-a", sess, m))
			var ab *booking.AlreadyBookedError
			switch {
			case err == nil:
			case errors.As(err, &ab):
				b = ab.Existing
			default:
				t.Errorf("tap %d: %v", i, err)
				return
			}
			mu.Lock()
			codes[b.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if len(codes) != 1 {
		t.Fatalf("answers name %d bookings, want 1: %v", len(codes), codes)
	}
	list, _ := e.store.Bookings(ctx, 77)
	if len(list) != 1 || list[0].Status != booking.Active {
		t.Fatalf("bookings %+v", list)
	}
	if n := checkInvariants(t, e, testEvent); n != 1 {
		t.Fatalf("%d active bookings", n)
	}
	if n := len(redistest.Keys(ctx, e.rdb, e.keys.Prefix()+"code:*")); n > 2*(100+redisstore.CodeBatch) {
		t.Errorf("%d code keys", n)
	}
}
