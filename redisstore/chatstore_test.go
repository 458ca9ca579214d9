package redisstore_test

import (
	"context"
	"errors"
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
