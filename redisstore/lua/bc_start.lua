-- bc_start: start a scheduled broadcast whose time has come: choose its
-- recipients once (the audience, less residents who stopped, blocked the
-- bot or are booked for the excluded event) into the stage set, and mark
-- it starting, sharded over queues: one per ARGV[5] recipients, at most
-- ARGV[4]. The caller then copies the
-- stage into the shards' queues (bc_fill) and calls bc_started.
-- KEYS[1] the broadcast HASH   KEYS[2] due ZSET   KEYS[3] active SET
-- KEYS[4] the audience's area SET (or all)   KEYS[5] the group SET
-- KEYS[6] stopped SET   KEYS[7] blocked SET
-- KEYS[8] SET of residents booked for the excluded event (may not exist)
-- KEYS[9] the broadcast's stage SET
-- ARGV[1] id   ARGV[2] now (ms)   ARGV[3] "1" when the audience keeps one group
-- ARGV[4] the most shards   ARGV[5] recipients per shard
-- returns the number of recipients; -3 when it is starting already (the
-- caller finishes the start: every step is idempotent); -1 when the
-- broadcast is not scheduled (started by another process, or cancelled),
-- -2 when it is not due yet.
-- Idempotent: only the first call chooses the recipients, so they are
-- chosen once however many processes try.
local st = redis.call('HGET', KEYS[1], 'state')
if st == 'starting' then
  redis.call('DEL', KEYS[8])
  return -3
end
if st ~= 'scheduled' then
  redis.call('DEL', KEYS[8])
  return -1
end
local at = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not at or tonumber(at) > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[8])
  return -2
end
if ARGV[3] == '1' then
  redis.call('SINTERSTORE', KEYS[9], KEYS[4], KEYS[5])
else
  redis.call('SUNIONSTORE', KEYS[9], KEYS[4])
end
local n = redis.call('SDIFFSTORE', KEYS[9], KEYS[9], KEYS[6], KEYS[7], KEYS[8])
redis.call('DEL', KEYS[8])
local shards = math.max(1, math.min(tonumber(ARGV[4]), math.ceil(n / tonumber(ARGV[5]))))
redis.call('HSET', KEYS[1], 'state', 'starting', 'total', n, 'started', ARGV[2], 'shards', shards)
return n
