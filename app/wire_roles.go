package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/redisstore"
)

// wireRoles sets up the staff store (members, invites, audit log) in
// a.services, before the engine is built. Admins come from KBBOT_ADMIN_IDS.
// /hapusdata ends a member's membership. One limiter counts the unknown
// invite and check-in codes each user tries.
func (a *App) wireRoles(keys redisstore.Keys) error {
	guesses := redisstore.NewGuessLimiter(a.rdb, keys, a.clock, nil)
	s := redisstore.NewStaffStore(a.rdb, keys, redisstore.StaffOptions{Admins: a.cfg.Admins, Clock: a.clock, Guesses: guesses})
	a.services.Guesses = guesses
	a.services.Staff = s
	// Tanya bidan: questions go to the staff of the resident's area, the
	// configured admins last; /hapusdata deletes a resident's questions.
	ts := redisstore.NewTicketStore(a.rdb, keys)
	a.services.Tickets = ts
	a.services.TicketEscalate = a.cfg.TicketEscalate
	for _, id := range a.cfg.Admins {
		a.services.AdminChats = append(a.services.AdminChats, kbbot.ChatID(id))
	}
	a.erasers = append(a.erasers, ts)
	a.services.Roles = roleStore{s}
	a.services.Audit = s
	a.erasers = append(a.erasers, s)
	return nil
}

// migrateStaff moves staff members and invites of the single-slot layout
// to their shards, once (redisstore.StaffStore.MigrateLayout), then gives
// every member its staff hint, once (BackfillHints), before anything is
// served.
func (a *App) migrateStaff(ctx context.Context) error {
	s, ok := a.services.Audit.(*redisstore.StaffStore)
	if !ok {
		return nil
	}
	m, err := s.MigrateLayout(ctx)
	if err != nil {
		return fmt.Errorf("app: migrate staff keys: %w", err)
	}
	if !m.Done {
		a.log.Info("staff keys moved to the sharded layout", "members", m.Members, "invites", m.Invites)
	}
	n, done, err := s.BackfillHints(ctx)
	if err != nil {
		return fmt.Errorf("app: backfill staff hints: %w", err)
	}
	if !done {
		a.log.Info("staff hints written", "members", n)
	}
	return nil
}

// jobsRoles adds the periodic jobs of the roles flows to a.Scheduler: none,
// since invites expire by their Redis TTL.
func (a *App) jobsRoles() error { return nil }

// roleStore adapts the staff store to conversations.RoleStore, mapping the
// store's refusals to the conversations' errors.
type roleStore struct{ *redisstore.StaffStore }

// Redeem uses an invite code; see redisstore.StaffStore.Redeem.
func (r roleStore) Redeem(ctx context.Context, code string, chat kbbot.ChatID, name string, now time.Time) (m cadre.Member, err error) {
	m, err = r.StaffStore.Redeem(ctx, code, chat, name, now)
	for _, p := range [...]struct{ from, to error }{
		{redisstore.ErrInviteUnknown, conversations.ErrInviteUnknown},
		{redisstore.ErrInviteUsed, conversations.ErrInviteUsed},
		{redisstore.ErrInviteExpired, conversations.ErrInviteExpired},
		{redisstore.ErrInviteTries, conversations.ErrInviteTries},
		{redisstore.ErrInviteOwn, conversations.ErrInviteOwn},
	} {
		if errors.Is(err, p.from) {
			return m, fmt.Errorf("%w: %w", p.to, err)
		}
	}
	return m, err
}

var _ conversations.RoleStore = roleStore{}
