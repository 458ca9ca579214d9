package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
)

// TestBroadcastClaimRenewed: a renewed claim keeps its recipients past its
// first lease, and acks count under its new token only; a claim whose
// lease ran out before a renewal, its recipients taken by another sender,
// renews nothing and records nothing.
func TestBroadcastClaimRenewed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	for c := kbbot.ChatID(1); c <= 6; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(901, "n3"), broadcast.Audience{Area: bcBendan}, bcNow)
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartDue(ctx, bcNow); err != nil {
		t.Fatal(err)
	}
	const lease = 15 * time.Second
	slow, err := s.Claim(ctx, b.ID, 3, bcNow, lease)
	if err != nil || len(slow.Recipients) != 3 {
		t.Fatalf("claim: %+v %v", slow, err)
	}
	chats := func(c broadcast.Claim) []kbbot.ChatID {
		var out []kbbot.ChatID
		for _, r := range c.Recipients {
			out = append(out, r.Chat)
		}
		return out
	}
	if other := bcSendAll(t, s, b.ID, bcNow); len(other) != 3 {
		t.Fatalf("another sender got %v, want the 3 not claimed", other)
	}
	// Renewed every 5 s for a minute: another sender never gets them.
	renewed := slow
	for at := bcNow.Add(5 * time.Second); at.Before(bcNow.Add(time.Minute)); at = at.Add(5 * time.Second) {
		var held int
		if renewed, held, err = s.Renew(ctx, b.ID, renewed, chats(slow), at, lease); err != nil || held != 3 {
			t.Fatalf("renew at %v: held %d, %v", at.Sub(bcNow), held, err)
		}
		if other := bcSendAll(t, s, b.ID, at); len(other) != 0 {
			t.Fatalf("at %v another sender took %v of a renewed claim", at.Sub(bcNow), other)
		}
	}
	if ok, _ := s.Ack(ctx, b.ID, slow, slow.Recipients[0].Chat, broadcast.Delivered); ok {
		t.Fatal("an ack under the claim's first token counted after a renewal")
	}
	if ok, _ := s.Ack(ctx, b.ID, renewed, slow.Recipients[0].Chat, broadcast.Delivered); !ok {
		t.Fatal("an ack under the renewed token did not count")
	}

	// The sender stops renewing (it died): after the lease another takes
	// the two left, and a late renewal holds nothing.
	last := bcNow.Add(55 * time.Second)
	back := bcSendAll(t, s, b.ID, last.Add(lease+time.Millisecond))
	if len(back) != 2 {
		t.Fatalf("after the lease another sender got %v, want the 2 left", back)
	}
	if _, held, err := s.Renew(ctx, b.ID, renewed, chats(slow), last.Add(lease+time.Second), lease); err != nil || held != 0 {
		t.Fatalf("a late renewal held %d (%v), want 0", held, err)
	}
	if report, _ := s.Finish(ctx, b.ID, last.Add(time.Minute), time.Minute); !report {
		t.Fatal("not finished")
	}
	if got, _ := s.Get(ctx, b.ID); got.Counts != (broadcast.Counts{Total: 6, Delivered: 6}) {
		t.Fatalf("counts %+v", got.Counts)
	}
}
