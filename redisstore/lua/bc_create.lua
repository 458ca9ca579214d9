-- bc_create: store a new broadcast, scheduled for its time.
-- KEYS[1] the broadcast HASH   KEYS[2] due ZSET   KEYS[3] recent ZSET
-- ARGV[1] id   ARGV[2] JSON definition   ARGV[3] sending time (ms)
-- ARGV[4] creation time (ms)   ARGV[5] how many recent broadcasts to keep
-- returns 1 when created, 0 when the id exists (a retry, or the same dialog
-- confirmed twice): the first broadcast stands. Idempotent.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'def', ARGV[2], 'state', 'scheduled')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[5]) - 1)
return 1
