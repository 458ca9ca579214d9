package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

var (
	//go:embed lua/commit.lua
	commitLua    string
	commitScript = redis.NewScript(commitLua)
	//go:embed lua/ack.lua
	ackLua    string
	ackScript = redis.NewScript(ackLua)
	//go:embed lua/unlock.lua
	unlockLua    string
	unlockScript = redis.NewScript(unlockLua)
)

// Defaults of a ChatStore.
const (
	// DefaultSessionTTL is how long a session is kept without activity.
	DefaultSessionTTL = 30 * 24 * time.Hour
	// seenTTL is how long handled update ids are remembered; Telegram keeps
	// an unconfirmed update for at most 24 hours.
	seenTTL = 25 * time.Hour
	// seenKeep is how many handled update ids are kept per chat.
	seenKeep = 200
)

// ChatStore keeps sessions, chat locks, handled update ids and outboxes.
type ChatStore struct {
	rdb        redis.UniversalClient
	keys       Keys
	sessionTTL time.Duration
}

// NewChatStore returns a store on rdb with keys under keys' prefix.
// sessionTTL is the idle expiry of a session (DefaultSessionTTL when 0).
func NewChatStore(rdb redis.UniversalClient, keys Keys, sessionTTL time.Duration) *ChatStore {
	if sessionTTL <= 0 {
		sessionTTL = DefaultSessionTTL
	}
	return &ChatStore{rdb: rdb, keys: keys, sessionTTL: sessionTTL}
}

// Lock takes chat's lock for ttl, or fails with kbbot.ErrBusy.
func (s *ChatStore) Lock(ctx context.Context, chat kbbot.ChatID, ttl time.Duration) (kbbot.Lease, error) {
	tok := token()
	ok, err := s.rdb.SetNX(ctx, s.keys.ChatLock(chat), tok, ttl).Result()
	if err != nil {
		return kbbot.Lease{}, wrap("lock chat", err)
	}
	if !ok {
		return kbbot.Lease{}, fmt.Errorf("redisstore: lock chat: %w", kbbot.ErrBusy)
	}
	return kbbot.Lease{Chat: chat, Token: tok}, nil
}

// Unlock releases l if it is still held.
func (s *ChatStore) Unlock(ctx context.Context, l kbbot.Lease) error {
	return wrap("unlock chat", unlockScript.Run(ctx, s.rdb, []string{s.keys.ChatLock(l.Chat)}, l.Token).Err())
}

// Load returns the chat's session (nil if none) and whether updateID was
// handled before (never for updateID 0).
func (s *ChatStore) Load(ctx context.Context, chat kbbot.ChatID, updateID int64) ([]byte, bool, error) {
	pipe := s.rdb.Pipeline()
	get := pipe.Get(ctx, s.keys.ChatState(chat))
	var score *redis.FloatCmd
	if updateID != 0 {
		score = pipe.ZScore(ctx, s.keys.ChatSeen(chat), strconv.FormatInt(updateID, 10))
	}
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, wrap("load session", err)
	}
	state, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		state = nil
	} else if err != nil {
		return nil, false, wrap("load session", err)
	}
	seen := false
	if score != nil {
		if err := score.Err(); err == nil {
			seen = true
		} else if !errors.Is(err, redis.Nil) {
			return nil, false, wrap("load seen updates", err)
		}
	}
	return state, seen, nil
}

// Commit writes one step atomically while l is held: the session (or its
// erasure), the handled update id and the replies for the outbox. It fails
// with kbbot.ErrBusy when the lease was lost. Committing an update that was
// committed before changes nothing.
func (s *ChatStore) Commit(ctx context.Context, l kbbot.Lease, c kbbot.Commit) error {
	replies := c.Replies
	args := []any{l.Token, c.UpdateID, boolArg(c.Erase), c.State, s.sessionTTL.Milliseconds(), seenTTL.Milliseconds(), seenKeep}
	batch := token()[:8]
	for i, r := range replies {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("redisstore: encode reply: %w", err)
		}
		args = append(args, batch+"-"+strconv.Itoa(i)+"|"+string(b))
	}
	if len(replies) > 0 {
		// The index may name a chat whose outbox is already empty; FlushPending
		// removes such entries. It must never miss one, so it is written first.
		if err := s.rdb.SAdd(ctx, s.keys.PendingOutboxes(), int64(l.Chat)).Err(); err != nil {
			return wrap("index outbox", err)
		}
	}
	keys := []string{s.keys.ChatLock(l.Chat), s.keys.ChatState(l.Chat), s.keys.ChatSeen(l.Chat), s.keys.ChatOutbox(l.Chat)}
	n, err := commitScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return wrap("commit", err)
	}
	if n == -1 {
		return fmt.Errorf("redisstore: commit: lease lost: %w", kbbot.ErrBusy)
	}
	return nil
}

// Outbox returns the chat's undelivered replies, oldest first.
func (s *ChatStore) Outbox(ctx context.Context, chat kbbot.ChatID) ([]kbbot.Queued, error) {
	raw, err := s.rdb.LRange(ctx, s.keys.ChatOutbox(chat), 0, -1).Result()
	if err != nil {
		return nil, wrap("read outbox", err)
	}
	if len(raw) == 0 {
		// Keep the pending index honest, e.g. after an erase or a drop.
		if err := s.rdb.SRem(ctx, s.keys.PendingOutboxes(), int64(chat)).Err(); err != nil {
			return nil, wrap("unindex outbox", err)
		}
		return nil, nil
	}
	out := make([]kbbot.Queued, 0, len(raw))
	for _, e := range raw {
		id, body, ok := strings.Cut(e, "|")
		if !ok {
			return nil, fmt.Errorf("redisstore: outbox entry without id")
		}
		var r kbbot.Reply
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("redisstore: decode outbox entry: %w", err)
		}
		out = append(out, kbbot.Queued{ID: id, Reply: r})
	}
	return out, nil
}

// Ack removes the delivered oldest entry id from the outbox.
func (s *ChatStore) Ack(ctx context.Context, l kbbot.Lease, id string) error {
	n, err := ackScript.Run(ctx, s.rdb, []string{s.keys.ChatLock(l.Chat), s.keys.ChatOutbox(l.Chat)}, l.Token, id).Int()
	if err != nil {
		return wrap("ack outbox", err)
	}
	switch {
	case n == -1:
		return fmt.Errorf("redisstore: ack outbox: lease lost: %w", kbbot.ErrBusy)
	case n == 0:
		return wrap("unindex outbox", s.rdb.SRem(ctx, s.keys.PendingOutboxes(), int64(l.Chat)).Err())
	}
	return nil
}

// DropOutbox removes every undelivered reply of the chat.
func (s *ChatStore) DropOutbox(ctx context.Context, l kbbot.Lease) error {
	if err := s.rdb.Del(ctx, s.keys.ChatOutbox(l.Chat)).Err(); err != nil {
		return wrap("drop outbox", err)
	}
	return wrap("unindex outbox", s.rdb.SRem(ctx, s.keys.PendingOutboxes(), int64(l.Chat)).Err())
}

// PendingChats lists the chats whose outbox may hold undelivered replies.
func (s *ChatStore) PendingChats(ctx context.Context) ([]kbbot.ChatID, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.PendingOutboxes()).Result()
	if err != nil {
		return nil, wrap("list pending outboxes", err)
	}
	out := make([]kbbot.ChatID, 0, len(ids))
	for _, id := range ids {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, kbbot.ChatID(n))
	}
	return out, nil
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
