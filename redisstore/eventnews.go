package redisstore

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
)

// EventNews keeps "Kabari saya": the residents who asked to be told of new
// KB serentak events in their kabupaten/kota, and which events were
// announced already.
type EventNews struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewEventNews returns the store on rdb with keys under keys' prefix.
func NewEventNews(rdb redis.UniversalClient, keys Keys) *EventNews {
	return &EventNews{rdb: rdb, keys: keys}
}

// Subscribe asks news of kabupaten for chat, replacing any other
// kabupaten she asked before.
func (s *EventNews) Subscribe(ctx context.Context, chat kbbot.ChatID, kabupaten string) error {
	if err := s.Unsubscribe(ctx, chat); err != nil {
		return err
	}
	// Two slots: the kabupaten's set, then the chat's note of it.
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.keys.EventNewsSubs(kabupaten), int64(chat))
		p.Set(ctx, s.keys.ChatEventNews(chat), kabupaten, 0)
		return nil
	})
	return wrap("subscribe to event news", err)
}

// Unsubscribe stops chat's news, if any.
func (s *EventNews) Unsubscribe(ctx context.Context, chat kbbot.ChatID) error {
	kab, err := s.rdb.Get(ctx, s.keys.ChatEventNews(chat)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return wrap("read event news subscription", err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, s.keys.EventNewsSubs(kab), int64(chat))
		p.Del(ctx, s.keys.ChatEventNews(chat))
		return nil
	})
	return wrap("unsubscribe from event news", err)
}

// EraseResident stops chat's news (/hapusdata).
func (s *EventNews) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	return s.Unsubscribe(ctx, chat)
}

// Subscribers lists the chats that asked news of kabupaten.
func (s *EventNews) Subscribers(ctx context.Context, kabupaten string) ([]kbbot.ChatID, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.EventNewsSubs(kabupaten)).Result()
	if err != nil {
		return nil, wrap("list event news subscribers", err)
	}
	out := make([]kbbot.ChatID, 0, len(ids))
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			out = append(out, kbbot.ChatID(n))
		}
	}
	return out, nil
}

// Unannounced returns those of ids whose news has not gone out.
func (s *EventNews) Unannounced(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	seen, err := s.rdb.SMIsMember(ctx, s.keys.EventsAnnounced(), members...).Result()
	if err != nil {
		return nil, wrap("read announced events", err)
	}
	var out []string
	for i, id := range ids {
		if !seen[i] {
			out = append(out, id)
		}
	}
	return out, nil
}

// MarkAnnounced notes that the news of ids went out.
func (s *EventNews) MarkAnnounced(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	return wrap("mark events announced", s.rdb.SAdd(ctx, s.keys.EventsAnnounced(), members...).Err())
}
