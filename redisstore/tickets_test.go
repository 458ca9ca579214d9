package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
	"github.com/kbbot/kbbot/tickets"
)

// TestTicketStore: open questions are listed by area, oldest first; an
// answered one leaves the list; every ticket expires on its own within
// TicketTTL; /hapusdata deletes a resident's tickets and their index
// entries.
func TestTicketStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.GuardedClient(t)
	keys := redisstore.NewKeys(redistest.Prefix(t, rdb))
	s := redisstore.NewTicketStore(rdb, keys)
	barat := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon"}
	timur := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur"}
	t0 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for i, tk := range []tickets.Ticket{
		{ID: "tb2", Chat: 11, Area: barat, Question: "kedua", Status: tickets.Open, Created: t0.Add(time.Minute)},
		{ID: "tb1", Chat: 11, Area: barat, Question: "pertama", Status: tickets.Open, Created: t0},
		{ID: "tt1", Chat: 12, Area: timur, Question: "timur", Status: tickets.Open, Created: t0},
	} {
		if err := s.Save(ctx, tk); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	open, err := s.Open(ctx, cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat"}, 10)
	if err != nil || len(open) != 2 || open[0].ID != "tb1" || open[1].ID != "tb2" {
		t.Fatalf("open in Pekalongan Barat: %+v %v, want tb1 then tb2", open, err)
	}
	tk, ok, err := s.Get(ctx, "tb1")
	if err != nil || !ok || tk.Question != "pertama" {
		t.Fatalf("get: %+v %v %v", tk, ok, err)
	}
	tk.Status, tk.Answers = tickets.Answered, []tickets.Answer{{By: 21, Name: "Bidan Ani", Role: cadre.Bidan, Text: "jawab", At: t0}}
	if err := s.Save(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.Open(ctx, cadre.Area{}, 10); len(open) != 2 {
		t.Fatalf("open everywhere after an answer: %+v, want tb2 and tt1", open)
	}
	if ttl := rdb.PTTL(ctx, keys.Ticket("tb1")).Val(); ttl <= 0 || ttl > redisstore.TicketTTL {
		t.Fatalf("a ticket's lifetime %v, want at most %v", ttl, redisstore.TicketTTL)
	}
	if err := s.EraseResident(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if mine, err := s.Of(ctx, 11); err != nil || len(mine) != 0 {
		t.Fatalf("after /hapusdata: %+v %v", mine, err)
	}
	if _, ok, _ := s.Get(ctx, "tb2"); ok {
		t.Fatal("an erased ticket is still there")
	}
	if open, _ := s.Open(ctx, cadre.Area{}, 10); len(open) != 1 || open[0].ID != "tt1" {
		t.Fatalf("open after /hapusdata: %+v, want only tt1", open)
	}
}
