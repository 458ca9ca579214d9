-- bc_fill: copy one chunk of a starting broadcast's recipients into one
-- shard's queue. The caller cuts each shard's recipients into chunks the
-- same way every time (sorted), so a chunk goes in once however many
-- processes finish the start.
-- KEYS[1] the shard's HASH (BcShard)   KEYS[2] the shard's todo SET
-- ARGV[1] the chunk's number (from 0)   ARGV[2 ..] chat ids
-- returns 1 when the chunk went in, 0 when it was in already.
-- Idempotent: the shard counts the chunks in "filled".
if tonumber(redis.call('HGET', KEYS[1], 'filled') or '0') ~= tonumber(ARGV[1]) then
  return 0
end
for i = 2, #ARGV, 1000 do
  redis.call('SADD', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('HSET', KEYS[1], 'filled', tonumber(ARGV[1]) + 1)
redis.call('HSETNX', KEYS[1], 'state', 'sending')
return 1
