package dispatch_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// handledLog collects the intake's Done reports, for a test to wait on one
// update.
type handledLog chan int64

func (h handledLog) done(_ kbbot.ChatID, id int64) { h <- id }

// wait waits for update id's report.
func (h handledLog) wait(t testing.TB, id int64) {
	t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		select {
		case got := <-h:
			if got == id {
				return
			}
		case <-timer.C:
			t.Fatalf("update %d not handled", id)
		}
	}
}

func callback(chat, update int64, data string) kbbot.Event {
	return kbbot.Event{Kind: kbbot.EventCallback, ChatID: kbbot.ChatID(chat), UserID: chat, UpdateID: update, CallbackID: "cb", Data: data, LanguageCode: "id"}
}

func command(chat, update int64, cmd, args string) kbbot.Event {
	return kbbot.Event{Kind: kbbot.EventCommand, Command: cmd, Args: args, ChatID: kbbot.ChatID(chat), UserID: chat, UpdateID: update, LanguageCode: "id"}
}

// TestQuietResidentStepTakesTwoTrips: once a process has handled a
// resident, her next menu step, run ahead on what it committed, is
// committed by the round trip that accepts it: two round trips in all
// (accept-and-commit, then let go with the delivery acknowledged), and she
// reads exactly what the usual three-trip step gives a resident in the
// same place.
func TestQuietResidentStepTakesTwoTrips(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	sender := newRecSender()
	handled := make(handledLog, 16)
	// No idle worker looks for chats on its own (Poll): every trip
	// counted is the updates'.
	rig := newIntakeRig(t, prefix, sender, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: handled.done, Poll: time.Hour})
	count := &redistest.Trips{ByName: true}
	rig.rdb.AddHook(count)
	rig.run(t)
	// The same resident's steps in a process that runs none ahead.
	cold := newIntakeRig(t, prefix, sender, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: handled.done})
	cold.store.SetChatStore(nil)
	cold.run(t)

	var trips int64
	steps := func(in *dispatch.Intake, chat int64) {
		accept(t, in, start(chat, 1))
		handled.wait(t, 1)
		accept(t, in, callback(chat, 2, "consent:yes"))
		handled.wait(t, 2)
		count.Reset()
		trips0, _ := count.Counts()
		accept(t, in, text(chat, 3, "/menu"))
		handled.wait(t, 3)
		trips, _ = count.Counts()
		trips -= trips0
	}
	steps(rig.intake, 7001)
	// On a cluster a trip's commands go to the masters of their slots, one
	// trip each (scripts/test.sh --cluster): the count holds on one server.
	if trips != 2 && !redistest.IsCluster() {
		t.Errorf("a quiet resident's step took %d round trips, want 2:\n%s", trips, count.Table(1))
	}
	steps(cold.intake, 7002)
	warm, usual := sender.texts(7001), sender.texts(7002)
	if len(warm) == 0 || !slices.Equal(warm, usual) {
		t.Errorf("the step run ahead said\n%q\nthe usual one\n%q", warm, usual)
	}
}

// TestStepRunAheadOnlyOnTheStateAsSeen: a process runs a resident's step
// ahead on what it last committed for her, but another process has
// handled her since (she switched to English there): the step is not
// committed as run, and she gets her menu in English.
func TestStepRunAheadOnlyOnTheStateAsSeen(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	sender := newRecSender()
	handled := make(handledLog, 16)
	a := newIntakeRig(t, prefix, sender, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: handled.done})
	b := newIntakeRig(t, prefix, sender, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: handled.done})
	a.run(t)
	b.run(t)
	const chat = 7101
	accept(t, a.intake, start(chat, 1))
	handled.wait(t, 1)
	accept(t, a.intake, callback(chat, 2, "consent:yes"))
	handled.wait(t, 2)
	accept(t, b.intake, command(chat, 3, "bahasa", "en"))
	handled.wait(t, 3)
	accept(t, a.intake, text(chat, 4, "/menu"))
	handled.wait(t, 4)
	texts := sender.texts(chat)
	last := texts[len(texts)-1]
	if !strings.Contains(last, "Main menu") {
		t.Errorf("the menu after switching to English elsewhere: %q", last)
	}
}

// TestStepRunAheadThatNeedsAStoreRunsAsUsual: a step that asks a store
// for anything is not committed as run ahead (its dry run is refused
// there): it runs as usual, reaching the store once, and the resident gets
// its answer.
func TestStepRunAheadThatNeedsAStoreRunsAsUsual(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	sender := newRecSender()
	handled := make(handledLog, 16)
	rem := fakes.NewReminders()
	rig := newIntakeRigWith(t, prefix, sender, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Done: handled.done}, conversations.Services{Reminders: rem})
	rig.run(t)
	const chat = 7201
	accept(t, rig.intake, start(chat, 1))
	handled.wait(t, 1)
	accept(t, rig.intake, callback(chat, 2, "consent:yes"))
	handled.wait(t, 2)
	before := rem.Calls()
	accept(t, rig.intake, command(chat, 3, "berhenti", ""))
	handled.wait(t, 3)
	if n := rem.Calls() - before; n != 1 {
		t.Errorf("/berhenti reached the reminder store %d times, want once", n)
	}
	// She is told her reminders are stopped (content's reminders_stopped).
	if texts := sender.texts(chat); !slices.ContainsFunc(texts, func(s string) bool {
		return strings.Contains(s, "Semua pengingat dan kabar dari kader dihentikan")
	}) {
		t.Errorf("the answer to /berhenti: %q", texts)
	}
}
