package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// TestGuessLimitSurvivesErasure: a user who tried too many unknown invite
// codes is still refused after /hapusdata (the staff store's erasure), the
// counter names no user id and runs out within its window, and another
// user is not held back.
func TestGuessLimitSurvivesErasure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	clock := fakes.NewClock(staffNow)
	s := redisstore.NewStaffStore(rdb, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: clock})
	code, err := s.CreateInvite(ctx, adminM, cadre.PKB, barat, staffNow.Add(72*time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	const guesser kbbot.ChatID = 7_654_321_987
	for i := range redisstore.InviteMaxTries {
		if _, err := s.Redeem(ctx, "ZZZZZZZZZ"+string(rune('A'+i)), guesser, "X", staffNow); !errors.Is(err, redisstore.ErrInviteUnknown) {
			t.Fatalf("try %d: %v, want ErrInviteUnknown", i, err)
		}
	}
	if err := s.EraseResident(ctx, guesser); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeem(ctx, code, guesser, "X", staffNow); !errors.Is(err, redisstore.ErrInviteTries) {
		t.Fatalf("after %d unknown codes and /hapusdata: %v, want ErrInviteTries", redisstore.InviteMaxTries, err)
	}
	ks := redistest.Keys(ctx, rdb, prefix+"*guess*")
	if len(ks) == 0 {
		t.Fatal("no guess counters in Redis")
	}
	for _, k := range ks {
		if strings.Contains(k, "7654321987") {
			t.Errorf("the key %q names the user", k)
		}
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > 2*time.Hour {
			t.Errorf("%s expires in %v (%v), want on its own within two hours", k, ttl, err)
		}
	}
	if _, err := s.Redeem(ctx, code, guesser+1, "Y", staffNow); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

// TestGuessCeilingPerHour: many accounts together reach the hourly
// ceiling, after which nobody may try until the next clock hour; kinds
// are counted apart.
func TestGuessCeilingPerHour(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	clock := fakes.NewClock(time.Date(2026, 11, 23, 2, 10, 0, 0, time.UTC))
	g := redisstore.NewGuessLimiter(rdb, keys, clock, map[string]redisstore.GuessLimit{
		redisstore.GuessCheckIn: {PerUser: 3, Window: time.Hour, PerHour: 5},
		redisstore.GuessInvite:  {PerUser: 3, Window: time.Hour, PerHour: 5},
	})
	allow := func(kind string, u kbbot.ChatID) bool {
		t.Helper()
		ok, err := g.Allow(ctx, kind, u)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for u := range kbbot.ChatID(5) {
		if !allow(redisstore.GuessCheckIn, 100+u) {
			t.Fatalf("user %d refused before the ceiling", u)
		}
		if err := g.Miss(ctx, redisstore.GuessCheckIn, 100+u); err != nil {
			t.Fatal(err)
		}
	}
	if allow(redisstore.GuessCheckIn, 200) {
		t.Fatal("a new account was allowed past the hourly ceiling of 5 misses")
	}
	if !allow(redisstore.GuessInvite, 200) {
		t.Fatal("check-in misses held back invite codes")
	}
	clock.Advance(time.Hour)
	if !allow(redisstore.GuessCheckIn, 200) {
		t.Fatal("the ceiling still held in the next hour")
	}
	// The per-user limit: 3 misses, then refused, in any hour.
	for range 3 {
		if err := g.Miss(ctx, redisstore.GuessCheckIn, 300); err != nil {
			t.Fatal(err)
		}
	}
	if allow(redisstore.GuessCheckIn, 300) {
		t.Fatal("a user was allowed past 3 misses")
	}
}
