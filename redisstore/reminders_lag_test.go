package redisstore_test

import (
	"context"
	"testing"
	"time"
)

// TestReminderOldestDue: the reminder lag metric reads the earliest moment
// the sweeper is needed, over every shard: none when nothing is kept, the
// earliest due time, and for a claimed reminder its lease deadline.
func TestReminderOldestDue(t *testing.T) {
	s, _, _ := newReminderStore(t)
	ctx := context.Background()
	if _, ok, err := s.OldestDue(ctx); err != nil || ok {
		t.Fatalf("empty store: ok %v err %v, want none", ok, err)
	}
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	if _, err := s.Schedule(ctx, item(7001, "kontrol", "a", t0.Add(time.Hour)), item(7002, "kontrol", "b", t0)); err != nil {
		t.Fatal(err)
	}
	due, ok, err := s.OldestDue(ctx)
	if err != nil || !ok || !due.Equal(t0) {
		t.Fatalf("OldestDue = %v %v %v, want %v", due, ok, err, t0)
	}
	if got, err := s.Claim(ctx, t0.Add(time.Minute), time.Minute, 10); err != nil || len(got) != 1 {
		t.Fatalf("claim the due one: %v %v", got, err)
	}
	if due, ok, err := s.OldestDue(ctx); err != nil || !ok || !due.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after the claim OldestDue = %v %v %v, want the claim's lease deadline %v", due, ok, err, t0.Add(2*time.Minute))
	}
}
