-- bc_started: end the start of a broadcast whose recipients are all in
-- the shards' queues: it is sending (or cancelled, when a cancel came
-- while it started) and active.
-- KEYS[1] the broadcast HASH   KEYS[2] due ZSET   KEYS[3] active SET
-- KEYS[4] the stage SET
-- ARGV[1] id
-- returns 1 when this call ended the start, 0 when it was not starting.
-- Idempotent: the state moves once.
if redis.call('HGET', KEYS[1], 'state') ~= 'starting' then
  return 0
end
local st = 'sending'
if redis.call('HGET', KEYS[1], 'cancel') == '1' then
  st = 'cancelled'
end
redis.call('HSET', KEYS[1], 'state', st)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
