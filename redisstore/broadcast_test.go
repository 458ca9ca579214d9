package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

var (
	bcNow       = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 09:00 WIB
	bcBarat     = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	bcBendan    = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	bcPodosugih = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Podosugih"}
	bcTimur     = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur", Kelurahan: "Noyontaan"}
)

func newBroadcastStore(t *testing.T, booked redisstore.BookedFunc) *redisstore.BroadcastStore {
	t.Helper()
	rdb := redistest.GuardedClient(t)
	return redisstore.NewBroadcastStore(rdb, redisstore.NewKeys(redistest.Prefix(t, rdb)), booked)
}

func bcSetProfile(t *testing.T, s *redisstore.BroadcastStore, chat kbbot.ChatID, a cadre.Area, g cadre.Group) {
	t.Helper()
	if err := s.SetProfile(context.Background(), chat, broadcast.Profile{Area: a, Group: g, Lang: "id"}); err != nil {
		t.Fatal(err)
	}
}

func bcCount(t *testing.T, s *redisstore.BroadcastStore, a broadcast.Audience) int {
	t.Helper()
	n, err := s.Count(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func bcNew(id string, a broadcast.Audience, at time.Time) broadcast.Broadcast {
	return broadcast.Broadcast{ID: id, Author: 900, AuthorRole: cadre.Kader, Lang: "id", Audience: a,
		Text: "Besok ada KB serentak", Zone: "Asia/Jakarta", Created: bcNow, At: at}
}

func TestResidentProfilesMoveBetweenAudiences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	bcSetProfile(t, s, 1, bcBendan, cadre.IbuHamil)
	bcSetProfile(t, s, 2, bcBendan, "")
	bcSetProfile(t, s, 3, bcPodosugih, cadre.IbuHamil)
	bcSetProfile(t, s, 4, bcTimur, cadre.Catin)

	cases := []struct {
		name string
		a    broadcast.Audience
		want int
	}{
		{"everyone", broadcast.Audience{}, 4},
		{"kota", broadcast.Audience{Area: cadre.Area{Kabupaten: "kota pekalongan"}}, 4},
		{"kecamatan", broadcast.Audience{Area: bcBarat}, 3},
		{"kelurahan, other case", broadcast.Audience{Area: cadre.Area{Kabupaten: "KOTA PEKALONGAN", Kecamatan: "pekalongan  barat", Kelurahan: "bendan kergon"}}, 2},
		{"group in kecamatan", broadcast.Audience{Area: bcBarat, Group: cadre.IbuHamil}, 2},
		{"group in kelurahan", broadcast.Audience{Area: bcPodosugih, Group: cadre.IbuHamil}, 1},
		{"group nobody has", broadcast.Audience{Area: bcBarat, Group: cadre.Catin}, 0},
		{"other kota", broadcast.Audience{Area: cadre.Area{Kabupaten: "Kota Jambi"}}, 0},
	}
	for _, c := range cases {
		if got := bcCount(t, s, c.a); got != c.want {
			t.Errorf("%s: %d recipients, want %d", c.name, got, c.want)
		}
	}

	// Moving house and changing group leaves no trace in the old sets.
	bcSetProfile(t, s, 1, bcTimur, cadre.PascaSalin)
	if got := bcCount(t, s, broadcast.Audience{Area: bcBendan}); got != 1 {
		t.Errorf("after a move, Bendan Kergon has %d, want 1", got)
	}
	if got := bcCount(t, s, broadcast.Audience{Group: cadre.IbuHamil}); got != 1 {
		t.Errorf("after a change of group, ibu hamil has %d, want 1", got)
	}
	p, ok, err := s.Profile(ctx, 1)
	if err != nil || !ok || p.Area != bcTimur || p.Group != cadre.PascaSalin {
		t.Fatalf("profile: %+v %v %v", p, ok, err)
	}

	places, err := s.Places(ctx, bcBarat)
	if err != nil {
		t.Fatal(err)
	}
	want := []broadcast.Place{{Name: "Bendan Kergon", Residents: 1}, {Name: "Podosugih", Residents: 1}}
	if !slices.Equal(places, want) {
		t.Errorf("places in Pekalongan Barat: %+v, want %+v", places, want)
	}
	if places, _ := s.Places(ctx, cadre.Area{}); len(places) != 1 || places[0].Name != "Kota Pekalongan" || places[0].Residents != 4 {
		t.Errorf("kabupaten: %+v", places)
	}

	// Opt-outs leave the audience; erasure leaves everything.
	if err := s.SetStopped(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBlocked(ctx, 3, true); err != nil {
		t.Fatal(err)
	}
	if got := bcCount(t, s, broadcast.Audience{Area: bcBarat}); got != 0 {
		t.Errorf("with 2 stopped and 3 blocked, Pekalongan Barat reaches %d, want 0", got)
	}
	if err := s.SetStopped(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	if got := bcCount(t, s, broadcast.Audience{Area: bcBarat}); got != 1 {
		t.Errorf("after /mulai, Pekalongan Barat reaches %d, want 1", got)
	}
	for _, c := range []kbbot.ChatID{1, 2, 3, 4} {
		if err := s.EraseResident(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if got := bcCount(t, s, broadcast.Audience{}); got != 0 {
		t.Errorf("after erasure everyone is %d, want 0", got)
	}
	if _, ok, _ := s.Profile(ctx, 1); ok {
		t.Error("profile survived erasure")
	}
	if out, _ := s.OptedOut(ctx, 3); out {
		t.Error("blocked mark survived erasure")
	}
	if err := s.SetProfile(ctx, 5, broadcast.Profile{Area: cadre.Area{Kabupaten: "Kota Pekalongan"}}); !errors.Is(err, broadcast.ErrInvalid) {
		t.Errorf("a profile without kecamatan: %v, want ErrInvalid", err)
	}
}

func TestConcurrentProfileChangesKeepTheIndexExact(t *testing.T) {
	t.Parallel()
	s := newBroadcastStore(t, nil)
	areas := []cadre.Area{bcBendan, bcPodosugih, bcTimur}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 30 {
				bcSetProfile(t, s, 1, areas[(w+i)%3], cadre.Groups()[(w*i)%5])
			}
		})
	}
	wg.Wait()
	total := 0
	for _, a := range areas {
		total += bcCount(t, s, broadcast.Audience{Area: a})
	}
	groups := 0
	for _, g := range cadre.Groups() {
		groups += bcCount(t, s, broadcast.Audience{Group: g})
	}
	if total != 1 || groups != 1 {
		t.Fatalf("one resident is in %d kelurahan and %d groups, want 1 and 1", total, groups)
	}
}

// send claims and acks everything of a broadcast as delivered.
func bcSendAll(t *testing.T, s *redisstore.BroadcastStore, id string, now time.Time) []kbbot.ChatID {
	t.Helper()
	ctx := context.Background()
	var got []kbbot.ChatID
	for {
		c, err := s.Claim(ctx, id, 7, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Recipients) == 0 {
			return got
		}
		for _, r := range c.Recipients {
			if ok, err := s.Ack(ctx, id, c, r.Chat, broadcast.Delivered); err != nil || !ok {
				t.Fatalf("ack: %v %v", ok, err)
			}
			got = append(got, r.Chat)
		}
	}
}

func TestBroadcastLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, func(context.Context, string) ([]kbbot.ChatID, error) { return []kbbot.ChatID{3}, nil })
	for c := kbbot.ChatID(1); c <= 20; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	bcSetProfile(t, s, 21, bcTimur, "")
	a := broadcast.Audience{Area: bcBarat, ExcludeEvent: "kbs-1"}
	if n := bcCount(t, s, a); n != 19 {
		t.Fatalf("audience less the booked resident: %d, want 19", n)
	}
	b := bcNew(broadcast.NewID(900, "n1"), a, bcNow.Add(time.Hour))
	got, err := s.Create(ctx, b)
	if err != nil || got.State != broadcast.Scheduled {
		t.Fatalf("create: %+v %v", got, err)
	}
	again := b
	again.Text = "changed"
	if got, err := s.Create(ctx, again); err != nil || got.Text != b.Text {
		t.Fatalf("creating the same id again must keep the first: %+v %v", got, err)
	}
	if started, err := s.StartDue(ctx, bcNow); err != nil || len(started) != 0 {
		t.Fatalf("started before its time: %v %v", started, err)
	}
	// Two processes sweep at once: it starts once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var starts []string
	for range 4 {
		wg.Go(func() {
			ids, err := s.StartDue(ctx, bcNow.Add(time.Hour))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			starts = append(starts, ids...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(starts) != 1 {
		t.Fatalf("started %d times, want once", len(starts))
	}
	// One resident stops after the start: skipped, not sent.
	if err := s.SetStopped(ctx, 5, true); err != nil {
		t.Fatal(err)
	}
	sent := bcSendAll(t, s, b.ID, bcNow.Add(time.Hour))
	if len(sent) != 18 || slices.Contains(sent, 5) || slices.Contains(sent, 3) || slices.Contains(sent, 21) {
		t.Fatalf("sent to %v", sent)
	}
	active, _ := s.Active(ctx)
	if len(active) != 1 {
		t.Fatalf("active: %+v", active)
	}
	report, err := s.Finish(ctx, b.ID, bcNow.Add(time.Hour), time.Minute)
	if err != nil || !report {
		t.Fatalf("finish: %v %v", report, err)
	}
	if again, _ := s.Finish(ctx, b.ID, bcNow.Add(time.Hour), time.Minute); again {
		t.Fatal("two senders got the report")
	}
	if err := s.Reported(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, b.ID)
	want := broadcast.Counts{Total: 19, Delivered: 18, Skipped: 1}
	if got.State != broadcast.Done || got.Counts != want {
		t.Fatalf("final: %s %+v, want done %+v", got.State, got.Counts, want)
	}
	if active, _ := s.Active(ctx); len(active) != 0 {
		t.Fatalf("still active after the report: %+v", active)
	}
	if c, _ := s.Cancel(ctx, b.ID, bcNow); c.State != broadcast.Done {
		t.Fatalf("cancelling a finished broadcast changed it: %s", c.State)
	}
	recent, _ := s.Recent(ctx, 5)
	if len(recent) != 1 || recent[0].ID != b.ID {
		t.Fatalf("recent: %+v", recent)
	}
}

func TestBroadcastClaimsSurviveACrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	for c := kbbot.ChatID(1); c <= 10; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(900, "n2"), broadcast.Audience{Area: bcBendan}, bcNow)
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartDue(ctx, bcNow); err != nil {
		t.Fatal(err)
	}
	// A sender claims 4, delivers 1 and dies.
	dead, err := s.Claim(ctx, b.ID, 4, bcNow, time.Minute)
	if err != nil || len(dead.Recipients) != 4 {
		t.Fatalf("claim: %+v %v", dead, err)
	}
	if ok, _ := s.Ack(ctx, b.ID, dead, dead.Recipients[0].Chat, broadcast.Delivered); !ok {
		t.Fatal("ack refused")
	}
	// Another sender takes the rest; the dead claims wait for their lease.
	live := bcSendAll(t, s, b.ID, bcNow.Add(30*time.Second))
	if len(live) != 6 {
		t.Fatalf("the live sender got %d, want 6", len(live))
	}
	if report, _ := s.Finish(ctx, b.ID, bcNow.Add(30*time.Second), time.Minute); report {
		t.Fatal("finished with claims in flight")
	}
	// After the lease, the 3 unacknowledged come back, once.
	back := bcSendAll(t, s, b.ID, bcNow.Add(2*time.Minute))
	if len(back) != 3 {
		t.Fatalf("after the lease %d came back, want 3", len(back))
	}
	for _, r := range dead.Recipients[1:] {
		if !slices.Contains(back, r.Chat) {
			t.Errorf("%d was claimed by the dead sender and not resent", r.Chat)
		}
		// The dead sender's late acks count nothing.
		if ok, _ := s.Ack(ctx, b.ID, dead, r.Chat, broadcast.Delivered); ok {
			t.Errorf("a stale claim recorded %d", r.Chat)
		}
	}
	if report, _ := s.Finish(ctx, b.ID, bcNow.Add(2*time.Minute), time.Minute); !report {
		t.Fatal("not finished")
	}
	got, _ := s.Get(ctx, b.ID)
	if got.Counts != (broadcast.Counts{Total: 10, Delivered: 10}) {
		t.Fatalf("counts %+v", got.Counts)
	}
}

func TestBroadcastCancelAndRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	for c := kbbot.ChatID(1); c <= 10; c++ {
		bcSetProfile(t, s, c, bcBendan, cadre.Umum)
	}
	// Cancelled before its time: never starts.
	early := bcNew(broadcast.NewID(900, "n3"), broadcast.Audience{Area: bcBendan}, bcNow.Add(time.Hour))
	if _, err := s.Create(ctx, early); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Cancel(ctx, early.ID, bcNow); err != nil || c.State != broadcast.Cancelled {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if ids, _ := s.StartDue(ctx, bcNow.Add(2*time.Hour)); len(ids) != 0 {
		t.Fatal("a cancelled broadcast started")
	}
	// Cancelled while sending: what is claimed finishes, the rest is unsent.
	b := bcNew(broadcast.NewID(900, "n4"), broadcast.Audience{Area: bcBendan, Group: cadre.Umum}, bcNow)
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartDue(ctx, bcNow); err != nil {
		t.Fatal(err)
	}
	c, err := s.Claim(ctx, b.ID, 3, bcNow, time.Minute)
	if err != nil || len(c.Recipients) != 3 {
		t.Fatalf("claim: %+v %v", c, err)
	}
	// A stopping sender gives one back.
	if err := s.Release(ctx, b.ID, c, []kbbot.ChatID{c.Recipients[2].Chat}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, b.ID, bcNow); err != nil {
		t.Fatal(err)
	}
	if more, _ := s.Claim(ctx, b.ID, 3, bcNow, time.Minute); len(more.Recipients) != 0 {
		t.Fatal("claimed from a cancelled broadcast")
	}
	if report, _ := s.Finish(ctx, b.ID, bcNow, time.Minute); report {
		t.Fatal("reported with messages in flight")
	}
	s.Ack(ctx, b.ID, c, c.Recipients[0].Chat, broadcast.Delivered)
	s.Ack(ctx, b.ID, c, c.Recipients[1].Chat, broadcast.Blocked)
	if report, _ := s.Finish(ctx, b.ID, bcNow, time.Minute); !report {
		t.Fatal("no report after cancel")
	}
	got, _ := s.Get(ctx, b.ID)
	want := broadcast.Counts{Total: 10, Delivered: 1, Blocked: 1, Unsent: 8}
	if got.State != broadcast.Cancelled || got.Counts != want {
		t.Fatalf("got %s %+v, want cancelled %+v", got.State, got.Counts, want)
	}
	if out, _ := s.OptedOut(ctx, c.Recipients[1].Chat); !out {
		t.Error("a 403 did not mark the resident blocked")
	}
}

func TestBroadcastSkipsErasedResidents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBroadcastStore(t, nil)
	for c := kbbot.ChatID(1); c <= 5; c++ {
		bcSetProfile(t, s, c, bcBendan, "")
	}
	b := bcNew(broadcast.NewID(900, "n5"), broadcast.Audience{Area: bcBendan}, bcNow)
	s.Create(ctx, b)
	s.StartDue(ctx, bcNow)
	if err := s.EraseResident(ctx, 4); err != nil {
		t.Fatal(err)
	}
	sent := bcSendAll(t, s, b.ID, bcNow)
	if len(sent) != 4 || slices.Contains(sent, 4) {
		t.Fatalf("sent to %v", sent)
	}
	got, _ := s.Get(ctx, b.ID)
	if got.Counts != (broadcast.Counts{Total: 5, Delivered: 4, Skipped: 1}) {
		t.Fatalf("counts %+v", got.Counts)
	}
}

func TestBookedChatsListsActiveBookings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	for i, c := range []kbbot.ChatID{11, 12, 13} {
		if _, err := e.store.Book(ctx, req(c, fmt.Sprint("k", i), "pkm-a", "0800", booking.IUD)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := e.store.Bookings(ctx, 12)
	if _, err := e.store.Cancel(ctx, b[0].Code, 12); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.BookedChats(ctx, testEvent)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []kbbot.ChatID{11, 13}) {
		t.Fatalf("booked: %v, want [11 13]", got)
	}
}
