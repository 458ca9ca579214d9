package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// DefaultImportTTL is how long an events file read for a preview waits for
// its confirmation.
const DefaultImportTTL = 30 * time.Minute

// EventImports keeps, per admin chat, the one events file read and checked
// for a preview until the admin confirms or cancels it (Keys.ChatImport),
// so the confirmation imports what the preview showed without fetching
// the file again. Each chat's steps run one at a time, so its key is read
// and written without a script.
type EventImports struct {
	rdb  redis.UniversalClient
	keys Keys
	ttl  time.Duration
}

// NewEventImports returns the store; ttl (DefaultImportTTL when zero) is
// how long a kept file waits.
func NewEventImports(rdb redis.UniversalClient, keys Keys, ttl time.Duration) *EventImports {
	if ttl <= 0 {
		ttl = DefaultImportTTL
	}
	return &EventImports{rdb: rdb, keys: keys, ttl: ttl}
}

// TTL is how long a kept file waits for its confirmation.
func (s *EventImports) TTL() time.Duration { return s.ttl }

// PendingImport is one kept file.
type PendingImport struct {
	// Token binds the file to the preview that showed it.
	Token string `json:"token"`
	// File is the file's name as sent.
	File       string             `json:"file"`
	Facilities []booking.Facility `json:"facilities"`
	Events     []booking.Event    `json:"events"`
	// Applied is the import's report once it is done; nil before.
	Applied *booking.ImportReport `json:"applied,omitempty"`
	// Refused are the limits the import refused (their events were left
	// as they were).
	Refused []booking.BelowLimit `json:"refused,omitempty"`
}

// NewPendingImport keeps catalog c, read from file, under token.
func NewPendingImport(token, file string, c *booking.Catalog) PendingImport {
	p := PendingImport{Token: token, File: file}
	for _, f := range c.Facilities() {
		p.Facilities = append(p.Facilities, *f)
	}
	for _, e := range c.Events() {
		p.Events = append(p.Events, *e)
	}
	return p
}

// Catalog is the kept catalog.
func (p PendingImport) Catalog() (*booking.Catalog, error) {
	return booking.NewCatalog(p.Facilities, p.Events)
}

// Put keeps p for chat for the store's TTL, replacing any other file.
func (s *EventImports) Put(ctx context.Context, chat kbbot.ChatID, p PendingImport) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redisstore: encode pending import: %w", err)
	}
	return wrap("keep pending import", s.rdb.Set(ctx, s.keys.ChatImport(chat), b, s.ttl).Err())
}

// Get returns the file kept for chat; ok is false when there is none.
func (s *EventImports) Get(ctx context.Context, chat kbbot.ChatID) (PendingImport, bool, error) {
	raw, err := s.rdb.Get(ctx, s.keys.ChatImport(chat)).Bytes()
	if errors.Is(err, redis.Nil) {
		return PendingImport{}, false, nil
	}
	if err != nil {
		return PendingImport{}, false, wrap("read pending import", err)
	}
	var p PendingImport
	if err := json.Unmarshal(raw, &p); err != nil {
		return PendingImport{}, false, fmt.Errorf("redisstore: decode pending import: %w", err)
	}
	return p, true, nil
}

// Update writes p over the file kept for chat, keeping its TTL; a file
// gone meanwhile stays gone.
func (s *EventImports) Update(ctx context.Context, chat kbbot.ChatID, p PendingImport) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("redisstore: encode pending import: %w", err)
	}
	err = s.rdb.SetArgs(ctx, s.keys.ChatImport(chat), b, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return wrap("update pending import", err)
}

// Drop forgets the file kept for chat.
func (s *EventImports) Drop(ctx context.Context, chat kbbot.ChatID) error {
	return wrap("drop pending import", s.rdb.Del(ctx, s.keys.ChatImport(chat)).Err())
}

// EraseResident forgets the file kept for chat, for /hapusdata.
func (s *EventImports) EraseResident(ctx context.Context, chat kbbot.ChatID) error {
	return s.Drop(ctx, chat)
}
