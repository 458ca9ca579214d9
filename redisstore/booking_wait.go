package redisstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// JoinWaitlist puts a resident in line (see booking.Store).
func (s *BookingStore) JoinWaitlist(ctx context.Context, w booking.WaitRequest) (booking.Waiting, error) {
	if err := w.Validate(); err != nil {
		return booking.Waiting{}, err
	}
	if err := s.rdb.HSet(ctx, s.keys.ResidentEvents(w.Resident), residentEventField(w.Resident, w.EventID), "").Err(); err != nil {
		return booking.Waiting{}, wrap("index waitlist", err)
	}
	res := "c" + chatArg(w.Resident)
	v, err := bookJoinScript.Run(ctx, s.rdb, s.keys.EventKeys(w.EventID), msArg(s.clock.Now()), res, chatArg(w.Resident),
		w.FacilityID, string(w.Method), w.SessionID, s.ttlArg()).Slice()
	if err != nil {
		return booking.Waiting{}, wrap("join waitlist", err)
	}
	out := strs(v)
	if len(out) == 0 {
		return booking.Waiting{}, fmt.Errorf("redisstore: join waitlist: empty reply")
	}
	wait := booking.Waiting{EventID: w.EventID, FacilityID: w.FacilityID, Method: w.Method, SessionID: w.SessionID, Resident: w.Resident}
	switch out[0] {
	case "waiting":
		fmt.Sscan(out[1], &wait.Position)
		wait.JoinedAt = parseMS(out[2])
		return wait, nil
	case "offered":
		o, err := decodeOffer(w.EventID, out[1])
		if err != nil {
			return booking.Waiting{}, err
		}
		wait.Offer = &o
		return wait, nil
	case "already":
		b, err := decodeBooking(w.EventID, out[1], out[2], out[3])
		if err != nil {
			return booking.Waiting{}, err
		}
		return booking.Waiting{}, fmt.Errorf("redisstore: join waitlist: %w", &booking.AlreadyBookedError{Existing: b})
	}
	return booking.Waiting{}, statusErr("join waitlist", out[0], booking.Request{EventID: w.EventID, FacilityID: w.FacilityID, Method: w.Method, SessionID: w.SessionID})
}

// LeaveWaitlist takes a resident out of an event's line and declines
// their offer (see booking.Store).
func (s *BookingStore) LeaveWaitlist(ctx context.Context, eventID string, resident kbbot.ChatID) error {
	if !booking.ValidID(eventID) || resident == 0 {
		return fmt.Errorf("redisstore: leave waitlist: %w", booking.ErrInvalid)
	}
	err := bookLeaveScript.Run(ctx, s.rdb, s.keys.EventKeys(eventID), msArg(s.clock.Now()), "c"+chatArg(resident), s.ttlArg()).Err()
	return wrap("leave waitlist", err)
}

// ExpireOffers releases overdue offers, offers free places to the lines
// and returns the offers not yet acknowledged (see booking.Store).
func (s *BookingStore) ExpireOffers(ctx context.Context, now time.Time) ([]booking.Offer, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.Events()).Result()
	if err != nil {
		return nil, wrap("list events", err)
	}
	sort.Strings(ids)
	var offers []booking.Offer
	for _, ev := range ids {
		v, err := bookExpireScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), msArg(now), s.ttlArg()).Slice()
		if err != nil {
			return offers, wrap("expire offers of "+ev, err)
		}
		out := strs(v)
		for i := 0; i+1 < len(out); i += 2 {
			o, err := decodeOffer(ev, out[i+1])
			if err != nil {
				return offers, err
			}
			o.Holder = out[i]
			offers = append(offers, o)
		}
	}
	return offers, nil
}

// AckOffers records that the residents of offers were told (their notice
// is scheduled), so ExpireOffers stops returning them. It writes one key
// per event and command, so it runs on Redis Cluster; it is idempotent.
func (s *BookingStore) AckOffers(ctx context.Context, offers []booking.Offer) error {
	pipe := s.rdb.Pipeline()
	for _, o := range offers {
		if o.Holder != "" {
			pipe.SRem(ctx, s.keys.EventNewOffers(o.EventID), o.Holder)
		}
	}
	if pipe.Len() == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return wrap("acknowledge offers", err)
}

// entries reads a chat's bookings, waitlist entries and offers in one event.
func (s *BookingStore) entries(ctx context.Context, ev string, chat kbbot.ChatID) ([]booking.Booking, []booking.Waiting, error) {
	v, err := bookReadScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), "chat", chatArg(chat)).Slice()
	if err != nil {
		return nil, nil, wrap("read bookings", err)
	}
	var bs []booking.Booking
	var ws []booking.Waiting
	var offer *booking.Offer
	for _, e := range v {
		arr, _ := e.([]any)
		f := strs(arr)
		switch {
		case len(f) == 4 && f[0] == "b":
			b, err := decodeBooking(ev, f[1], f[2], f[3])
			if err != nil {
				return nil, nil, err
			}
			bs = append(bs, b)
		case len(f) == 3 && f[0] == "w":
			var pos int64
			fmt.Sscan(f[2], &pos)
			w, err := decodeWait(ev, f[1], pos)
			if err != nil {
				return nil, nil, err
			}
			ws = append(ws, w)
		case len(f) == 2 && f[0] == "o":
			o, err := decodeOffer(ev, f[1])
			if err != nil {
				return nil, nil, err
			}
			offer = &o
		}
	}
	if offer != nil {
		ws = append(ws, booking.Waiting{EventID: ev, FacilityID: offer.FacilityID, Method: offer.Method,
			SessionID: offer.SessionID, Resident: offer.Resident, Offer: offer})
	}
	return bs, ws, nil
}

// chatEvents lists the events of chat's index: its fields in its
// ResidentEvents bucket, and the members of a legacy SET.
func (s *BookingStore) chatEvents(ctx context.Context, chat kbbot.ChatID) ([]string, error) {
	pipe := s.rdb.Pipeline()
	fields := pipe.HKeys(ctx, s.keys.ResidentEvents(chat))
	legacy := pipe.SMembers(ctx, s.keys.LegacyResidentEvents(chat))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("list resident events", err)
	}
	seen := map[string]bool{}
	ids := []string{}
	mine := residentEventField(chat, "")
	for _, f := range fields.Val() {
		if ev, ok := strings.CutPrefix(f, mine); ok && !seen[ev] {
			seen[ev] = true
			ids = append(ids, ev)
		}
	}
	for _, ev := range legacy.Val() {
		if !seen[ev] {
			seen[ev] = true
			ids = append(ids, ev)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// residentEventField is chat's field for event ev in its ResidentEvents
// bucket.
func residentEventField(chat kbbot.ChatID, ev string) string { return chatArg(chat) + "|" + ev }

// unindexEvents takes events evs out of chat's index (both forms).
func (s *BookingStore) unindexEvents(ctx context.Context, pipe redis.Pipeliner, chat kbbot.ChatID, evs ...string) {
	fields := make([]string, len(evs))
	members := make([]any, len(evs))
	for i, ev := range evs {
		fields[i], members[i] = residentEventField(chat, ev), ev
	}
	pipe.HDel(ctx, s.keys.ResidentEvents(chat), fields...)
	pipe.SRem(ctx, s.keys.LegacyResidentEvents(chat), members...)
}

// Bookings returns a chat's bookings and those it made as a cadre, newest
// first.
func (s *BookingStore) Bookings(ctx context.Context, chat kbbot.ChatID) ([]booking.Booking, error) {
	ids, err := s.chatEvents(ctx, chat)
	if err != nil {
		return nil, err
	}
	var out []booking.Booking
	for _, ev := range ids {
		bs, _, err := s.entries(ctx, ev, chat)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// Waiting lists a resident's waitlist entries and offers.
func (s *BookingStore) Waiting(ctx context.Context, resident kbbot.ChatID) ([]booking.Waiting, error) {
	ids, err := s.chatEvents(ctx, resident)
	if err != nil {
		return nil, err
	}
	var out []booking.Waiting
	for _, ev := range ids {
		_, ws, err := s.entries(ctx, ev, resident)
		if err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	return out, nil
}

// EraseResident deletes what the store keeps about chat (see
// booking.Store). It is idempotent. Every command it sends names keys of
// one hash slot, so it runs on Redis Cluster: one script per event (keys
// tagged {ev:<id>}), then one DEL per booking code, pipelined.
func (s *BookingStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	ids, err := s.chatEvents(ctx, chat)
	if err != nil {
		return err
	}
	now := msArg(s.clock.Now())
	for _, ev := range ids {
		v, err := bookEraseScript.Run(ctx, s.rdb, s.keys.EventKeys(ev), now, chatArg(chat), s.ttlArg()).Slice()
		if err != nil {
			return wrap("erase resident", err)
		}
		if err := s.forgetCodes(ctx, strs(v)); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	s.unindexEvents(ctx, pipe, chat, ids...)
	_, err = pipe.Exec(ctx)
	return wrap("erase resident index", err)
}

// forgetCodes deletes the global index entries (Keys.BookingCodes, and a
// legacy Keys.LegacyBookingCode) of codes. Each code's keys hash to their
// own slots, so each gets its own HDEL and DEL (a multi-key DEL would be
// refused with CROSSSLOT on Redis Cluster), all in one pipeline, which a
// cluster client splits per node.
func (s *BookingStore) forgetCodes(ctx context.Context, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	for _, c := range codes {
		pipe.HDel(ctx, s.keys.BookingCodes(c), c)
		pipe.Del(ctx, s.keys.LegacyBookingCode(c))
	}
	_, err := pipe.Exec(ctx)
	return wrap("erase booking codes", err)
}
