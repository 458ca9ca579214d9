package redisstore

import (
	"context"
	_ "embed"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/broadcast"
)

var (
	//go:embed lua/bc_renew.lua
	bcRenewLua    string
	bcRenewScript = redis.NewScript(bcRenewLua)
)

// Renew extends claim c of broadcast id until now+d, for those of
// chats it still holds, and returns the claim with its new token and
// deadline and how many it holds. held is 0 when the claim holds none of
// chats any more: they were recorded or released, or its lease ran out
// and another sender took them; c is returned unchanged then.
func (s *BroadcastStore) Renew(ctx context.Context, id string, c broadcast.Claim, chats []kbbot.ChatID, now time.Time, d time.Duration) (renewed broadcast.Claim, held int, err error) {
	if len(chats) == 0 {
		return c, 0, nil
	}
	deadline := now.Add(d).UnixMilli()
	args := make([]any, 0, len(chats)+2)
	args = append(args, c.Token, deadline)
	for _, ch := range chats {
		args = append(args, chatField(ch))
	}
	lease := s.keys.BcLease(id)
	if c.Shard >= 0 {
		lease = s.shardKeys(id, c.Shard)[2]
	}
	held, err = bcRenewScript.Run(ctx, s.rdb, []string{lease}, args...).Int()
	if err != nil {
		return c, 0, wrap("renew claim", err)
	}
	if held == 0 {
		return c, 0, nil
	}
	c.Token, c.Deadline = deadline, time.UnixMilli(deadline).UTC()
	return c, held, nil
}
