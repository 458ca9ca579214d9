package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// BenchmarkMigrateEvent moves one provincial event of a national day
// (30 puskesmas, about 28,000 bookings) from the layout before events
// layout 2 into the current one, as MigrateEvents does at the first start
// of this version: one script call, during which Redis serves nobody
// else. ns/op is that pause for one event; operators stop the old
// processes first, so nobody waits on it but the starting process.
//
//	go test -run '^$' -bench BenchmarkMigrateEvent -benchtime 3x ./redisstore/
func BenchmarkMigrateEvent(b *testing.B) {
	ctx := context.Background()
	const sites, total = 30, 30_000
	rdb := redistest.Client(b)
	keys := redisstore.NewKeys(redistest.Prefix(b, rdb))
	e := newEnvOn(b, rdb, keys, nationalYAML(1, sites, total))
	methods := []booking.Method{booking.IUD, booking.Implan, booking.Suntik3, booking.Pil}
	var next, booked atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > total {
					return
				}
				site, k := int(i)%sites, int(i)/sites
				_, err := e.store.Book(ctx, booking.Request{
					EventID: "sejuta-0", FacilityID: fmt.Sprintf("pkm-0-%d", site),
					SessionID: fmt.Sprintf("%02d00", 8+(k/4)%4), Method: methods[k%4], Resident: kbbot.ChatID(7_000_000_000 + i),
					Name: "Warga " + strconv.FormatInt(i, 10), ConsentAt: testStart, IdempotencyKey: "k",
				})
				if err == nil {
					booked.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		oldLayout(b, e, "sejuta-0")
		b.StartTimer()
		m, err := e.store.MigrateEvents(ctx)
		if err != nil || m.Events != 1 {
			b.Fatalf("migrate: %+v %v", m, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(booked.Load()), "bookings")
	if n := checkInvariants(b, e, "sejuta-0"); int64(n) != booked.Load() {
		b.Fatalf("%d active after the move, %d booked", n, booked.Load())
	}
}
