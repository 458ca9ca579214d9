package redisstore

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
)

// TestStaffScriptsIdempotent: go-redis retries a script whose reply was
// lost; the invite, redeem, remove and audit scripts, run twice with one
// call's arguments, change nothing the second time and answer the same.
func TestStaffScriptsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := NewKeys(redistest.Prefix(t, rdb))
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	h := inviteHash("ABCDEFGHJK")
	inv := []string{keys.StaffInvite(h)}
	create := []any{"tok1", "kader", `{"kabupaten":"Kota Pekalongan","kecamatan":"Pekalongan Barat"}`, "7", now.UnixMilli(),
		now.Add(time.Hour).UnixMilli(), (time.Hour + InviteKeep).Milliseconds()}
	for i := range 2 {
		n, err := staffInviteScript.Run(ctx, rdb, inv, create...).Int()
		if err != nil || n != 1 {
			t.Fatalf("create, call %d: %d %v", i+1, n, err)
		}
	}
	// Another call (another token) finds the code taken.
	create[0] = "tok2"
	if n, _ := staffInviteScript.Run(ctx, rdb, inv, create...).Int(); n != 0 {
		t.Fatalf("a second invite took a used code")
	}
	redeem := []string{keys.StaffInvite(h), keys.StaffRedeeming(h)}
	args := []any{"8", now.UnixMilli(), "rtok", "0", staffStepTTL.Milliseconds()}
	for i := range 2 {
		res, err := staffRedeemScript.Run(ctx, rdb, redeem, args...).StringSlice()
		if err != nil || res[0] != "ok" || res[1] != "kader" || res[4] != "rtok" {
			t.Fatalf("redeem, call %d: %q %v", i+1, res, err)
		}
		// A retry by the same chat, with its own token and a later time,
		// gets the redemption in progress: its token and time.
		args[1], args[2] = now.Add(time.Minute).UnixMilli(), "rtok-retry"
	}
	// Another chat is refused: the code is used.
	if res, _ := staffRedeemScript.Run(ctx, rdb, redeem, "9", now.UnixMilli(), "rtok3", "0", staffStepTTL.Milliseconds()).StringSlice(); res[0] != "used" {
		t.Fatalf("another chat redeemed a used code: %q", res)
	}
	audit := []string{keys.StaffAudit(), keys.StaffAuditOnce("rtok")}
	for i := range 2 {
		if err := staffAuditScript.Run(ctx, rdb, audit, `{"action":"redeem"}`, AuditCap, time.Hour.Milliseconds()).Err(); err != nil {
			t.Fatalf("audit, call %d: %v", i+1, err)
		}
	}
	if n, _ := rdb.LLen(ctx, keys.StaffAudit()).Result(); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	rdb.HSet(ctx, keys.StaffMembers(StaffShard(8)), "8", `{"chat":8,"role":"kader"}`)
	remove := []string{keys.StaffMembers(StaffShard(8)), keys.StaffLeaving(8)}
	for i, want := range []string{"removed", "pending"} {
		res, err := staffRemoveScript.Run(ctx, rdb, remove, "8", "xtok", `{"action":"remove"}`, time.Hour.Milliseconds()).StringSlice()
		if err != nil || res[0] != want || res[1] != "xtok" || res[2] != `{"chat":8,"role":"kader"}` {
			t.Fatalf("remove, call %d: %q %v, want %s", i+1, res, err, want)
		}
	}
}

// TestStaffMigrateLayout: members and invites in the single-slot layout
// (as the version before the sharding wrote them) keep working after
// MigrateLayout: members are found in their shards, an open invite can be
// redeemed, a used one is refused; a membership already in a shard (a
// newer one) is kept; no old key is left; a second run reads only the
// layout mark; every command takes one slot (the guard).
func TestStaffMigrateLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := NewKeys(redistest.Prefix(t, rdb))
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	area := `{"kabupaten":"Kota Pekalongan","kecamatan":"Pekalongan Barat"}`
	old := map[string]string{}
	for i := range 40 {
		c := strconv.Itoa(700 + i)
		old[c] = `{"chat":` + c + `,"role":"kader","area":` + area + `,"name":"K` + c + `","since":"2026-01-02T03:04:05Z"}`
	}
	rdb.HSet(ctx, keys.StaffMembersLegacy(), old)
	// Chat 700 joined again in the new layout before the migration ran.
	newer := `{"chat":700,"role":"bidan","area":` + area + `,"name":"K700","since":"2026-11-01T00:00:00Z"}`
	rdb.HSet(ctx, keys.StaffMembers(StaffShard(700)), "700", newer)
	for _, inv := range []struct{ code, used string }{{"OPENCODE22", ""}, {"USEDCODE22", "t"}} {
		k := keys.StaffInviteLegacy(inviteHash(inv.code))
		rdb.HSet(ctx, k, "tok", "c", "role", "pkb", "area", area, "by", "1", "created", now.UnixMilli(), "expires", now.Add(48*time.Hour).UnixMilli())
		if inv.used != "" {
			rdb.HSet(ctx, k, "used_tok", inv.used, "used_at", now.UnixMilli())
		}
		rdb.PExpire(ctx, k, 48*time.Hour+InviteKeep)
	}
	s := NewStaffStore(rdb, keys, StaffOptions{Admins: []int64{1}})
	got, err := s.MigrateLayout(ctx)
	if err != nil || got.Members != 40 || got.Invites != 2 || got.Done {
		t.Fatalf("migration: %+v %v, want 40 members and 2 invites moved", got, err)
	}
	for c, raw := range old {
		chat, _ := strconv.ParseInt(c, 10, 64)
		m, ok, err := s.Member(ctx, kbbot.ChatID(chat))
		if err != nil || !ok || m.Chat != kbbot.ChatID(chat) || m.Area.Kecamatan != "Pekalongan Barat" {
			t.Fatalf("member %s after the migration: %+v %v %v (was %s)", c, m, ok, err, raw)
		}
		if want := cadre.Kader; c == "700" && m.Role != cadre.Bidan || c != "700" && m.Role != want {
			t.Fatalf("member %s has role %s", c, m.Role)
		}
		if c != "700" && rdb.Exists(ctx, keys.ChatStaffHint(kbbot.ChatID(chat))).Val() != 1 {
			t.Fatalf("member %s moved without its staff hint", c)
		}
	}
	if m, err := s.Redeem(ctx, "open-code22", 900, "Pak Joko", now.Add(time.Hour)); err != nil || m.Role != cadre.PKB {
		t.Fatalf("redeem an old open invite: %+v %v", m, err)
	}
	if _, err := s.Redeem(ctx, "USEDCODE22", 901, "X", now.Add(time.Hour)); !errors.Is(err, ErrInviteUsed) {
		t.Fatalf("redeem an old used invite: %v, want used", err)
	}
	if ttl := rdb.PTTL(ctx, keys.StaffInvite(inviteHash("USEDCODE22"))).Val(); ttl < 47*time.Hour+InviteKeep {
		t.Fatalf("moved invite's TTL %s, want its old one", ttl)
	}
	if left := redistest.Keys(ctx, rdb, keys.Prefix()+"{staff}:members"); len(left) != 0 {
		t.Fatalf("old members left: %v", left)
	}
	if left := redistest.Keys(ctx, rdb, keys.StaffInviteLegacyMatch()); len(left) != 0 {
		t.Fatalf("old invites left: %v", left)
	}
	if again, err := s.MigrateLayout(ctx); err != nil || !again.Done {
		t.Fatalf("second run: %+v %v", again, err)
	}
}

// TestStaffMigrateLayoutResumes: a migration cut off after copying (the
// old keys still there, the layout not marked) is finished by the next
// run without overwriting what it copied.
func TestStaffMigrateLayoutResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := NewKeys(redistest.Prefix(t, rdb))
	rdb.HSet(ctx, keys.StaffMembersLegacy(), "5", `{"chat":5,"role":"tpk"}`)
	// A first run copied chat 5, then the member was promoted, then the
	// process died before deleting the old entry.
	rdb.HSet(ctx, keys.StaffMembers(StaffShard(5)), "5", `{"chat":5,"role":"pkb"}`)
	s := NewStaffStore(rdb, keys, StaffOptions{})
	if _, err := s.MigrateLayout(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _, _ := s.Member(ctx, 5); m.Role != cadre.PKB {
		t.Fatalf("member after the resumed migration: %+v, want the newer pkb", m)
	}
	if n := rdb.Exists(ctx, keys.StaffMembersLegacy()).Val(); n != 0 {
		t.Fatal("old members left")
	}
}
