package dispatch_test

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// discardSender sends nothing: BenchmarkUpdateCost measures the bot's own
// work, not the Bot API's.
type discardSender struct{}

func (discardSender) Send(context.Context, kbbot.Reply) (int, error) { return 1, nil }

// BenchmarkUpdateCost measures what one resident update costs the bot,
// without Telegram's HTTP: a typed "/menu", answered with the main menu,
// from consented residents in turn. batch=1 accepts one update at a time
// and waits until the intake has handled it and let the chat go (a quiet
// bot: each getUpdates brings one update); batch=10 accepts the updates
// of 10 residents at once, as one getUpdates batch, and waits for all;
// burst=3 accepts 3 updates of one resident at once (several messages
// sent quickly) and waits for all.
// It reports per update: allocations (b.ReportAllocs: the intake, the
// dialog, the Redis client), the Redis round trips and commands the bot's
// client sent (trips/update, cmds/update: a pipeline is one trip of
// several commands, a script one command), the commands Redis ran, those
// inside scripts included (srvcmds/update, from INFO commandstats: exact
// only when nothing else uses that Redis), the CPU time of the test
// process (cpu-us/update: the bot and the driver) and the time per update.
// KBBOT_BENCH_TRIPS=1 also prints the trips by first command.
//
//	go test -run '^$' -bench UpdateCost -benchtime 3000x ./dispatch/
func BenchmarkUpdateCost(b *testing.B) {
	for _, batch := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchUpdateCost(b, batch, 1) })
	}
	b.Run("burst=3", func(b *testing.B) { benchUpdateCost(b, 3, 3) })
}

// benchUpdateCost accepts batch updates at once, each chat's burst
// updates in a row (a resident who sends several messages quickly).
func benchUpdateCost(b *testing.B, batch, burst int) {
	rdb := redistest.Client(b)
	prefix := redistest.Prefix(b, rdb)
	handled := make(chan struct{}, batch)
	rig := newIntakeRig(b, prefix, discardSender{}, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: func(kbbot.ChatID, int64) { handled <- struct{}{} }})
	byName := os.Getenv("KBBOT_BENCH_TRIPS") != ""
	count := &redistest.Trips{ByName: byName}
	rig.rdb.AddHook(count)
	rig.run(b)
	const chats = 50
	update := int64(1)
	timer := time.NewTimer(time.Hour)
	evs := make([]kbbot.Event, 0, batch)
	// some accepts evs at once and waits until all are handled.
	some := func(evs []kbbot.Event) {
		accept(b, rig.intake, evs...)
		timer.Reset(10 * time.Second)
		for range evs {
			select {
			case <-handled:
			case <-timer.C:
				b.Fatalf("updates %d.. not handled", evs[0].UpdateID)
			}
		}
		timer.Stop()
	}
	for c := range int64(chats) {
		some([]kbbot.Event{start(5000+c, update)})
		some([]kbbot.Event{{Kind: kbbot.EventCallback, ChatID: kbbot.ChatID(5000 + c), UserID: 5000 + c, UpdateID: update + 1,
			CallbackID: "cb", Data: "consent:yes", LanguageCode: "id"}})
		update += 2
	}
	count.Reset()
	trips0, cmds0 := count.Counts()
	srv0 := redistest.ServerCommands(b, rdb)
	cpu0 := processCPU()
	chat := 0
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		evs = evs[:0]
		for j := range min(batch, b.N-done) {
			evs = append(evs, text(5000+int64(chat%chats), update, "/menu"))
			if (j+1)%burst == 0 {
				chat++
			}
			update++
		}
		if len(evs)%burst != 0 {
			chat++
		}
		some(evs)
		done += len(evs)
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	trips, cmds := count.Counts()
	srv := redistest.ServerCommands(b, rdb) - srv0
	b.ReportMetric(float64(trips-trips0)/float64(b.N), "trips/update")
	b.ReportMetric(float64(cmds-cmds0)/float64(b.N), "cmds/update")
	b.ReportMetric(float64(srv)/float64(b.N), "srvcmds/update")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/update")
	if byName && b.N > 1 {
		fmt.Print(count.Table(float64(b.N)))
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
