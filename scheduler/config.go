package scheduler

import (
	"time"

	"github.com/kbbot/kbbot/reminders"
)

// Config tunes a Scheduler. Zero values take the defaults in brackets.
type Config struct {
	// Every is the time between sweeps [5 s].
	Every time.Duration
	// Lease is how long a claimed item stays in flight before the reaper
	// may hand it to someone else [DefaultLease]. The sweeper renews it
	// every Lease/3 while it handles the batch, and only a sweep reaps,
	// under the sweep lock, which the sweeper holding the items extends
	// while it works: the lease matters only when that sweeper died, and
	// bounds how soon its items are taken over (with LockTTL and Every:
	// within 30 s). An item handled twice is sent once: the dispatcher
	// deduplicates on its key.
	Lease time.Duration
	// Batch is how many items one claim takes [200].
	Batch int
	// MaxPerSweep bounds the items one sweep claims [20,000].
	MaxPerSweep int
	// Workers is how many items are handled at once; items of one chat are
	// handled in order by one worker [16].
	Workers int
	// LockName names the sweep lock; processes sharing it take turns
	// ["sweep:reminders"].
	LockName string
	// LockTTL is the sweep lock's TTL, extended every LockTTL/3 while a
	// sweep runs [10 s].
	LockTTL time.Duration
	// Quiet is the quiet hours checked at send time [reminders.DefaultQuiet];
	// point it at a zero QuietHours to disable them.
	Quiet *reminders.QuietHours
	// DefaultZone is used for an item without a (known) zone
	// ["Asia/Jakarta"].
	DefaultZone string
	// HandleTimeout bounds one call of the handler [30 s].
	HandleTimeout time.Duration
	// RetryBase and RetryMax shape the backoff after a failed delivery:
	// RetryBase·2^(attempt-1), at most RetryMax [30 s, 15 min].
	RetryBase time.Duration
	RetryMax  time.Duration
	// BusyDelay is the wait before retrying an item whose chat was busy
	// [5 s].
	BusyDelay time.Duration
	// MaxAttempts: an item claimed more often than this is dropped with a
	// log line [10].
	MaxAttempts int
	// JobTimeout bounds a run of a job added with Add [5 min].
	JobTimeout time.Duration
}

// DefaultLease is the default Config.Lease: with sweeps every 5 s, a
// killed sweeper's claimed items are handed on within 25 s.
const DefaultLease = 20 * time.Second

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&c.Every, 5*time.Second)
	def(&c.Lease, DefaultLease)
	def(&c.LockTTL, 10*time.Second)
	def(&c.HandleTimeout, 30*time.Second)
	def(&c.RetryBase, 30*time.Second)
	def(&c.RetryMax, 15*time.Minute)
	def(&c.BusyDelay, 5*time.Second)
	def(&c.JobTimeout, 5*time.Minute)
	defInt(&c.Batch, 200)
	defInt(&c.MaxPerSweep, 20000)
	defInt(&c.Workers, 16)
	defInt(&c.MaxAttempts, 10)
	if c.LockName == "" {
		c.LockName = "sweep:reminders"
	}
	if c.Quiet == nil {
		q := reminders.DefaultQuiet
		c.Quiet = &q
	}
	if c.DefaultZone == "" {
		c.DefaultZone = "Asia/Jakarta"
	}
	return c
}
