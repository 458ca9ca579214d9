package redisstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kbbot/kbbot/booking"
)

func TestChangeTakesTheNewPlaceFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	b, err := e.store.Book(ctx, req(1, "k", "pkm-a", "0800", booking.IUD))
	if err != nil {
		t.Fatal(err)
	}
	// Fill session 1000 (5 places) with others.
	for i := range 5 {
		if _, err := e.store.Book(ctx, req(kbbotChat(100+i), "k", "pkm-a", "1000", booking.Implan)); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, e.rdb, e.keys.Prefix())
	var fe *booking.FullError
	_, err = e.store.Change(ctx, b.Code, 1, booking.Place{SessionID: "1000"})
	if !errors.As(err, &fe) || fe.What != booking.FullSession || fe.SessionID != "1000" {
		t.Fatalf("change to a full session: %v", err)
	}
	if after := snapshot(t, e.rdb, e.keys.Prefix()); !equalMaps(before, after) {
		t.Fatalf("a refused change changed something:\n%v", diffMaps(before, after))
	}
	// Change facility and method in one step; pmb-b has iud 3.
	c, err := e.store.Change(ctx, b.Code, 1, booking.Place{FacilityID: "pmb-b", SessionID: "0900"})
	if err != nil || c.FacilityID != "pmb-b" || c.SessionID != "0900" || c.Method != booking.IUD || c.Code != b.Code || !c.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("change: %+v %v", c, err)
	}
	// A retried change is harmless.
	if c2, err := e.store.Change(ctx, b.Code, 1, booking.Place{FacilityID: "pmb-b", SessionID: "0900"}); err != nil || c2.FacilityID != "pmb-b" {
		t.Fatalf("retried change: %+v %v", c2, err)
	}
	a, _ := e.store.Availability(ctx, testEvent, "pkm-a")
	if p, _ := a.Method(booking.IUD); p.Taken != 0 {
		t.Errorf("old place not given back: %+v", p)
	}
	if _, err := e.store.Change(ctx, b.Code, 1, booking.Place{FacilityID: "pmb-b", Method: booking.Implan}); !errors.Is(err, booking.ErrUnknownMethod) {
		t.Errorf("implan at pmb-b: %v", err)
	}
	if _, err := e.store.Change(ctx, b.Code, 2, booking.Place{SessionID: "0900"}); !errors.Is(err, booking.ErrNotYours) {
		t.Errorf("change by someone else: %v", err)
	}
	// The last IUD place at pmb-b and a swap of sessions within a full
	// quota: moving within the same quota needs no free quota.
	for i := range 2 {
		if _, err := e.store.Book(ctx, req(kbbotChat(200+i), "k", "pmb-b", "0900", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.Change(ctx, b.Code, 1, booking.Place{FacilityID: "pkm-a", SessionID: "0800"}); err != nil {
		t.Fatalf("back to pkm-a: %v", err)
	}
	if _, err := e.store.Cancel(ctx, b.Code, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Change(ctx, b.Code, 1, booking.Place{SessionID: "1000"}); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("change of a cancelled booking: %v", err)
	}
	checkInvariants(t, e, testEvent)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffMaps(a, b map[string]string) map[string][2]string {
	out := map[string][2]string{}
	for k, v := range a {
		if b[k] != v {
			out[k] = [2]string{v, b[k]}
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out[k] = [2]string{"", v}
		}
	}
	return out
}
