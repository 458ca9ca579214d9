package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// TestE2EInviteGuessingSurvivesErasure: someone typing unknown invite
// codes is stopped after ten, /hapusdata does not give them ten more, and
// even a good code waits out the hour; another person's code works.
func TestE2EInviteGuessingSurvivesErasure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	e.start()
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{Admins: e.cfg.Admins})
	now := e.clock.Now()
	good, err := staff.CreateInvite(context.Background(), cadre.Member{Chat: 9001, Role: cadre.Admin}, cadre.Kader, areaBarat, now.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	g := e.srv.User(8301, "Penebak")
	must(t)(g.Send("/start"))
	for i := range redisstore.InviteMaxTries {
		must(t)(g.Send(fmt.Sprintf("/kader ZZZZZZZZ%02d", i)))
		if txt := lastText(t, g); !strings.HasPrefix(txt, "Maaf, kode undangan itu tidak dikenal") {
			t.Fatalf("unknown code %d: %q", i, txt)
		}
	}
	must(t)(g.Send("/hapusdata"))
	must(t)(g.Tap("🗑 Ya, hapus semuanya"))
	must(t)(g.Send("/kader ZZZZZZZZZZ"))
	if txt := lastText(t, g); !strings.HasPrefix(txt, "Terlalu banyak kode yang tidak dikenal") {
		t.Fatalf("an unknown code after ten and /hapusdata: %q", txt)
	}
	must(t)(g.Send("/kader " + good))
	if _, ok, _ := staff.Member(context.Background(), kbbot.ChatID(g.ID)); ok {
		t.Fatal("the guesser became a member after erasing their data")
	}
	other := e.srv.User(8302, "Kader Baru")
	must(t)(other.Send("/kader " + good))
	if _, ok, err := staff.Member(context.Background(), kbbot.ChatID(other.ID)); !ok || err != nil {
		t.Fatalf("another person's good code: %v %v; %q", ok, err, lastText(t, other))
	}
}

// TestE2ECheckInGuessingIsLimited: a staff member typing unknown booking
// codes at check-in is stopped after 30 within the hour, even for a code
// that exists; a colleague is not held back.
func TestE2ECheckInGuessingIsLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Admins = []int64{9001}
	p := e.start()
	importDemo(t, e, p)
	sari := e.srv.User(8311, "Sari")
	consent(t, sari)
	code := bookIUDAtBendan(t, sari)
	e.clock.Set(eventMorning)

	kader := e.srv.User(8312, "Kader Tebak")
	reportsStaff(t, e, kader, cadre.Kader, areaBarat)
	limit := redisstore.DefaultGuessLimits[redisstore.GuessCheckIn].PerUser
	for i := range limit {
		must(t)(kader.Send(fmt.Sprintf("/checkin KB-WWWW%c%c", "ACDEFGHJKM"[i/10], "ACDEFGHJKM"[i%10])))
		if txt := lastText(t, kader); !strings.Contains(txt, "tidak ditemukan") {
			t.Fatalf("unknown code %d: %q", i, txt)
		}
	}
	must(t)(kader.Send("/checkin " + code))
	if txt := lastText(t, kader); !strings.HasPrefix(txt, "Terlalu banyak kode yang tidak ditemukan") {
		t.Fatalf("a real code after %d unknown ones: %q", limit, txt)
	}
	bidan := e.srv.User(8313, "Bidan Ani")
	reportsStaff(t, e, bidan, cadre.Bidan, areaBarat)
	must(t)(bidan.Send("/checkin " + code))
	if txt := lastText(t, bidan); strings.Contains(txt, "Terlalu banyak") || strings.Contains(txt, "tidak ditemukan") {
		t.Fatalf("a colleague's check-in: %q", txt)
	}
}
