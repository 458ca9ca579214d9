package fakes_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/reminders"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func TestClockMoves(t *testing.T) {
	c := fakes.NewClock(t0)
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Fatalf("advance: %v, now %v", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("set: %v", c.Now())
	}
}

// TestStaffInviteOnce: an invite works once, not for its creator, not
// after its expiry; the store's own audit entries are written.
func TestStaffInviteOnce(t *testing.T) {
	ctx := context.Background()
	s := fakes.NewStaff(1)
	area := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	admin := cadre.Member{Chat: 1, Role: cadre.Admin}
	code, err := s.CreateInvite(ctx, admin, cadre.Kader, area, t0.Add(time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeem(ctx, code, 1, "Admin", t0); !errors.Is(err, fakes.ErrInviteOwn) {
		t.Fatalf("own: %v", err)
	}
	m, err := s.Redeem(ctx, code[:5]+"-"+code[5:], 2, "Wati", t0)
	if err != nil || m.Role != cadre.Kader || m.Area != area {
		t.Fatalf("redeem: %+v %v", m, err)
	}
	if _, err := s.Redeem(ctx, code, 3, "Sri", t0); !errors.Is(err, fakes.ErrInviteUsed) {
		t.Fatalf("second redeem: %v", err)
	}
	late, _ := s.CreateInvite(ctx, admin, cadre.Bidan, area, t0.Add(time.Hour), t0)
	if _, err := s.Redeem(ctx, late, 3, "Sri", t0.Add(time.Hour)); !errors.Is(err, fakes.ErrInviteExpired) {
		t.Fatalf("expired: %v", err)
	}
	for range fakes.InviteMaxTries {
		if _, err := s.Redeem(ctx, "NOSUCHCODE", 4, "X", t0); !errors.Is(err, fakes.ErrInviteUnknown) {
			t.Fatalf("unknown: %v", err)
		}
	}
	if _, err := s.Redeem(ctx, "NOSUCHCODE", 4, "X", t0); !errors.Is(err, fakes.ErrInviteTries) {
		t.Fatalf("tries: %v", err)
	}
	if ok, err := s.Remove(ctx, 2, admin, t0); !ok || err != nil {
		t.Fatalf("remove: %v %v", ok, err)
	}
	es, _ := s.AuditLog(ctx, cadre.Area{}, 10)
	var acts []cadre.Action
	for _, e := range es {
		acts = append(acts, e.Action)
	}
	if len(acts) != 4 || acts[0] != fakes.ActRemove || acts[1] != cadre.ActInvite || acts[2] != fakes.ActRedeem || acts[3] != cadre.ActInvite {
		t.Fatalf("audit, newest first: %v", acts)
	}
}

// TestStaffRedeemInterrupted: a redemption cut off after its first step
// is finished by the same chat's retry, dated by the first try, and
// refused to anyone else.
func TestStaffRedeemInterrupted(t *testing.T) {
	ctx := context.Background()
	s := fakes.NewStaff(1)
	area := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	code, _ := s.CreateInvite(ctx, cadre.Member{Chat: 1, Role: cadre.Admin}, cadre.Bidan, area, t0.Add(time.Hour), t0)
	cut := errors.New("cut")
	s.InterruptRedeem(cut)
	if _, err := s.Redeem(ctx, code, 2, "Ani", t0); !errors.Is(err, cut) {
		t.Fatalf("cut off: %v", err)
	}
	if _, ok, _ := s.Member(ctx, 2); ok {
		t.Fatal("a member after the first step")
	}
	if _, err := s.Redeem(ctx, code, 3, "Sri", t0); !errors.Is(err, fakes.ErrInviteUsed) {
		t.Fatalf("another chat meanwhile: %v", err)
	}
	m, err := s.Redeem(ctx, code, 2, "Ani", t0.Add(time.Minute))
	if err != nil || m.Role != cadre.Bidan || !m.Since.Equal(t0) {
		t.Fatalf("retry: %+v %v", m, err)
	}
	if _, err := s.Redeem(ctx, code, 2, "Ani", t0); !errors.Is(err, fakes.ErrInviteUsed) {
		t.Fatalf("once finished: %v", err)
	}
}

// TestRemindersByID: the ID decides; cancelling by chat or ref and kind.
func TestRemindersByID(t *testing.T) {
	ctx := context.Background()
	r := fakes.NewReminders()
	it := reminders.Item{ID: "pil:c1:1", Chat: 5, Kind: reminders.KindPil, Ref: "c1", Due: t0, NotAfter: t0.Add(time.Hour)}
	if n, err := r.Schedule(ctx, it, it); n != 1 || err != nil {
		t.Fatalf("schedule twice in one call: %d %v", n, err)
	}
	if n, _ := r.Schedule(ctx, it); n != 0 {
		t.Fatalf("the same item again changed %d", n)
	}
	if _, err := r.Schedule(ctx, reminders.Item{ID: "bad id"}); !errors.Is(err, reminders.ErrInvalid) {
		t.Fatalf("invalid: %v", err)
	}
	if n, _ := r.CancelRef(ctx, 5, "c1", reminders.KindCheckup); n != 0 {
		t.Fatal("cancelled another kind")
	}
	if n, _ := r.CancelResident(ctx, 5); n != 1 || len(r.Pending(5)) != 0 {
		t.Fatalf("cancel: %d, left %v", n, r.Pending(5))
	}
}

// TestStaffScrubResident: an erased resident's booking code leaves the
// audit log, with the kelurahan; who acted stays.
func TestStaffScrubResident(t *testing.T) {
	ctx := context.Background()
	s := fakes.NewStaff(1)
	kel := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	_ = s.Audit(ctx, cadre.AuditEntry{Actor: 7, Role: cadre.Kader, Action: "book_for", Area: kel, Detail: "KB-ABCD"})
	_ = s.Audit(ctx, cadre.AuditEntry{Actor: 7, Role: cadre.Kader, Action: "book_for", Area: kel, Detail: "KB-WXYZ"})
	n, err := s.ScrubResident(ctx, 0, []string{"kb-abcd"})
	if err != nil || n != 1 {
		t.Fatalf("scrub: %d, %v", n, err)
	}
	log, _ := s.AuditLog(ctx, cadre.Area{}, 10)
	for _, e := range log {
		if e.Detail == "KB-ABCD" || (e.Detail == fakes.ErasedMark && e.Area.Kelurahan != "") {
			t.Errorf("left after the scrub: %+v", e)
		}
		if e.Detail == "KB-WXYZ" && e.Area.Kelurahan == "" {
			t.Errorf("another resident's entry was scrubbed: %+v", e)
		}
	}
}
