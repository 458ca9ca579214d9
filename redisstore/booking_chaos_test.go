package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	"github.com/kbbot/kbbot/redisstore"
)

// TestBookSurvivesConnectionKills books while this test's own connections
// are killed every few milliseconds, so go-redis retries scripts whose
// replies were lost. Afterwards every resident repeats their request with
// the same idempotency key: each gets one booking, and the counts match.
func TestBookSurvivesConnectionKills(t *testing.T) {
	t.Parallel()
	if redistest.IsCluster() {
		t.Skip("kills the connections of one server: runs on a single server (REDIS_URL is a cluster)")
	}
	ctx := context.Background()
	opt, err := redis.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	opt.ClientName = "kbtest-chaos-" + hex.EncodeToString(b[:])
	opt.PoolSize = 32
	chaos := redis.NewClient(opt)
	t.Cleanup(func() { _ = chaos.Close() })
	admin := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, admin))
	e := newEnvOn(t, admin, keys, stormYAML) // 30 places
	s := redisstore.NewBookingStore(chaos, keys, e.clock, redisstore.BookingOptions{})

	stop := make(chan struct{})
	var kills atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Millisecond):
			}
			// Kill only this test's connections: the server is shared.
			list, err := admin.ClientList(ctx).Result()
			if err != nil {
				continue
			}
			for _, line := range strings.Split(list, "\n") {
				if !strings.Contains(line, "name="+opt.ClientName+" ") {
					continue
				}
				for _, f := range strings.Fields(line) {
					if id, ok := strings.CutPrefix(f, "id="); ok {
						n, _ := strconv.ParseInt(id, 10, 64)
						if admin.ClientKillByFilter(ctx, "ID", strconv.FormatInt(n, 10)).Err() == nil {
							kills.Add(1)
						}
					}
				}
			}
		}
	}()
	const residents = 120
	var wg sync.WaitGroup
	for i := range residents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 { // double taps with the same update id
				_, _ = s.Book(ctx, req(kbbot.ChatID(5000+i), "upd", "pkm-a", []string{"0800", "1000"}[i%2], booking.IUD))
			}
		}()
	}
	wg.Wait()
	close(stop)
	t.Logf("%d connections killed", kills.Load())

	// Redelivery without chaos: the same request answers the same way.
	calm := redisstore.NewBookingStore(admin, keys, e.clock, redisstore.BookingOptions{})
	booked := map[string]bool{}
	for i := range residents {
		b, err := calm.Book(ctx, req(kbbot.ChatID(5000+i), "upd", "pkm-a", []string{"0800", "1000"}[i%2], booking.IUD))
		switch {
		case err == nil:
			if booked[b.Code] {
				t.Errorf("code %s twice", b.Code)
			}
			booked[b.Code] = true
		case errors.Is(err, booking.ErrFull):
		default:
			t.Errorf("resident %d: %v", i, err)
		}
	}
	if len(booked) != 30 {
		t.Errorf("%d bookings, want all 30 places", len(booked))
	}
	if n := checkInvariants(t, e, testEvent); n != 30 {
		t.Errorf("%d active, want 30", n)
	}
}
