package redisstore_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/resident"
)

// TestFollowUpStore: the residents of an area who stopped or blocked the
// bot are found through their profile, the records read, and a "sudah
// dihubungi" mark is kept with who and when, for FollowUpKeep, until the
// resident's erasure.
func TestFollowUpStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	res := redisstore.NewResidentStore(rdb, keys)
	fu := redisstore.NewFollowUpStore(rdb, keys)
	barat := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	timur := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}
	for chat, a := range map[kbbot.ChatID]cadre.Area{1: barat, 2: barat, 3: barat, 4: timur} {
		if err := res.SetProfile(ctx, chat, broadcast.Profile{Area: a}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []kbbot.ChatID{1, 4} {
		if err := res.SetStopped(ctx, c, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := res.SetBlocked(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	got, err := fu.OptedOutIn(ctx, barat)
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("opted out in Pekalongan Barat: %v %v", got, err)
	}
	if all, _ := fu.OptedOutIn(ctx, cadre.Area{}); len(all) != 3 {
		t.Fatalf("opted out everywhere: %v", all)
	}

	r := resident.New("id")
	r.Consent, r.NoticeVersion, r.Name, r.RemindersOff, r.StopReason = resident.ConsentGiven, 3, "Sari", true, resident.StopPregnant
	b, _ := r.Encode()
	if err := rdb.Set(ctx, keys.ChatRecord(1), b, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	recs, err := fu.Records(ctx, []kbbot.ChatID{1, 2})
	if err != nil || len(recs) != 1 || recs[1].Name != "Sari" || recs[1].StopReason != resident.StopPregnant {
		t.Fatalf("records: %+v %v", recs, err)
	}

	at := time.Date(2026, 11, 26, 5, 30, 0, 0, time.UTC)
	for _, k := range []string{"c1", "bKB-7QH4XM"} {
		if err := fu.MarkContacted(ctx, k, cadre.Contacted{By: 9202, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fu.MarkContacted(ctx, "x1", cadre.Contacted{By: 9202, At: at}); err == nil {
		t.Fatal("a malformed key was marked")
	}
	marks, err := fu.Contacts(ctx, []string{"c1", "c2", "bKB-7QH4XM", "nonsense"})
	if err != nil || len(marks) != 2 || marks["c1"].By != 9202 || !marks["c1"].At.Equal(at) || !marks["bKB-7QH4XM"].At.Equal(at) {
		t.Fatalf("marks: %+v %v", marks, err)
	}
	if ttl := rdb.TTL(ctx, keys.FollowUpMark(1)).Val(); ttl <= 0 || ttl > redisstore.FollowUpKeep {
		t.Fatalf("a mark's TTL: %v", ttl)
	}
	if err := fu.EraseResident(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := fu.ForgetBooking(ctx, "KB-7QH4XM"); err != nil {
		t.Fatal(err)
	}
	if marks, _ := fu.Contacts(ctx, []string{"c1", "bKB-7QH4XM"}); len(marks) != 0 {
		t.Fatalf("marks left after erasure: %+v", marks)
	}
}
