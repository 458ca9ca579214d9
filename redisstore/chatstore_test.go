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
)

func newStore(t *testing.T) (*redisstore.ChatStore, redis.UniversalClient, redisstore.Keys) {
	t.Helper()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	return redisstore.NewChatStore(rdb, keys, time.Hour), rdb, keys
}

func TestBeginIsExclusiveAndFenced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	a, _, err := s.Begin(ctx, 7, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Begin(ctx, 7, 0, "", time.Minute); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("second begin: got %v, want ErrBusy", err)
	}
	if _, _, err := s.Begin(ctx, 8, 0, "", time.Minute); err != nil {
		t.Fatalf("another chat is independent: %v", err)
	}
	// The lease expires and someone else takes the chat: the first holder's
	// commit and finish must be refused and must not release the new lock.
	rdb.Del(ctx, keys.ChatLock(7))
	b, _, err := s.Begin(ctx, 7, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, a, kbbot.Commit{UpdateID: 1, State: []byte("stale")}); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("commit with a lost lease: got %v, want ErrBusy", err)
	}
	if err := s.Finish(ctx, a, nil, false); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("finish with a lost lease: got %v, want ErrBusy", err)
	}
	if got, _ := rdb.Get(ctx, keys.ChatLock(7)).Result(); got != b.Token {
		t.Fatal("a stale lease released the new holder's lock")
	}
	if err := s.Finish(ctx, b, nil, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Begin(ctx, 7, 0, "", time.Minute); err != nil {
		t.Fatalf("after finish the chat is free: %v", err)
	}
}

func TestStepRoundTripIsAtomicAndIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	l, cs, err := s.Begin(ctx, 42, 100, "", time.Minute)
	if err != nil || cs.State != nil || cs.Seen || len(cs.Outbox) != 0 {
		t.Fatalf("fresh chat: %+v, %v", cs, err)
	}
	replies := []kbbot.Reply{
		{Kind: kbbot.ReplyAnswer, ChatID: 42, CallbackID: "q1"},
		{Kind: kbbot.ReplySend, ChatID: 42, Text: "Halo", Buttons: [][]kbbot.Button{{{Label: "Menu", Data: "menu"}}}},
	}
	c := kbbot.Commit{UpdateID: 100, State: []byte(`{"v":1}`), Replies: replies}
	queued, err := s.Commit(ctx, l, c)
	if err != nil || len(queued) != 2 {
		t.Fatalf("commit: %v, %d queued", err, len(queued))
	}
	// go-redis may retry a commit whose reply was lost: nothing doubles.
	if _, err := s.Commit(ctx, l, c); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, keys.ChatState(42)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("session TTL %v, want the idle expiry of 1h", ttl)
	}
	// Only the first reply was delivered when the process died.
	if err := s.Finish(ctx, l, []string{queued[0].ID}, false); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.PendingChats(ctx)
	if len(pending) != 1 || pending[0] != 42 {
		t.Fatalf("pending chats %v, want [42]", pending)
	}
	l, cs, err = s.Begin(ctx, 42, 100, "", time.Minute)
	if err != nil || !cs.Seen || string(cs.State) != `{"v":1}` || len(cs.Outbox) != 1 {
		t.Fatalf("next begin: %+v, %v", cs, err)
	}
	if got := cs.Outbox[0].Reply; got.Text != "Halo" || got.Buttons[0][0].Data != "menu" {
		t.Fatalf("outbox round trip: %+v", got)
	}
	// Finishing twice with the same ids removes nothing more.
	if err := s.Finish(ctx, l, []string{queued[0].ID, cs.Outbox[0].ID}, false); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.PendingChats(ctx); len(pending) != 0 {
		t.Fatalf("pending after the outbox emptied: %v", pending)
	}
	// Erase deletes the session.
	l, _, _ = s.Begin(ctx, 42, 101, "", time.Minute)
	if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 101, Erase: true}); err != nil {
		t.Fatal(err)
	}
	_ = s.Finish(ctx, l, nil, false)
	if _, cs, _ := s.Begin(ctx, 42, 0, "", time.Minute); cs.State != nil {
		t.Fatalf("session after erase: %q", cs.State)
	}
}

func TestBeginSerializesConcurrentSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	inside, maxInside, done := 0, 0, 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l, _, err := s.Begin(ctx, 9, int64(i+1), "", time.Minute)
				if errors.Is(err, kbbot.ErrBusy) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				maxInside = max(maxInside, inside)
				mu.Unlock()
				if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: int64(i + 1), State: []byte("x")}); err != nil {
					t.Error(err)
				}
				mu.Lock()
				inside--
				done++
				mu.Unlock()
				_ = s.Finish(ctx, l, nil, false)
				return
			}
		}()
	}
	wg.Wait()
	if maxInside != 1 || done != 20 {
		t.Fatalf("max holders at once %d (want 1), steps %d (want 20)", maxInside, done)
	}
}

func TestUnavailableRedisIsReported(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := redisstore.NewChatStore(rdb, redisstore.NewKeys("x:"), 0)
	_, _, err := s.Begin(context.Background(), 1, 0, "", time.Second)
	if !errors.Is(err, kbbot.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

// TestRenewKeepsOnlyAHeldLease: Renew extends a lease its holder still
// has, and fails with ErrBusy, changing nothing, once it was taken over.
func TestRenewKeepsOnlyAHeldLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	a, _, err := s.Begin(ctx, 7, 0, "", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, a, time.Hour); err != nil {
		t.Fatalf("renew a held lease: %v", err)
	}
	if ttl := rdb.PTTL(ctx, keys.ChatLock(7)).Val(); ttl < 59*time.Minute {
		t.Fatalf("lock TTL after renewal %v, want about an hour", ttl)
	}
	// The lease is lost (as if it expired) and someone else takes the chat.
	rdb.Del(ctx, keys.ChatLock(7))
	b, _, err := s.Begin(ctx, 7, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, a, time.Hour); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("renew a lost lease: got %v, want ErrBusy", err)
	}
	if ttl := rdb.PTTL(ctx, keys.ChatLock(7)).Val(); ttl > time.Minute {
		t.Fatalf("a lost lease's renewal changed the new holder's TTL to %v", ttl)
	}
	if err := s.Finish(ctx, b, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, b, time.Hour); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("renew a released lease: got %v, want ErrBusy", err)
	}
}

// step runs one step of chat for update upd and event key at at, and says
// whether it was taken for a redelivery.
func step(t *testing.T, s *redisstore.ChatStore, chat kbbot.ChatID, upd int64, key string, at time.Time) (seen bool) {
	t.Helper()
	ctx := context.Background()
	l, cs, err := s.Begin(ctx, chat, upd, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Finish(ctx, l, nil, false); err != nil {
			t.Fatal(err)
		}
	}()
	if cs.Seen {
		return true
	}
	if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: upd, Key: key, At: at, State: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	return false
}

// TestHandledWatermark: update ids are remembered as a watermark plus the
// ids handled in the last two minutes above it. A redelivery is skipped
// however many updates came between; an update overtaken by newer ones of
// its chat is still handled once within the window, and taken for a
// redelivery after it.
func TestHandledWatermark(t *testing.T) {
	t.Parallel()
	s, rdb, keys := newStore(t)
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	const chat = kbbot.ChatID(31)
	// 1000 and 1010 are handled, then 1005, overtaken, comes: handled.
	for _, u := range []int64{1000, 1010, 1005} {
		if step(t, s, chat, u, "", t0) {
			t.Fatalf("update %d taken for a redelivery", u)
		}
	}
	for _, u := range []int64{1000, 1005, 1010} {
		if !step(t, s, chat, u, "", t0) {
			t.Fatalf("redelivered update %d handled again", u)
		}
	}
	// Seventy newer updates within a minute (a flood beyond the cap of 64):
	// every redelivery is still skipped.
	for i := range int64(70) {
		step(t, s, chat, 2000+i*7, "", t0.Add(time.Duration(i)*time.Second))
	}
	for _, u := range []int64{1000, 1005, 1010, 2000, 2000 + 69*7} {
		if !step(t, s, chat, u, "", t0.Add(2*time.Minute)) {
			t.Fatalf("redelivered update %d handled again after 70 newer ones", u)
		}
	}
	// Three minutes on: what was handled is folded into the watermark.
	step(t, s, chat, 5000, "", t0.Add(5*time.Minute))
	v := rdb.Get(context.Background(), keys.ChatSeen(chat)).Val()
	if v != "2483|5000:"+strconv.FormatInt(t0.Add(5*time.Minute).Unix(), 10)+"|" {
		t.Fatalf("handled after the window: %q, want watermark 2483 and 5000 above it", v)
	}
	if step(t, s, chat, 4999, "", t0.Add(5*time.Minute)) {
		t.Fatal("an update overtaken within the window was taken for a redelivery")
	}
	if !step(t, s, chat, 2400, "", t0.Add(5*time.Minute)) {
		t.Fatal("an update below the watermark was handled")
	}
	if ttl := rdb.PTTL(context.Background(), keys.ChatSeen(chat)).Val(); ttl < 24*time.Hour || ttl > 25*time.Hour {
		t.Fatalf("handled TTL %v, want 25 h", ttl)
	}
}

// TestHandledEventKeys: an event key (a reminder's) is handled once; the
// last 8 keys are kept, as digests that name nothing in the clear.
func TestHandledEventKeys(t *testing.T) {
	t.Parallel()
	s, rdb, keys := newStore(t)
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	const chat = kbbot.ChatID(32)
	if step(t, s, chat, 0, "rem:h1:KB7X2Q#v1", t0) || !step(t, s, chat, 0, "rem:h1:KB7X2Q#v1", t0) {
		t.Fatal("a reminder key must be handled once")
	}
	if step(t, s, chat, 0, "rem:h1:KB7X2Q#v2", t0) {
		t.Fatal("the item scheduled anew (another version) was taken for a redelivery")
	}
	// An update id and a key are independent.
	if step(t, s, chat, 77, "", t0) || step(t, s, chat, 0, "rem:h0:KB7X2Q#v1", t0) {
		t.Fatal("a new update or key was taken for a redelivery")
	}
	v := rdb.Get(context.Background(), keys.ChatSeen(chat)).Val()
	if strings.Contains(v, "KB7X2Q") || strings.Count(strings.SplitN(v, "|", 3)[2], " ") != 2 {
		t.Fatalf("handled %q: want three digests, no booking code", v)
	}
	for i := range 8 {
		step(t, s, chat, 0, "rem:x:"+strconv.Itoa(i)+"#v", t0)
	}
	if step(t, s, chat, 0, "rem:x:7#v", t0) != true {
		t.Fatal("a recent key was forgotten")
	}
	if step(t, s, chat, 0, "rem:h1:KB7X2Q#v1", t0) {
		t.Fatal("want the oldest key forgotten beyond 8 (documented: a repeat after 8 newer reminders)")
	}
}

// TestHandledLegacySetMigrates: a chat whose handled ids are still in the
// former ZSET keeps skipping them; the first commit replaces the set by
// the watermark.
func TestHandledLegacySetMigrates(t *testing.T) {
	t.Parallel()
	s, rdb, keys := newStore(t)
	ctx := context.Background()
	const chat = kbbot.ChatID(33)
	for u := int64(101); u <= 300; u++ {
		rdb.ZAdd(ctx, keys.ChatSeenLegacy(chat), redis.Z{Score: float64(u), Member: u})
	}
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if !step(t, s, chat, 250, "", t0) || !step(t, s, chat, 300, "", t0) {
		t.Fatal("an update in the former set was handled again")
	}
	if step(t, s, chat, 301, "", t0) {
		t.Fatal("a new update was taken for a redelivery")
	}
	if rdb.Exists(ctx, keys.ChatSeenLegacy(chat)).Val() != 0 {
		t.Fatal("the former set outlived the first commit")
	}
	if !step(t, s, chat, 120, "", t0) {
		t.Fatal("after the migration an update of the former set was handled again")
	}
}

// TestAckKeepsTheLease: Ack removes delivered entries from the outbox's
// head and keeps the lock; a commit acknowledges c.Acked before appending.
func TestAckKeepsTheLease(t *testing.T) {
	t.Parallel()
	s, rdb, keys := newStore(t)
	ctx := context.Background()
	const chat = kbbot.ChatID(34)
	l, _, err := s.Begin(ctx, chat, 1, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 1, State: []byte("x"), Replies: []kbbot.Reply{
		{Kind: kbbot.ReplySend, ChatID: chat, Text: "satu"}, {Kind: kbbot.ReplySend, ChatID: chat, Text: "dua"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, l, []string{q[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, l, []string{q[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.LLen(ctx, keys.ChatOutbox(chat)).Val(); n != 1 {
		t.Fatalf("outbox after acking the first of two: %d entries", n)
	}
	if rdb.Get(ctx, keys.ChatLock(chat)).Val() != l.Token {
		t.Fatal("Ack released the lock")
	}
	// The next step's commit acknowledges the second before appending.
	q2, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 2, State: []byte("y"), Acked: []string{q[1].ID},
		Replies: []kbbot.Reply{{Kind: kbbot.ReplySend, ChatID: chat, Text: "tiga"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rdb.LRange(ctx, keys.ChatOutbox(chat), 0, -1).Val(); len(got) != 1 || !strings.HasPrefix(got[0], q2[0].ID+"|") {
		t.Fatalf("outbox after the commit: %q", got)
	}
	rdb.Del(ctx, keys.ChatLock(chat))
	if err := s.Ack(ctx, l, []string{q2[0].ID}); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("ack with a lost lease: got %v, want ErrBusy", err)
	}
}

// TestFinishInboxTakesTheHandledEntry: the step's last round trip takes
// the handled update off the chat's inbox and hands back the next one, so
// the intake needs no trip of its own; an entry no longer at the head (a
// retry) is not removed again.
func TestFinishInboxTakesTheHandledEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	now := time.Now()
	evs := []kbbot.Event{{Kind: kbbot.EventText, ChatID: 7, UpdateID: 1, Text: "a"}, {Kind: kbbot.EventText, ChatID: 7, UpdateID: 2, Text: "b"}}
	if _, err := in.Push(ctx, evs, now); err != nil {
		t.Fatal(err)
	}
	first, ok, err := in.Head(ctx, 7)
	if err != nil || !ok {
		t.Fatalf("head: %v %v", ok, err)
	}
	l, _, err := s.Begin(ctx, 7, 1, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.FinishInbox(ctx, l, nil, first.Raw, "", 0)
	next := after.Next
	if err != nil || !after.More || next.Event.UpdateID != 2 || next.Event.Text != "b" || after.Unready {
		t.Fatalf("finish: %+v, %v; want update 2 next", after, err)
	}
	if n := rdb.LLen(ctx, keys.ChatInbox(7)).Val(); n != 1 {
		t.Fatalf("inbox holds %d entries, want 1", n)
	}
	// The lock was released; finishing the same entry again under a new
	// lease removes nothing more.
	l, _, err = s.Begin(ctx, 7, 2, "", time.Minute)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	if _, err := s.FinishInbox(ctx, l, nil, first.Raw, "", 0); err != nil {
		t.Fatal(err)
	}
	if n := rdb.LLen(ctx, keys.ChatInbox(7)).Val(); n != 1 {
		t.Fatalf("a repeated finish removed another entry: %d left", n)
	}
	// A lost lease changes nothing.
	if _, err := s.FinishInbox(ctx, kbbot.Lease{Chat: 7, Token: "stale"}, nil, next.Raw, "", 0); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("finish with a lost lease: %v, want ErrBusy", err)
	}
	// Given the ready index (one server), the last step of a turn also
	// lets the chat go, and reports what was pushed meanwhile.
	ready := in.ReadyKey(7)
	if ready == "" {
		t.Skip("a cluster: the chat is let go by IntakeStore.Release")
	}
	if n := rdb.ZCard(ctx, ready).Val(); n != 1 {
		t.Fatalf("ready index holds %d chats, want chat 7", n)
	}
	if l, _, err = s.Begin(ctx, 7, 2, "", time.Minute); err != nil {
		t.Fatal(err)
	}
	after, err = s.FinishInbox(ctx, l, nil, next.Raw, ready, 0)
	if err != nil || after.More || !after.Unready || after.Waiting != 0 {
		t.Fatalf("last finish: %+v, %v; want the chat let go with nothing waiting", after, err)
	}
	if n := rdb.ZCard(ctx, ready).Val(); n != 0 {
		t.Fatalf("ready index still holds %d chats", n)
	}
}

// TestPendingIndexCleanedLazily: a finished step leaves its chat in the
// index of pending outboxes (no round trip for it); PendingChats returns
// only chats whose outbox holds replies and drops the others from the index.
func TestPendingIndexCleanedLazily(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	for _, chat := range []kbbot.ChatID{1, 2} {
		l, _, err := s.Begin(ctx, chat, 10, "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		q, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 10, Replies: []kbbot.Reply{{Kind: kbbot.ReplySend, ChatID: chat, Text: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		var delivered []string
		if chat == 1 { // chat 2's reply could not be sent
			delivered = []string{q[0].ID}
		}
		if err := s.Finish(ctx, l, delivered, false); err != nil {
			t.Fatal(err)
		}
	}
	if n := rdb.SCard(ctx, keys.PendingOutboxes()).Val(); n != 2 {
		t.Fatalf("index holds %d chats right after the steps, want both (cleaned lazily)", n)
	}
	pending, err := s.PendingChats(ctx)
	if err != nil || len(pending) != 1 || pending[0] != 2 {
		t.Fatalf("pending %v, %v; want [2]", pending, err)
	}
	if got := rdb.SMembers(ctx, keys.PendingOutboxes()).Val(); len(got) != 1 || got[0] != "2" {
		t.Fatalf("index after clean-up %v, want [2]", got)
	}
}

// TestPushClaimBeginsIdleChat: accepting an update for an idle chat also
// takes the chat's step lock and reads its step (one round trip for both);
// a chat whose lock is held, or whose claim another worker holds, is not
// begun, and a lock taken for a claim lost is released at once.
func TestPushClaimBeginsIdleChat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	now := time.Now()
	until := now.Add(time.Minute)
	ev := func(chat kbbot.ChatID, id int64) kbbot.Event {
		return kbbot.Event{Kind: kbbot.EventText, ChatID: chat, UpdateID: id, Text: "hai"}
	}
	// An idle chat: claimed and begun, its lock held.
	_, claimed, err := in.PushClaim(ctx, []kbbot.Event{ev(7, 1), ev(7, 2)}, nil, now, until, 1, time.Minute)
	if err != nil || len(claimed) != 1 || !claimed[0].Begun {
		t.Fatalf("push: %+v, %v; want chat 7 claimed and begun", claimed, err)
	}
	c := claimed[0]
	if c.Head.Event.UpdateID != 1 || c.State.Seen || c.Lease.Chat != 7 {
		t.Fatalf("begun step: %+v; want update 1, not seen", c)
	}
	if _, _, err := s.Begin(ctx, 7, 0, "", time.Minute); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("begin while the accept's lock is held: %v, want ErrBusy", err)
	}
	if _, err := s.Commit(ctx, c.Lease, kbbot.Commit{UpdateID: 1, State: []byte("s1")}); err != nil {
		t.Fatalf("commit with the accept's lease: %v", err)
	}
	if _, err := s.FinishInbox(ctx, c.Lease, nil, c.Head.Raw, "", 0); err != nil {
		t.Fatal(err)
	}
	// A chat busy in a step (its inbox empty, its lock held): claimed, not
	// begun, and the holder's lock untouched.
	l, _, err := s.Begin(ctx, 8, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, claimed, err = in.PushClaim(ctx, []kbbot.Event{ev(8, 1)}, nil, now, until, 1, time.Minute)
	if err != nil || len(claimed) != 1 || claimed[0].Begun {
		t.Fatalf("push to a locked chat: %+v, %v; want claimed, not begun", claimed, err)
	}
	if err := s.Renew(ctx, l, time.Minute); err != nil {
		t.Fatalf("the holder lost its lock: %v", err)
	}
	// A chat another worker holds (in the ready index, its inbox empty):
	// not claimed, and the lock the push took is released.
	if err := in.Requeue(ctx, 9, until); err != nil {
		t.Fatal(err)
	}
	_, claimed, err = in.PushClaim(ctx, []kbbot.Event{ev(9, 1)}, nil, now, until, 1, time.Minute)
	if err != nil || len(claimed) != 0 {
		t.Fatalf("push to a chat held elsewhere: %+v, %v; want none claimed", claimed, err)
	}
	if _, _, err := s.Begin(ctx, 9, 0, "", time.Minute); err != nil {
		t.Fatalf("lock of a lost claim not released: %v", err)
	}
	// An update handled before (a redelivery) is begun as seen.
	if err := rdb.Del(ctx, keys.ChatInbox(7)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := in.Release(ctx, 7, now); err != nil {
		t.Fatal(err)
	}
	_, claimed, err = in.PushClaim(ctx, []kbbot.Event{ev(7, 1)}, nil, now, until, 1, time.Minute)
	if err != nil || len(claimed) != 1 || !claimed[0].Begun || !claimed[0].State.Seen || string(claimed[0].State.State) != "s1" {
		t.Fatalf("push of a handled update: %+v, %v; want begun, seen, with the session", claimed, err)
	}
	if err := s.Finish(ctx, claimed[0].Lease, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := in.Release(ctx, 7, now); err != nil {
		t.Fatal(err)
	}
	// Without a lock TTL nothing is begun.
	if err := rdb.Del(ctx, keys.ChatInbox(7)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := in.Release(ctx, 7, now); err != nil {
		t.Fatal(err)
	}
	_, claimed, err = in.PushClaim(ctx, []kbbot.Event{ev(7, 3)}, nil, now, until, 1, 0)
	if err != nil || len(claimed) != 1 || claimed[0].Begun {
		t.Fatalf("push without a lock TTL: %+v, %v; want claimed, not begun", claimed, err)
	}
}

// TestFinishInboxBeginsTheNextStep: asked to, the step's last round trip
// keeps the chat's lock for the update waiting next and begins its step,
// so a chat with updates waiting costs no trip to begin each; with none
// waiting it releases the lock.
func TestFinishInboxBeginsTheNextStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	evs := []kbbot.Event{{Kind: kbbot.EventText, ChatID: 7, UpdateID: 1, Text: "a"}, {Kind: kbbot.EventText, ChatID: 7, UpdateID: 2, Text: "b"}}
	if _, err := in.Push(ctx, evs, time.Now()); err != nil {
		t.Fatal(err)
	}
	l, st, head, ok, err := s.BeginInbox(ctx, 7, time.Minute)
	if err != nil || !ok || st.Inbox != 2 {
		t.Fatalf("begin: %v %v, inbox %d; want the head of 2", ok, err, st.Inbox)
	}
	if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 1, State: []byte("s1")}); err != nil {
		t.Fatal(err)
	}
	after, err := s.FinishInbox(ctx, l, nil, head.Raw, "", time.Minute)
	if err != nil || !after.Begun || after.Next.Event.UpdateID != 2 || string(after.State.State) != "s1" || after.State.Seen || after.State.Inbox != 1 {
		t.Fatalf("finish: %+v, %v; want update 2 begun with the session", after, err)
	}
	if _, _, err := s.Begin(ctx, 7, 0, "", time.Minute); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("begin while the next step holds the lock: %v, want ErrBusy", err)
	}
	if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 2, State: []byte("s2")}); err != nil {
		t.Fatalf("commit of the begun step with the same lease: %v", err)
	}
	after, err = s.FinishInbox(ctx, l, nil, after.Next.Raw, "", time.Minute)
	if err != nil || after.Begun || after.More {
		t.Fatalf("last finish: %+v, %v; want nothing begun", after, err)
	}
	if _, _, err := s.Begin(ctx, 7, 0, "", time.Minute); err != nil {
		t.Fatalf("lock not released when nothing waits: %v", err)
	}
}

// TestBeginInboxesBeginsSeveralChats: the chats a worker pool claimed
// begin in one round trip: a chat with an update waiting and its lock
// free is begun; an empty chat takes no lock; a chat whose lock is held
// is left to its holder.
func TestBeginInboxesBeginsSeveralChats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	evs := []kbbot.Event{{Kind: kbbot.EventText, ChatID: 7, UpdateID: 1, Text: "a"}, {Kind: kbbot.EventText, ChatID: 9, UpdateID: 2, Text: "b"}}
	if _, err := in.Push(ctx, evs, time.Now()); err != nil {
		t.Fatal(err)
	}
	held, _, err := s.Begin(ctx, 9, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := s.BeginInboxes(ctx, []kbbot.ChatID{7, 8, 9}, time.Minute)
	if len(got) != 3 || !got[0].Begun || got[0].Head.Event.UpdateID != 1 || got[1].Begun || got[2].Begun {
		t.Fatalf("begun: %+v; want chat 7 only", got)
	}
	if _, err := s.Commit(ctx, got[0].Lease, kbbot.Commit{UpdateID: 1, State: []byte("s")}); err != nil {
		t.Fatalf("commit with the begun lease: %v", err)
	}
	if n := rdb.Exists(ctx, keys.ChatLock(8)).Val(); n != 0 {
		t.Fatal("an empty chat's lock was taken")
	}
	if err := s.Renew(ctx, held, time.Minute); err != nil {
		t.Fatalf("the holder of chat 9 lost its lock: %v", err)
	}
}

// TestConcurrentStepsShareTrips: many chats' steps at once, their round
// trips coalesced by one Pipeliner shared by the chat store and the
// intake (at most one pipeline in flight, so nearly every call goes with
// others): each step sees its own answers (its lease, its session, its
// replies' ids) and lands in Redis as its own; one whose lease was lost
// is refused alone.
func TestConcurrentStepsShareTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	s := redisstore.NewChatStore(rdb, keys, time.Hour)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	p := redisstore.NewPipeliner(rdb, 1)
	s.SetPipeliner(p)
	in.SetPipeliner(p)
	const chats = 60
	const lost = kbbot.ChatID(1013)
	var wg sync.WaitGroup
	errs := make(chan error, chats)
	start := make(chan struct{})
	for i := range chats {
		chat := kbbot.ChatID(1000 + i)
		wg.Go(func() {
			<-start
			fail := func(format string, args ...any) {
				errs <- fmt.Errorf("chat %d: "+format, append([]any{chat}, args...)...)
			}
			now := time.Now()
			_, claimed, err := in.PushClaim(ctx, []kbbot.Event{{Kind: kbbot.EventText, ChatID: chat, UpdateID: int64(chat), Text: "hai"}}, nil, now, now.Add(time.Minute), 1, time.Minute)
			if err != nil || len(claimed) != 1 || !claimed[0].Begun || claimed[0].Head.Event.ChatID != chat {
				fail("accept: %+v %v", claimed, err)
				return
			}
			c := claimed[0]
			if chat == lost {
				if err := rdb.Del(ctx, keys.ChatLock(chat)).Err(); err != nil {
					fail("%v", err)
					return
				}
			}
			replies := []kbbot.Reply{{Kind: kbbot.ReplySend, ChatID: chat, Text: "a" + strconv.Itoa(int(chat))}, {Kind: kbbot.ReplySend, ChatID: chat, Text: "b"}}
			queued, err := s.Commit(ctx, c.Lease, kbbot.Commit{UpdateID: int64(chat), State: []byte("s" + strconv.Itoa(int(chat))), Replies: replies})
			if chat == lost {
				if !errors.Is(err, kbbot.ErrBusy) {
					fail("commit with a lost lease: %v, want ErrBusy", err)
				}
				return
			}
			if err != nil || len(queued) != 2 || queued[0].Reply.Text != replies[0].Text {
				fail("commit: %+v %v", queued, err)
				return
			}
			if err := s.Ack(ctx, c.Lease, []string{queued[0].ID}); err != nil {
				fail("ack: %v", err)
				return
			}
			after, err := s.FinishInbox(ctx, c.Lease, []string{queued[1].ID}, c.Head.Raw, in.ReadyKey(chat), time.Minute)
			if err != nil || after.More || after.Begun {
				fail("finish: %+v %v", after, err)
				return
			}
			_, st, err := s.Begin(ctx, chat, 0, "", time.Minute)
			if err != nil || string(st.State) != "s"+strconv.Itoa(int(chat)) || len(st.Outbox) != 0 {
				fail("begin after: %q %d %v", st.State, len(st.Outbox), err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if v := rdb.Get(ctx, keys.ChatState(lost)).Val(); v != "" {
		t.Errorf("the refused commit wrote the session %q", v)
	}
}
