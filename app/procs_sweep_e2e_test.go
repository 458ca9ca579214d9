package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// daytimeZone returns a fixed zone where it is about noon at now, so that
// reminders sent by the real clock fall outside quiet hours whenever the
// test runs.
func daytimeZone(now time.Time) string {
	off := 12 - now.UTC().Hour() // hours east of UTC
	if off < -12 {
		off += 24
	}
	switch {
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off)
	case off < 0:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
	return "Etc/UTC"
}

// seedDueReminders gives each user a consented resident record and one
// suntik-3 reminder due now (real time), as the scheduler would find
// them after a booking or a check-in.
func seedDueReminders(t *testing.T, rdb redis.UniversalClient, prefix string, users []*telegramtest.User) {
	t.Helper()
	ctx := context.Background()
	keys := redisstore.NewKeys(prefix)
	now := time.Now().UTC()
	zone := daytimeZone(now)
	given := now.AddDate(0, 0, -80)
	rec := resident.New("id")
	rec.Consent, rec.ConsentAt = resident.ConsentGiven, now.AddDate(0, -1, 0)
	body, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.NewReminderStore(rdb, keys)
	var items []reminders.Item
	for _, u := range users {
		chat := kbbot.ChatID(u.ID)
		if err := rdb.Set(ctx, keys.ChatRecord(chat), body, 24*time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		ref := reminders.CourseRef(chat, "suntik3", given, time.UTC)
		items = append(items, reminders.Item{ID: reminders.KindSuntik3 + ":" + ref, Chat: chat, Kind: reminders.KindSuntik3, Ref: ref,
			Due: now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour), Zone: zone})
	}
	for len(items) > 0 {
		n := min(len(items), 200)
		if _, err := store.Schedule(ctx, items[:n]...); err != nil {
			t.Fatal(err)
		}
		items = items[n:]
	}
}

// TestSweepKilledMidwaySendsNoReminderTwice: a `kbbot serve` process
// sweeps 1,000 due reminders and is killed with SIGKILL partway. Another
// process, started after, takes over the dead one's sweep lock and its
// claimed items once their lease ends: every resident gets her reminder,
// and one only. The items the dead process had handled but not
// acknowledged are handed to the dispatcher again and deduplicated on
// their key; only a message in flight at the kill (sent, its ack not
// written) may arrive twice, in a chat whose lock the dead process held.
func TestSweepKilledMidwaySendsNoReminderTwice(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	pe := newProcEnv(t, srv, redistest.URL(), prefix)
	pe.vars["KBBOT_SWEEP_EVERY"] = "1s"
	pe.vars["KBBOT_SEND_RATE"] = "200" // slow enough to kill midway
	const n = 1000
	users := make([]*telegramtest.User, n)
	for i := range users {
		users[i] = srv.User(int64(830000+i), "Warga")
	}
	seedDueReminders(t, rdb, prefix, users)
	const marker = "Pengingat: jadwal" // rem_suntik3
	reminded := func(u *telegramtest.User) int { return bcReceived(u, marker) }
	served := func() int { return servedCount(users, marker) }

	first := pe.start("kbbot-1") // sweeps at once
	waitFor(t, 60*time.Second, "150 reminders sent", func() bool { return served() >= 150 }, first)
	first.kill(t)
	killed := time.Now()
	held := heldChats(t, rdb, prefix, users)
	before := served()
	if before == n {
		t.Fatal("the sweep finished before the kill; send more slowly")
	}

	second := pe.start("kbbot-2")
	// The dead sweeper's lock runs out within 10 s and its items within
	// 20 s; a minute leaves room for a loaded machine, and fails a lease
	// of minutes (as it was: 2 min, with a 30 s lock).
	waitFor(t, 60*time.Second, "every reminder sent", func() bool { return served() == n }, second)
	took := time.Since(killed)
	keys := redisstore.NewKeys(prefix)
	waitFor(t, 60*time.Second, "every outbox delivered", func() bool {
		for _, u := range users {
			if rdb.LLen(context.Background(), keys.ChatOutbox(kbbot.ChatID(u.ID))).Val() > 0 {
				return false
			}
		}
		return true
	}, second)

	twice := 0
	for _, u := range users {
		switch c := reminded(u); {
		case c == 2 && held[u.ID]:
			twice++
		case c != 1:
			t.Errorf("resident %d got her reminder %d times (her chat held at the kill: %v)", u.ID, c, held[u.ID])
		}
	}
	t.Logf("%d of %d reminders sent before the kill, %d chats held then; all sent %v after it; %d sent twice (in flight at the kill)",
		before, n, len(held), took.Round(100*time.Millisecond), twice)
}
