package redisstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
)

// BookedChats lists the residents (Telegram chats) holding an active
// booking for an event, in no particular order: the "c<chat>|a" fields of
// the event's residents hash (see Keys.EventResidents). Broadcasts use it
// to leave out residents already booked. Read-only.
func (s *BookingStore) BookedChats(ctx context.Context, eventID string) ([]kbbot.ChatID, error) {
	var out []kbbot.ChatID
	iter := s.rdb.HScan(ctx, s.keys.EventResidents(eventID), 0, "c*|a", 1000).Iterator()
	for i := 0; iter.Next(ctx); i++ {
		if i%2 == 1 {
			continue // the value: the booking code
		}
		f := iter.Val()
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(f, "c"), "|a"), 10, 64)
		if err == nil && id != 0 && strings.HasSuffix(f, "|a") {
			out = append(out, kbbot.ChatID(id))
		}
	}
	if err := iter.Err(); err != nil {
		return nil, wrap("list booked residents", err)
	}
	return out, nil
}
