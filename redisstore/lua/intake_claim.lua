-- intake_claim: take up to n chats with waiting updates from one shard of
-- the ready index, holding each until a deadline.
-- KEYS[1] ready (ZSET chat -> Unix ms from which it may be taken)
-- ARGV[1] now (Unix ms)   ARGV[2] claim deadline (Unix ms)   ARGV[3] n
-- returns {the chat ids claimed, the time (Unix ms) from which the next
-- chat still ready in this shard waits, or false when none is}, so the
-- caller can serve the shards oldest first without another round trip.
-- A retried call claims further chats; those it claimed before are free
-- again at their deadline.
local chats = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #chats do
  redis.call('ZADD', KEYS[1], ARGV[2], chats[i])
end
local nxt = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 1)
local after = false
if #nxt == 2 then
  after = nxt[2]
end
return {chats, after}
