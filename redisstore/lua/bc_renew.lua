-- bc_renew: extend the lease of a claim whose sender is still at work, so
-- that a short lease frees a dead sender's recipients soon while a live,
-- slow one keeps its own.
-- KEYS[1] lease ZSET (of the queue shard the claim came from)
-- ARGV[1] the claim's token (its lease deadline, ms)   ARGV[2] the new
-- deadline (ms), the claim's new token   ARGV[3 ..] chat ids of the claim
-- returns how many recipients the claim still held and now holds until the
-- new deadline; 0 when it holds none (recorded, released, or its lease ran
-- out and another sender took them).
-- Idempotent: a repeated call with the new token as ARGV[1] moves nothing.
local n = 0
for i = 3, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    n = n + 1
  end
end
return n
