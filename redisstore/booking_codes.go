package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// CodeBatch is how many booking codes a store on a cluster reserves for
// an event at once. A code is unique across events because it is taken
// with HSETNX in Keys.BookingCodes (pointing at the event), and, until
// MigrateCodes moved them there, only where no legacy code key
// (Keys.LegacyBookingCode) has it. On a single server
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
	// A code taken for a dry run would be lost to the bookings after it.
	if err := kbbot.RefuseDryRun(ctx); err != nil {
		return "", err
	}
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
	check, err := s.checkLegacy(ctx)
	if err != nil {
		return err
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.BoolCmd, len(codes))
	legacy := make([]*redis.IntCmd, len(codes))
	for i, c := range codes {
		cmds[i] = pipe.HSetNX(ctx, s.keys.BookingCodes(c), c, eventID)
		if check {
			legacy[i] = pipe.Exists(ctx, s.keys.LegacyBookingCode(c))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap("reserve booking codes", err)
	}
	for i, c := range codes {
		if cmds[i].Val() && check && legacy[i].Val() > 0 {
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

// codesLayout is the current layout of the booking codes (CodesLayout).
const codesLayout = "2"

// Whether a new code must also be checked against the legacy code keys
// (BookingStore.legacyCodes).
const (
	legacyUnknown int32 = iota // CodesLayout not read yet
	legacyCheck                // not migrated: check LegacyBookingCode too
	legacyGone                 // migrated: BookingCodes holds every code
)

// checkLegacy reports whether a new code must also be checked against the
// legacy code keys: until MigrateCodes ran (CodesLayout, read once per
// store).
func (s *BookingStore) checkLegacy(ctx context.Context) (bool, error) {
	switch s.legacyCodes.Load() {
	case legacyGone:
		return false, nil
	case legacyCheck:
		return true, nil
	}
	v, err := s.rdb.Get(ctx, s.keys.CodesLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return true, wrap("read codes layout", err)
	}
	if v == codesLayout {
		s.legacyCodes.Store(legacyGone)
		return false, nil
	}
	s.legacyCodes.Store(legacyCheck)
	return true, nil
}

// CodeMigration counts what MigrateCodes moved.
type CodeMigration struct {
	// Moved is how many legacy code keys were moved to their bucket.
	Moved int
	// Done is true when the layout was current already (nothing read).
	Done bool
}

// MigrateCodes moves every code an earlier version kept as a STRING key
// (LegacyBookingCode) into its bucket (BookingCodes), then sets
// CodesLayout: from then on a new code is checked against its bucket
// alone, one read less per booking. A legacy key wins over a bucket field
// of the same code (that can only be a code reserved and never used: the
// reservation gave such codes up). Every move writes the bucket, then
// deletes the key, so a migration cut off anywhere is finished by the
// next; it is idempotent, and once done later calls read only
// CodesLayout. It scans every master for the keys.
//
// app.New calls it before serving. Stop the processes of a version before
// the buckets before starting this one: codes they give out afterwards
// are not checked.
func (s *BookingStore) MigrateCodes(ctx context.Context) (CodeMigration, error) {
	var out CodeMigration
	v, err := s.rdb.Get(ctx, s.keys.CodesLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, wrap("read codes layout", err)
	}
	if v == codesLayout {
		s.legacyCodes.Store(legacyGone)
		out.Done = true
		return out, nil
	}
	prefix := s.keys.LegacyBookingCode("")
	var mu sync.Mutex
	err = forEachMaster(ctx, s.rdb, func(ctx context.Context, node redis.Cmdable) error {
		iter := node.Scan(ctx, 0, s.keys.LegacyBookingCodeMatch(), 1000).Iterator()
		var batch []string
		move := func() error {
			n, err := s.moveCodes(ctx, prefix, batch)
			mu.Lock()
			out.Moved += n
			mu.Unlock()
			batch = batch[:0]
			return err
		}
		for iter.Next(ctx) {
			if batch = append(batch, iter.Val()); len(batch) == 500 {
				if err := move(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return wrap("migrate codes: scan", err)
		}
		return move()
	})
	if err != nil {
		return out, err
	}
	if err := s.rdb.Set(ctx, s.keys.CodesLayout(), codesLayout, 0).Err(); err != nil {
		return out, wrap("set codes layout", err)
	}
	s.legacyCodes.Store(legacyGone)
	return out, nil
}

// moveCodes moves the legacy code keys keys (under prefix) to their
// buckets and returns how many it moved.
func (s *BookingStore) moveCodes(ctx context.Context, prefix string, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	gets := make([]*redis.StringCmd, len(keys))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return 0, wrap("migrate codes: read", err)
	}
	var moved []string
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			code, ok := strings.CutPrefix(k, prefix)
			if ev := gets[i].Val(); ok && code != "" && ev != "" { // "": gone meanwhile
				p.HSet(ctx, s.keys.BookingCodes(code), code, ev)
				moved = append(moved, k)
			}
		}
		return nil
	}); err != nil {
		return 0, wrap("migrate codes: write", err)
	}
	if len(moved) > 0 {
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range moved {
				p.Del(ctx, k) // one key per command: they span slots
			}
			return nil
		}); err != nil {
			return 0, wrap("migrate codes: delete old", err)
		}
	}
	return len(moved), nil
}
