package redisstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
)

// BookedChats lists the residents (Telegram chats) holding an active
// booking for an event, in no particular order: the "c<chat>" fields of
// the event's residents hash whose state has an active code (see
// Keys.EventResidents). Broadcasts use it to leave out residents already
// booked. Read-only.
func (s *BookingStore) BookedChats(ctx context.Context, eventID string) ([]kbbot.ChatID, error) {
	var out []kbbot.ChatID
	iter := s.rdb.HScan(ctx, s.keys.EventResidents(eventID), 0, "c*", 1000).Iterator()
	for iter.Next(ctx) {
		f := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		// The state's first part, up to the unit separator, is the
		// active code (empty when none).
		active, _, _ := strings.Cut(iter.Val(), "\x1f")
		id, err := strconv.ParseInt(strings.TrimPrefix(f, "c"), 10, 64)
		if err == nil && id != 0 && active != "" {
			out = append(out, kbbot.ChatID(id))
		}
	}
	if err := iter.Err(); err != nil {
		return nil, wrap("list booked residents", err)
	}
	return out, nil
}
