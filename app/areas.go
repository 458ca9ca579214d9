package app

import (
	"context"
	"fmt"

	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content/wilayah"
	"github.com/kbbot/kbbot/redisstore"
)

// resolveArea finds an area stored by name on the official list
// (wilayah.List.Resolve), reading the list at the first call.
func resolveArea(a cadre.Area) (cadre.Area, bool) {
	l, err := wilayah.Load()
	if err != nil {
		return cadre.Area{}, false
	}
	return l.Resolve(a)
}

// MigrateAreas gives areas stored by name (before the official list) their
// Kemendagri code where their names are on the list, the same after
// normalisation, and unique there: residents' profiles (and so the
// audience index), scheduled broadcasts' audiences, staff members and area links
// (redisstore.MigrateAreas). New runs it before serving; profiles and
// links once (the key <prefix>areas:migrated marks it: delete it to run
// again), staff members at every start. It logs counts only.
func (a *App) MigrateAreas(ctx context.Context) (redisstore.AreaMigration, error) {
	m, err := redisstore.MigrateAreas(ctx, a.rdb, redisstore.NewKeys(a.cfg.RedisPrefix), resolveArea)
	if err != nil {
		return m, fmt.Errorf("app: migrate areas to codes: %w", err)
	}
	if !m.Done || m.Members > 0 {
		a.log.Info("areas given their Kemendagri codes", "profiles", m.Profiles, "unmatched_profiles", m.Unmatched,
			"members", m.Members, "links", m.Links, "broadcasts", m.Broadcasts)
	}
	return m, nil
}
