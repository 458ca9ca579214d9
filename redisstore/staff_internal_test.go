package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
)

// TestStaffScriptsIdempotent: go-redis retries a script whose reply was
// lost; the invite and redeem scripts, run twice with one call's
// arguments, change nothing the second time and answer the same.
func TestStaffScriptsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	keys := NewKeys(redistest.Prefix(t, rdb))
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	inv := []string{keys.StaffInvite(inviteHash("ABCDEFGHJK")), keys.StaffAudit()}
	create := []any{"tok1", "kader", `{"kabupaten":"Kota Pekalongan","kecamatan":"Pekalongan Barat"}`, "7", now.UnixMilli(),
		now.Add(time.Hour).UnixMilli(), (time.Hour + InviteKeep).Milliseconds(), `{"action":"invite"}`, AuditCap}
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
	redeem := []string{inv[0], keys.StaffMembers(), keys.StaffAudit(), keys.StaffTries(8)}
	args := []any{"8", now.UnixMilli(), `"2026-11-23T02:00:00Z"`, `"Wati"`, "rtok", AuditCap, InviteMaxTries, InviteTriesWindow.Milliseconds()}
	for i := range 2 {
		res, err := staffRedeemScript.Run(ctx, rdb, redeem, args...).StringSlice()
		if err != nil || res[0] != "ok" || res[1] != "kader" {
			t.Fatalf("redeem, call %d: %q %v", i+1, res, err)
		}
	}
	if n, _ := rdb.LLen(ctx, keys.StaffAudit()).Result(); n != 2 {
		t.Fatalf("%d audit entries, want 2 (invite, redeem)", n)
	}
	s := NewStaffStore(rdb, keys, StaffOptions{})
	m, ok, err := s.Member(ctx, 8)
	if err != nil || !ok || m.Role != cadre.Kader || m.Area.Kecamatan != "Pekalongan Barat" || m.Name != "Wati" || !m.Since.Equal(now) {
		t.Fatalf("member written by the script: %+v %v %v", m, ok, err)
	}
	// A new call with another token is refused: the code is used.
	args[4] = "rtok2"
	if res, _ := staffRedeemScript.Run(ctx, rdb, redeem, args...).StringSlice(); res[0] != "used" {
		t.Fatalf("a new call redeemed again: %q", res)
	}
}
