-- rem_retry: put a claimed item back to due at a later time.
-- KEYS: see rem_lib.lua.
-- ARGV[1] id   ARGV[2] version   ARGV[3] new due time (ms)
-- returns 1 moved; 0 gone or done; -1 another version (cancelled and
--        scheduled anew meanwhile: left as it is).
-- Idempotent: a retried call moves it to the same time again.
local p = redis.call('HGET', K.items, ARGV[1])
if not p or redis.call('ZSCORE', K.done, ARGV[1]) then
  return 0
end
if parse(p).version ~= ARGV[2] then
  return -1
end
redis.call('ZREM', K.inflight, ARGV[1])
redis.call('ZADD', K.due, ARGV[3], ARGV[1])
return 1
