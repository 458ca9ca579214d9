-- bc_close: what is left in one shard's queue of a broadcast, and its
-- cancellation there.
-- KEYS[1] the shard's HASH   KEYS[2] the shard's todo SET
-- KEYS[3] the shard's lease ZSET
-- ARGV[1] now (ms)   ARGV[2] "1" when the broadcast is cancelled
-- returns how many recipients the shard still has: waiting or claimed
-- while sending; claimed and within their lease once cancelled (the
-- waiting ones, and claims whose sender died, then count as unsent).
-- Idempotent: a cancelled shard stays cancelled and counts each once.
local st = redis.call('HGET', KEYS[1], 'state')
if ARGV[2] == '1' and st then
  local left = redis.call('SCARD', KEYS[2])
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'state', 'cancelled')
  redis.call('HINCRBY', KEYS[1], 'unsent', left)
  st = 'cancelled'
end
if st == 'cancelled' then
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
  if #dead > 0 then
    redis.call('ZREM', KEYS[3], unpack(dead))
    redis.call('HINCRBY', KEYS[1], 'unsent', #dead)
  end
  return redis.call('ZCARD', KEYS[3])
end
return redis.call('SCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
