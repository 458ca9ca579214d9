package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/scheduler"
)

var t0 = time.Date(2024, 7, 19, 3, 0, 0, 0, time.UTC) // 10:00 WIB, 11:00 WITA, 12:00 WIT

func simple(chat kbbot.ChatID, id string, due time.Time) reminders.Item {
	return reminders.Item{ID: "h0:" + id, Chat: chat, Kind: reminders.KindH0, Ref: id, Due: due, NotAfter: due.Add(4 * time.Hour), Zone: "Asia/Jakarta"}
}

func TestSweepDeliversDueItemsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{})
	mustSchedule(t, st, simple(1, "KB-A", t0.Add(-time.Minute)), simple(2, "KB-B", t0), simple(3, "KB-C", t0.Add(time.Hour)))

	res := mustSweep(t, s)
	if res.Claimed != 2 || res.Sent != 2 || fmt.Sprint(rec.ids()) != "[h0:KB-A h0:KB-B]" {
		t.Fatalf("first sweep %+v, delivered %v", res, rec.ids())
	}
	// Chats are handled in parallel: find KB-A's delivery, whatever the order.
	var found bool
	for _, d := range rec.deliveries() {
		if d.Ref == "KB-A" {
			found = true
			if d.Kind != reminders.KindH0 || d.Chat != 1 {
				t.Fatalf("event %+v", d)
			}
		}
	}
	if !found {
		t.Fatalf("KB-A not delivered: %+v", rec.deliveries())
	}
	if res := mustSweep(t, s); res.Claimed != 0 {
		t.Fatalf("second sweep claimed %d", res.Claimed)
	}
	clock.Advance(time.Hour)
	if res := mustSweep(t, s); res.Sent != 1 || rec.times("h0:KB-C") != 1 {
		t.Fatalf("later sweep %+v", res)
	}
	for _, id := range rec.ids() {
		if rec.times(id) != 1 {
			t.Errorf("%s delivered %d times", id, rec.times(id))
		}
	}
	if due, fly, done, _ := st.RemCounts(context.Background()); due != 0 || fly != 0 || done != 3 {
		t.Fatalf("counts %d %d %d", due, fly, done)
	}
}

// TestSweepEveryKindInEachZone plans every kind for a resident in WIB,
// WITA and WIT, runs the clock to each due time and checks the reminder
// arrives then, at the local hour planned, never in quiet hours.
func TestSweepEveryKindInEachZone(t *testing.T) {
	t.Parallel()
	for _, zn := range zoneNames {
		t.Run(zn, func(t *testing.T) {
			t.Parallel()
			loc := loadZone(t, zn)
			e := newEnv(t)
			booked := time.Date(2024, 7, 10, 10, 0, 0, 0, loc)
			clock := fakes.NewClock(booked)
			rec := newRecorder(clock)
			s, st := e.newScheduler(t, rec, clock, scheduler.Config{})

			start := time.Date(2024, 7, 20, 8, 0, 0, 0, loc)
			items := reminders.PlanBooking(100, "KB-7QH4XM", start, start.Add(2*time.Hour), loc, booked)
			items = append(items, reminders.AfterCare(100, "KB-7QH4XM", start.Add(time.Hour), loc))
			for _, m := range []string{"suntik3", "suntik1", "pil", "iud", "implan"} {
				items = append(items, reminders.PlanMethod(100, m, booked, loc, booked)...)
			}
			mustSchedule(t, st, items...)
			kinds := map[string]bool{}
			sort.Slice(items, func(i, j int) bool { return items[i].Due.Before(items[j].Due) })
			for i, it := range items {
				if i == 0 || !items[i-1].Due.Equal(it.Due) { // iud and implan check-ups share a time
					clock.Set(it.Due.Add(-time.Second))
					mustSweep(t, s)
					if rec.times(it.ID) != 0 {
						t.Fatalf("%s delivered before its time", it.ID)
					}
				}
				clock.Set(it.Due)
				mustSweep(t, s)
				if rec.times(it.ID) != 1 {
					t.Fatalf("%s not delivered at %v", it.ID, it.Due.In(loc))
				}
				kinds[it.Kind] = true
			}
			// The cadre's reminders of a phoneless booking and a cadre's
			// personal reminder are planned by the conversation, not by
			// PlanBooking or PlanMethod.
			byCadre := map[string]bool{reminders.KindCadreH1: true, reminders.KindCadreH0: true, reminders.KindNudge: true}
			for _, k := range reminders.Kinds() {
				if !kinds[k] && !byCadre[k] {
					t.Errorf("kind %s never delivered", k)
				}
			}
			wantLocal := map[string]string{
				"h1:": "2024-07-19 16:00", "h0:": "2024-07-20 06:00", "followup:": "2024-07-21 09:00",
				"aftercare:": "2024-07-23 09:00", "suntik3:": "2024-10-02 08:00", "suntik1:": "2024-08-07 08:00",
				"checkup:": "2024-08-10 08:00", "implan_end:": "2027-06-10 08:00",
			}
			for _, d := range rec.deliveries() {
				if reminders.DefaultQuiet.Contains(d.At, loc) {
					t.Errorf("%s delivered in quiet hours at %v", d.ID, d.At.In(loc))
				}
				for prefix, want := range wantLocal {
					if len(d.ID) > len(prefix) && d.ID[:len(prefix)] == prefix {
						if got := d.At.In(loc).Format("2006-01-02 15:04"); got != want {
							t.Errorf("%s delivered at %s local, want %s", d.ID, got, want)
						}
					}
				}
			}
			if len(rec.deliveries()) != len(items) {
				t.Errorf("%d deliveries for %d items", len(rec.deliveries()), len(items))
			}
		})
	}
}

// TestSweepQuietHoursAtSendTime: a reminder found due late at night (the
// bot was down) waits for 06:00 local if it is still useful then, and is
// dropped if its time ends before.
func TestSweepQuietHoursAtSendTime(t *testing.T) {
	t.Parallel()
	for _, zn := range zoneNames {
		t.Run(zn, func(t *testing.T) {
			t.Parallel()
			loc := loadZone(t, zn)
			e := newEnv(t)
			evening := time.Date(2024, 7, 19, 20, 0, 0, 0, loc)
			clock := fakes.NewClock(evening)
			rec := newRecorder(clock)
			s, st := e.newScheduler(t, rec, clock, scheduler.Config{})
			waits := reminders.Item{ID: "pil:p-1-20240701:1", Chat: 1, Kind: reminders.KindPil, Ref: "p-1-20240701",
				Due: evening.Add(30 * time.Minute).UTC(), NotAfter: evening.Add(48 * time.Hour).UTC(), Zone: zn}
			tonight := reminders.Item{ID: "h1:KB-A:1", Chat: 2, Kind: reminders.KindH1, Ref: "KB-A",
				Due: evening.Add(30 * time.Minute).UTC(), NotAfter: time.Date(2024, 7, 20, 0, 0, 0, 0, loc).UTC(), Zone: zn}
			mustSchedule(t, st, waits, tonight)

			clock.Set(time.Date(2024, 7, 19, 22, 0, 0, 0, loc)) // down from 20:00 to 22:00
			res := mustSweep(t, s)
			if res.Sent != 0 || res.Deferred != 1 || res.Stale != 1 {
				t.Fatalf("night sweep %+v", res)
			}
			clock.Set(time.Date(2024, 7, 20, 5, 59, 0, 0, loc))
			if res := mustSweep(t, s); res.Claimed != 0 {
				t.Fatalf("claimed before 06:00: %+v", res)
			}
			clock.Set(time.Date(2024, 7, 20, 6, 0, 0, 0, loc))
			if res := mustSweep(t, s); res.Sent != 1 || rec.times(waits.ID) != 1 || rec.times(tonight.ID) != 0 {
				t.Fatalf("morning sweep %+v, delivered %v", res, rec.ids())
			}
		})
	}
	// The same UTC instant is evening in Jakarta and night in Jayapura.
	e := newEnv(t)
	at := time.Date(2024, 7, 19, 13, 30, 0, 0, time.UTC) // 20:30 WIB, 22:30 WIT
	clock := fakes.NewClock(at)
	rec := newRecorder(clock)
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{})
	wib := reminders.Item{ID: "pil:wib:1", Chat: 1, Kind: reminders.KindPil, Ref: "wib", Due: at, NotAfter: at.Add(72 * time.Hour), Zone: "Asia/Jakarta"}
	wit := reminders.Item{ID: "pil:wit:1", Chat: 2, Kind: reminders.KindPil, Ref: "wit", Due: at, NotAfter: at.Add(72 * time.Hour), Zone: "Asia/Jayapura"}
	mustSchedule(t, st, wib, wit)
	if res := mustSweep(t, s); res.Sent != 1 || res.Deferred != 1 || rec.times(wib.ID) != 1 {
		t.Fatalf("cross-zone sweep %+v %v", res, rec.ids())
	}
}

// TestSweepAfterDowntime: the bot is down from before H-1 until the
// morning of the event; reminders still useful go out, stale ones are
// dropped and counted, never sent late.
func TestSweepAfterDowntime(t *testing.T) {
	t.Parallel()
	loc := loadZone(t, "Asia/Makassar")
	e := newEnv(t)
	booked := time.Date(2024, 7, 10, 10, 0, 0, 0, loc)
	clock := fakes.NewClock(booked)
	rec := newRecorder(clock)
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{})
	var items []reminders.Item
	for i := range 20 {
		start := time.Date(2024, 7, 20, 8, 0, 0, 0, loc)
		if i%2 == 1 {
			start = time.Date(2024, 7, 20, 7, 0, 0, 0, loc)
		}
		items = append(items, reminders.PlanBooking(kbbot.ChatID(i+1), fmt.Sprintf("KB-%06d", i), start, start.Add(2*time.Hour), loc, booked)...)
	}
	mustSchedule(t, st, items...)
	// Down from 15:00 the day before until 07:30 on the day.
	clock.Set(time.Date(2024, 7, 20, 7, 30, 0, 0, loc))
	res := mustSweep(t, s)
	// 20 H-1 stale (their day is over); 10 H-0 of 07:00 sessions stale (begun);
	// 10 H-0 of 08:00 sessions still useful.
	if res.Claimed != 40 || res.Stale != 30 || res.Sent != 10 {
		t.Fatalf("after downtime %+v", res)
	}
	for _, d := range rec.deliveries() {
		if d.Kind != reminders.KindH0 {
			t.Errorf("delivered %s after downtime", d.ID)
		}
	}
	// Follow-ups come the next day as planned.
	clock.Set(time.Date(2024, 7, 21, 9, 0, 0, 0, loc))
	if res := mustSweep(t, s); res.Sent != 20 {
		t.Fatalf("follow-ups %+v", res)
	}
}

// TestSweepKillLosesNoneRepeatsOnlyInFlight: a process claims a batch and
// dies having sent part of it; another process sends everything else at
// once and, with the default settings, the dead process's batch within
// 30 s (its lease, then the next sweep 5 s later). Nothing is lost; only
// items that were in flight can repeat.
func TestSweepKillLosesNoneRepeatsOnlyInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	const n = 300
	var items []reminders.Item
	for i := range n {
		items = append(items, simple(kbbot.ChatID(i%37+1), fmt.Sprintf("KB-%06d", i), t0.Add(-time.Duration(i)*time.Second)))
	}
	dead := e.store(t)
	mustSchedule(t, dead, items...)
	// The doomed process claims 50 and delivers 20 of them, then is killed
	// (no ack, no retry).
	inflight, err := dead.Claim(ctx, t0, scheduler.DefaultLease, 50)
	if err != nil || len(inflight) != 50 {
		t.Fatalf("claim %d %v", len(inflight), err)
	}
	wasInFlight := map[string]bool{}
	for i, it := range inflight {
		wasInFlight[it.ID] = true
		if i < 20 {
			if err := rec.Handle(ctx, it.Event()); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, _ := e.newScheduler(t, rec, clock, scheduler.Config{})
	if res := mustSweep(t, s); res.Sent != n-50 {
		t.Fatalf("survivor's first sweep %+v", res)
	}
	clock.Advance(scheduler.DefaultLease - time.Second)
	if res := mustSweep(t, s); res.Reaped != 0 {
		t.Fatalf("taken before the lease ended %+v", res)
	}
	clock.Advance(5 * time.Second) // the next sweep, 24 s after the kill
	if res := mustSweep(t, s); res.Reaped != 50 || res.Sent != 50 {
		t.Fatalf("24 s after the kill %+v", res)
	}
	if got := len(rec.ids()); got != n {
		t.Fatalf("%d of %d delivered", got, n)
	}
	repeats := 0
	for _, id := range rec.ids() {
		if c := rec.times(id); c > 1 {
			repeats++
			if !wasInFlight[id] || c != 2 {
				t.Errorf("%s delivered %d times, in flight at the kill: %v", id, c, wasInFlight[id])
			}
		}
	}
	if repeats != 20 {
		t.Errorf("%d repeats, want the 20 sent before the kill", repeats)
	}
}

// TestSweepTwoProcessesExactlyOnce: two processes (two Redis clients)
// sweep 2,000 due items at the same time and deliver each exactly once,
// both when they truly sweep concurrently (separate locks) and when they
// take turns (one shared lock).
func TestSweepTwoProcessesExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared_lock=%v", shared), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			clock := fakes.NewClock(t0)
			rec := newRecorder(clock)
			const n = 2000
			var items []reminders.Item
			for i := range n {
				items = append(items, simple(kbbot.ChatID(i%313+1), fmt.Sprintf("KB-%06d", i), t0.Add(-time.Duration(i)*time.Millisecond)))
			}
			var procs []*scheduler.Scheduler
			for p := range 2 {
				cfg := scheduler.Config{Batch: 50, Workers: 4}
				if !shared {
					cfg.LockName = fmt.Sprintf("sweep:p%d", p)
				}
				s, st := e.newScheduler(t, rec, clock, cfg)
				if p == 0 {
					mustSchedule(t, st, items...)
				}
				procs = append(procs, s)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			claimed := make([]int, 2)
			for p, s := range procs {
				wg.Go(func() {
					for range 1000 {
						res, err := s.Sweep(context.Background())
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						claimed[p] += res.Claimed
						total := claimed[0] + claimed[1]
						mu.Unlock()
						if total >= n {
							return
						}
					}
				})
			}
			wg.Wait()
			if got := len(rec.ids()); got != n {
				t.Fatalf("%d of %d delivered", got, n)
			}
			for _, id := range rec.ids() {
				if c := rec.times(id); c != 1 {
					t.Fatalf("%s delivered %d times", id, c)
				}
			}
			t.Logf("claims per process: %v", claimed)
		})
	}
}

func TestSweepRetriesFailuresAndDropsBlocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{RetryBase: time.Minute, BusyDelay: 5 * time.Second, MaxAttempts: 3})
	flaky := simple(1, "KB-FLAKY", t0)
	busy := simple(2, "KB-BUSY", t0)
	blocked := simple(3, "KB-BLOCK", t0)
	blockedLater := reminders.Item{ID: "suntik3:s-3", Chat: 3, Kind: reminders.KindSuntik3, Ref: "s-3", Due: t0.Add(24 * time.Hour), NotAfter: t0.Add(48 * time.Hour), Zone: "Asia/Jakarta"}
	panics := simple(4, "KB-PANIC", t0)
	broken := simple(5, "KB-BROKEN", t0)
	mustSchedule(t, st, flaky, busy, blocked, blockedLater, panics, broken)
	failOnce := map[string]bool{}
	var mu sync.Mutex
	rec.setFail(func(ev kbbot.Event) error {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Reminder.Ref {
		case "KB-FLAKY":
			if !failOnce["flaky"] {
				failOnce["flaky"] = true
				return fmt.Errorf("send: %w", kbbot.ErrUnavailable)
			}
		case "KB-BUSY":
			if !failOnce["busy"] {
				failOnce["busy"] = true
				return fmt.Errorf("handle: %w", kbbot.ErrBusy)
			}
		case "KB-BLOCK":
			return fmt.Errorf("send: %w", kbbot.ErrBlocked)
		case "KB-PANIC":
			if !failOnce["panic"] {
				failOnce["panic"] = true
				panic("boom")
			}
		case "KB-BROKEN":
			return errors.New("always fails")
		}
		return nil
	})
	res := mustSweep(t, s)
	if res.Sent != 0 || res.Retried != 4 || res.Blocked != 1 {
		t.Fatalf("first sweep %+v", res)
	}
	// The blocked resident's other reminders are gone too.
	if p, _ := st.Pending(ctx, 3); len(p) != 0 {
		t.Fatalf("blocked resident still has %v", p)
	}
	clock.Advance(5 * time.Second)
	if res := mustSweep(t, s); res.Sent != 1 || rec.times(busy.ID) != 1 {
		t.Fatalf("busy retry %+v", res)
	}
	clock.Advance(time.Minute)
	if res := mustSweep(t, s); res.Sent != 2 || rec.times(flaky.ID) != 1 || rec.times(panics.ID) != 1 {
		t.Fatalf("backoff retry %+v", res)
	}
	// The broken one: attempt 2 failed at t0+65s, next at +2 min; attempt 3
	// fails, then it is dropped at its 4th claim.
	clock.Advance(2 * time.Minute)
	if res := mustSweep(t, s); res.Retried != 1 {
		t.Fatalf("third attempt %+v", res)
	}
	clock.Advance(4 * time.Minute)
	if res := mustSweep(t, s); res.Failed != 1 {
		t.Fatalf("giving up %+v", res)
	}
	if due, fly, _, _ := st.RemCounts(ctx); due != 0 || fly != 0 {
		t.Fatalf("left due %d in flight %d", due, fly)
	}
}

func TestSweepSkipsWhileAnotherHoldsTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{})
	mustSchedule(t, st, simple(1, "KB-A", t0))
	tok, ok, err := st.Lock(ctx, "sweep:reminders", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if res := mustSweep(t, s); !res.Skipped || res.Claimed != 0 {
		t.Fatalf("sweep under another's lock %+v", res)
	}
	if _, err := st.Unlock(ctx, "sweep:reminders", tok); err != nil {
		t.Fatal(err)
	}
	if res := mustSweep(t, s); res.Skipped || res.Sent != 1 {
		t.Fatalf("sweep after release %+v", res)
	}
}

// TestSweepCancelledHandsItemsBack: a sweep whose context ends (shutdown)
// puts the items it has not handled back for anyone to take at once,
// rather than leaving them to the lease.
func TestSweepCancelledHandsItemsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	rec := newRecorder(clock)
	ctx, cancel := context.WithCancel(context.Background())
	rec.setFail(func(kbbot.Event) error { cancel(); return context.Canceled })
	s, st := e.newScheduler(t, rec, clock, scheduler.Config{Workers: 1})
	for i := range 10 {
		mustSchedule(t, st, simple(kbbot.ChatID(i+1), fmt.Sprintf("KB-%d", i), t0))
	}
	res, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Claimed != 10 || res.Retried != 10 {
		t.Fatalf("cancelled sweep %+v", res)
	}
	if due, fly, _, _ := st.RemCounts(context.Background()); due != 10 || fly != 0 {
		t.Fatalf("due %d in flight %d", due, fly)
	}
}

func TestSchedulerStartStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	got := make(chan string, 10)
	h := kbbot.HandlerFunc(func(_ context.Context, ev kbbot.Event) error {
		got <- ev.Reminder.ID
		return nil
	})
	s, st := e.newScheduler(t, h, clock, scheduler.Config{Every: time.Hour})
	mustSchedule(t, st, simple(1, "KB-START", t0))
	for _, spec := range []string{"0 0 3 * * *", "@every 1m", "@daily"} {
		if err := s.Add(spec, "report", func(context.Context) error { return nil }); err != nil {
			t.Fatalf("spec %q: %v", spec, err)
		}
	}
	for _, bad := range []string{"TZ=", "CRON_TZ=UTC", "not a spec", "* * * * *"} {
		if err := s.Add(bad, "bad", func(context.Context) error { return nil }); err == nil {
			t.Errorf("spec %q accepted", bad)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("started twice")
	}
	// Start sweeps at once: no waiting for the first tick.
	select {
	case id := <-got:
		if id != "h0:KB-START" {
			t.Fatalf("got %s", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no sweep after Start")
	}
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer stopCancel()
	if err := s.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
}

// TestSchedulerJobRunsOncePerFire: two processes fire the same job; the
// lock named after the job and the fire time lets one of them run it.
func TestSchedulerJobRunsOncePerFire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := fakes.NewClock(t0.Add(1500 * time.Millisecond))
	a, _ := e.newScheduler(t, nil, clock, scheduler.Config{})
	b, _ := e.newScheduler(t, nil, clock, scheduler.Config{})
	var mu sync.Mutex
	runs := 0
	job := func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("job without a timeout")
		}
		mu.Lock()
		runs++
		mu.Unlock()
		return nil
	}
	ctx := context.Background()
	a.RunJob(ctx, "nightly", time.Minute, job)
	clock.Advance(20 * time.Second) // b's timer fires later within the same minute
	b.RunJob(ctx, "nightly", time.Minute, job)
	if runs != 1 {
		t.Fatalf("%d runs of one fire", runs)
	}
	clock.Advance(time.Minute)
	b.RunJob(ctx, "nightly", time.Minute, job)
	a.RunJob(ctx, "nightly", time.Minute, job)
	if runs != 2 {
		t.Fatalf("%d runs after the next fire", runs)
	}
}

// renewSpy tells when the sweeper renewed its leases past after.
type renewSpy struct {
	*redisstore.ReminderStore
	after   time.Time
	renewed chan struct{}
	once    sync.Once
}

func (r *renewSpy) Renew(ctx context.Context, until time.Time, items ...reminders.Item) (int, error) {
	n, err := r.ReminderStore.Renew(ctx, until, items...)
	if n > 0 && until.After(r.after) {
		r.once.Do(func() { close(r.renewed) })
	}
	return n, err
}

// TestSlowHandlerKeepsItsLeases: a sweeper still handling an item past its
// lease renews it, so another process's reaper leaves it alone.
func TestSlowHandlerKeepsItsLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	clock := fakes.NewClock(t0)
	it := simple(5, "KB-SLOW01", t0)
	mustSchedule(t, e.store(t), it)
	spy := &renewSpy{ReminderStore: e.store(t), after: t0.Add(time.Minute), renewed: make(chan struct{})}
	const lease = 30 * time.Millisecond // renewed every 10 ms of real time
	rec := newRecorder(clock)
	rec.setFail(func(kbbot.Event) error {
		clock.Advance(time.Minute) // the handler takes far longer than the lease
		<-spy.renewed
		return nil
	})
	s := scheduler.New(spy, rec, clock, testLog(t), scheduler.Config{Lease: lease})
	done := make(chan scheduler.SweepResult)
	go func() { done <- mustSweep(t, s) }()
	<-spy.renewed
	if n, err := e.store(t).Reap(ctx, clock.Now()); err != nil || n != 0 {
		t.Fatalf("another process reaped %d items still being handled (%v)", n, err)
	}
	if res := <-done; res.Sent != 1 || rec.times(it.ID) != 1 {
		t.Fatalf("slow sweep %+v", res)
	}
}
