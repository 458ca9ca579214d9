-- intake_claim: take up to n chats with waiting updates from one shard of
-- the ready index, holding each until a deadline.
-- KEYS[1] ready (ZSET chat -> Unix ms from which it may be taken)
-- ARGV[1] now (Unix ms)   ARGV[2] claim deadline (Unix ms)   ARGV[3] n
-- returns the chat ids claimed.
-- A retried call claims further chats; those it claimed before are free
-- again at their deadline.
local chats = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #chats do
  redis.call('ZADD', KEYS[1], ARGV[2], chats[i])
end
return chats
