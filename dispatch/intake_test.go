package dispatch_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/dispatch"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// recSender records every reply sent, in order, and lets a test wait for
// a condition on them; hold, when set, runs before a send (a paced chat).
type recSender struct {
	mu   sync.Mutex
	sent []kbbot.Reply
	at   map[kbbot.ChatID]time.Time
	ch   chan struct{}
	hold func(kbbot.Reply)
}

func newRecSender() *recSender {
	return &recSender{ch: make(chan struct{}, 1), at: map[kbbot.ChatID]time.Time{}}
}

func (s *recSender) Send(_ context.Context, r kbbot.Reply) (int, error) {
	if s.hold != nil {
		s.hold(r)
	}
	s.mu.Lock()
	s.sent = append(s.sent, r)
	if _, ok := s.at[r.ChatID]; !ok {
		s.at[r.ChatID] = time.Now()
	}
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return 1, nil
}

// texts returns the texts sent to chat, in order.
func (s *recSender) texts(chat kbbot.ChatID) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.sent {
		if r.ChatID == chat && r.Kind == kbbot.ReplySend {
			out = append(out, r.Text)
		}
	}
	return out
}

// waitFor waits until cond holds on what was sent, failing after 10 s.
func (s *recSender) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	// Conditions on the store change without a send: look again often.
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.ch:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// intakeRig is one process's intake on a Redis client of its own.
type intakeRig struct {
	rdb    redis.UniversalClient
	store  *redisstore.IntakeStore
	d      *dispatch.Dispatcher
	intake *dispatch.Intake
	engine *conversations.Engine
}

func newIntakeRig(t testing.TB, prefix string, s kbbot.Sender, clock kbbot.Clock, opt redisstore.IntakeOptions, dcfg dispatch.Config, icfg dispatch.IntakeConfig) *intakeRig {
	t.Helper()
	return newIntakeRigWith(t, prefix, s, clock, opt, dcfg, icfg, conversations.Services{})
}

// newIntakeRigWith is newIntakeRig whose dialog reaches the stores of svc.
func newIntakeRigWith(t testing.TB, prefix string, s kbbot.Sender, clock kbbot.Clock, opt redisstore.IntakeOptions, dcfg dispatch.Config, icfg dispatch.IntakeConfig, svc conversations.Services) *intakeRig {
	t.Helper()
	rdb := redistest.Client(t)
	keys := redisstore.NewKeys(prefix)
	var n atomic.Int64
	engine := conversations.NewEngine(library(t), func() string { return fmt.Sprintf("n%d", n.Add(1)) }, svc)
	rdb.AddHook(redisstore.DryRunHook{})
	chats := redisstore.NewChatStore(rdb, keys, 0)
	d := dispatch.New(engine, chats, s, fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), quiet, dcfg)
	store := redisstore.NewIntakeStore(rdb, keys, opt)
	store.SetChatStore(chats) // steps run ahead are committed as accepted
	return &intakeRig{rdb: rdb, store: store, d: d, engine: engine, intake: dispatch.NewIntake(store, d, clock, quiet, icfg)}
}

// run starts the rig's workers until the test ends.
func (r *intakeRig) run(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.intake.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func start(chat int64, update int64) kbbot.Event {
	return kbbot.Event{Kind: kbbot.EventCommand, Command: "start", ChatID: kbbot.ChatID(chat), UserID: chat, UpdateID: update, LanguageCode: "id"}
}

func text(chat int64, update int64, s string) kbbot.Event {
	return kbbot.Event{Kind: kbbot.EventText, Text: s, ChatID: kbbot.ChatID(chat), UserID: chat, UpdateID: update, LanguageCode: "id"}
}

func accept(t testing.TB, in *dispatch.Intake, evs ...kbbot.Event) {
	t.Helper()
	if err := in.Accept(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// TestSlowChatDoesNotHoldBackOthers: while one resident's replies wait on
// pacing (the sender holds them), the next 20 residents are all answered.
func TestSlowChatDoesNotHoldBackOthers(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	release := make(chan struct{})
	s := newRecSender()
	s.hold = func(r kbbot.Reply) {
		if r.ChatID == 1 {
			<-release
		}
	}
	rig := newIntakeRig(t, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{}, dispatch.Config{}, dispatch.IntakeConfig{Workers: 4})
	rig.run(t)
	defer close(release)
	accept(t, rig.intake, start(1, 100), text(1, 101, "halo"))
	var evs []kbbot.Event
	for i := range int64(20) {
		evs = append(evs, start(1000+i, 200+i))
	}
	accept(t, rig.intake, evs...)
	s.waitFor(t, "20 residents answered while resident 1 waits", func() bool {
		for i := range int64(20) {
			if len(s.texts(kbbot.ChatID(1000+i))) == 0 {
				return false
			}
		}
		return true
	})
	if got := s.texts(1); len(got) != 0 {
		t.Fatalf("resident 1's paced replies went out early: %q", got)
	}
}

// TestPoisonedUpdateIsSetAside: an update whose step always fails is
// tried a few times, set aside in the chat's dead letters and answered
// with an apology, while the others proceed; the resident's next message
// works.
func TestPoisonedUpdateIsSetAside(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := newRecSender()
	rig := newIntakeRig(t, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{Tries: 3}, dispatch.Config{},
		dispatch.IntakeConfig{Workers: 4, MaxBackoff: 5 * time.Millisecond})
	var tries atomic.Int64
	rig.intake.SetHandler(func(ctx context.Context, ev kbbot.Event) error {
		if ev.Text == "racun" {
			tries.Add(1)
			panic("poisoned update")
		}
		return rig.d.Handle(ctx, ev)
	})
	rig.run(t)
	accept(t, rig.intake, text(66, 1, "racun"), start(66, 2))
	for i := range int64(10) {
		accept(t, rig.intake, start(500+i, 10+i))
	}
	sorry := rig.engine.Failed("id")
	s.waitFor(t, "apology and the resident's next message answered", func() bool {
		got := s.texts(66)
		return len(got) >= 2 && got[0] == sorry
	})
	s.waitFor(t, "others answered", func() bool {
		for i := range int64(10) {
			if len(s.texts(kbbot.ChatID(500+i))) == 0 {
				return false
			}
		}
		return true
	})
	if n := tries.Load(); n != 3 {
		t.Errorf("the poisoned update was tried %d times, want 3", n)
	}
	dead, err := rig.store.DeadLetters(context.Background(), 66)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || !strings.Contains(dead[0], "racun") {
		t.Fatalf("dead letters %q", dead)
	}
	ttl := rdb.PTTL(context.Background(), redisstore.NewKeys(prefix).ChatDead(66)).Val()
	if ttl <= 0 || ttl > redisstore.DefaultDeadTTL {
		t.Errorf("dead letters TTL %v", ttl)
	}
}

// TestUnreadableOutboxEntryIsSetAside: a malformed outbox entry never
// blocks the chat: it is set aside with an apology and the step goes on.
func TestUnreadableOutboxEntryIsSetAside(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	s := newRecSender()
	rig := newIntakeRig(t, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{}, dispatch.Config{}, dispatch.IntakeConfig{Workers: 2})
	rdb.RPush(context.Background(), keys.ChatOutbox(77), "garbage without id", "x1|{not json")
	rig.run(t)
	accept(t, rig.intake, start(77, 5))
	s.waitFor(t, "apology and welcome", func() bool { return len(s.texts(77)) >= 2 })
	if got := s.texts(77); got[0] != rig.engine.Failed("id") {
		t.Fatalf("first reply %q, want the apology", got[0])
	}
	if n := rdb.LLen(context.Background(), keys.ChatDead(77)).Val(); n != 2 {
		t.Fatalf("%d dead letters, want 2", n)
	}
}

// TestFloodingResidentIsLimited: a resident sending 60 messages at once
// gets the first 5 handled and one notice; the rest are dropped at
// acceptance, so another resident's /start is answered at once.
func TestFloodingResidentIsLimited(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := newRecSender()
	clock := fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	rig := newIntakeRig(t, prefix, s, clock, redisstore.IntakeOptions{FloodLimit: 5, FloodWindow: 5 * time.Second}, dispatch.Config{},
		dispatch.IntakeConfig{Workers: 4})
	var handled sync.Map
	rig.intake.SetHandler(func(ctx context.Context, ev kbbot.Event) error {
		v, _ := handled.LoadOrStore(ev.ChatID, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		return rig.d.Handle(ctx, ev)
	})
	var flood []kbbot.Event
	for i := range int64(60) {
		flood = append(flood, text(9, 1000+i, "spam"))
	}
	accept(t, rig.intake, flood[:30]...)
	accept(t, rig.intake, start(10, 5000))
	accept(t, rig.intake, flood[30:]...)
	rig.run(t)
	notice := rig.engine.Flooded("id")
	s.waitFor(t, "the other resident answered and the flooder noticed", func() bool {
		return len(s.texts(10)) > 0 && slices.Contains(s.texts(9), notice)
	})
	s.waitFor(t, "all handled", func() bool {
		n, _ := rig.store.Waiting(context.Background())
		return n == 0
	})
	got := s.texts(9)
	notices := 0
	for _, x := range got {
		if x == notice {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("%d flood notices, want 1", notices)
	}
	if v, _ := handled.Load(kbbot.ChatID(9)); v.(*atomic.Int64).Load() != 5 {
		t.Errorf("%d of the flood handled, want 5", v.(*atomic.Int64).Load())
	}
	// After the window, the resident is heard again.
	clock.Advance(6 * time.Second)
	accept(t, rig.intake, text(9, 2000, "halo lagi"))
	s.waitFor(t, "the resident heard after the window", func() bool { return len(s.texts(9)) > len(got) })
}

// TestKilledProcessChatsFreeWithinLease: a process that claimed a chat
// and took its lock, then died, holds it back for no longer than the
// lease; meanwhile other chats are handled.
func TestKilledProcessChatsFreeWithinLease(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	clock := fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	const lease = 5 * time.Second
	// The dead process: accepted chat 42's update, claimed the chat and
	// took its lock (a short real-time TTL stands in for its lease), then
	// was killed: nothing renews either.
	dead := newIntakeRig(t, prefix, newRecSender(), clock, redisstore.IntakeOptions{}, dispatch.Config{}, dispatch.IntakeConfig{})
	accept(t, dead.intake, start(42, 1))
	shard := 42 % dead.store.Shards()
	claimed, _, _, err := dead.store.Claim(context.Background(), shard, clock.Now(), clock.Now().Add(lease), 10)
	if err != nil || !slices.Contains(claimed, 42) {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if _, _, err := redisstore.NewChatStore(dead.rdb, keys, 0).Begin(context.Background(), 42, 0, "", 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s := newRecSender()
	live := newIntakeRig(t, prefix, s, clock, redisstore.IntakeOptions{}, dispatch.Config{LockTTL: lease},
		dispatch.IntakeConfig{Lease: lease, Poll: 5 * time.Millisecond})
	live.run(t)
	accept(t, live.intake, start(43, 2))
	s.waitFor(t, "another chat handled", func() bool { return len(s.texts(43)) > 0 })
	if len(s.texts(42)) != 0 {
		t.Fatal("the dead process's chat was taken before its lease ran out")
	}
	clock.Advance(lease)
	s.waitFor(t, "the dead process's chat handled after its lease", func() bool { return len(s.texts(42)) > 0 })
}

// TestAcceptedUpdatesSurviveRestart: updates accepted by a process that
// stopped before handling them are handled by the next one, in order.
func TestAcceptedUpdatesSurviveRestart(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	first := newIntakeRig(t, prefix, newRecSender(), kbbot.SystemClock{}, redisstore.IntakeOptions{}, dispatch.Config{}, dispatch.IntakeConfig{})
	accept(t, first.intake, start(7, 1), text(7, 2, "/bantuan"), start(8, 3))
	_ = first.rdb.Close()
	s := newRecSender()
	var order []int64
	var mu sync.Mutex
	second := newIntakeRig(t, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{}, dispatch.Config{}, dispatch.IntakeConfig{})
	second.intake.SetHandler(func(ctx context.Context, ev kbbot.Event) error {
		mu.Lock()
		order = append(order, ev.UpdateID)
		mu.Unlock()
		return second.d.Handle(ctx, ev)
	})
	second.run(t)
	s.waitFor(t, "all three handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	i1, i2 := slices.Index(order, 1), slices.Index(order, 2)
	if i1 < 0 || i2 < 0 || i1 > i2 || !slices.Contains(order, 3) {
		t.Fatalf("handled %v", order)
	}
}

// BenchmarkPacedChatTwentyTap measures how long 20 residents wait for
// their answer (Accept to first reply sent) while one resident's replies
// are paced at 1.1 s each. It reports the 20's p50 and p99.
func BenchmarkPacedChatTwentyTap(b *testing.B) {
	rdb := redistest.Client(b)
	prefix := redistest.Prefix(b, rdb)
	s := newRecSender()
	s.hold = func(r kbbot.Reply) {
		if r.ChatID == 1 {
			time.Sleep(1100 * time.Millisecond) // the paced chat
		}
	}
	rig := newIntakeRig(b, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{}, dispatch.IntakeConfig{})
	rig.run(b)
	var lat []time.Duration
	update := int64(1)
	b.ResetTimer()
	for i := range b.N {
		accept(b, rig.intake, text(1, update, "halo"))
		update++
		s.mu.Lock()
		clear(s.at)
		s.mu.Unlock()
		sent := make([]time.Time, 20)
		for j := range int64(20) {
			sent[j] = time.Now()
			accept(b, rig.intake, text(2000+int64(i)*20+j, update, "/menu"))
			update++
		}
		s.waitFor(b, "20 answered", func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			for j := range int64(20) {
				if _, ok := s.at[kbbot.ChatID(2000+int64(i)*20+j)]; !ok {
					return false
				}
			}
			return true
		})
		s.mu.Lock()
		for j := range int64(20) {
			lat = append(lat, s.at[kbbot.ChatID(2000+int64(i)*20+j)].Sub(sent[j]))
		}
		s.mu.Unlock()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// panicStaff is a staff store whose lookup panics for one chat: a bug in a
// step, reached through the dispatcher's own step (Dispatcher.HandleHead),
// not a handler set by SetHandler.
type panicStaff struct{ chat kbbot.ChatID }

func (p panicStaff) Member(_ context.Context, chat kbbot.ChatID) (cadre.Member, bool, error) {
	if chat == p.chat {
		panic("staff lookup bug")
	}
	return cadre.Member{}, false, nil
}

// TestPanickingStepIsSetAside: a step that panics, taken with its update
// in one round trip, counts a failed try of that update each time; at the
// last it is set aside with an apology, and other residents are answered
// meanwhile.
func TestPanickingStepIsSetAside(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	s := newRecSender()
	engine := conversations.NewEngine(library(t), func() string { return "n" }, conversations.Services{Staff: panicStaff{chat: 77}})
	d := dispatch.New(engine, redisstore.NewChatStore(rdb, keys, 0), s, fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), quiet, dispatch.Config{})
	store := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{Tries: 3})
	in := dispatch.NewIntake(store, d, kbbot.SystemClock{}, quiet, dispatch.IntakeConfig{Workers: 4, MaxBackoff: 5 * time.Millisecond})
	rig := &intakeRig{rdb: rdb, store: store, d: d, engine: engine, intake: in}
	rig.run(t)
	menu := func(chat, update int64) kbbot.Event {
		return kbbot.Event{Kind: kbbot.EventCommand, Command: "menu", ChatID: kbbot.ChatID(chat), UserID: chat, UpdateID: update, LanguageCode: "id"}
	}
	accept(t, in, menu(77, 1), menu(78, 2))
	sorry := engine.Failed("id")
	s.waitFor(t, "the apology to the resident whose step panics, and the other answered", func() bool {
		got := s.texts(77)
		return len(got) >= 1 && got[len(got)-1] == sorry && len(s.texts(78)) > 0
	})
	dead, err := store.DeadLetters(context.Background(), 77)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || !strings.Contains(dead[0], `"menu"`) {
		t.Fatalf("dead letters %q, want the update whose step panicked", dead)
	}
}

// TestBurstOfOneChatHandledInOrderOnce: several updates of one resident
// accepted at once are each handled once, in order, across turns (each
// step's last round trip begins the next one's), and the chat is let go
// with its lock released and nothing left waiting.
func TestBurstOfOneChatHandledInOrderOnce(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := newRecSender()
	var mu sync.Mutex
	var order []int64
	rig := newIntakeRig(t, prefix, s, kbbot.SystemClock{}, redisstore.IntakeOptions{FloodLimit: -1}, dispatch.Config{},
		dispatch.IntakeConfig{Turn: 2, Done: func(_ kbbot.ChatID, id int64) {
			mu.Lock()
			order = append(order, id)
			mu.Unlock()
		}})
	rig.run(t)
	accept(t, rig.intake, start(7, 1), text(7, 2, "/bantuan"), text(7, 3, "/menu"), text(7, 4, "/bantuan"), text(7, 5, "/menu"))
	s.waitFor(t, "all five handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 5
	})
	mu.Lock()
	got := slices.Clone(order)
	mu.Unlock()
	if !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("handled %v, want 1..5 in order, once each", got)
	}
	if n := len(s.texts(7)); n < 5 {
		t.Fatalf("%d messages sent for 5 updates", n)
	}
	s.waitFor(t, "the chat let go", func() bool {
		n, err := rig.store.Waiting(context.Background())
		return err == nil && n == 0
	})
	keys := redisstore.NewKeys(prefix)
	if n := rdb.LLen(context.Background(), keys.ChatInbox(7)).Val(); n != 0 {
		t.Fatalf("inbox holds %d entries", n)
	}
	if n := rdb.Exists(context.Background(), keys.ChatLock(7)).Val(); n != 0 {
		t.Fatal("the chat's lock is still held")
	}
}

// hintStaff is a staff store that records, per chat looked up, whether
// the step's context said the chat is no staff member (kbbot.NotStaff),
// as redisstore.StaffStore reads it to skip its lookup.
type hintStaff struct {
	mu  sync.Mutex
	saw map[kbbot.ChatID][]bool
}

func (h *hintStaff) Member(ctx context.Context, chat kbbot.ChatID) (cadre.Member, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.saw[chat] = append(h.saw[chat], kbbot.NotStaff(ctx, chat))
	return cadre.Member{}, false, nil
}

func (h *hintStaff) seen(chat kbbot.ChatID) []bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.saw[chat])
}

// TestResidentStepNeedsNoStaffLookup: the round trip that begins a step
// tells whether the chat holds a staff hint, and the dispatcher passes
// that on in the step's context, so a resident's step needs no lookup of
// her membership while a chat with a hint is looked up as before; this
// holds for a step begun by the accept and for one begun by the step
// before it.
func TestResidentStepNeedsNoStaffLookup(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	keys := redisstore.NewKeys(prefix)
	s := newRecSender()
	staff := &hintStaff{saw: map[kbbot.ChatID][]bool{}}
	engine := conversations.NewEngine(library(t), func() string { return "n" }, conversations.Services{Staff: staff})
	d := dispatch.New(engine, redisstore.NewChatStore(rdb, keys, 0), s, fakes.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)), quiet, dispatch.Config{})
	store := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1})
	in := dispatch.NewIntake(store, d, kbbot.SystemClock{}, quiet, dispatch.IntakeConfig{Workers: 4})
	rig := &intakeRig{rdb: rdb, store: store, d: d, engine: engine, intake: in}
	rig.run(t)
	if err := rdb.Set(context.Background(), keys.ChatStaffHint(81), "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	accept(t, in, text(80, 1, "/menu"), text(80, 2, "/menu"), text(81, 3, "/menu"), text(81, 4, "/menu"))
	s.waitFor(t, "both chats answered twice", func() bool { return len(s.texts(80)) >= 2 && len(s.texts(81)) >= 2 })
	resident, member := staff.seen(80), staff.seen(81)
	if len(resident) < 2 || len(member) < 2 {
		t.Fatalf("lookups: resident %v, hinted chat %v; want at least one per step", resident, member)
	}
	for _, notStaff := range resident {
		if !notStaff {
			t.Fatalf("a resident's step was not told she is no staff member: %v", resident)
		}
	}
	for _, notStaff := range member {
		if notStaff {
			t.Fatalf("a chat with a staff hint was told it is no staff member: %v", member)
		}
	}
}
