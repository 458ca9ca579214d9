package dispatch_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// clockedDispatcher is a dispatcher on rdb whose clock the test moves.
func clockedDispatcher(t testing.TB, rdb redis.UniversalClient, prefix string, s kbbot.Sender) (*dispatch.Dispatcher, *fakes.Clock) {
	store := redisstore.NewChatStore(rdb, redisstore.NewKeys(prefix), 0)
	engine := conversations.NewEngine(library(t), func() string { return "n" }, conversations.Services{})
	clock := fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	return dispatch.New(engine, store, s, clock, quiet, dispatch.Config{}), clock
}

// consented stores a consented resident record for chat, as a resident who
// said yes to the privacy notice has.
func consented(t testing.TB, rdb redis.UniversalClient, prefix string, chat kbbot.ChatID) {
	t.Helper()
	rec := resident.New("id")
	rec.Consent = resident.ConsentGiven
	rec.ConsentAt = time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	b, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(context.Background(), redisstore.NewKeys(prefix).ChatRecord(chat), b, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// suntikItem is a due suntik-3 reminder of chat, as the store hands it out.
func suntikItem(chat kbbot.ChatID, version string) reminders.Item {
	given := time.Date(2026, 8, 25, 2, 0, 0, 0, time.UTC)
	ref := reminders.CourseRef(chat, "suntik3", given, time.UTC)
	return reminders.Item{ID: reminders.KindSuntik3 + ":" + ref, Chat: chat, Kind: reminders.KindSuntik3, Ref: ref,
		Version: version, Attempt: 1}
}

// TestReminderDeliveredTwiceSendsOnce: the same reminder item handed to the
// dispatcher twice (a sweep killed after the send, before its ack; the item
// claimed again by another process) reaches the resident once, through one
// dispatcher or two; the item scheduled anew (another version) is sent again.
func TestReminderDeliveredTwiceSendsOnce(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	a, b := newDispatcher(t, prefix, probe), newDispatcher(t, prefix, probe)
	ctx := context.Background()
	const chat = kbbot.ChatID(6101)
	consented(t, rdb, prefix, chat)
	ev := suntikItem(chat, "v1").Event()
	if ev.Key == "" || ev.UpdateID != 0 {
		t.Fatalf("a reminder event must carry its item's key and no update id: %+v", ev)
	}

	for _, d := range []*dispatch.Dispatcher{a, a, b} {
		if err := d.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(probe.sent) != 1 {
		t.Fatalf("one reminder delivered three times sent %d messages, want 1", len(probe.sent))
	}
	// Both processes at once, as when a reaped item is claimed while its
	// first claimer is still at it.
	ev2 := suntikItem(chat, "v2").Event()
	var wg sync.WaitGroup
	for _, d := range []*dispatch.Dispatcher{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Handle(ctx, ev2); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(probe.sent) != 2 {
		t.Fatalf("the item scheduled anew (version v2), delivered 4 times at once: %d messages in all, want 2", len(probe.sent))
	}
	// Other steps of the chat in between do not make it forget.
	for i := range 5 {
		if err := a.Handle(ctx, kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: int64(100 + i), Command: "menu"}); err != nil {
			t.Fatal(err)
		}
	}
	before := len(probe.sent)
	if err := b.Handle(ctx, ev2); err != nil {
		t.Fatal(err)
	}
	if len(probe.sent) != before {
		t.Fatalf("a reminder redelivered after other steps was sent again")
	}
}

// killSender delivers messages until the killAt-th, which it never sends:
// there it kills the process, as kill -9 would, by closing the process's
// Redis client (nothing the process does afterwards reaches Redis) and
// failing the send.
type killSender struct {
	mu     sync.Mutex
	sent   []kbbot.Reply
	killAt int // the send that never happens, 1-based; 0: none
	kill   func()
}

func (k *killSender) Send(ctx context.Context, r kbbot.Reply) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if r.Kind == kbbot.ReplyAnswer {
		return 0, nil
	}
	if k.killAt > 0 && len(k.sent)+1 == k.killAt {
		k.killAt = 0
		k.kill()
		return 0, errors.New("killed")
	}
	k.sent = append(k.sent, r)
	return len(k.sent), nil
}

// TestKilledBetweenTwoMessagesSendsNoneTwice: a reply of two messages (the
// welcome and the consent question of /start) whose process is killed
// while the second is being paced: the next process holding the chat sends
// the second only, never the first again.
func TestKilledBetweenTwoMessagesSendsNoneTwice(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	// Process 1 dies at its second send. Its lease is then dropped (as if
	// it ran out), and process 2 delivers what is left.
	rdb1 := redistest.Client(t)
	k := &killSender{killAt: 2, kill: func() { _ = rdb1.Close() }}
	d1 := newDispatcherOn(t, rdb1, prefix, k, dispatch.Config{})
	const chat = kbbot.ChatID(6102)
	_ = d1.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 1, Command: "start"})
	if len(k.sent) != 1 {
		t.Fatalf("process 1 sent %d messages before it died, want 1", len(k.sent))
	}
	first := k.sent[0].Text
	keys := redisstore.NewKeys(prefix)
	ctx := context.Background()
	rdb.Del(ctx, keys.ChatLock(chat))
	if n := rdb.LLen(ctx, keys.ChatOutbox(chat)).Val(); n != 1 {
		t.Fatalf("outbox after the kill holds %d entries, want the unsent second message only", n)
	}

	k2 := &killSender{}
	d2 := newDispatcher(t, prefix, k2)
	if err := d2.FlushPending(ctx); err != nil {
		t.Fatal(err)
	}
	// The resident's next tap is handled as usual, and redelivering update 1
	// changes nothing.
	if err := d2.Handle(ctx, kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 1, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	if len(k2.sent) != 1 || k2.sent[0].Text == first {
		var got []string
		for _, r := range k2.sent {
			got = append(got, trim(r.Text))
		}
		t.Fatalf("process 2 sent %q, want only the second message (the first was %q)", got, trim(first))
	}
	if n := rdb.LLen(ctx, keys.ChatOutbox(chat)).Val(); n != 0 {
		t.Fatalf("outbox holds %d entries after delivery", n)
	}
}

// TestRepliesAckedOneByOne: while a reply of several messages goes out,
// each message leaves the outbox as soon as it is sent.
func TestRepliesAckedOneByOne(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	const chat = kbbot.ChatID(6103)
	var lens []int64
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}, fail: func(r kbbot.Reply) error {
		lens = append(lens, rdb.LLen(context.Background(), keys.ChatOutbox(chat)).Val())
		return nil
	}}
	d := newDispatcher(t, prefix, probe)
	if err := d.Handle(context.Background(), kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: 1, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lens) != "[2 1]" {
		t.Fatalf("outbox length at each send %v, want [2 1]: the first message acknowledged before the second", lens)
	}
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// chatBytes is what Redis spends on one chat besides its resident record:
// MEMORY USAGE of each of its keys.
func chatBytes(t testing.TB, rdb redis.UniversalClient, prefix string, chat kbbot.ChatID) (int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	keys := redisstore.NewKeys(prefix)
	tag := strings.TrimSuffix(keys.ChatState(chat), "state")
	all, err := rdb.Keys(ctx, tag+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	each := map[string]int64{}
	for _, k := range all {
		if k == keys.ChatRecord(chat) {
			continue
		}
		n, err := rdb.MemoryUsage(ctx, k).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
		each[strings.TrimPrefix(k, tag)] = n
		total += n
	}
	return total, each
}

// activeResident runs 300 steps of one resident (menus, texts, reminders)
// 5 to 30 s apart on clock, whose update ids are far apart, as on a busy
// bot.
func activeResident(t testing.TB, d *dispatch.Dispatcher, clock *fakes.Clock, chat kbbot.ChatID, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 1))
	upd := int64(700_000_000)
	for i := range 300 {
		clock.Advance(5*time.Second + time.Duration(r.Int64N(25))*time.Second)
		upd += 1 + r.Int64N(5000)
		ev := kbbot.Event{Kind: kbbot.EventCommand, ChatID: chat, UpdateID: upd, Command: "menu"}
		switch i % 10 {
		case 3:
			ev = kbbot.Event{Kind: kbbot.EventText, ChatID: chat, UpdateID: upd, Text: "apa itu implan?"}
		case 7:
			ev = suntikItem(chat, fmt.Sprintf("v%d", i)).Event()
		}
		if err := d.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// TestActiveResidentTakesAtMost1KB: a resident after 300 steps (menus,
// texts, reminders) takes at most 1 KB of Redis besides their record,
// measured with MEMORY USAGE. Handled updates were a ZSET of 200 ids
// (about 19.5 KB); they are a watermark now.
func TestActiveResidentTakesAtMost1KB(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	d, clock := clockedDispatcher(t, rdb, prefix, probe)
	const chat = kbbot.ChatID(6_104_000_123)
	consented(t, rdb, prefix, chat)
	activeResident(t, d, clock, chat, 1)
	total, each := chatBytes(t, rdb, prefix, chat)
	t.Logf("bytes per active resident besides the record: %d %v", total, each)
	if total > 1024 {
		t.Fatalf("an active resident takes %d B of Redis besides the record (%v), want at most 1024", total, each)
	}

	// The same handled ids in the former encoding, for the record.
	legacy := redisstore.NewKeys(prefix).ChatSeenLegacy(chat)
	upd := int64(700_000_000)
	for range 200 {
		upd += 2500
		rdb.ZAdd(context.Background(), legacy, redis.Z{Score: float64(upd), Member: upd})
	}
	old, _ := rdb.MemoryUsage(context.Background(), legacy).Result()
	t.Logf("the former set of 200 handled ids alone: %d B", old)
}

// BenchmarkActiveResidentBytes reports the Redis bytes of an active
// resident besides their record (B/resident), after 300 steps each.
func BenchmarkActiveResidentBytes(b *testing.B) {
	rdb := redistest.Client(b)
	prefix := redistest.Prefix(b, rdb)
	probe := &probeSender{inFlight: map[kbbot.ChatID]int{}}
	d, clock := clockedDispatcher(b, rdb, prefix, probe)
	var sum int64
	for i := 0; b.Loop(); i++ {
		chat := kbbot.ChatID(6_200_000_000 + i)
		consented(b, rdb, prefix, chat)
		activeResident(b, d, clock, chat, uint64(i))
		n, _ := chatBytes(b, rdb, prefix, chat)
		sum += n
	}
	b.ReportMetric(float64(sum)/float64(b.N), "B/resident")
}
