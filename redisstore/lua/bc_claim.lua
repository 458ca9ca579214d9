-- bc_claim: take up to n recipients of a sending broadcast for one sender,
-- under a lease. Claims whose lease ended (their sender died) go back to
-- todo first. Recipients who stopped, blocked the bot or deleted their
-- profile since the broadcast started are skipped and counted.
-- KEYS[1] the broadcast HASH (or a shard's, BcShard)   KEYS[2] todo SET
-- KEYS[3] lease ZSET
-- KEYS[4] stopped SET   KEYS[5] blocked SET   KEYS[6] profiles HASH: only
-- in the unsharded layout; a shard's queue sits in another slot than the
-- residents' index, and the caller checks its recipients (profile "").
-- ARGV[1] now (ms)   ARGV[2] lease deadline (ms), also the claim's token
-- ARGV[3] n (at most 1000)
-- returns a flat array {chat, profile JSON, chat, profile JSON, ...};
--         empty when the broadcast is not sending or nothing is left.
-- Not idempotent by nature: a retried call claims further recipients; the
-- ones of the lost reply come back when their lease ends and are sent
-- then, never twice (nobody sent them).
if redis.call('HGET', KEYS[1], 'state') ~= 'sending' then
  return {}
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, m in ipairs(expired) do
  redis.call('ZREM', KEYS[3], m)
  redis.call('SADD', KEYS[2], m)
end
local n = tonumber(ARGV[3])
local out, skipped, tries = {}, 0, 0
while #out < 2 * n and tries < 10 * n do
  tries = tries + 1
  local m = redis.call('SPOP', KEYS[2])
  if not m then
    break
  end
  local p = ''
  if #KEYS >= 6 then
    p = redis.call('HGET', KEYS[6], m)
  end
  if not p or (#KEYS >= 6 and (redis.call('SISMEMBER', KEYS[4], m) == 1 or redis.call('SISMEMBER', KEYS[5], m) == 1)) then
    skipped = skipped + 1
  else
    redis.call('ZADD', KEYS[3], ARGV[2], m)
    out[#out + 1] = m
    out[#out + 1] = p
  end
end
if skipped > 0 then
  redis.call('HINCRBY', KEYS[1], 'skipped', skipped)
end
return out
