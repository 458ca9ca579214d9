package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
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

// scrubStore returns a staff store on a guarded client of its own, and
// that client.
func scrubStore(t *testing.T) (*redisstore.StaffStore, redis.UniversalClient, redisstore.Keys) {
	t.Helper()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	return redisstore.NewStaffStore(rdb, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: fakes.NewClock(staffNow)}), rdb, keys
}

func mustAudit(t *testing.T, s *redisstore.StaffStore, es ...cadre.AuditEntry) {
	t.Helper()
	for _, e := range es {
		if err := s.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScrubResident(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := scrubStore(t)
	const resident = kbbot.ChatID(987654321)
	const code, code2, other = "KB-7QH4XM", "KB-KJ93TA", "KB-AC4D6E"
	at := staffNow
	entry := func(actor kbbot.ChatID, act cadre.Action, area cadre.Area, detail string) cadre.AuditEntry {
		at = at.Add(time.Minute)
		return cadre.AuditEntry{At: at, Actor: actor, Role: cadre.Kader, Action: act, Area: area, Detail: detail}
	}
	bigActor := kbbot.ChatID(4503599627370495) // 52 bits: beyond the 14 digits of Redis' cjson
	kampung := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon", KampungKB: "Kampung KB Mawar"}
	entries := []cadre.AuditEntry{
		entry(501, cadre.ActCheckIn, bendan, code),                                // 0 scrubbed
		entry(501, cadre.ActCheckIn, bendan, other),                               // 1 another resident: stays
		entry(502, cadre.ActBookFor, kampung, "book_for kb-7qh4xm, iud"),          // 2 scrubbed (any case)
		entry(1, redisstore.ActRemove, bendan, "987654321"),                       // 3 scrubbed (the chat id)
		entry(resident, cadre.ActReport, bendan, "rekap kbs-x"),                   // 4 the resident as staff: stays
		entry(503, redisstore.ActRemove, bendan, "9876543210"),                    // 5 another chat: stays
		entry(504, cadre.ActCheckIn, bendan, "KB-7QH4XMA"),                        // 6 not the code: stays
		entry(bigActor, cadre.ActCheckIn, bendan, "checked in "+code2+" at 9:00"), // 7 scrubbed, actor exact
	}
	mustAudit(t, s, entries...)

	n, err := s.ScrubResident(ctx, resident, []string{code, strings.ToLower(code2)})
	if err != nil || n != 4 {
		t.Fatalf("scrub: %d %v, want 4 entries", n, err)
	}
	got, err := s.AuditLog(ctx, cadre.Area{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(entries) {
		t.Fatalf("%d entries after the scrub, want %d", len(got), len(entries))
	}
	narrowed := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	want := append([]cadre.AuditEntry(nil), entries...)
	want[0].Detail, want[0].Area = "[dihapus]", narrowed
	want[2].Detail, want[2].Area = "book_for [dihapus], iud", narrowed
	want[3].Detail, want[3].Area = "[dihapus]", narrowed
	want[7].Detail, want[7].Area = "checked in [dihapus] at 9:00", narrowed
	for i, w := range want {
		g := got[len(got)-1-i] // the log is newest first
		if !g.At.Equal(w.At) || g.Actor != w.Actor || g.Role != w.Role || g.Action != w.Action || g.Area != w.Area || g.Detail != w.Detail {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	raw := rdb.LRange(ctx, keys.StaffAudit(), 0, -1).Val()
	for _, r := range raw {
		low := strings.ToLower(r)
		if strings.Contains(low, strings.ToLower(code)) && !strings.Contains(low, "kb-7qh4xma") || strings.Contains(low, strings.ToLower(code2)) ||
			strings.Contains(r, "Bendan Kergon") && strings.Contains(r, "[dihapus]") {
			t.Errorf("entry still names the resident: %s", r)
		}
	}

	// Again: nothing to do, nothing changes.
	if n, err := s.ScrubResident(ctx, resident, []string{code, code2}); err != nil || n != 0 {
		t.Fatalf("scrub again: %d %v", n, err)
	}
	if again := rdb.LRange(ctx, keys.StaffAudit(), 0, -1).Val(); strings.Join(again, "\n") != strings.Join(raw, "\n") {
		t.Fatal("a second scrub changed the log")
	}
	// A resident without a chat (booked by a cadre): codes only.
	if n, err := s.ScrubResident(ctx, 0, []string{other}); err != nil || n != 1 {
		t.Fatalf("scrub by code: %d %v", n, err)
	}
	if n, err := s.ScrubResident(ctx, 0, nil); err != nil || n != 0 {
		t.Fatalf("scrub of nothing: %d %v", n, err)
	}
}

// TestScrubResidentWhileStaffWrite: entries appended while the scrub runs
// are kept, and one naming the resident that arrives between the scrub's
// reading and its rewriting is scrubbed too.
func TestScrubResidentWhileStaffWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := scrubStore(t)
	const resident = kbbot.ChatID(987654321)
	const code = "KB-7QH4XM"
	for i := range 50 {
		mustAudit(t, s, cadre.AuditEntry{Actor: 501, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: bendan, Detail: fmt.Sprintf("KB-%06d", i)})
	}
	mustAudit(t, s, cadre.AuditEntry{Actor: 501, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: bendan, Detail: code})

	// A second process appends an entry naming the resident right after
	// the scrub's first call, and many others all along.
	writer := redisstore.NewStaffStore(redistest.Client(t), keys, redisstore.StaffOptions{Clock: fakes.NewClock(staffNow)})
	var once sync.Once
	rdb.AddHook(afterScript{key: keys.StaffAudit(), fn: func() {
		once.Do(func() {
			mustAudit(t, writer, cadre.AuditEntry{Actor: 502, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: bendan, Detail: "late " + code})
		})
	}})
	var wg sync.WaitGroup
	const others = 200
	wg.Go(func() {
		for i := range others {
			if err := writer.Audit(ctx, cadre.AuditEntry{Actor: 503, Role: cadre.Bidan, Action: cadre.ActReport, Area: bendan, Detail: fmt.Sprintf("rekap %d", i)}); err != nil {
				t.Error(err)
			}
		}
	})
	n, err := s.ScrubResident(ctx, resident, []string{code})
	wg.Wait()
	if err != nil || n != 2 {
		t.Fatalf("scrub: %d %v, want the first and the late entry", n, err)
	}
	raw := rdb.LRange(ctx, keys.StaffAudit(), 0, -1).Val()
	if len(raw) != 50+1+1+others {
		t.Fatalf("%d entries, want %d: an append was lost", len(raw), 50+2+others)
	}
	rekaps := 0
	for _, r := range raw {
		var e cadre.AuditEntry
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r, code) || (strings.Contains(e.Detail, "[dihapus]") && e.Area.Kelurahan != "") {
			t.Errorf("entry not scrubbed: %s", r)
		}
		if strings.HasPrefix(e.Detail, "rekap ") && e.Area == bendan {
			rekaps++
		}
	}
	if rekaps != others {
		t.Errorf("%d of %d concurrent entries kept as written", rekaps, others)
	}
}

// afterScript calls fn after every script run on key (the first key).
type afterScript struct {
	key string
	fn  func()
}

func (h afterScript) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h afterScript) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if keys := redistest.CommandKeys(cmd.Args()); (cmd.Name() == "evalsha" || cmd.Name() == "eval") && len(keys) > 0 && keys[0] == h.key {
			h.fn()
		}
		return err
	}
}

func (h afterScript) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
