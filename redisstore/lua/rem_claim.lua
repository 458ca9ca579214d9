-- rem_claim: move up to a limit of due items to in flight, with a lease.
-- KEYS: see rem_lib.lua.
-- ARGV[1] now (ms): items with due time <= now are due
-- ARGV[2] lease deadline (ms)
-- ARGV[3] limit (at most 1000)
-- returns a flat array {id, payload, attempt, id, payload, attempt, ...},
--         earliest due first; attempt counts this claim.
-- Not idempotent by nature: a retried call claims the next items; the
-- items of the lost reply come back through the reaper when their lease
-- ends, so nothing is lost, only delayed.
local ids = redis.call('ZRANGEBYSCORE', K.due, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then
  return {}
end
redis.call('ZREM', K.due, unpack(ids))
local out, lease = {}, {}
for _, id in ipairs(ids) do
  local p = redis.call('HGET', K.items, id)
  if p then
    lease[#lease + 1] = ARGV[2]
    lease[#lease + 1] = id
    out[#out + 1] = id
    out[#out + 1] = p
    out[#out + 1] = redis.call('HINCRBY', K.attempts, id, 1)
  end
end
if #lease > 0 then
  redis.call('ZADD', K.inflight, unpack(lease))
end
return out
