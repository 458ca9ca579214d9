-- rem_reap: return items whose lease ended to due, and purge old tombstones.
-- KEYS: see rem_lib.lua.
-- ARGV[1] now (ms)   ARGV[2] limit per kind of work (at most 1000)
-- returns {returned, purged}.
-- Returned items are due at once (score now). Idempotent: a retried call
-- finds nothing more to do for the same items.
local ids = redis.call('ZRANGEBYSCORE', K.inflight, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local returned = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', K.inflight, id)
  if redis.call('HEXISTS', K.items, id) == 1 then
    redis.call('ZADD', K.due, ARGV[1], id)
    returned = returned + 1
  end
end
local old = redis.call('ZRANGEBYSCORE', K.done, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(old) do
  local p = redis.call('HGET', K.items, id)
  if p then
    forget(id, parse(p))
  else
    redis.call('ZREM', K.done, id)
  end
end
return { returned, #old }
