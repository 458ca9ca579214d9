// Package fakes holds the test doubles shared by the whole module: one
// settable clock, and in-memory fakes of the store interfaces the dialog
// reaches, and the embedded content loaded once (Library). Tests of stores
// and end-to-end tests use real Redis instead;
// these are for dialog unit tests and for moving time.
package fakes

import (
	"sync"
	"time"

	"github.com/kbbot/kbbot"
)

// Clock is a clock tests set and move; nothing ever waits on it. It is
// safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

var _ kbbot.Clock = (*Clock)(nil)

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
