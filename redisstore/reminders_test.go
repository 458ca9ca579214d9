package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
)

// t0 is the fixed "now" of the reminder tests; nothing reads the real clock.
var t0 = time.Date(2024, 7, 20, 1, 0, 0, 0, time.UTC)

func newReminderStore(t *testing.T) (*redisstore.ReminderStore, redis.UniversalClient, redisstore.Keys) {
	t.Helper()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	return redisstore.NewReminderStore(rdb, keys), rdb, keys
}

func item(chat kbbot.ChatID, kind, ref string, due time.Time) reminders.Item {
	return reminders.Item{
		ID: kind + ":" + ref, Chat: chat, Kind: kind, Ref: ref,
		Due: due, NotAfter: due.Add(6 * time.Hour), Zone: "Asia/Makassar",
	}
}

func counts(t *testing.T, s *redisstore.ReminderStore) (due, inflight, done int64) {
	t.Helper()
	due, inflight, done, err := s.RemCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return due, inflight, done
}

func ids(items []reminders.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestReminderScheduleTwiceIsNoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	a := item(7, reminders.KindH1, "KB-AAAAAA", t0)
	b := item(7, reminders.KindH0, "KB-AAAAAA", t0.Add(time.Hour))
	if n, err := s.Schedule(ctx, a, b); err != nil || n != 2 {
		t.Fatalf("schedule: %d %v", n, err)
	}
	if n, err := s.Schedule(ctx, a, b); err != nil || n != 0 {
		t.Fatalf("schedule again: %d %v, want 0 changes", n, err)
	}
	if due, fly, done := counts(t, s); due != 2 || fly != 0 || done != 0 {
		t.Fatalf("counts %d %d %d", due, fly, done)
	}
	got, err := s.Pending(ctx, 7)
	if err != nil || len(got) != 2 || got[0].ID != a.ID || !got[0].Due.Equal(a.Due) || got[0].Zone != "Asia/Makassar" || got[0].Ref != "KB-AAAAAA" {
		t.Fatalf("pending %+v %v", got, err)
	}

	// Still waiting: a new time replaces the old one.
	later := b
	later.Due = t0.Add(2 * time.Hour)
	if n, err := s.Schedule(ctx, later); err != nil || n != 1 {
		t.Fatalf("reschedule pending: %d %v", n, err)
	}
	// In flight: left as it is.
	claimed, err := s.Claim(ctx, t0, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != a.ID {
		t.Fatalf("claim %+v %v", claimed, err)
	}
	moved := a
	moved.Due = t0.Add(3 * time.Hour)
	if n, err := s.Schedule(ctx, moved); err != nil || n != 0 {
		t.Fatalf("reschedule in flight: %d %v, want 0", n, err)
	}
	// Delivered: scheduling it again sends nothing twice.
	if err := s.Ack(ctx, claimed...); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Schedule(ctx, a); err != nil || n != 0 {
		t.Fatalf("schedule delivered: %d %v, want 0", n, err)
	}
	got, _ = s.Pending(ctx, 7)
	if len(got) != 1 || got[0].ID != b.ID || !got[0].Due.Equal(later.Due) {
		t.Fatalf("pending after ack %+v", got)
	}
	if _, err := s.Schedule(ctx, reminders.Item{ID: "x|y", Chat: 1, Kind: "h1", Due: t0, NotAfter: t0}); !errors.Is(err, reminders.ErrInvalid) {
		t.Fatalf("invalid item: %v", err)
	}
}

func TestReminderClaimMovesDueOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	var items []reminders.Item
	for i := range 5 {
		items = append(items, item(kbbot.ChatID(i+1), reminders.KindH0, fmt.Sprintf("KB-%d", i), t0.Add(time.Duration(i-2)*time.Minute)))
	}
	if _, err := s.Schedule(ctx, items...); err != nil {
		t.Fatal(err)
	}
	// Due at t0: the items due at t0-2m, t0-1m and t0, earliest first.
	got, err := s.Claim(ctx, t0, time.Minute, 2)
	if err != nil || fmt.Sprint(ids(got)) != "[h0:KB-0 h0:KB-1]" {
		t.Fatalf("claim limited: %v %v", ids(got), err)
	}
	if got[0].Attempt != 1 || got[0].Version == "" || got[0].Chat != 1 || got[0].Kind != reminders.KindH0 {
		t.Fatalf("claimed item %+v", got[0])
	}
	got, err = s.Claim(ctx, t0, time.Minute, 100)
	if err != nil || fmt.Sprint(ids(got)) != "[h0:KB-2]" {
		t.Fatalf("claim rest: %v %v", ids(got), err)
	}
	if got, _ := s.Claim(ctx, t0, time.Minute, 100); len(got) != 0 {
		t.Fatalf("claimed an item not yet due: %v", ids(got))
	}
	if due, fly, _ := counts(t, s); due != 2 || fly != 3 {
		t.Fatalf("due %d in flight %d", due, fly)
	}
}

func TestReminderReapReturnsExpiredLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	if _, err := s.Schedule(ctx, item(1, reminders.KindH1, "KB-A", t0), item(2, reminders.KindH1, "KB-B", t0)); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.Claim(ctx, t0, time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim %v %v", claimed, err)
	}
	// The claimer "dies": nothing is acked.
	if n, err := s.Reap(ctx, t0.Add(59*time.Second)); err != nil || n != 0 {
		t.Fatalf("reap before lease end: %d %v", n, err)
	}
	if n, err := s.Reap(ctx, t0.Add(61*time.Second)); err != nil || n != 2 {
		t.Fatalf("reap after lease end: %d %v", n, err)
	}
	again, err := s.Claim(ctx, t0.Add(61*time.Second), time.Minute, 10)
	if err != nil || len(again) != 2 || again[0].Attempt != 2 || again[0].Version != claimed[0].Version {
		t.Fatalf("reclaim %+v %v", again, err)
	}
	// The first claimer wakes up and acks: that is a delivery too.
	if err := s.Ack(ctx, claimed[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, again...); err != nil {
		t.Fatal(err)
	}
	if due, fly, done := counts(t, s); due != 0 || fly != 0 || done != 2 {
		t.Fatalf("counts %d %d %d", due, fly, done)
	}
}

func TestReminderAckOfReplacedItemKeepsNewOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	it := item(3, reminders.KindH1, "KB-C", t0)
	if _, err := s.Schedule(ctx, it); err != nil {
		t.Fatal(err)
	}
	claimed, _ := s.Claim(ctx, t0, time.Minute, 1)
	// Meanwhile the booking is cancelled and the same reminder scheduled anew.
	if n, err := s.CancelRef(ctx, 3, "KB-C"); err != nil || n != 1 {
		t.Fatalf("cancel: %d %v", n, err)
	}
	if _, err := s.Schedule(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, claimed...); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, claimed[0], t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Claim(ctx, t0, time.Minute, 1)
	if len(got) != 1 || got[0].Version == claimed[0].Version {
		t.Fatalf("the new incarnation was acked or moved by the old claim: %+v", got)
	}

	// A claim whose lease ended is reaped; the item is then given a new
	// time; the late ack of the old claim must not retire it unsent.
	if n, err := s.Reap(ctx, t0.Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("reap: %d %v", n, err)
	}
	moved := it
	moved.Due = t0.Add(time.Hour)
	if n, err := s.Schedule(ctx, moved); err != nil || n != 1 {
		t.Fatalf("reschedule: %d %v", n, err)
	}
	if err := s.Ack(ctx, got...); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(ctx, 3); len(p) != 1 || !p[0].Due.Equal(moved.Due) {
		t.Fatalf("pending after a late ack: %+v", p)
	}
}

func TestReminderRetryLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	if _, err := s.Schedule(ctx, item(4, reminders.KindPil, "pil-4-20240301", t0)); err != nil {
		t.Fatal(err)
	}
	claimed, _ := s.Claim(ctx, t0, time.Minute, 1)
	if err := s.Retry(ctx, claimed[0], t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, claimed[0], t0.Add(10*time.Minute)); err != nil { // retried call
		t.Fatal(err)
	}
	if due, fly, _ := counts(t, s); due != 1 || fly != 0 {
		t.Fatalf("due %d in flight %d", due, fly)
	}
	if got, _ := s.Claim(ctx, t0.Add(9*time.Minute), time.Minute, 1); len(got) != 0 {
		t.Fatal("retried item claimed before its time")
	}
	if got, _ := s.Claim(ctx, t0.Add(10*time.Minute), time.Minute, 1); len(got) != 1 || got[0].Attempt != 2 {
		t.Fatalf("retried item: %+v", got)
	}
}

func TestReminderCancelResidentAndRef(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	items := []reminders.Item{
		item(12, reminders.KindH1, "KB-X", t0),
		item(12, reminders.KindH0, "KB-X", t0.Add(time.Hour)),
		item(12, reminders.KindPil, "pil-12-20240301", t0.Add(time.Hour)),
		item(12, reminders.KindSuntik3, "suntik3-12-20240301", t0.Add(2*time.Hour)),
		item(123, reminders.KindH1, "KB-Y", t0), // chat id sharing a prefix
		item(1, reminders.KindH1, "KB-XZ", t0),  // ref sharing a prefix
	}
	if _, err := s.Schedule(ctx, items...); err != nil {
		t.Fatal(err)
	}
	// KB-X's H-1 is in flight.
	claimed, _ := s.Claim(ctx, t0, time.Minute, 10)
	if len(claimed) != 3 {
		t.Fatalf("claimed %v", ids(claimed))
	}
	if n, err := s.CancelResident(ctx, 12, reminders.KindPil); err != nil || n != 1 {
		t.Fatalf("cancel pil: %d %v", n, err)
	}
	if n, err := s.CancelRef(ctx, 12, "KB-X"); err != nil || n != 2 {
		t.Fatalf("cancel booking: %d %v", n, err)
	}
	pending, _ := s.Pending(ctx, 12)
	if fmt.Sprint(ids(pending)) != "[suntik3:suntik3-12-20240301]" {
		t.Fatalf("pending of 12: %v", ids(pending))
	}
	if n, err := s.CancelResident(ctx, 12); err != nil || n != 1 {
		t.Fatalf("cancel all: %d %v", n, err)
	}
	for chat, want := range map[kbbot.ChatID]int{12: 0, 123: 1, 1: 1} {
		if p, _ := s.Pending(ctx, chat); len(p) != want {
			t.Errorf("chat %d: %d pending, want %d", chat, len(p), want)
		}
	}
	// The acked (cancelled) in-flight item: its ack changes nothing.
	if err := s.Ack(ctx, claimed...); err != nil {
		t.Fatal(err)
	}
	if due, fly, done := counts(t, s); due != 0 || fly != 0 || done != 2 {
		t.Fatalf("counts %d %d %d (the two other claimed items are done)", due, fly, done)
	}
	// A delivered item's tombstone survives /berhenti but not /hapusdata.
	if n, _ := s.CancelResident(ctx, 123); n != 0 {
		t.Fatalf("cancel removed a tombstone")
	}
	if n, _ := s.Schedule(ctx, item(123, reminders.KindH1, "KB-Y", t0)); n != 0 {
		t.Fatal("delivered item scheduled again after /berhenti")
	}
	if err := s.EraseResident(ctx, 123); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Schedule(ctx, item(123, reminders.KindH1, "KB-Y", t0)); n != 1 {
		t.Fatal("item not scheduled after /hapusdata")
	}
}

func TestReminderTombstonePurgedByReap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newReminderStore(t)
	it := item(5, reminders.KindH0, "KB-P", t0)
	if _, err := s.Schedule(ctx, it); err != nil {
		t.Fatal(err)
	}
	claimed, _ := s.Claim(ctx, t0, time.Minute, 1)
	if err := s.Ack(ctx, claimed...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reap(ctx, it.NotAfter.Add(redisstore.TombstoneFor-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, done := counts(t, s); done != 1 {
		t.Fatal("tombstone purged early")
	}
	if _, err := s.Reap(ctx, it.NotAfter.Add(redisstore.TombstoneFor)); err != nil {
		t.Fatal(err)
	}
	for n := range redisstore.RemShards {
		for _, k := range keys.RemKeys(n) {
			if n, _ := rdb.Exists(ctx, k).Result(); n != 0 {
				t.Errorf("key %s left after purge", k)
			}
		}
	}
}

func TestReminderConcurrentClaimsConserveItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newReminderStore(t)
	other := redisstore.NewReminderStore(redistest.Client(t), keys)
	_ = rdb
	const n = 2000
	items := make([]reminders.Item, n)
	for i := range items {
		items[i] = item(kbbot.ChatID(i+1), reminders.KindH1, fmt.Sprintf("KB-%05d", i), t0.Add(-time.Duration(i)*time.Millisecond))
	}
	if _, err := s.Schedule(ctx, items...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		st := s
		if w%2 == 1 {
			st = other
		}
		wg.Go(func() {
			for {
				got, err := st.Claim(ctx, t0, time.Minute, 37)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct items, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("%s claimed %d times", id, c)
		}
	}
}

func TestLockExclusiveExtendUnlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newReminderStore(t)
	other := redisstore.NewLocker(redistest.Client(t), keys)
	tok, ok, err := s.Lock(ctx, "sweep:reminders", 10*time.Second)
	if err != nil || !ok || tok == "" {
		t.Fatalf("lock: %q %v %v", tok, ok, err)
	}
	if _, ok, err := other.Lock(ctx, "sweep:reminders", 10*time.Second); err != nil || ok {
		t.Fatalf("second lock: %v %v, want held", ok, err)
	}
	if _, ok, _ := other.Lock(ctx, "job:report", 10*time.Second); !ok {
		t.Fatal("a lock of another name is independent")
	}
	if ok, err := other.Extend(ctx, "sweep:reminders", "not-mine", time.Minute); err != nil || ok {
		t.Fatalf("extend with a wrong token: %v %v", ok, err)
	}
	if ok, err := s.Extend(ctx, "sweep:reminders", tok, time.Minute); err != nil || !ok {
		t.Fatalf("extend: %v %v", ok, err)
	}
	if ttl := rdb.PTTL(ctx, keys.NamedLock("sweep:reminders")).Val(); ttl <= 10*time.Second {
		t.Fatalf("ttl after extend %v", ttl)
	}
	if ok, _ := other.Unlock(ctx, "sweep:reminders", "not-mine"); ok {
		t.Fatal("unlock with a wrong token released the lock")
	}
	if ok, err := s.Unlock(ctx, "sweep:reminders", tok); err != nil || !ok {
		t.Fatalf("unlock: %v %v", ok, err)
	}
	if ok, _ := s.Unlock(ctx, "sweep:reminders", tok); ok {
		t.Fatal("second unlock released something")
	}
	if ok, _ := s.Extend(ctx, "sweep:reminders", tok, time.Minute); ok {
		t.Fatal("extended a released lock")
	}
	// Expired (here: deleted) and taken by someone else: the old owner's
	// unlock must not release the new owner's lock.
	tok2, ok, _ := other.Lock(ctx, "sweep:reminders", time.Minute)
	if !ok {
		t.Fatal("lock after release")
	}
	if ok, _ := s.Unlock(ctx, "sweep:reminders", tok); ok {
		t.Fatal("stale owner released the new owner's lock")
	}
	if got := rdb.Get(ctx, keys.NamedLock("sweep:reminders")).Val(); got != tok2 {
		t.Fatal("lock lost")
	}
}

// chatsInShards returns one chat per shard for the first want shards.
func chatsInShards(want int) []kbbot.ChatID {
	seen := map[int]bool{}
	var out []kbbot.ChatID
	for c := kbbot.ChatID(1000); len(out) < want; c++ {
		if n := redisstore.RemShard(c); !seen[n] {
			seen[n] = true
			out = append(out, c)
		}
	}
	return out
}

// TestReminderShardsSpreadOverSlots: residents' reminders spread over the
// shards, whose keys sit in distinct hash slots, while one resident's items
// all stay in one shard (so a cluster spreads them, and no command spans
// slots: the client refuses one that does).
func TestReminderShardsSpreadOverSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newReminderStore(t)
	var items []reminders.Item
	for c := range 400 {
		chat := kbbot.ChatID(6_100_000_000 + c*7)
		items = append(items, item(chat, reminders.KindH1, fmt.Sprintf("KB-%d", c), t0), item(chat, reminders.KindH0, fmt.Sprintf("KB-%d", c), t0))
	}
	if _, err := s.Schedule(ctx, items...); err != nil {
		t.Fatal(err)
	}
	slots := map[int]bool{}
	used := 0
	for n := range redisstore.RemShards {
		chats := rdb.HGetAll(ctx, keys.RemChats(n)).Val()
		if len(chats) == 0 {
			continue
		}
		used++
		for _, k := range keys.RemKeys(n) {
			if redistest.Slot(k) != redistest.Slot(keys.RemNext(n)) {
				t.Errorf("shard %d: %s in another slot than its next set", n, k)
			}
		}
		slots[redistest.Slot(keys.RemNext(n))] = true
		for chat, raw := range chats {
			if c, _ := strconv.ParseInt(chat, 10, 64); redisstore.RemShard(kbbot.ChatID(c)) != n {
				t.Errorf("chat %s stored in shard %d", chat, n)
			}
			if lines := strings.Count(raw, "\n") + 1; lines != 2 {
				t.Errorf("chat %s has %d items in shard %d, want both of its 2", chat, lines, n)
			}
		}
	}
	if used < redisstore.RemShards*3/4 || len(slots) != used {
		t.Fatalf("400 residents use %d of %d shards in %d slots", used, redisstore.RemShards, len(slots))
	}
	got, err := s.Claim(ctx, t0, time.Minute, redisstore.MaxClaim)
	if err != nil || len(got) != len(items) {
		t.Fatalf("one claim over every shard got %d of %d: %v", len(got), len(items), err)
	}
}

// TestReminderClaimOldestShardsFirst: with fewer places than shards with
// due items, a claim takes the items that waited longest.
func TestReminderClaimOldestShardsFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	chats := chatsInShards(6)
	for i, chat := range chats {
		// The last shard's item waited longest.
		if _, err := s.Schedule(ctx, item(chat, reminders.KindPil, fmt.Sprintf("c%d", i), t0.Add(time.Duration(i-10)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Claim(ctx, t0, time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Chat != chats[0] || got[1].Chat != chats[1] {
		t.Fatalf("claimed %v, want the items of chats %v first", ids(got), chats[:2])
	}
	rest, _ := s.Claim(ctx, t0, time.Minute, 100)
	if len(rest) != 4 || rest[0].Chat != chats[2] {
		t.Fatalf("then claimed %v", ids(rest))
	}
}

// TestReminderLegacyItemsMoved: items an earlier version left in the single
// {rem} slot are moved into the shards by the first Reap, keeping their
// state: waiting ones are claimed, an in-flight one comes back when its
// lease ends, a tombstone still makes scheduling its id again a no-op.
func TestReminderLegacyItemsMoved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newReminderStore(t)
	legacy := keys.RemLegacyKeys() // due, inflight, items, attempts, done, bychat, byref
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	na := t0.Add(6 * time.Hour)
	payload := func(chat int, kind, ref string) string {
		return "oldver|" + ms(t0) + "|" + ms(na) + "|" + strconv.Itoa(chat) + "|" + kind + "|" + ref + "|Asia/Jakarta"
	}
	pipe := rdb.Pipeline()
	for i, x := range []struct {
		id, set string
		chat    int
		score   time.Time
	}{
		{"h1:KB-L1:1", "due", 71, t0},
		{"h0:KB-L1:1", "due", 71, t0.Add(time.Hour)},
		{"pil:c-72", "inflight", 72, t0.Add(time.Minute)},
		{"h1:KB-L3:1", "done", 73, na.Add(redisstore.TombstoneFor)},
	} {
		kind, ref := strings.Split(x.id, ":")[0], strings.Split(x.id, ":")[1]
		set := map[string]string{"due": legacy[0], "inflight": legacy[1], "done": legacy[4]}[x.set]
		pipe.ZAdd(ctx, set, redis.Z{Score: float64(x.score.UnixMilli()), Member: x.id})
		pipe.HSet(ctx, legacy[2], x.id, payload(x.chat, kind, ref))
		pipe.HSet(ctx, legacy[3], x.id, i%2+1)
		pipe.ZAdd(ctx, legacy[5], redis.Z{Member: strconv.Itoa(x.chat) + "|" + x.id})
		pipe.ZAdd(ctx, legacy[6], redis.Z{Member: ref + "|" + x.id})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Claim(ctx, t0, time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed %v before the move", ids(got))
	}
	if n, err := s.Reap(ctx, t0); err != nil || n != 0 {
		t.Fatalf("reap: %d %v", n, err)
	}
	for _, k := range legacy {
		if rdb.Exists(ctx, k).Val() != 0 {
			t.Errorf("legacy key %s left after the move", k)
		}
	}
	if due, fly, done := counts(t, s); due != 2 || fly != 1 || done != 1 {
		t.Fatalf("after the move: %d waiting, %d in flight, %d done", due, fly, done)
	}
	got, _ := s.Claim(ctx, t0, time.Hour, 10)
	if len(got) != 1 || got[0].ID != "h1:KB-L1:1" || got[0].Chat != 71 || got[0].Version != "oldver" || got[0].Attempt != 2 ||
		got[0].Zone != "Asia/Jakarta" || !got[0].NotAfter.Equal(na) || got[0].Ref != "KB-L1" || got[0].Kind != "h1" {
		t.Fatalf("claimed %+v", got)
	}
	if n, _ := s.Reap(ctx, t0.Add(time.Minute)); n != 1 {
		t.Fatalf("the legacy in-flight item came back %d times, want once its lease ended", n)
	}
	if n, _ := s.Schedule(ctx, reminders.Item{ID: "h1:KB-L3:1", Chat: 73, Kind: "h1", Ref: "KB-L3", Due: t0, NotAfter: na}); n != 0 {
		t.Fatal("a legacy tombstone did not keep its id from being scheduled again")
	}
	if p, _ := s.Pending(ctx, 71); len(p) != 2 {
		t.Fatalf("pending of chat 71: %v", ids(p))
	}
}

// TestReminderRenewKeepsLeases: a renewed lease is not reaped before its
// new end; renewing an item acked meanwhile, or under another version,
// changes nothing.
func TestReminderRenewKeepsLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newReminderStore(t)
	a, b, c := item(31, reminders.KindH1, "KB-R1", t0), item(32, reminders.KindH1, "KB-R2", t0), item(33, reminders.KindH1, "KB-R3", t0)
	if _, err := s.Schedule(ctx, a, b, c); err != nil {
		t.Fatal(err)
	}
	claimed, _ := s.Claim(ctx, t0, time.Minute, 10)
	if len(claimed) != 3 {
		t.Fatalf("claimed %v", ids(claimed))
	}
	byID := map[string]reminders.Item{}
	for _, it := range claimed {
		byID[it.ID] = it
	}
	if err := s.Ack(ctx, byID[c.ID]); err != nil {
		t.Fatal(err)
	}
	stale := byID[b.ID]
	stale.Version = "other"
	n, err := s.Renew(ctx, t0.Add(10*time.Minute), byID[a.ID], stale, byID[c.ID])
	if err != nil || n != 1 {
		t.Fatalf("renewed %d (%v), want only the live one", n, err)
	}
	if n, _ := s.Reap(ctx, t0.Add(2*time.Minute)); n != 1 {
		t.Fatalf("reaped %d at +2 min, want only the one not renewed", n)
	}
	if n, _ := s.Reap(ctx, t0.Add(10*time.Minute)); n != 1 {
		t.Fatalf("reaped %d at the renewed end, want 1", n)
	}
}
