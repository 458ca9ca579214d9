package app_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// broadcastDaytimeZone returns an Indonesian zone (the only ones a
// broadcast may have) where broadcasts may be sent now and for the next
// hour, or "" when it is night in all of them (14:00-21:00 UTC).
func broadcastDaytimeZone(now time.Time) string {
	for _, z := range []string{"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"} {
		loc, err := booking.LoadZone(z)
		if err != nil {
			continue
		}
		if !broadcast.Quiet.Contains(now, loc) && !broadcast.Quiet.Contains(now.Add(time.Hour), loc) {
			return z
		}
	}
	return ""
}

// TestKilledBroadcasterResumedWithin30s: a `kbbot serve` process sending
// a broadcast to 300 residents is killed with SIGKILL partway. Another
// process takes over the batches the dead one had claimed: their claims in
// Redis end within 30 s of the kill (15 s after the last renewal), and
// they are taken over; everyone
// gets the broadcast; nobody twice but the messages in flight at the
// kill, in the dead process's batches.
func TestKilledBroadcasterResumedWithin30s(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	zone := broadcastDaytimeZone(now)
	if zone == "" {
		t.Skip("it is night in every Indonesian zone: broadcasts wait for the morning")
	}
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	ctx := context.Background()
	keys := redisstore.NewKeys(prefix)
	store := redisstore.NewBroadcastStore(rdb, keys, nil)
	const n = 300
	area := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	users := make([]*telegramtest.User, n)
	for i := range users {
		users[i] = srv.User(int64(840000+i), "Warga")
		if err := store.SetProfile(ctx, kbbot.ChatID(users[i].ID), broadcast.Profile{Area: area, Lang: "id"}); err != nil {
			t.Fatal(err)
		}
	}
	author := srv.User(840999, "Kader")
	const marker = "Posyandu KB besok pagi"
	b := broadcast.Broadcast{ID: broadcast.NewID(kbbot.ChatID(author.ID), prefix), Author: kbbot.ChatID(author.ID), AuthorRole: cadre.Admin,
		Lang: "id", Audience: broadcast.Audience{Area: area}, Text: marker, Zone: zone, Created: now, At: now}
	if _, err := store.Create(ctx, b); err != nil {
		t.Fatal(err)
	}

	pe := newProcEnv(t, srv, redistest.URL(), prefix)
	pe.vars["KBBOT_SWEEP_EVERY"] = "1s" // the broadcasts job's period
	pe.vars["KBBOT_SEND_RATE"] = "50"   // slow enough to kill midway
	workers := min(max(50/4, 4), 64)    // as app.broadcastSender
	got := func(u *telegramtest.User) int { return bcReceived(u, marker) }
	served := func() int { return servedCount(users, marker) }
	first := pe.start("kbbot-1")
	waitFor(t, 60*time.Second, "a quarter of the broadcast sent", func() bool { return served() >= n/4 }, first)
	first.kill(t)
	killed := time.Now()
	// The dead process's batches: recipients claimed and not recorded, in
	// the lease of each queue shard.
	leases := []string{keys.BcLease(b.ID)}
	if shards, err := rdb.HGet(ctx, keys.Bc(b.ID), "shards").Int(); err == nil {
		for k := range shards {
			leases = append(leases, keys.BcShardLease(b.ID, k))
		}
	}
	type held struct {
		lease, chat string
		score       float64
	}
	var claimed []held
	for _, l := range leases {
		zs, err := rdb.ZRangeWithScores(ctx, l, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			claimed = append(claimed, held{lease: l, chat: fmt.Sprint(z.Member), score: z.Score})
		}
	}
	if len(claimed) == 0 {
		t.Fatal("the dead process held no batch at the kill")
	}
	before := served()

	second := pe.start("kbbot-2")
	takenOver := func() bool {
		for _, h := range claimed {
			s, err := rdb.ZScore(ctx, h.lease, h.chat).Result()
			if err == nil && s == h.score {
				return false // still held by the dead claim
			}
			if err != nil && !errors.Is(err, redis.Nil) {
				return false
			}
		}
		return true
	}
	// The limit: every claim the dead process held ends, with no one left
	// to renew it, early enough for the next sweep (every second here) to
	// take it over within 30 s of the kill. It is read from the claims in
	// Redis, not timed, so a loaded machine does not change the verdict.
	for _, h := range claimed {
		if end := time.UnixMilli(int64(h.score)); end.After(killed.Add(30*time.Second - time.Second)) {
			t.Errorf("a dead claim runs until %v after the kill: its batch cannot be taken over within 30 s", end.Sub(killed).Round(100*time.Millisecond))
		}
	}
	waitFor(t, 90*time.Second, "the dead process's batches taken over", takenOver, second)
	took := time.Since(killed) // for the log only
	waitFor(t, 90*time.Second, "the broadcast done and reported", func() bool {
		cur, err := store.Get(ctx, b.ID)
		return err == nil && cur.State == broadcast.Done && got(author) > 0
	}, second)

	inClaims := map[int64]bool{}
	for _, h := range claimed {
		id, _ := strconv.ParseInt(h.chat, 10, 64)
		inClaims[id] = true
	}
	twice := 0
	for _, u := range users {
		switch c := got(u); {
		case c == 2 && inClaims[u.ID]:
			twice++
		case c != 1:
			t.Errorf("resident %d got the broadcast %d times (in the dead process's batches: %v)", u.ID, c, inClaims[u.ID])
		}
	}
	if twice > workers {
		t.Errorf("%d residents got it twice, more than the %d messages the dead process could have in flight", twice, workers)
	}
	cur, _ := store.Get(ctx, b.ID)
	if cur.Counts.Delivered != n {
		t.Errorf("counts %+v, want %d delivered", cur.Counts, n)
	}
	t.Logf("%d of %d sent before the kill, %d in its batches; taken over %v after the kill; %d sent twice",
		before, n, len(claimed), took.Round(100*time.Millisecond), twice)
}
