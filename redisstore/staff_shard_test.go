package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// TestStaffSpreadsOverSlots: 48 chats redeem 48 invites; their
// memberships sit in many hash slots (one per shard), and so do the
// invites, each in its own. No command spans slots (the guard).
func TestStaffSpreadsOverSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := scrubStore(t)
	const n = 48
	for i := range n {
		code, err := s.CreateInvite(ctx, adminM, cadre.Kader, barat, staffNow.Add(time.Hour), staffNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Redeem(ctx, code, kbbot.ChatID(5000+i), "K", staffNow); err != nil {
			t.Fatal(err)
		}
	}
	memberSlots, inviteSlots := map[int]bool{}, map[int]bool{}
	for _, k := range redistest.Keys(ctx, rdb, keys.Prefix()+"*") {
		switch {
		case strings.HasSuffix(k, ":members"):
			memberSlots[redistest.Slot(k)] = true
		case strings.HasSuffix(k, ":invite"):
			inviteSlots[redistest.Slot(k)] = true
		case strings.HasSuffix(k, ":redeeming") || strings.Contains(k, ":leaving:"):
			t.Errorf("a step in progress is left: %s", k)
		}
	}
	if len(memberSlots) != redisstore.StaffShards {
		t.Errorf("members of %d chats in %d slots, want %d (one per shard)", n, len(memberSlots), redisstore.StaffShards)
	}
	if len(inviteSlots) < n-2 { // CRC16 may put two tags in one slot
		t.Errorf("%d invites in %d slots, want about one each", n, len(inviteSlots))
	}
	for i := range n {
		chat := kbbot.ChatID(5000 + i)
		if ok, _ := rdb.HExists(ctx, keys.StaffMembers(redisstore.StaffShard(chat)), strconv.FormatInt(int64(chat), 10)).Result(); !ok {
			t.Fatalf("chat %d is not in its shard %d", chat, redisstore.StaffShard(chat))
		}
	}
	ms, err := s.Members(ctx, barat)
	if err != nil || len(ms) != n {
		t.Fatalf("Members lists %d (%v), want %d across the shards", len(ms), err, n)
	}
	if es, _ := s.AuditLog(ctx, cadre.Area{}, 1000); len(es) != 2*n {
		t.Fatalf("%d audit entries, want %d (an invite and a redemption each)", len(es), 2*n)
	}
}

// failOnce makes the first command (or pipeline) naming a key that
// matches fail before it reaches Redis, as if the process died before
// that step.
type failOnce struct {
	match func(cmd, key string) bool
	done  atomic.Bool
}

var errCrash = errors.New("crash (test)")

func (h *failOnce) hit(cmds ...redis.Cmder) bool {
	for _, c := range cmds {
		for _, k := range redistest.CommandKeys(c.Args()) {
			if h.match(c.Name(), k) && h.done.CompareAndSwap(false, true) {
				return true
			}
		}
	}
	return false
}

func (h *failOnce) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *failOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.hit(cmd) {
			cmd.SetErr(errCrash)
			return errCrash
		}
		return next(ctx, cmd)
	}
}

func (h *failOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.hit(cmds...) {
			for _, c := range cmds {
				c.SetErr(errCrash)
			}
			return errCrash
		}
		return next(ctx, cmds)
	}
}

// TestStaffRedeemCrashBetweenSteps: a redemption cut off before each of
// its later steps (membership, audit entry, cleanup) is finished by the
// same chat's retry of the code: one membership, dated by the first try,
// one audit entry, nothing in progress left; meanwhile the code is
// refused to anyone else.
func TestStaffRedeemCrashBetweenSteps(t *testing.T) {
	t.Parallel()
	for _, step := range []struct {
		name  string
		match func(k redisstore.Keys, cmd, key string) bool
	}{
		{"member", func(k redisstore.Keys, _, key string) bool { return strings.HasSuffix(key, "}:members") }},
		{"audit", func(k redisstore.Keys, _, key string) bool { return key == k.StaffAudit() }},
		{"cleanup", func(k redisstore.Keys, cmd, key string) bool {
			return cmd == "del" && strings.HasSuffix(key, ":redeeming")
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, rdb, keys := scrubStore(t)
			code, err := s.CreateInvite(ctx, adminM, cadre.Bidan, barat, staffNow.Add(time.Hour), staffNow)
			if err != nil {
				t.Fatal(err)
			}
			hook := &failOnce{match: func(cmd, key string) bool {
				return step.match(keys, cmd, key)
			}}
			rdb.AddHook(hook)
			if _, err := s.Redeem(ctx, code, 300, "Bu Ani", staffNow); !errors.Is(err, errCrash) {
				t.Fatalf("redeem cut off before the %s step: %v", step.name, err)
			}
			if _, err := s.Redeem(ctx, code, 301, "Other", staffNow); !errors.Is(err, redisstore.ErrInviteUsed) {
				t.Fatalf("another chat, while the redemption is in progress: %v, want used", err)
			}
			m, err := s.Redeem(ctx, code, 300, "Bu Ani", staffNow.Add(time.Minute))
			if err != nil {
				t.Fatalf("the retry: %v", err)
			}
			want := cadre.Member{Chat: 300, Role: cadre.Bidan, Area: barat, Name: "Bu Ani", Since: staffNow}
			if got, ok, _ := s.Member(ctx, 300); m != want || got != want || !ok {
				t.Fatalf("after the retry: returned %+v, stored %+v %v; want %+v", m, got, ok, want)
			}
			es, _ := s.AuditLog(ctx, cadre.Area{}, 10)
			redeems := 0
			for _, e := range es {
				if e.Action == redisstore.ActRedeem {
					redeems++
				}
			}
			if redeems != 1 {
				t.Fatalf("%d redeem entries, want 1: %+v", redeems, es)
			}
			if left := redistest.Keys(ctx, rdb, keys.Prefix()+"*:redeeming"); len(left) != 0 {
				t.Fatalf("redemption in progress left: %v", left)
			}
			if _, err := s.Redeem(ctx, code, 300, "Bu Ani", staffNow.Add(2*time.Minute)); !errors.Is(err, redisstore.ErrInviteUsed) {
				t.Fatalf("a third try once finished: %v, want used", err)
			}
		})
	}
}

// TestStaffRemoveCrashBetweenSteps: a removal or an erasure cut off
// before its audit entry or its cleanup is finished by the next call: the
// member is gone at once, and the log gets one entry with the member's
// area (and role, for an erasure).
func TestStaffRemoveCrashBetweenSteps(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		erase bool
		match string
	}{
		{"remove/audit", false, "audit"}, {"remove/cleanup", false, "leaving"},
		{"erase/audit", true, "audit"}, {"erase/cleanup", true, "leaving"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, rdb, keys := scrubStore(t)
			code, _ := s.CreateInvite(ctx, adminM, cadre.Kader, bendan, staffNow.Add(time.Hour), staffNow)
			if _, err := s.Redeem(ctx, code, 400, "Wati", staffNow); err != nil {
				t.Fatal(err)
			}
			rdb.AddHook(&failOnce{match: func(cmd, key string) bool {
				if c.match == "audit" {
					return key == keys.StaffAudit()
				}
				return cmd == "del" && key == keys.StaffLeaving(400)
			}})
			run := func() (bool, error) {
				if c.erase {
					return true, s.EraseResident(ctx, 400)
				}
				return s.Remove(ctx, 400, adminM, staffNow)
			}
			if _, err := run(); !errors.Is(err, errCrash) {
				t.Fatalf("cut off before %s: %v", c.match, err)
			}
			if _, ok, _ := s.Member(ctx, 400); ok {
				t.Fatal("still a member after the first step")
			}
			if ok, err := run(); err != nil || !ok {
				t.Fatalf("the retry: %v %v", ok, err)
			}
			es, _ := s.AuditLog(ctx, cadre.Area{}, 10)
			var removes []cadre.AuditEntry
			for _, e := range es {
				if e.Action == redisstore.ActRemove {
					removes = append(removes, e)
				}
			}
			if len(removes) != 1 || removes[0].Area != bendan {
				t.Fatalf("remove entries %+v, want one in %v", removes, bendan)
			}
			if c.erase && (removes[0].Role != cadre.Kader || removes[0].Actor != 400 || removes[0].Detail != redisstore.DetailErased) {
				t.Fatalf("erasure entry %+v", removes[0])
			}
			if n, _ := rdb.Exists(ctx, keys.StaffLeaving(400)).Result(); n != 0 {
				t.Fatal("the removal in progress is left")
			}
			if !c.erase {
				if ok, err := s.Remove(ctx, 400, adminM, staffNow); ok || err != nil {
					t.Fatalf("a third call: %v %v, want false", ok, err)
				}
			}
		})
	}
}
