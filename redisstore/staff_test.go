package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

var (
	staffNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	barat    = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	timur    = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}
	bendan   = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	adminM   = cadre.Member{Chat: 1, Role: cadre.Admin}
)

// staffStore returns a store on the test Redis, with chat 1 an admin and
// the clock at staffNow.
func staffStore(t *testing.T) *redisstore.StaffStore {
	t.Helper()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	return redisstore.NewStaffStore(rdb, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: fakes.NewClock(staffNow)})
}

func TestInviteRedeemedOnceOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	code, err := s.CreateInvite(ctx, adminM, cadre.PKB, barat, staffNow.Add(72*time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != redisstore.InviteCodeLen || strings.ContainsAny(code, "01OIL") || strings.ToUpper(code) != code {
		t.Fatalf("code %q: want %d upper-case characters without look-alikes", code, redisstore.InviteCodeLen)
	}
	// People type codes in lower case, with a dash in the middle.
	typed := strings.ToLower(code[:5]) + "-" + strings.ToLower(code[5:])
	m, err := s.Redeem(ctx, typed, 200, "Pak Budi", staffNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m.Chat != 200 || m.Role != cadre.PKB || m.Area != barat || m.Name != "Pak Budi" || !m.Since.Equal(staffNow.Add(time.Hour)) {
		t.Fatalf("member after redeem: %+v", m)
	}
	got, ok, err := s.Member(ctx, 200)
	if err != nil || !ok || got != m {
		t.Fatalf("stored member %+v %v %v, want %+v", got, ok, err, m)
	}
	// Once only: neither another chat nor the same one again.
	if _, err := s.Redeem(ctx, code, 201, "Bu Sri", staffNow.Add(2*time.Hour)); !errors.Is(err, redisstore.ErrInviteUsed) {
		t.Fatalf("second redeem by another chat: %v, want ErrInviteUsed", err)
	}
	if _, err := s.Redeem(ctx, code, 200, "Pak Budi", staffNow.Add(2*time.Hour)); !errors.Is(err, redisstore.ErrInviteUsed) {
		t.Fatalf("second redeem by the same chat: %v, want ErrInviteUsed", err)
	}
	if _, ok, _ := s.Member(ctx, 201); ok {
		t.Fatal("a refused redeem made a member")
	}
}

func TestInviteExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	exp := staffNow.Add(24 * time.Hour)
	c1, _ := s.CreateInvite(ctx, adminM, cadre.Kader, bendan, exp, staffNow)
	c2, _ := s.CreateInvite(ctx, adminM, cadre.Kader, bendan, exp, staffNow)
	if c1 == c2 {
		t.Fatal("two invites share a code")
	}
	if _, err := s.Redeem(ctx, c1, 300, "A", exp); !errors.Is(err, redisstore.ErrInviteExpired) {
		t.Fatalf("redeem at the expiry: %v, want ErrInviteExpired", err)
	}
	if _, err := s.Redeem(ctx, c1, 300, "A", exp.Add(10*24*time.Hour)); !errors.Is(err, redisstore.ErrInviteExpired) {
		t.Fatalf("redeem long after the expiry: %v, want ErrInviteExpired", err)
	}
	if _, err := s.Redeem(ctx, c2, 300, "A", exp.Add(-time.Millisecond)); err != nil {
		t.Fatalf("redeem just before the expiry: %v", err)
	}
}

func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	pkb := cadre.Member{Chat: 400, Role: cadre.PKB, Area: barat}
	code, err := s.CreateInvite(ctx, pkb, cadre.Kader, bendan, staffNow.Add(time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	// The creator opening their own link does not use the invite.
	if _, err := s.Redeem(ctx, code, 400, "PKB", staffNow); !errors.Is(err, redisstore.ErrInviteOwn) {
		t.Fatalf("own invite: %v, want ErrInviteOwn", err)
	}
	// Guessing: unknown codes count; after InviteMaxTries even a good code
	// is refused until the window passes.
	for i := range redisstore.InviteMaxTries {
		if _, err := s.Redeem(ctx, "ZZZZZZZZZ"+string(rune('A'+i)), 401, "X", staffNow); !errors.Is(err, redisstore.ErrInviteUnknown) {
			t.Fatalf("try %d: %v, want ErrInviteUnknown", i, err)
		}
	}
	if _, err := s.Redeem(ctx, code, 401, "X", staffNow); !errors.Is(err, redisstore.ErrInviteTries) {
		t.Fatalf("after %d unknown codes: %v, want ErrInviteTries", redisstore.InviteMaxTries, err)
	}
	// Another chat is not held back, and the code still works.
	if _, err := s.Redeem(ctx, code, 402, "Y", staffNow); err != nil {
		t.Fatalf("another chat: %v", err)
	}
	// Invites the store refuses to make.
	bad := []struct {
		role cadre.Role
		area cadre.Area
		exp  time.Time
	}{
		{cadre.Admin, barat, staffNow.Add(time.Hour)},
		{"boss", barat, staffNow.Add(time.Hour)},
		{cadre.Kader, cadre.Area{Kabupaten: "Kota Pekalongan"}, staffNow.Add(time.Hour)},
		{cadre.Kader, barat, staffNow},
		{cadre.Kader, barat, staffNow.Add(31 * 24 * time.Hour)},
	}
	for _, b := range bad {
		if _, err := s.CreateInvite(ctx, adminM, b.role, b.area, b.exp, staffNow); err == nil {
			t.Errorf("invite %s for %q until %s was accepted", b.role, b.area, b.exp)
		}
	}
}

// TestInviteStoredHashed: nothing in Redis holds the code itself.
func TestInviteStoredHashed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := redisstore.NewStaffStore(rdb, redisstore.NewKeys(prefix), redisstore.StaffOptions{})
	code, err := s.CreateInvite(ctx, adminM, cadre.Kader, barat, staffNow.Add(time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := redistest.Keys(ctx, rdb, prefix+"*"), error(nil)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(strings.ToUpper(k), code) {
			t.Fatalf("key %q holds the code", k)
		}
		dump, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToUpper(dump), code) {
			t.Fatalf("key %q holds the code", k)
		}
		if strings.HasSuffix(k, ":invite") {
			ttl, _ := rdb.PTTL(ctx, k).Result()
			if ttl <= 0 {
				t.Fatalf("invite key %q has no TTL", k)
			}
		}
	}
}

// TestRedeemRace: many chats redeem one code at once; exactly one wins.
func TestRedeemRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	code, err := s.CreateInvite(ctx, adminM, cadre.TPK, barat, staffNow.Add(time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Redeem(ctx, code, kbbot.ChatID(1000+i), "X", staffNow)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, redisstore.ErrInviteUsed):
				used++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || used != 31 {
		t.Fatalf("%d redeemed and %d refused as used, want 1 and 31", wins, used)
	}
	ms, err := s.Members(ctx, barat)
	if err != nil || len(ms) != 1 {
		t.Fatalf("members: %+v %v, want one", ms, err)
	}
}

func TestMembersRemoveAndErase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	join := func(chat kbbot.ChatID, r cadre.Role, a cadre.Area, name string) {
		t.Helper()
		code, err := s.CreateInvite(ctx, adminM, r, a, staffNow.Add(time.Hour), staffNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Redeem(ctx, code, chat, name, staffNow); err != nil {
			t.Fatal(err)
		}
	}
	join(10, cadre.PKB, barat, "Budi")
	join(11, cadre.Kader, bendan, "Wati")
	join(12, cadre.Kader, timur, "Sri")
	join(13, cadre.Bidan, barat, "Ani")

	// Admins from configuration are members everywhere, without being stored.
	if m, ok, err := s.Member(ctx, 1); err != nil || !ok || m.Role != cadre.Admin || !m.Area.IsZero() {
		t.Fatalf("admin: %+v %v %v", m, ok, err)
	}
	if _, ok, _ := s.Member(ctx, 99); ok {
		t.Fatal("a stranger is a member")
	}
	names := func(ms []cadre.Member) string {
		var out []string
		for _, m := range ms {
			out = append(out, string(m.Role)+":"+m.Name)
		}
		return strings.Join(out, ",")
	}
	ms, err := s.Members(ctx, barat)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ms); got != "pkb:Budi,kader:Wati,bidan:Ani" {
		t.Fatalf("members of Pekalongan Barat: %s", got)
	}
	all, _ := s.Members(ctx, cadre.Area{})
	if got := names(all); got != "admin:,pkb:Budi,kader:Wati,kader:Sri,bidan:Ani" {
		t.Fatalf("all members: %s", got)
	}

	// A member promoted with a new invite keeps one membership, the new one.
	join(11, cadre.TPK, barat, "Wati")
	if m, _, _ := s.Member(ctx, 11); m.Role != cadre.TPK || m.Area != barat {
		t.Fatalf("after a second invite: %+v", m)
	}

	if ok, err := s.Remove(ctx, 12, adminM, staffNow); err != nil || !ok {
		t.Fatalf("remove: %v %v", ok, err)
	}
	if ok, err := s.Remove(ctx, 12, adminM, staffNow); err != nil || ok {
		t.Fatalf("remove twice: %v %v", ok, err)
	}
	if ok, _ := s.Remove(ctx, 1, adminM, staffNow); ok {
		t.Fatal("an admin from configuration was removed")
	}
	if err := s.EraseResident(ctx, 13); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseResident(ctx, 77); err != nil {
		t.Fatal(err)
	}
	for _, c := range []kbbot.ChatID{12, 13} {
		if _, ok, _ := s.Member(ctx, c); ok {
			t.Fatalf("chat %d is still a member", c)
		}
	}
	es, err := s.AuditLog(ctx, cadre.Area{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Action != redisstore.ActRemove || es[0].Actor != 13 || es[0].Detail != redisstore.DetailErased ||
		es[1].Action != redisstore.ActRemove || es[1].Actor != 1 || es[1].Detail != "12" || es[1].Area != timur ||
		es[2].Action != redisstore.ActRedeem || es[2].Actor != 11 {
		t.Fatalf("latest audit entries: %+v", es)
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	pkb := cadre.Member{Chat: 20, Role: cadre.PKB, Area: barat}
	code, err := s.CreateInvite(ctx, pkb, cadre.Kader, bendan, staffNow.Add(time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeem(ctx, code, 21, "Wati", staffNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Other flows audit through cadre.Auditor; a missing time is stamped.
	var aud cadre.Auditor = s
	if err := aud.Audit(ctx, cadre.AuditEntry{Actor: 30, Role: cadre.Kader, Action: cadre.ActBroadcast, Area: timur, Detail: "b1 120"}); err != nil {
		t.Fatal(err)
	}
	es, err := s.AuditLog(ctx, cadre.Area{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("want 3 entries, got %+v", es)
	}
	want := []cadre.AuditEntry{
		{At: staffNow, Actor: 30, Role: cadre.Kader, Action: cadre.ActBroadcast, Area: timur, Detail: "b1 120"},
		{At: staffNow.Add(time.Minute), Actor: 21, Role: cadre.Kader, Action: redisstore.ActRedeem, Area: bendan, Detail: "20"},
		{At: staffNow, Actor: 20, Role: cadre.PKB, Action: cadre.ActInvite, Area: bendan, Detail: "kader"},
	}
	for i := range want {
		if !es[i].At.Equal(want[i].At) {
			t.Errorf("entry %d at %s, want %s", i, es[i].At, want[i].At)
		}
		es[i].At = want[i].At
		if es[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, es[i], want[i])
		}
	}
	// Filtered by area: only what happened within it.
	es, _ = s.AuditLog(ctx, barat, 10)
	if len(es) != 2 || es[0].Action != redisstore.ActRedeem {
		t.Fatalf("entries of Pekalongan Barat: %+v", es)
	}
	es, _ = s.AuditLog(ctx, timur, 10)
	if len(es) != 1 || es[0].Action != cadre.ActBroadcast {
		t.Fatalf("entries of Pekalongan Timur: %+v", es)
	}
	if es, _ := s.AuditLog(ctx, cadre.Area{}, 1); len(es) != 1 || es[0].Actor != 30 {
		t.Fatalf("limit 1: %+v", es)
	}
}

// TestAuditLogCapped: the log keeps the newest AuditCap entries.
func TestAuditLogCapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := staffStore(t)
	const extra = 25
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := s.Audit(ctx, cadre.AuditEntry{At: staffNow.Add(time.Duration(i) * time.Second), Actor: kbbot.ChatID(i), Role: cadre.Kader, Action: cadre.ActReport}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range redisstore.AuditCap + extra {
		work <- i
	}
	close(work)
	wg.Wait()
	es, err := s.AuditLog(ctx, cadre.Area{}, redisstore.AuditCap+extra)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != redisstore.AuditCap {
		t.Fatalf("%d entries kept, want %d", len(es), redisstore.AuditCap)
	}
}

func TestStaffStoreUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	s := redisstore.NewStaffStore(rdb, redisstore.NewKeys("x:"), redisstore.StaffOptions{Admins: []int64{1}})
	if _, _, err := s.Member(ctx, 5); !errors.Is(err, kbbot.ErrUnavailable) {
		t.Fatalf("member: %v, want ErrUnavailable", err)
	}
	if m, ok, err := s.Member(ctx, 1); err != nil || !ok || m.Role != cadre.Admin {
		t.Fatalf("admins need no Redis: %+v %v %v", m, ok, err)
	}
	if _, err := s.Redeem(ctx, "ABCDEFGHJK", 5, "X", staffNow); !errors.Is(err, kbbot.ErrUnavailable) {
		t.Fatalf("redeem: %v, want ErrUnavailable", err)
	}
}

// TestInviteWithAnyClock: an invite's key lives relative to the creator's
// clock, so a clock years away from the server's (tests, a skewed host)
// neither drops invites at once nor keeps them for ever.
func TestInviteWithAnyClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := redisstore.NewStaffStore(rdb, redisstore.NewKeys(prefix), redisstore.StaffOptions{})
	past := time.Date(2019, 1, 2, 3, 0, 0, 0, time.UTC)
	code, err := s.CreateInvite(ctx, adminM, cadre.Kader, barat, past.Add(7*24*time.Hour), past)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := redistest.Keys(ctx, rdb, prefix+"*:invite"), error(nil)
	if len(keys) != 1 {
		t.Fatalf("invite keys: %v", keys)
	}
	ttl, _ := rdb.PTTL(ctx, keys[0]).Result()
	if want := 7*24*time.Hour + redisstore.InviteKeep; ttl <= want-time.Minute || ttl > want {
		t.Fatalf("TTL %s, want %s", ttl, want)
	}
	if _, err := s.Redeem(ctx, code, 5, "X", past.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}
