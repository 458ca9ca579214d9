package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/redisstore"
)

// TestE2EEraseScrubsAuditLog: a resident's booking was checked in and
// booked-for by staff, and written in the audit log with its code and the
// facility's kelurahan; App.EraseResident (what /hapusdata runs) leaves
// the log without the code, the kelurahan or the chat id, and leaves the
// entries about others and the staff's own facts as they were.
func TestE2EEraseScrubsAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	importDemo(t, e, p)
	ctx := context.Background()
	bookAt := func(chat kbbot.ChatID, key string) booking.Booking {
		t.Helper()
		b, err := p.App.Bookings.Book(ctx, booking.Request{EventID: "kbs-pekalongan-demo", FacilityID: "pkm-bendan", SessionID: "0800",
			Method: booking.IUD, Resident: chat, Name: "Dewi", ConsentAt: testStart, IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mine, theirs := bookAt(8801, "a"), bookAt(8802, "b")
	// The staff store of the same deployment (same Redis and prefix).
	staff := redisstore.NewStaffStore(e.rdb, redisstore.NewKeys(e.prefix), redisstore.StaffOptions{})
	bendan := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	for _, en := range []cadre.AuditEntry{
		{At: testStart, Actor: 501, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: bendan, Detail: mine.Code},
		{At: testStart, Actor: 501, Role: cadre.Kader, Action: cadre.ActCheckIn, Area: bendan, Detail: theirs.Code},
	} {
		if err := staff.Audit(ctx, en); err != nil {
			t.Fatal(err)
		}
	}

	if err := p.App.EraseResident(ctx, 8801); err != nil {
		t.Fatal(err)
	}
	log, err := staff.AuditLog(ctx, cadre.Area{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 {
		t.Fatalf("audit log: %+v", log)
	}
	for _, en := range log {
		switch {
		case en.Detail == theirs.Code:
			if en.Area != bendan {
				t.Errorf("another resident's entry changed: %+v", en)
			}
		case en.Detail == "[dihapus]":
			if en.Area.Kelurahan != "" || en.Area.Kecamatan != "Pekalongan Barat" || en.Actor != 501 || en.Action != cadre.ActCheckIn {
				t.Errorf("scrubbed entry: %+v", en)
			}
		default:
			t.Errorf("entry still names the erased resident's booking: %+v", en)
		}
	}
	raw := strings.Join(e.rdb.LRange(ctx, redisstore.NewKeys(e.prefix).StaffAudit(), 0, -1).Val(), "\n")
	if strings.Contains(raw, mine.Code) || strings.Contains(raw, "8801") {
		t.Errorf("audit log still names the resident: %s", raw)
	}
	if _, err := p.App.Bookings.Get(ctx, mine.Code); err == nil {
		t.Error("booking kept after the erasure")
	}
}
