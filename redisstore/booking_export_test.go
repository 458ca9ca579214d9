package redisstore

import (
	"context"
	"time"

	"github.com/kbbot/kbbot/booking"
)

// ExpireOffersAs runs ExpireOffers with a given hand-out id, as a go-redis
// retry of one call would.
func (s *BookingStore) ExpireOffersAs(ctx context.Context, now time.Time, handout string) ([]booking.Offer, error) {
	return s.expireOffers(ctx, now, handout)
}
