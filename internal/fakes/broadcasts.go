package fakes

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
	"github.com/kbbot/kbbot/cadre"
)

// Broadcasts is an in-memory store of residents' profiles and of
// broadcasts, what the dialog's BroadcastStore needs. Nothing is sent: a
// broadcast stays scheduled until cancelled. Bookings for an audience's
// ExcludeEvent are told with SetBooked.
type Broadcasts struct {
	mu       sync.Mutex
	profiles map[kbbot.ChatID]broadcast.Profile
	stopped  map[kbbot.ChatID]bool
	blocked  map[kbbot.ChatID]bool
	booked   map[string]map[kbbot.ChatID]bool
	bcs      map[string]broadcast.Broadcast
	err      error
}

// NewBroadcasts returns an empty store.
func NewBroadcasts() *Broadcasts {
	return &Broadcasts{
		profiles: map[kbbot.ChatID]broadcast.Profile{}, stopped: map[kbbot.ChatID]bool{},
		blocked: map[kbbot.ChatID]bool{}, booked: map[string]map[kbbot.ChatID]bool{},
		bcs: map[string]broadcast.Broadcast{},
	}
}

// Fail makes every later call return err (nil: work again).
func (s *Broadcasts) Fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// SetBooked records whether chat has an active booking for event, for
// audiences that leave those residents out.
func (s *Broadcasts) SetBooked(event string, chat kbbot.ChatID, booked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.booked[event] == nil {
		s.booked[event] = map[kbbot.ChatID]bool{}
	}
	s.booked[event][chat] = booked
}

// Stopped reports whether chat said /berhenti (and not /mulai since).
func (s *Broadcasts) Stopped(chat kbbot.ChatID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped[chat]
}

// Blocked reports whether chat is recorded as having blocked the bot.
func (s *Broadcasts) Blocked(chat kbbot.ChatID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blocked[chat]
}

// Profile returns a resident's area and group; ok is false when they gave
// none.
func (s *Broadcasts) Profile(_ context.Context, chat kbbot.ChatID) (broadcast.Profile, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return broadcast.Profile{}, false, s.err
	}
	p, ok := s.profiles[chat]
	return p, ok, nil
}

// SetProfile stores a valid profile (broadcast.ErrInvalid otherwise).
func (s *Broadcasts) SetProfile(_ context.Context, chat kbbot.ChatID, p broadcast.Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	s.profiles[chat] = p
	return nil
}

// DeleteProfile forgets a resident's profile.
func (s *Broadcasts) DeleteProfile(_ context.Context, chat kbbot.ChatID) error {
	return s.set(func() { delete(s.profiles, chat) })
}

// SetStopped records /berhenti (true) and /mulai (false).
func (s *Broadcasts) SetStopped(_ context.Context, chat kbbot.ChatID, stopped bool) error {
	return s.set(func() { s.stopped[chat] = stopped })
}

// SetBlocked records that the resident blocked the bot, or came back.
func (s *Broadcasts) SetBlocked(_ context.Context, chat kbbot.ChatID, blocked bool) error {
	return s.set(func() { s.blocked[chat] = blocked })
}

func (s *Broadcasts) set(f func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	f()
	return nil
}

// Places lists the places one level below parent that residents named
// (kabupaten, kecamatan, kelurahan, Kampung KB), with how many residents
// live there; names that differ in case and spacing are one place.
func (s *Broadcasts) Places(_ context.Context, parent cadre.Area) ([]broadcast.Place, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	parent = broadcast.Trim(parent)
	places := map[string]*broadcast.Place{}
	for _, p := range s.profiles {
		if !parent.Contains(p.Area) {
			continue
		}
		var name string
		switch broadcast.Depth(parent) {
		case 0:
			name = p.Area.Kabupaten
		case 1:
			name = p.Area.Kecamatan
		case 2:
			name = p.Area.Kelurahan
		case 3:
			name = p.Area.KampungKB
		}
		if name == "" {
			continue
		}
		// A place of the official list is known by its code.
		key, code := broadcast.Norm(name), ""
		if d := broadcast.Depth(parent); d < 3 && len(p.Area.Code) >= []int{5, 8, 13}[d] {
			code = p.Area.Code[:[]int{5, 8, 13}[d]]
			key = broadcast.CodePrefix + code
		}
		if places[key] == nil {
			places[key] = &broadcast.Place{Name: name, Code: code}
		}
		places[key].Residents++
	}
	out := make([]broadcast.Place, 0, len(places))
	for _, p := range places {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return broadcast.Norm(out[i].Name) < broadcast.Norm(out[j].Name) })
	return out, nil
}

// Count returns how many residents an audience reaches now: those who
// stopped or blocked the bot, and those booked for the excluded event,
// left out.
func (s *Broadcasts) Count(_ context.Context, a broadcast.Audience) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	n := 0
	for chat, p := range s.profiles {
		if a.Includes(p) && !s.stopped[chat] && !s.blocked[chat] && !(a.ExcludeEvent != "" && s.booked[a.ExcludeEvent][chat]) {
			n++
		}
	}
	return n, nil
}

// Create stores a valid broadcast, scheduled; one with the same id is
// returned as stored instead.
func (s *Broadcasts) Create(_ context.Context, b broadcast.Broadcast) (broadcast.Broadcast, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return broadcast.Broadcast{}, s.err
	}
	if old, ok := s.bcs[b.ID]; ok {
		return old, nil
	}
	if err := b.Validate(); err != nil {
		return broadcast.Broadcast{}, err
	}
	b.State, b.Counts, b.Started, b.Finished = broadcast.Scheduled, broadcast.Counts{}, time.Time{}, time.Time{}
	s.bcs[b.ID] = b
	return b, nil
}

// Get returns a broadcast (broadcast.ErrNotFound).
func (s *Broadcasts) Get(_ context.Context, id string) (broadcast.Broadcast, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return broadcast.Broadcast{}, s.err
	}
	b, ok := s.bcs[id]
	if !ok {
		return broadcast.Broadcast{}, fmt.Errorf("broadcast %q: %w", id, broadcast.ErrNotFound)
	}
	return b, nil
}

// Recent returns up to n broadcasts, newest (by Created) first.
func (s *Broadcasts) Recent(_ context.Context, n int) ([]broadcast.Broadcast, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	out := make([]broadcast.Broadcast, 0, len(s.bcs))
	for _, b := range s.bcs {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID > out[j].ID
	})
	return out[:min(n, len(out))], nil
}

// Cancel stops a scheduled or sending broadcast (what is left counts as
// unsent) and returns it as it is now; a finished one is left as it is.
func (s *Broadcasts) Cancel(_ context.Context, id string, now time.Time) (broadcast.Broadcast, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return broadcast.Broadcast{}, s.err
	}
	b, ok := s.bcs[id]
	if !ok {
		return broadcast.Broadcast{}, fmt.Errorf("broadcast %q: %w", id, broadcast.ErrNotFound)
	}
	if b.State.Open() {
		b.Counts.Unsent += b.Counts.Left()
		b.State, b.Finished = broadcast.Cancelled, now.UTC()
		s.bcs[id] = b
	}
	return b, nil
}
