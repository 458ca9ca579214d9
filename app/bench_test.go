package app_test

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kbbot/kbbot/internal/redistest"
)

// BenchmarkMenuTaps drives menu taps from many residents at once through the
// whole stack: the fake Bot API, the real poller, dispatcher and Redis. Each
// tap is an update that the bot answers (answerCallbackQuery) and turns into
// an edit of the menu in place. It reports updates/s and the p99 latency from
// the tap until the bot has handled it and sent its replies (each resident
// waits for her own update: env.settle).
//
// Besides the rate and latency it reports, per update: the Redis round
// trips and commands the bot's client sent (trips/update, cmds/update: a
// pipeline is one trip of several commands, a script one command), the
// commands Redis ran including those inside scripts (srvcmds/update, from
// INFO commandstats: exact only when nothing else uses that Redis), and
// the CPU time of the whole test process (cpu-us/update: the bot and the
// fake Bot API together) and the bot's part of it (bot-cpu-us/update).
// The bot's part is the process's CPU times the bot's share of a CPU
// profile taken over the timed taps: the fake Bot API and the residents
// run under a pprof label (cpushare_test.go), and the runtime's own
// samples (background GC, scheduler) are split in the ratio of the two
// sides' other samples. It is what the bot would use as a process of its
// own, but for the GC work the harness's heap causes, which this split
// cannot tell apart; go test -cpuprofile leaves it out.
// KBBOT_BENCH_CPUPROFILE=file writes that profile (go tool pprof
// -tagignore side=harness file: the bot's part), KBBOT_BENCH_TRIPS=1 also
// prints the round trips per update by their first command (scripts by
// their SHA1's start), and KBBOT_BENCH_SHARDS=n sets the intake's shards
// (KBBOT_INTAKE_SHARDS).
//
//	go test -run '^$' -bench MenuTaps -benchtime 20000x ./app/
func BenchmarkMenuTaps(b *testing.B) {
	const residents = 400
	// The fake Bot API runs under the harness's label (cpushare_test.go),
	// the bot's process does not.
	pprof.SetGoroutineLabels(harnessCtx)
	e := newEnv(b)
	pprof.SetGoroutineLabels(context.Background())
	// This measures kbbot's own capacity: Telegram's 30 messages/s would
	// bound it long before, so the shared send limiter is set out of reach
	// (it still takes its Redis round trip for every message).
	e.cfg.SendRate = 1_000_000
	if w := os.Getenv("KBBOT_BENCH_SHARDS"); w != "" {
		e.cfg.IntakeShards, _ = strconv.Atoi(w)
	}
	count := &redistest.Trips{ByName: os.Getenv("KBBOT_BENCH_TRIPS") != ""}
	// Every tap is handled and reported: residents wait for the report
	// alone, so the harness adds no Redis reads to what is measured.
	e.settleLook = time.Hour
	e.startWith(count)
	users := make([]*userDriver, residents)
	var wg sync.WaitGroup
	for i := range users {
		u := e.srv.User(int64(900000+i), "Warga")
		users[i] = &userDriver{tap: u.Tap}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.SetGoroutineLabels(harnessCtx)
			if _, err := u.Send("/start"); err != nil {
				b.Error(err)
			}
			if _, err := u.Tap("✅ Setuju"); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	per := max(b.N/residents, 1)
	lat := make([][]time.Duration, residents)
	srv0 := redistest.ServerCommands(b, e.rdb)
	trips0, cmds0 := count.Counts()
	count.Reset()
	cpu0 := processCPU()
	split := startCPUSplit()
	b.ResetTimer()
	start := time.Now()
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.SetGoroutineLabels(harnessCtx)
			labels := []string{"❓ Bantuan", "⬅️ Menu utama"}
			for j := range per {
				t0 := time.Now()
				if _, err := u.tap(labels[j%2]); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := processCPU() - cpu0
	share, shareErr := split.botShare()
	trips, cmds := count.Counts()
	trips, cmds = trips-trips0, cmds-cmds0
	srv := redistest.ServerCommands(b, e.rdb) - srv0
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no taps measured")
	}
	p99 := all[len(all)*99/100]
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	n := float64(len(all))
	if os.Getenv("KBBOT_BENCH_TRIPS") != "" && b.N > 1 {
		fmt.Print(count.Table(n))
	}
	b.ReportMetric(float64(trips)/n, "trips/update")
	b.ReportMetric(float64(cmds)/n, "cmds/update")
	b.ReportMetric(float64(srv)/n, "srvcmds/update")
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-us/update")
	if shareErr == nil {
		b.ReportMetric(float64(cpu.Microseconds())*share/n, "bot-cpu-us/update")
	}
}

// processCPU is the user and system CPU time the test process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type userDriver struct {
	tap func(label string) (int, error)
}
