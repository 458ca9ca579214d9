package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// TestBroadcastShardedQueueSpreadsOverSlots: a broadcast to 400 residents,
// queued over 8 shards, sits in several cluster slots; three processes
// start it at once (it starts once) and send it in turn while one of them
// dies holding a claim, and a resident stops, one is erased and one has
// blocked the bot after the start. Every other resident gets it exactly
// once, the opt-outs are skipped, the dead claim comes back after its
// lease, and the counts add up over the shards.
func TestBroadcastShardedQueueSpreadsOverSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	var procs []*redisstore.BroadcastStore
	for range 3 {
		s := redisstore.NewBroadcastStore(redistest.GuardedClient(t), keys, nil)
		s.SetSharding(8, 50)
		procs = append(procs, s)
	}
	s := procs[0]
	const n = 400
	for c := kbbot.ChatID(1); c <= n; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(900, "sh1"), broadcast.Audience{Area: bcBendan}, bcNow)
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	started := make([][]string, len(procs))
	for i, p := range procs {
		wg.Go(func() {
			ids, err := p.StartDue(ctx, bcNow)
			if err != nil {
				t.Error(err)
			}
			started[i] = ids
		})
	}
	wg.Wait()
	if got := len(started[0]) + len(started[1]) + len(started[2]); got != 1 {
		t.Fatalf("started %d times by three processes, want once", got)
	}
	slots := map[int]bool{}
	queued := 0
	for k := range 8 {
		key := keys.BcShardTodo(b.ID, k)
		m := int(rdb.SCard(ctx, key).Val())
		if m > 0 {
			slots[redistest.Slot(key)] = true
		}
		queued += m
	}
	if queued != n || len(slots) < 4 {
		t.Fatalf("%d recipients queued in %d slots, want %d in at least 4", queued, len(slots), n)
	}
	if rdb.Exists(ctx, keys.BcStage(b.ID)).Val() != 0 {
		t.Error("the stage set outlived the start")
	}

	// After the start: 7 stops, 8 erases their data, 9 blocked the bot.
	if err := s.SetStopped(ctx, 7, true); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseResident(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBlocked(ctx, 9, true); err != nil {
		t.Fatal(err)
	}
	// A process claims a batch and dies.
	dead, err := procs[2].Claim(ctx, b.ID, 10, bcNow, time.Minute)
	if err != nil || len(dead.Recipients) == 0 {
		t.Fatalf("claim: %+v %v", dead, err)
	}
	got := map[kbbot.ChatID]int{}
	sendAll := func(now time.Time) {
		for i := 0; ; i++ {
			p := procs[i%2]
			c, err := p.Claim(ctx, b.ID, 10, now, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Recipients) == 0 {
				return
			}
			for _, r := range c.Recipients {
				if ok, err := procs[(i+1)%2].Ack(ctx, b.ID, c, r.Chat, broadcast.Delivered); err != nil || !ok {
					t.Fatalf("ack: %v %v", ok, err)
				}
				got[r.Chat]++
			}
		}
	}
	sendAll(bcNow.Add(10 * time.Second))
	if report, _ := s.Finish(ctx, b.ID, bcNow.Add(10*time.Second), time.Minute); report {
		t.Fatal("finished with a dead claim in flight")
	}
	sendAll(bcNow.Add(2 * time.Minute)) // the dead claim's lease has ended
	for c := kbbot.ChatID(1); c <= n; c++ {
		want := 1
		if c == 7 || c == 8 || c == 9 {
			want = 0
		}
		if got[c] != want {
			t.Errorf("resident %d got the broadcast %d times, want %d", c, got[c], want)
		}
	}
	if report, _ := procs[1].Finish(ctx, b.ID, bcNow.Add(2*time.Minute), time.Minute); !report {
		t.Fatal("not finished")
	}
	if report, _ := procs[2].Finish(ctx, b.ID, bcNow.Add(2*time.Minute), time.Minute); report {
		t.Fatal("a second process got the report")
	}
	final, err := s.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (broadcast.Counts{Total: n, Delivered: n - 3, Skipped: 3}); final.State != broadcast.Done || final.Counts != want {
		t.Fatalf("%s %+v, want done %+v", final.State, final.Counts, want)
	}
}

// TestBroadcastShardedCancel: cancelling a sharded broadcast counts every
// recipient not yet claimed as unsent, in every shard; claims in flight
// finish and count.
func TestBroadcastShardedCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	s.SetSharding(4, 10)
	for c := kbbot.ChatID(1); c <= 60; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(900, "sh2"), broadcast.Audience{Area: bcBendan}, bcNow)
	s.Create(ctx, b)
	if _, err := s.StartDue(ctx, bcNow); err != nil {
		t.Fatal(err)
	}
	c, err := s.Claim(ctx, b.ID, 5, bcNow, time.Minute)
	if err != nil || len(c.Recipients) != 5 {
		t.Fatalf("claim: %+v %v", c, err)
	}
	if _, err := s.Cancel(ctx, b.ID, bcNow); err != nil {
		t.Fatal(err)
	}
	if more, _ := s.Claim(ctx, b.ID, 5, bcNow, time.Minute); len(more.Recipients) != 0 {
		t.Fatal("claimed from a cancelled broadcast")
	}
	if report, _ := s.Finish(ctx, b.ID, bcNow, time.Minute); report {
		t.Fatal("reported with messages in flight")
	}
	for _, r := range c.Recipients[:4] {
		s.Ack(ctx, b.ID, c, r.Chat, broadcast.Delivered)
	}
	// The fifth's sender died: its lease ends, and it counts unsent.
	if report, _ := s.Finish(ctx, b.ID, bcNow.Add(2*time.Minute), time.Minute); !report {
		t.Fatal("no report after cancel")
	}
	got, _ := s.Get(ctx, b.ID)
	if want := (broadcast.Counts{Total: 60, Delivered: 4, Unsent: 56}); got.State != broadcast.Cancelled || got.Counts != want {
		t.Fatalf("got %s %+v, want cancelled %+v", got.State, got.Counts, want)
	}
}

// TestBroadcastUnshardedLayoutServed: a broadcast that was sending when
// the queue was sharded (its recipients in the old single todo set, no
// "shards" in its record) is still sent to the end, counted and reported.
func TestBroadcastUnshardedLayoutServed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	s := redisstore.NewBroadcastStore(rdb, keys, nil)
	for c := kbbot.ChatID(1); c <= 5; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(900, "old"), broadcast.Audience{Area: bcBendan}, bcNow)
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	// What the unsharded bc_start left behind.
	rdb.HSet(ctx, keys.Bc(b.ID), "state", "sending", "total", 5, "started", bcNow.UnixMilli())
	rdb.ZRem(ctx, keys.BcDue(), b.ID)
	rdb.SAdd(ctx, keys.BcActive(), b.ID)
	rdb.SAdd(ctx, keys.BcTodo(b.ID), 1, 2, 3, 4, 5)
	if err := s.SetStopped(ctx, 5, true); err != nil {
		t.Fatal(err)
	}
	sent := bcSendAll(t, s, b.ID, bcNow)
	if len(sent) != 4 {
		t.Fatalf("sent to %v, want 1 to 4", sent)
	}
	if report, _ := s.Finish(ctx, b.ID, bcNow, time.Minute); !report {
		t.Fatal("not finished")
	}
	got, _ := s.Get(ctx, b.ID)
	if want := (broadcast.Counts{Total: 5, Delivered: 4, Skipped: 1}); got.State != broadcast.Done || got.Counts != want {
		t.Fatalf("got %s %+v, want done %+v", got.State, got.Counts, want)
	}
}
