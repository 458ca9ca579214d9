package redisstore

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMergeSlots checks that a new lease's slots merge into the pool in
// order of local time.
func TestMergeSlots(t *testing.T) {
	for range 200 {
		a := make([]lslot, rand.IntN(20))
		b := make([]lslot, 1+rand.IntN(20))
		for i := range a {
			a[i].local = rand.Int64N(50)
		}
		for i := range b {
			b[i].local = rand.Int64N(50)
		}
		less := func(x, y lslot) int { return int(x.local - y.local) }
		slices.SortFunc(a, less)
		slices.SortFunc(b, less)
		pool := append(slices.Clone(a), b...)
		want := slices.Clone(pool)
		slices.SortStableFunc(want, less)
		mergeSlots(pool, len(a), slices.Clone(b))
		if !slices.Equal(pool, want) {
			t.Fatalf("merge of %v and %v: %v", a, b, pool)
		}
	}
}
