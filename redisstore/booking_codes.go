package redisstore

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/booking"
)

// CodeBatch is how many booking codes a store on a cluster reserves for
// an event at once. A code is unique across events because it is taken
// with HSETNX in Keys.BookingCodes (pointing at the event), and only where
// no legacy code key (Keys.LegacyBookingCode) has it. On a single server
// book_many does that as it books (one call may span hash slots there). On
// a cluster the code's bucket is in another slot than the event, so codes
// are reserved before any booking uses them; reserving a batch in one
// round trip keeps that off the path of each booking. A process that
// stops leaves at most CodeBatch reserved but unused codes per event:
// they point at the event but name no booking, and Get reports them as not
// found.
const CodeBatch = 16

// codePool holds codes reserved for events and not yet used.
type codePool struct {
	mu   sync.Mutex
	rand io.Reader
	free map[string][]string // event id -> reserved codes
	// reserving lets one caller at a time reserve a batch; the others
	// wait and take from it.
	reserving sync.Mutex
}

// take returns a code reserved for eventID, reserving a batch when none is
// left.
func (p *codePool) take(ctx context.Context, s *BookingStore, eventID string) (string, error) {
	for range codeAttempts {
		if c, ok := p.pop(eventID); ok {
			return c, nil
		}
		p.reserving.Lock()
		c, ok := p.pop(eventID) // reserved while we waited?
		var err error
		if !ok {
			err = p.reserve(ctx, s, eventID)
		}
		p.reserving.Unlock()
		if ok || err != nil {
			return c, err
		}
	}
	return "", fmt.Errorf("redisstore: no free booking code for %s", eventID)
}

// pop takes the oldest code reserved for eventID.
func (p *codePool) pop(eventID string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.free[eventID]
	if len(list) == 0 {
		return "", false
	}
	// In the order drawn: a cluster's store then hands out the codes a
	// single server's draws one by one (fresh), so a seeded run books the
	// same codes on either.
	c := list[0]
	p.free[eventID] = list[1:]
	return c, true
}

// fresh returns a new random code, reserved nowhere (for book_many on a
// single server, which takes it).
func (p *codePool) fresh() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return booking.NewCode(p.rand)
}

// giveBack returns an unused code to the pool.
func (p *codePool) giveBack(eventID, code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free[eventID] = append(p.free[eventID], code)
}

// reserve reserves CodeBatch new codes for eventID in one round trip. The
// first time, it checks that the event exists, so that requests naming
// unknown events reserve nothing.
func (p *codePool) reserve(ctx context.Context, s *BookingStore, eventID string) error {
	p.mu.Lock()
	_, known := p.free[eventID]
	p.mu.Unlock()
	if !known {
		n, err := s.rdb.Exists(ctx, s.keys.EventLimits(eventID)).Result()
		if err != nil {
			return wrap("find event", err)
		}
		if n == 0 {
			return fmt.Errorf("redisstore: event %q: %w", eventID, booking.ErrUnknownEvent)
		}
	}
	codes := make([]string, CodeBatch)
	p.mu.Lock()
	for i := range codes {
		codes[i] = booking.NewCode(p.rand)
	}
	p.mu.Unlock()
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.BoolCmd, len(codes))
	legacy := make([]*redis.IntCmd, len(codes))
	for i, c := range codes {
		cmds[i] = pipe.HSetNX(ctx, s.keys.BookingCodes(c), c, eventID)
		legacy[i] = pipe.Exists(ctx, s.keys.LegacyBookingCode(c))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap("reserve booking codes", err)
	}
	for i, c := range codes {
		if cmds[i].Val() && legacy[i].Val() > 0 {
			// An earlier version gave this code out: leave it to that
			// booking.
			cmds[i].SetVal(false)
			if err := s.rdb.HDel(ctx, s.keys.BookingCodes(c), c).Err(); err != nil {
				return wrap("reserve booking codes", err)
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.free[eventID]; !ok {
		p.free[eventID] = nil // known to exist from now on
	}
	for i, c := range codes {
		if cmds[i].Val() {
			p.free[eventID] = append(p.free[eventID], c)
		}
	}
	return nil
}
