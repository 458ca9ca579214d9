package redisstore

import (
	"context"

	"github.com/kbbot/kbbot"
)

// ResidentCodes returns the codes of chat's own bookings (as the resident,
// in every event, active or not; not those chat made as a cadre for
// others), for scrubbing the audit log (StaffStore.ScrubResident) before
// EraseResident deletes them. Read-only.
func (s *BookingStore) ResidentCodes(ctx context.Context, chat kbbot.ChatID) ([]string, error) {
	ids, err := s.chatEvents(ctx, chat)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, ev := range ids {
		bs, _, err := s.entries(ctx, ev, chat)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Resident == chat {
				codes = append(codes, b.Code)
			}
		}
	}
	return codes, nil
}
