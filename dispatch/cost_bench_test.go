package dispatch_test

import (
	"context"
	"fmt"
	"os"
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
// without Telegram's HTTP: each op accepts one update (a typed "/menu",
// answered with the main menu) of one of 50 consented residents in turn,
// and waits until the intake has handled it and let the chat go. It
// reports allocations per update (b.ReportAllocs: the intake, the
// dialog, the Redis client), Redis round trips and commands per update
// as the bot's client sent them (trips/update, cmds/update), and the
// time per update. KBBOT_BENCH_TRIPS=1 also prints the trips by command.
//
//	go test -run '^$' -bench UpdateCost -benchtime 5000x ./dispatch/
func BenchmarkUpdateCost(b *testing.B) {
	rdb := redistest.Client(b)
	prefix := redistest.Prefix(b, rdb)
	handled := make(chan struct{}, 1)
	rig := newIntakeRig(b, prefix, discardSender{}, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: func(kbbot.ChatID, int64) { handled <- struct{}{} }})
	count := &redistest.Trips{}
	rig.rdb.AddHook(count)
	rig.run(b)
	const chats = 50
	update := int64(1)
	one := func(ev kbbot.Event) {
		accept(b, rig.intake, ev)
		select {
		case <-handled:
		case <-time.After(10 * time.Second):
			b.Fatalf("update %d not handled", ev.UpdateID)
		}
		update++
	}
	for c := range int64(chats) {
		one(start(5000+c, update))
		one(kbbot.Event{Kind: kbbot.EventCallback, ChatID: kbbot.ChatID(5000 + c), UserID: 5000 + c, UpdateID: update,
			CallbackID: "cb", Data: "consent:yes", LanguageCode: "id"})
	}
	count.Reset()
	trips0, cmds0 := count.Counts()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		one(text(5000+int64(i%chats), update, "/menu"))
	}
	b.StopTimer()
	trips, cmds := count.Counts()
	b.ReportMetric(float64(trips-trips0)/float64(b.N), "trips/update")
	b.ReportMetric(float64(cmds-cmds0)/float64(b.N), "cmds/update")
	if os.Getenv("KBBOT_BENCH_TRIPS") != "" && b.N > 1 {
		fmt.Print(count.Table(float64(b.N)))
	}
}
