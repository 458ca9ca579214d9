-- bc_finish: close a broadcast whose recipients are all dealt with, and
-- let one sender send its report.
-- KEYS[1] the broadcast HASH   KEYS[2] todo SET   KEYS[3] lease ZSET
-- KEYS[4] active SET
-- ARGV[1] id   ARGV[2] now (ms)   ARGV[3] report lease deadline (ms)
-- ARGV[4] how many recipients the shards' queues still have (bc_close);
-- a sharded broadcast's todo and lease here are empty
-- returns 1 when the caller is to send the report (then call bc_reported),
--         0 when not: recipients are left, another sender holds the
--         report, or it was sent.
-- Idempotent: the state moves once; the report lease hands the report to
-- one sender at a time.
local st = redis.call('HGET', KEYS[1], 'state')
if st == 'sending' then
  if redis.call('SCARD', KEYS[2]) > 0 or redis.call('ZCARD', KEYS[3]) > 0 or tonumber(ARGV[4]) > 0 then
    return 0
  end
  redis.call('HSET', KEYS[1], 'state', 'done', 'finished', ARGV[2])
elseif st == 'cancelled' then
  -- Claims of a cancelled broadcast whose sender died count as unsent.
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
  if #dead > 0 then
    redis.call('ZREM', KEYS[3], unpack(dead))
    redis.call('HINCRBY', KEYS[1], 'unsent', #dead)
  end
  if redis.call('ZCARD', KEYS[3]) > 0 or tonumber(ARGV[4]) > 0 then
    return 0
  end
  if not redis.call('HGET', KEYS[1], 'finished') then
    redis.call('HSET', KEYS[1], 'finished', ARGV[2])
  end
elseif st ~= 'done' then
  redis.call('SREM', KEYS[4], ARGV[1])
  return 0
end
if redis.call('HGET', KEYS[1], 'reported') == '1' then
  redis.call('SREM', KEYS[4], ARGV[1])
  return 0
end
local lease = redis.call('HGET', KEYS[1], 'report_lease')
if lease and tonumber(lease) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'report_lease', ARGV[3])
return 1
