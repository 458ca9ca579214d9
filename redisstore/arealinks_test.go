package redisstore_test

import (
	"context"
	"testing"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

func TestAreaLinksAreStableAndResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Client(t)
	s := redisstore.NewAreaLinks(rdb, redisstore.NewKeys(redistest.Prefix(t, rdb)))
	a := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}
	c1, err := s.AreaLink(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := s.AreaLink(ctx, cadre.Area{Kabupaten: " Kota Pekalongan", Kecamatan: "Pekalongan Barat "})
	if c1 != c2 || len(c1) != 10 {
		t.Fatalf("codes %q and %q: want one stable 10-character code", c1, c2)
	}
	other, _ := s.AreaLink(ctx, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"})
	if other == c1 {
		t.Fatal("two areas share a code")
	}
	got, ok, err := s.ResolveAreaLink(ctx, c1)
	if err != nil || !ok || got != a {
		t.Fatalf("resolve: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := s.ResolveAreaLink(ctx, "zzzzzzzzzz"); ok {
		t.Fatal("an unknown code resolved")
	}
}
