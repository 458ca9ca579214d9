package booking_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// TestCheckInRegister: a check-in's register line must hold together, and
// a new or switching client given a method that takes an informed consent
// must have it (the SIGA rule); a continuing client need not.
func TestCheckInRegister(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 10, 2, 0, 0, 0, time.UTC)
	ci := func(m booking.Method, c booking.Category, r booking.Register) booking.CheckIn {
		return booking.CheckIn{Code: "KB-7QH4XM", By: 900, At: at, Method: m, Category: c, Register: r}
	}
	pbi := booking.JKNPBI
	for _, tc := range []struct {
		name    string
		ci      booking.CheckIn
		consent bool // want ErrNoConsent
		bad     bool // want ErrInvalid
	}{
		{"new IUD with consent", ci(booking.IUD, booking.NewAcceptor, booking.Register{Consent: true, JKN: pbi}), false, false},
		{"new IUD after delivery", ci(booking.IUD, booking.NewAcceptor, booking.Register{Post: booking.PostPartum, Consent: true, JKN: pbi}), false, false},
		{"new IUD without consent", ci(booking.IUD, booking.NewAcceptor, booking.Register{JKN: pbi}), true, false},
		{"new suntik1 without consent", ci(booking.Suntik1, booking.NewAcceptor, booking.Register{JKN: pbi}), true, false},
		{"new MOP without consent", ci(booking.MOP, booking.NewAcceptor, booking.Register{JKN: pbi}), true, false},
		{"switch to implant without consent", ci(booking.Implan, booking.Switching, booking.Register{From: booking.Pil, JKN: pbi}), true, false},
		{"new pill without consent", ci(booking.Pil, booking.NewAcceptor, booking.Register{JKN: pbi}), false, false},
		{"continuing suntik3 without consent", ci(booking.Suntik3, booking.Continuing, booking.Register{JKN: booking.JKNNone}), false, false},
		{"implant replaced", ci(booking.Implan, booking.Continuing, booking.Register{Removed: booking.Implan, JKN: pbi}), false, false},
		{"switch from IUD, removed", ci(booking.Implan, booking.Switching, booking.Register{From: booking.IUD, Removed: booking.IUD, Consent: true, JKN: pbi}), false, false},
		{"removal of an implant", ci(booking.Implan, booking.RemovalOnly, booking.Register{Removed: booking.Implan, JKN: pbi}), false, false},
		{"failure of an IUD, removed, complication", ci(booking.IUD, booking.Failure, booking.Register{Removed: booking.IUD, Complication: true, JKN: pbi}), false, false},
		{"no JKN answer", ci(booking.Pil, booking.NewAcceptor, booking.Register{}), false, true},
		{"post-partum continuing", ci(booking.Pil, booking.Continuing, booking.Register{Post: booking.PostPartum, JKN: pbi}), false, true},
		{"switch without from", ci(booking.Pil, booking.Switching, booking.Register{JKN: pbi}), false, true},
		{"switch from the same", ci(booking.Pil, booking.Switching, booking.Register{From: booking.Pil, JKN: pbi}), false, true},
		{"from without a switch", ci(booking.Pil, booking.NewAcceptor, booking.Register{From: booking.IUD, JKN: pbi}), false, true},
		{"removal of pills", ci(booking.Pil, booking.RemovalOnly, booking.Register{Removed: booking.Pil, JKN: pbi}), false, true},
		{"removal without the method", ci(booking.Implan, booking.RemovalOnly, booking.Register{JKN: pbi}), false, true},
		{"new acceptor with a removal", ci(booking.Implan, booking.NewAcceptor, booking.Register{Removed: booking.Implan, Consent: true, JKN: pbi}), false, true},
		{"switch removing another method", ci(booking.Implan, booking.Switching, booking.Register{From: booking.IUD, Removed: booking.Implan, Consent: true, JKN: pbi}), false, true},
	} {
		err := tc.ci.Validate()
		switch {
		case tc.consent && !errors.Is(err, booking.ErrNoConsent):
			t.Errorf("%s: %v, want ErrNoConsent", tc.name, err)
		case tc.bad && (!errors.Is(err, booking.ErrInvalid) || errors.Is(err, booking.ErrNoConsent)):
			t.Errorf("%s: %v, want ErrInvalid", tc.name, err)
		case !tc.consent && !tc.bad && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if !booking.IUD.LongActing() || !booking.MOP.LongActing() || booking.Suntik3.LongActing() || booking.Kondom.LongActing() {
		t.Error("MKJP is IUD, implan, MOW and MOP")
	}
}
