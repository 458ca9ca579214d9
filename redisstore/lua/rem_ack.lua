-- rem_ack: mark delivered (or deliberately dropped) items done.
-- KEYS: see rem_lib.lua.
-- ARGV[1..] one group of 3 per item: id, version, purge time of the
--           tombstone (ms)
-- returns the number of items marked done.
-- An item that is gone or already done is skipped, and so is one whose
-- version differs (it was cancelled and scheduled anew meanwhile); so a
-- retried call changes nothing. A tombstone keeps the payload and indexes
-- until the reaper purges it, and makes scheduling the id again a no-op.
local n = 0
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  local p = redis.call('HGET', K.items, id)
  if p and not redis.call('ZSCORE', K.done, id) and parse(p).version == ARGV[i + 1] then
    redis.call('ZREM', K.due, id)
    redis.call('ZREM', K.inflight, id)
    redis.call('HDEL', K.attempts, id)
    redis.call('ZADD', K.done, ARGV[i + 2], id)
    n = n + 1
  end
end
return n
