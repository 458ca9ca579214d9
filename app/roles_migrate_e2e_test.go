package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// TestE2EStaffOldLayoutKeepsWorking: staff records written by the version
// before the sharding (members in one hash, invites under {staff}) keep
// working after an upgrade: app.New moves them (StaffStore.MigrateLayout),
// so a member of the old layout still has the staff menu, and an open
// invite made before the upgrade still makes its holder a member. A member
// written by a version before the staff hints (in its shard, without
// hint) keeps the staff menu too (StaffStore.BackfillHints), and loses it
// at once when an admin removes her.
func TestE2EStaffOldLayoutKeepsWorking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	ctx := context.Background()
	keys := redisstore.NewKeys(e.prefix)
	area := `{"kabupaten":"Kota Pekalongan","kecamatan":"Pekalongan Barat"}`
	e.rdb.HSet(ctx, keys.StaffMembersLegacy(), "9300",
		`{"chat":9300,"role":"pkb","area":`+area+`,"name":"Pak Lama","since":"2026-01-02T03:04:05Z"}`)
	const code = "KBPQRSTUVW"
	sum := sha256.Sum256([]byte(code))
	inv := keys.StaffInviteLegacy(hex.EncodeToString(sum[:]))
	now := e.clock.Now()
	e.rdb.HSet(ctx, inv, "tok", "old", "role", "kader", "area", area, "by", "9300",
		"created", now.UnixMilli(), "expires", now.Add(72*time.Hour).UnixMilli())
	e.rdb.PExpire(ctx, inv, 72*time.Hour+redisstore.InviteKeep)
	e.rdb.HSet(ctx, keys.StaffMembers(redisstore.StaffShard(9302)), "9302",
		`{"chat":9302,"role":"bidan","area":`+area+`,"name":"Bu Bidan","since":"2026-01-02T03:04:05Z"}`)

	p := e.start()
	importDemo(t, e, p)
	old := e.srv.User(9300, "Pak Lama")
	must(t)(old.Send("/kader"))
	if txt := lastText(t, old); !strings.Contains(txt, "Pekalongan Barat") || !strings.Contains(txt, "PKB") {
		t.Fatalf("a member of the old layout after the upgrade: %q", txt)
	}
	kader := e.srv.User(9301, "Bu Kader")
	must(t)(kader.Send("/start k-" + code))
	if txt := lastText(t, kader); !strings.Contains(txt, "Anda kini terdaftar sebagai Kader KB untuk Pekalongan Barat") {
		t.Fatalf("redeeming an invite of the old layout: %q", txt)
	}
	if n := e.rdb.Exists(ctx, keys.StaffMembersLegacy(), inv).Val(); n != 0 {
		t.Fatalf("%d old staff keys left after the start", n)
	}
	bidan := e.srv.User(9302, "Bu Bidan")
	must(t)(bidan.Send("/kader"))
	if txt := lastText(t, bidan); !strings.Contains(txt, "Pekalongan Barat") || !strings.Contains(txt, "Bidan") {
		t.Fatalf("a member stored before the staff hints, after the upgrade: %q", txt)
	}
	staff := redisstore.NewStaffStore(e.rdb, keys, redisstore.StaffOptions{Admins: e.cfg.Admins})
	if removed, err := staff.Remove(ctx, 9302, cadre.Member{Chat: 9001, Role: cadre.Admin}, e.clock.Now()); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	must(t)(bidan.Send("/kader"))
	if got := lastText(t, bidan); got != unknownReply("/kader") {
		t.Fatalf("a removed member still sees staff commands: %q", got)
	}
}
