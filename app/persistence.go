package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/kbbot/kbbot/redisstore"
)

// persistenceProblems says, one sentence each, what p could lose:
// snapshots only (AOF off), nothing on disk, or eviction.
func persistenceProblems(p redisstore.Persistence) []string {
	var out []string
	switch {
	case !p.AOF && p.RDB:
		out = append(out, fmt.Sprintf("Redis has AOF off and keeps only RDB snapshots: up to %s of bookings, reminders and sessions could be lost on a crash; set appendonly yes and appendfsync everysec", p.SaveEvery))
	case !p.AOF && !p.RDB:
		out = append(out, "Redis keeps nothing on disk (AOF off, no RDB snapshots): every booking, reminder and session is lost when Redis restarts; set appendonly yes and appendfsync everysec")
	}
	if p.Evicts {
		out = append(out, fmt.Sprintf("Redis maxmemory-policy is %s, not noeviction: when memory runs out Redis deletes keys, bookings and reminders among them; set maxmemory-policy noeviction", p.Policy))
	}
	return out
}

// checkPersistence warns, once per problem, when Redis could lose data;
// with KBBOT_REQUIRE_PERSISTENCE=1 the problems are an error instead.
func (a *App) checkPersistence(ctx context.Context) error {
	p, err := redisstore.CheckPersistence(ctx, a.rdb)
	if err != nil {
		if a.cfg.RequirePersistence {
			return fmt.Errorf("KBBOT_REQUIRE_PERSISTENCE=1, but Redis's persistence settings cannot be read: %w", err)
		}
		a.log.Warn("cannot read Redis persistence settings; make sure appendonly is on and maxmemory-policy is noeviction", "error", err)
		return nil
	}
	problems := persistenceProblems(p)
	if a.cfg.RequirePersistence && len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, pr := range problems {
			errs[i] = errors.New(pr)
		}
		return fmt.Errorf("KBBOT_REQUIRE_PERSISTENCE=1 and Redis could lose data:\n%w", errors.Join(errs...))
	}
	for _, pr := range problems {
		a.log.Warn(pr, "appendonly", p.AOF, "rdb", p.RDB, "maxmemory_policy", p.Policy)
	}
	return nil
}
