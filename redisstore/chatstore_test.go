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

func TestLockIsExclusiveAndFenced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	a, err := s.Lock(ctx, 7, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, 7, time.Minute); !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("second lock: got %v, want ErrBusy", err)
	}
	// Another chat is independent.
	if _, err := s.Lock(ctx, 8, time.Minute); err != nil {
		t.Fatalf("other chat: %v", err)
	}
	// The lease expires and someone else takes the chat: the first holder's
	// commit must be refused.
	rdb.Del(ctx, keys.ChatLock(7))
	b, err := s.Lock(ctx, 7, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Commit(ctx, a, kbbot.Commit{UpdateID: 1, State: []byte("stale")})
	if !errors.Is(err, kbbot.ErrBusy) {
		t.Fatalf("commit with a lost lease: got %v, want ErrBusy", err)
	}
	if err := s.Unlock(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := rdb.Get(ctx, keys.ChatLock(7)).Result(); got != b.Token {
		t.Fatalf("unlock with a stale lease released the new holder's lock")
	}
}

func TestCommitIsAtomicAndIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	l, err := s.Lock(ctx, 42, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	replies := []kbbot.Reply{
		{Kind: kbbot.ReplyAnswer, ChatID: 42, CallbackID: "q1"},
		{Kind: kbbot.ReplySend, ChatID: 42, Text: "Halo", Buttons: [][]kbbot.Button{{{Label: "Menu", Data: "menu"}}}},
	}
	c := kbbot.Commit{UpdateID: 100, State: []byte(`{"v":1}`), Replies: replies}
	if err := s.Commit(ctx, l, c); err != nil {
		t.Fatal(err)
	}
	// go-redis may retry a commit whose reply was lost: nothing doubles.
	if err := s.Commit(ctx, l, c); err != nil {
		t.Fatal(err)
	}
	state, seen, err := s.Load(ctx, 42, 100)
	if err != nil || !seen || string(state) != `{"v":1}` {
		t.Fatalf("load: state %q seen %v err %v", state, seen, err)
	}
	if _, seen, _ := s.Load(ctx, 42, 101); seen {
		t.Fatal("update 101 reported as seen")
	}
	out, err := s.Outbox(ctx, 42)
	if err != nil || len(out) != 2 {
		t.Fatalf("outbox: %d entries, err %v; want 2", len(out), err)
	}
	if out[1].Reply.Text != "Halo" || out[1].Reply.Buttons[0][0].Data != "menu" {
		t.Fatalf("outbox round trip: %+v", out[1].Reply)
	}
	if ttl := rdb.PTTL(ctx, keys.ChatState(42)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("session TTL %v, want the idle expiry of 1h", ttl)
	}
	pending, _ := s.PendingChats(ctx)
	if len(pending) != 1 || pending[0] != 42 {
		t.Fatalf("pending chats %v, want [42]", pending)
	}
	// Ack is idempotent too: acking the same entry twice removes one entry.
	if err := s.Ack(ctx, l, out[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, l, out[0].ID); err != nil {
		t.Fatal(err)
	}
	if out, _ := s.Outbox(ctx, 42); len(out) != 1 {
		t.Fatalf("after ack: %d entries, want 1", len(out))
	}
	if err := s.Ack(ctx, l, out[1].ID); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.PendingChats(ctx); len(pending) != 0 {
		t.Fatalf("pending after the outbox emptied: %v", pending)
	}
	// Erase deletes the session.
	if err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 102, Erase: true}); err != nil {
		t.Fatal(err)
	}
	if state, _, _ := s.Load(ctx, 42, 0); state != nil {
		t.Fatalf("session after erase: %q", state)
	}
}

func TestLockSerializesConcurrentCommits(t *testing.T) {
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
				l, err := s.Lock(ctx, 9, time.Minute)
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
				if err := s.Commit(ctx, l, kbbot.Commit{UpdateID: int64(i + 1), State: []byte("x")}); err != nil {
					t.Error(err)
				}
				mu.Lock()
				inside--
				done++
				mu.Unlock()
				_ = s.Unlock(ctx, l)
				return
			}
		}()
	}
	wg.Wait()
	if maxInside != 1 || done != 20 {
		t.Fatalf("max holders at once %d (want 1), commits %d (want 20)", maxInside, done)
	}
}

func TestUnavailableRedisIsReported(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := redisstore.NewChatStore(rdb, redisstore.NewKeys("x:"), 0)
	_, err := s.Lock(context.Background(), 1, time.Second)
	if !errors.Is(err, kbbot.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}
