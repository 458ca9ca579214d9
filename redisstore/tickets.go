package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/tickets"
)

// TicketTTL is how long a Tanya bidan question is kept after its last
// change: 60 days, then it is deleted with its answers (the privacy notice
// says so).
const TicketTTL = 60 * 24 * time.Hour

// TicketStore keeps the Tanya bidan questions: each ticket as one JSON
// value in a slot of its own, an index of the open ones, and each
// resident's list of tickets for /hapusdata.
type TicketStore struct {
	rdb  redis.UniversalClient
	keys Keys
}

// NewTicketStore returns the ticket store on rdb with keys under keys' prefix.
func NewTicketStore(rdb redis.UniversalClient, keys Keys) *TicketStore {
	return &TicketStore{rdb: rdb, keys: keys}
}

// Save writes t (a new ticket, or a change of one), renews its lifetime,
// lists it under its resident, and keeps the open index in step with its
// status.
func (s *TicketStore) Save(ctx context.Context, t tickets.Ticket) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redisstore: encode ticket: %w", err)
	}
	// Three keys in three slots: three commands, each on one key. The
	// ticket is written first, so an index never names a ticket that was
	// never there; a stale index entry is dropped when read.
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.Ticket(t.ID), raw, TicketTTL)
		p.SAdd(ctx, s.keys.ChatTickets(t.Chat), t.ID)
		p.Expire(ctx, s.keys.ChatTickets(t.Chat), TicketTTL)
		if t.Status == tickets.Open {
			p.ZAdd(ctx, s.keys.TicketsOpen(), redis.Z{Score: float64(t.Created.UnixMilli()), Member: t.ID})
		} else {
			p.ZRem(ctx, s.keys.TicketsOpen(), t.ID)
		}
		return nil
	})
	return wrap("save ticket", err)
}

// Get returns the ticket id; ok is false when there is none (never,
// expired or erased).
func (s *TicketStore) Get(ctx context.Context, id string) (t tickets.Ticket, ok bool, err error) {
	raw, err := s.rdb.Get(ctx, s.keys.Ticket(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return t, false, nil
	}
	if err != nil {
		return t, false, wrap("read ticket", err)
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, false, fmt.Errorf("redisstore: decode ticket %s: %w", id, err)
	}
	return t, true, nil
}

// Open lists the open tickets whose resident lives within area (the
// whole country for the zero Area), oldest first, at most limit.
func (s *TicketStore) Open(ctx context.Context, area cadre.Area, limit int) ([]tickets.Ticket, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.TicketsOpen(), 0, -1).Result()
	if err != nil {
		return nil, wrap("list open tickets", err)
	}
	var out []tickets.Ticket
	for _, id := range ids {
		t, ok, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			// Expired or erased: the index forgets it.
			_ = s.rdb.ZRem(ctx, s.keys.TicketsOpen(), id).Err()
			continue
		}
		if t.Status != tickets.Open || !area.Contains(t.Area) {
			continue
		}
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Of lists chat's tickets (any status), for /dataku.
func (s *TicketStore) Of(ctx context.Context, chat kbbot.ChatID) ([]tickets.Ticket, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.ChatTickets(chat)).Result()
	if err != nil {
		return nil, wrap("list a resident's tickets", err)
	}
	var out []tickets.Ticket
	for _, id := range ids {
		t, ok, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// EraseResident deletes chat's tickets with their answers (/hapusdata).
func (s *TicketStore) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	ids, err := s.rdb.SMembers(ctx, s.keys.ChatTickets(chat)).Result()
	if err != nil {
		return wrap("list tickets to erase", err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Del(ctx, s.keys.Ticket(id))
			p.ZRem(ctx, s.keys.TicketsOpen(), id)
		}
		p.Del(ctx, s.keys.ChatTickets(chat))
		return nil
	})
	return wrap("erase tickets", err)
}
