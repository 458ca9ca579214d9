package scheduler

import (
	"context"
	"fmt"
	"time"
)

// Purger deletes personal data whose retention has run out, as at now.
// redisstore.BookingStore implements it (the bookings of events past their
// retention); cmd wires it in.
type Purger interface {
	PurgePersonal(ctx context.Context, now time.Time) (int, error)
}

// DefaultPurgeSpec runs the retention purge hourly: data leaves within an
// hour of its retention running out, and a run finds nothing to do most of
// the time at the cost of two set reads.
const DefaultPurgeSpec = "@every 1h"

// PurgeJob is the name of the retention purge job, and of its lock.
const PurgeJob = "purge"

// AddPurge runs p on spec (as for Add; "" is DefaultPurgeSpec): each fire
// on one process only, under the job lock named after PurgeJob and the
// fire time, with now from the Scheduler's clock. A run logs how many
// events it purged, never what they held.
func (s *Scheduler) AddPurge(spec string, p Purger) error {
	if p == nil {
		return fmt.Errorf("scheduler: add purge: no purger")
	}
	if spec == "" {
		spec = DefaultPurgeSpec
	}
	return s.Add(spec, PurgeJob, s.purgeJob(p))
}

// purgeJob is one run of the purge, with the Scheduler's clock.
func (s *Scheduler) purgeJob(p Purger) func(context.Context) error {
	return func(ctx context.Context) error {
		n, err := p.PurgePersonal(ctx, s.clock.Now())
		if n > 0 {
			s.log.Info("retention purge deleted personal data", "events", n)
		}
		if err != nil {
			return fmt.Errorf("retention purge: %w", err)
		}
		return nil
	}
}
