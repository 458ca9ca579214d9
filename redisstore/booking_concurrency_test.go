package redisstore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

// TestConcurrentCancelChangeWaitlist runs bookings, cancels (some twice
// at once), changes, waitlist joins, accepts, declines and expiries at the
// same time from two store instances, then checks that every counter
// equals the active bookings plus held offers, within its limit, and that
// nobody holds two bookings.
func TestConcurrentCancelChangeWaitlist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "")
	stores := []booking.Store{e.store, redisstore.NewBookingStore(redistest.Client(t), e.keys, e.clock, redisstore.BookingOptions{OfferTTL: time.Hour})}
	places := []booking.Place{
		{FacilityID: "pkm-a", SessionID: "0800", Method: booking.IUD},
		{FacilityID: "pkm-a", SessionID: "1000", Method: booking.IUD},
		{FacilityID: "pkm-a", SessionID: "0800", Method: booking.Implan},
		{FacilityID: "pkm-a", SessionID: "1000", Method: booking.Implan},
		{FacilityID: "pmb-b", SessionID: "0900", Method: booking.IUD},
	}
	var unexpected sync.Map
	var okMu sync.Mutex
	succeeded := map[string]int{}
	note := func(op string, err error) {
		if err == nil {
			okMu.Lock()
			succeeded[op]++
			okMu.Unlock()
		}
		switch {
		case err == nil, errors.Is(err, booking.ErrFull), errors.Is(err, booking.ErrAlreadyBooked),
			errors.Is(err, booking.ErrNotFound), errors.Is(err, booking.ErrOfferExpired), errors.Is(err, booking.ErrClosed):
		default:
			unexpected.Store(op+": "+err.Error(), true)
		}
	}
	const residents = 60
	var wg sync.WaitGroup
	for w := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			s := stores[w%2]
			for i := range 40 {
				chat := kbbot.ChatID(1 + rng.IntN(residents))
				p := places[rng.IntN(len(places))]
				key := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				switch op := rng.IntN(10); {
				case op < 3:
					_, err := s.Book(ctx, req(chat, key, p.FacilityID, p.SessionID, p.Method))
					note("book", err)
				case op < 5:
					bs, err := s.Bookings(ctx, chat)
					note("list", err)
					if b, ok := booking.ActiveIn(bs, testEvent); ok {
						var wg2 sync.WaitGroup
						for range 2 { // a double tap on "cancel"
							wg2.Add(1)
							go func() { defer wg2.Done(); _, err := s.Cancel(ctx, b.Code, chat); note("cancel", err) }()
						}
						wg2.Wait()
					}
				case op < 7:
					bs, err := s.Bookings(ctx, chat)
					note("list", err)
					if b, ok := booking.ActiveIn(bs, testEvent); ok {
						_, err := s.Change(ctx, b.Code, chat, p)
						note("change", err)
					}
				case op < 8:
					_, err := s.JoinWaitlist(ctx, booking.WaitRequest{EventID: testEvent, FacilityID: p.FacilityID, Method: p.Method, Resident: chat})
					note("join", err)
				case op < 9:
					_, err := s.AcceptOffer(ctx, req(chat, key, "", "", ""))
					note("accept", err)
				default:
					if rng.IntN(4) == 0 {
						note("leave", s.LeaveWaitlist(ctx, testEvent, chat))
					} else {
						if rng.IntN(3) == 0 {
							e.clock.Advance(20 * time.Minute)
						}
						_, err := s.ExpireOffers(ctx, e.clock.Now())
						note("expire", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	unexpected.Range(func(k, _ any) bool {
		t.Errorf("unexpected error: %s", k)
		return true
	})
	active := checkInvariants(t, e, testEvent)
	held := 0
	offers, _ := residentState(ctx, e, testEvent)
	for _, o := range offers {
		if o[:7] == "offered" {
			held++
		}
	}
	t.Logf("%d active bookings, %d held offers at the end; calls that succeeded: %v", active, held, succeeded)
	if active == 0 {
		t.Error("nothing booked: the test exercised nothing")
	}
}
