package redisstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// TestEventImportsKeepTheFileForItsTime: a file kept for a preview reads
// back as the same catalog, under its token, for 30 minutes; marking it
// applied keeps that time; dropping or erasing forgets it.
func TestEventImportsKeepTheFileForItsTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	s := redisstore.NewEventImports(rdb, keys, 0)
	const admin = kbbot.ChatID(62001)
	cat, err := booking.Demo(time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, admin); ok || err != nil {
		t.Fatalf("nothing kept yet: %v %v", ok, err)
	}
	if err := s.Put(ctx, admin, redisstore.NewPendingImport("n7", "acara.xlsx", cat)); err != nil {
		t.Fatal(err)
	}
	ttl := rdb.TTL(ctx, keys.ChatImport(admin)).Val()
	if ttl <= 29*time.Minute || ttl > 30*time.Minute {
		t.Errorf("TTL %v, want 30 minutes", ttl)
	}
	p, ok, err := s.Get(ctx, admin)
	if err != nil || !ok || p.Token != "n7" || p.File != "acara.xlsx" || p.Applied != nil {
		t.Fatalf("kept: %+v %v %v", p, ok, err)
	}
	back, err := p.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	enc := func(c *booking.Catalog) string {
		b, _ := json.Marshal([]any{c.Facilities(), c.Events()})
		return string(b)
	}
	if enc(back) != enc(cat) {
		t.Fatal("the kept catalog differs from the one read")
	}
	if f, _ := back.Facility("pkm-hamadi"); f.Zone() != "WIT" {
		t.Errorf("zone of a kept facility: %q", f.Zone())
	}
	rdb.Expire(ctx, keys.ChatImport(admin), 10*time.Minute)
	p.Applied = &booking.ImportReport{Created: []string{"kbs-pekalongan-demo"}}
	if err := s.Update(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.TTL(ctx, keys.ChatImport(admin)).Val(); ttl > 10*time.Minute || ttl < 9*time.Minute {
		t.Errorf("TTL after marking applied %v, want the 10 minutes left", ttl)
	}
	if p, _, _ := s.Get(ctx, admin); p.Applied == nil || p.Applied.Created[0] != "kbs-pekalongan-demo" {
		t.Errorf("applied: %+v", p.Applied)
	}
	if err := s.EraseResident(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, admin); ok {
		t.Error("erased, yet kept")
	}
	// Marking a file that is gone does not bring it back.
	if err := s.Update(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, admin); ok {
		t.Error("a file gone came back")
	}
}
