package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/redisstore"
)

// TestPushClaimCommitsStepRunAhead: a step run ahead on the chat's last
// known session and record (kbbot.Speculation) is committed by the round
// trip that accepts its update, only while the chat is exactly as the step
// saw it: idle, nothing undelivered, no staff hint, the same session and
// record, the update not handled before, within the flood limit. Else the
// update is accepted and begun as usual and nothing of the step is
// written.
func TestPushClaimCommitsStepRunAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rdb, keys := newStore(t)
	in := redisstore.NewIntakeStore(rdb, keys, redisstore.IntakeOptions{FloodLimit: 3, FloodWindow: time.Minute})
	in.SetChatStore(s)
	now := time.Now()
	until := now.Add(time.Minute)
	ev := func(chat kbbot.ChatID, id int64) kbbot.Event {
		return kbbot.Event{Kind: kbbot.EventText, ChatID: chat, UpdateID: id, Text: "hai"}
	}
	reply := func(chat kbbot.ChatID, text string) []kbbot.Reply {
		return []kbbot.Reply{{Kind: kbbot.ReplySend, ChatID: chat, Text: text}}
	}
	spec := func(chat kbbot.ChatID, id int64, from, to string) *kbbot.Speculation {
		return &kbbot.Speculation{State: []byte(from), Record: []byte("r-" + from),
			Commit: kbbot.Commit{UpdateID: id, At: now, State: []byte(to), Record: []byte("r-" + to), Replies: reply(chat, "jawab "+to)}}
	}
	// settle gives chat the session and record "s1" by a step of update 1.
	settle := func(chat kbbot.ChatID) {
		t.Helper()
		l, _, err := s.Begin(ctx, chat, 1, "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, l, kbbot.Commit{UpdateID: 1, At: now, State: []byte("s1"), Record: []byte("r-s1")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, l, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	push := func(evs []kbbot.Event, specs []*kbbot.Speculation) kbbot.Claimed {
		t.Helper()
		_, claimed, err := in.PushClaim(ctx, evs, specs, now, until, 1, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("push: %+v, %v; want the chat claimed", claimed, err)
		}
		return claimed[0]
	}
	// let goes of a claimed chat whose step was not committed.
	let := func(c kbbot.Claimed) {
		t.Helper()
		if c.Begun {
			if _, err := s.FinishInbox(ctx, c.Lease, nil, c.Head.Raw, "", 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := rdb.Del(ctx, keys.ChatInbox(c.Chat)).Err(); err != nil {
			t.Fatal(err)
		}
		if err := in.Release(ctx, c.Chat, now); err != nil {
			t.Fatal(err)
		}
	}
	stateIs := func(chat kbbot.ChatID, want string) {
		t.Helper()
		if got := rdb.Get(ctx, keys.ChatState(chat)).Val(); got != want {
			t.Fatalf("session of chat %d: %q, want %q", chat, got, want)
		}
	}

	// The chat as seen: committed in the accepting trip.
	settle(20)
	c := push([]kbbot.Event{ev(20, 2)}, []*kbbot.Speculation{spec(20, 2, "s1", "s2")})
	if !c.Committed || c.Begun || len(c.Queued) != 1 || c.Head.Event.UpdateID != 2 || c.Lease.Token == "" || c.NotClaimed {
		t.Fatalf("claimed: %+v; want committed, one reply queued, update 2, the claim held", c)
	}
	stateIs(20, "s2")
	if got := rdb.Get(ctx, keys.ChatRecord(20)).Val(); got != "r-s2" {
		t.Fatalf("record: %q, want r-s2", got)
	}
	if n := rdb.LLen(ctx, keys.ChatInbox(20)).Val(); n != 0 {
		t.Fatalf("inbox holds %d entries; a committed update never enters it", n)
	}
	if n := rdb.LLen(ctx, keys.ChatOutbox(20)).Val(); n != 1 {
		t.Fatalf("outbox holds %d entries, want the reply", n)
	}
	if _, _, err := s.Begin(ctx, 20, 0, "", time.Minute); err == nil {
		t.Fatal("the lock is free while the committed replies are delivered")
	}
	// Delivered, then let go in one trip.
	if _, err := s.FinishInbox(ctx, c.Lease, []string{c.Queued[0].ID}, "", in.ReadyKey(20), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := rdb.LLen(ctx, keys.ChatOutbox(20)).Val(); n != 0 {
		t.Fatalf("outbox holds %d entries after the delivery", n)
	}
	l, st, err := s.Begin(ctx, 20, 2, "", time.Minute)
	if err != nil || !st.Seen {
		t.Fatalf("after the committed step: %v, seen %v; want the lock free and update 2 handled", err, st.Seen)
	}
	if err := s.Finish(ctx, l, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := in.Release(ctx, 20, now); err != nil {
		t.Fatal(err)
	}

	// Each way the chat can differ from what the step saw: accepted and
	// begun as usual, nothing of the step written.
	cases := []struct {
		name  string
		chat  kbbot.ChatID
		setup func(chat kbbot.ChatID)
		evs   func(chat kbbot.ChatID) []kbbot.Event
		specs func(chat kbbot.ChatID) []*kbbot.Speculation
	}{
		{name: "stale session", chat: 21, setup: settle,
			specs: func(chat kbbot.ChatID) []*kbbot.Speculation { return []*kbbot.Speculation{spec(chat, 2, "s0", "s2")} }},
		{name: "handled before", chat: 22, setup: settle,
			evs:   func(chat kbbot.ChatID) []kbbot.Event { return []kbbot.Event{ev(chat, 1)} },
			specs: func(chat kbbot.ChatID) []*kbbot.Speculation { return []*kbbot.Speculation{spec(chat, 1, "s1", "s2")} }},
		{name: "staff hint", chat: 23, setup: func(chat kbbot.ChatID) {
			settle(chat)
			rdb.Set(ctx, keys.ChatStaffHint(chat), "1", 0)
		}},
		{name: "undelivered reply", chat: 24, setup: func(chat kbbot.ChatID) {
			settle(chat)
			rdb.RPush(ctx, keys.ChatOutbox(chat), `x-0|{"kind":"send","chat_id":24,"text":"lama"}`)
		}},
		{name: "two updates of the chat", chat: 25, setup: settle,
			evs: func(chat kbbot.ChatID) []kbbot.Event { return []kbbot.Event{ev(chat, 2), ev(chat, 3)} },
			specs: func(chat kbbot.ChatID) []*kbbot.Speculation {
				return []*kbbot.Speculation{spec(chat, 2, "s1", "s2"), nil}
			}},
		{name: "over the flood limit", chat: 26, setup: func(chat kbbot.ChatID) {
			settle(chat)
			rdb.HSet(ctx, keys.ChatIntake(chat), "fw", now.UnixMilli(), "fn", 3)
		}},
	}
	for _, tc := range cases {
		tc.setup(tc.chat)
		evs := []kbbot.Event{ev(tc.chat, 2)}
		if tc.evs != nil {
			evs = tc.evs(tc.chat)
		}
		specs := []*kbbot.Speculation{spec(tc.chat, 2, "s1", "s2")}
		if tc.specs != nil {
			specs = tc.specs(tc.chat)
		}
		_, claimed, err := in.PushClaim(ctx, evs, specs, now, until, 1, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, c := range claimed {
			if c.Committed {
				t.Errorf("%s: the step run ahead was committed", tc.name)
			}
		}
		stateIs(tc.chat, "s1")
		if tc.name != "over the flood limit" {
			if len(claimed) != 1 || !claimed[0].Begun || claimed[0].Head.Event.UpdateID != evs[0].UpdateID {
				t.Errorf("%s: %+v; want the update accepted and begun as usual", tc.name, claimed)
			}
		}
		for _, c := range claimed {
			let(c)
		}
	}

	// A lock held elsewhere: the update waits in the inbox.
	settle(27)
	held, _, err := s.Begin(ctx, 27, 0, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c = push([]kbbot.Event{ev(27, 2)}, []*kbbot.Speculation{spec(27, 2, "s1", "s2")})
	if c.Committed || c.Begun {
		t.Fatalf("a busy chat: %+v; want claimed only", c)
	}
	stateIs(27, "s1")
	if n := rdb.LLen(ctx, keys.ChatInbox(27)).Val(); n != 1 {
		t.Fatalf("inbox of the busy chat holds %d, want the update", n)
	}
	if err := s.Renew(ctx, held, time.Minute); err != nil {
		t.Fatalf("the holder lost its lock: %v", err)
	}
}
