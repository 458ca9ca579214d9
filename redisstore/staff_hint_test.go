package redisstore_test

import (
	"context"
	"strconv"
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

// hintStores returns a staff store (chat 1 an admin), a chat store and an
// intake store on one test prefix of rdb.
func hintStores(t *testing.T, rdb redis.UniversalClient) (*redisstore.StaffStore, *redisstore.ChatStore, *redisstore.IntakeStore, redisstore.Keys) {
	t.Helper()
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	staff := redisstore.NewStaffStore(rdb, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: fakes.NewClock(staffNow)})
	return staff, redisstore.NewChatStore(rdb, keys, time.Hour), redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: -1}), keys
}

// notStaffOnEveryBegin begins a step of chat in each of the three ways a
// step begins (Begin; the accept's PushClaim; FinishInbox beginning the
// next update) and returns what each said of ChatState.NotStaff, after
// checking that they agree.
func notStaffOnEveryBegin(t *testing.T, chats *redisstore.ChatStore, in *redisstore.IntakeStore, chat kbbot.ChatID, update *int64) bool {
	t.Helper()
	ctx := context.Background()
	l, st, err := chats.Begin(ctx, chat, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := chats.Finish(ctx, l, nil, false); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	evs := []kbbot.Event{{Kind: kbbot.EventText, ChatID: chat, UpdateID: *update + 1, Text: "a"}, {Kind: kbbot.EventText, ChatID: chat, UpdateID: *update + 2, Text: "b"}}
	*update += 2
	_, claimed, err := in.PushClaim(ctx, evs, nil, now, now.Add(time.Minute), 1, time.Minute)
	if err != nil || len(claimed) != 1 || !claimed[0].Begun {
		t.Fatalf("push: %+v %v; want begun", claimed, err)
	}
	c := claimed[0]
	after, err := chats.FinishInbox(ctx, c.Lease, nil, c.Head.Raw, "", time.Minute)
	if err != nil || !after.Begun {
		t.Fatalf("finish: %+v %v; want the next update begun", after, err)
	}
	if _, err := chats.FinishInbox(ctx, c.Lease, nil, after.Next.Raw, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := in.Release(ctx, chat, now); err != nil {
		t.Fatal(err)
	}
	if st.NotStaff != c.State.NotStaff || st.NotStaff != after.State.NotStaff {
		t.Fatalf("chat %d: begin says not staff %v, the accept's begin %v, finish's %v", chat, st.NotStaff, c.State.NotStaff, after.State.NotStaff)
	}
	return st.NotStaff
}

// TestStaffHintFollowsMembership: a step's begin tells whether its chat
// may be staff (the chat's staff hint), so a resident's step needs no
// lookup of the membership, which sits in another slot; the hint follows
// the membership at once: a chat that redeems an invite is staff from the
// rest of that very step on, and one removed, or erasing its data, is not
// staff from its next lookup on.
func TestStaffHintFollowsMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	staff, chats, in, keys := hintStores(t, rdb)
	update := int64(0)
	const chat = 300
	if !notStaffOnEveryBegin(t, chats, in, chat, &update) {
		t.Fatal("a resident's begin does not say she is no staff member")
	}
	// Within the resident's step her membership is not looked up; another
	// chat's is.
	step := kbbot.WithNotStaff(ctx, chat)
	code, err := staff.CreateInvite(ctx, adminM, cadre.PKB, barat, staffNow.Add(time.Hour), staffNow)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := staff.CreateInvite(ctx, adminM, cadre.Kader, barat, staffNow.Add(time.Hour), staffNow)
	if _, err := staff.Redeem(ctx, other, 301, "Bu Sri", staffNow); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := staff.Member(step, 301); err != nil || !ok {
		t.Fatalf("another chat's membership within the step: %v %v", ok, err)
	}
	// She redeems an invite in that step: the rest of it sees her as staff,
	// and so does every later begin.
	if _, err := staff.Redeem(step, code, chat, "Pak Budi", staffNow); err != nil {
		t.Fatal(err)
	}
	if m, ok, err := staff.Member(step, chat); err != nil || !ok || m.Role != cadre.PKB {
		t.Fatalf("the redeeming step's own lookup: %+v %v %v", m, ok, err)
	}
	if notStaffOnEveryBegin(t, chats, in, chat, &update) {
		t.Fatal("a new member's begin says she is no staff member")
	}
	// An admin removes her: no longer staff at once, and her begins say so.
	if removed, err := staff.Remove(ctx, chat, adminM, staffNow); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if _, ok, err := staff.Member(ctx, chat); err != nil || ok {
		t.Fatalf("a removed member's lookup: %v %v", ok, err)
	}
	if !notStaffOnEveryBegin(t, chats, in, chat, &update) {
		t.Fatal("a removed member's begin does not say she is no staff member")
	}
	// A member who erases her data: the hint goes with the membership.
	code, _ = staff.CreateInvite(ctx, adminM, cadre.Kader, barat, staffNow.Add(time.Hour), staffNow)
	if _, err := staff.Redeem(ctx, code, chat, "Pak Budi", staffNow); err != nil {
		t.Fatal(err)
	}
	if err := staff.EraseResident(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := staff.Member(ctx, chat); ok {
		t.Fatal("an erased member is still staff")
	}
	if rdb.Exists(ctx, keys.ChatStaffHint(chat)).Val() != 0 {
		t.Fatal("erasure left the staff hint")
	}
}

// hookOnce runs fn once, just before the first command whose name and
// first key are name and key is sent.
type hookOnce struct {
	name, key string
	once      sync.Once
	fn        func()
}

func (h *hookOnce) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *hookOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); cmd.Name() == h.name && len(args) > 1 && args[1] == h.key {
			h.once.Do(h.fn)
		}
		return next(ctx, cmd)
	}
}

func (h *hookOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestStaffHintSurvivesRemovalRace: the hint and the membership sit in
// different slots, so a removal and a redemption of the same chat
// interleave step by step. Whichever way they do, a membership that
// stands at the end has its hint: here the chat joins again between the
// removal's deletion of the membership and its deletion of the hint, and
// the removal, finding the new membership, sets the hint back.
func TestStaffHintSurvivesRemovalRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	staff, chats, in, keys := hintStores(t, rdb)
	const chat = 310
	code, _ := staff.CreateInvite(ctx, adminM, cadre.Kader, barat, staffNow.Add(time.Hour), staffNow)
	if _, err := staff.Redeem(ctx, code, chat, "Bu Wati", staffNow); err != nil {
		t.Fatal(err)
	}
	again, _ := staff.CreateInvite(ctx, adminM, cadre.Bidan, barat, staffNow.Add(time.Hour), staffNow)
	// The remover's own client, with the redemption run just before it
	// deletes the hint.
	remover := redistest.Client(t)
	var rerr error
	remover.AddHook(&hookOnce{name: "del", key: keys.ChatStaffHint(chat), fn: func() {
		_, rerr = staff.Redeem(ctx, again, chat, "Bu Wati", staffNow)
	}})
	byRemover := redisstore.NewStaffStore(remover, keys, redisstore.StaffOptions{Admins: []int64{1}, Clock: fakes.NewClock(staffNow)})
	if removed, err := byRemover.Remove(ctx, chat, adminM, staffNow); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if rerr != nil {
		t.Fatalf("redeem during the removal: %v", rerr)
	}
	if m, ok, err := staff.Member(ctx, chat); err != nil || !ok || m.Role != cadre.Bidan {
		t.Fatalf("the membership written during the removal: %+v %v %v", m, ok, err)
	}
	update := int64(0)
	if notStaffOnEveryBegin(t, chats, in, chat, &update) {
		t.Fatal("a member who joined during a removal lost her staff hint")
	}
}

// TestStaffBackfillHints: members stored by a version before the hints
// have none, and their steps would take them for residents; BackfillHints
// writes them, once.
func TestStaffBackfillHints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	staff, chats, in, keys := hintStores(t, rdb)
	members := []kbbot.ChatID{10, 11, 27, 44}
	for _, c := range members {
		id := strconv.FormatInt(int64(c), 10)
		rdb.HSet(ctx, keys.StaffMembers(redisstore.StaffShard(c)), id, `{"chat":`+id+`,"role":"kader"}`)
	}
	update := int64(0)
	if !notStaffOnEveryBegin(t, chats, in, 10, &update) {
		t.Fatal("a member without a hint is read as staff: the test shows nothing")
	}
	n, done, err := staff.BackfillHints(ctx)
	if err != nil || done || n != len(members) {
		t.Fatalf("backfill: %d %v %v; want %d hints written", n, done, err, len(members))
	}
	for _, c := range members {
		if notStaffOnEveryBegin(t, chats, in, c, &update) {
			t.Fatalf("member %d after the backfill: read as no staff", c)
		}
	}
	if notStaffOnEveryBegin(t, chats, in, 12, &update) == false {
		t.Fatal("the backfill hinted a resident")
	}
	if n, done, err := staff.BackfillHints(ctx); err != nil || !done || n != 0 {
		t.Fatalf("second backfill: %d %v %v; want done", n, done, err)
	}
}
