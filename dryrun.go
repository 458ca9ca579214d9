package kbbot

import (
	"context"
	"fmt"
	"sync/atomic"
)

// ErrDryRun is the error a store returns, without reaching its backend,
// when called within a dry run (WithDryRun). It wraps ErrUnavailable, so a
// step treats it like a store that cannot be reached.
var ErrDryRun = fmt.Errorf("dry run: no store may be reached: %w", ErrUnavailable)

// DryRun watches a step run ahead of its update's acceptance (see
// Speculation): Touched reports whether anything in it tried to reach a
// store, in which case its result is thrown away.
type DryRun struct {
	touched atomic.Bool
}

// Touched reports whether a store was asked for anything during the run.
func (d *DryRun) Touched() bool { return d.touched.Load() }

type dryRunKey struct{}

// WithDryRun returns ctx marking a dry run, and the DryRun that records
// whether a store was asked for anything within it.
func WithDryRun(ctx context.Context) (context.Context, *DryRun) {
	d := new(DryRun)
	return context.WithValue(ctx, dryRunKey{}, d), d
}

// InDryRun reports whether ctx belongs to a dry run, without marking it.
func InDryRun(ctx context.Context) bool {
	_, ok := ctx.Value(dryRunKey{}).(*DryRun)
	return ok
}

// RefuseDryRun is what every store calls before it reaches its backend:
// within a dry run it marks the run touched and returns ErrDryRun; else
// nil.
func RefuseDryRun(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	d, ok := ctx.Value(dryRunKey{}).(*DryRun)
	if !ok {
		return nil
	}
	d.touched.Store(true)
	return ErrDryRun
}
