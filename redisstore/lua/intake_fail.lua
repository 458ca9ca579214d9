-- intake_fail: count a failed try of the entry at the head of a chat's
-- inbox; at the last try, set it aside in the dead-letter list.
-- KEYS[1] inbox   KEYS[2] intake state   KEYS[3] dead letters
-- ARGV[1] the entry as read   ARGV[2] its update id
-- ARGV[3] tries allowed   ARGV[4] dead-letter TTL, ms
-- ARGV[5] dead letters kept   ARGV[6] TTL of the intake state, ms
-- returns the failed tries so far; 0 when the entry was set aside; -1
--         when it is no longer at the head (nothing changed).
-- A retried call counts one try more: at worst an entry is set aside one
-- try early.
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then
  return -1
end
local st = redis.call('HMGET', KEYS[2], 'tid', 'tn')
local tries = 1
if st[1] == ARGV[2] then
  tries = tonumber(st[2] or '0') + 1
end
if tries >= tonumber(ARGV[3]) then
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], 'tid', 'tn')
  redis.call('RPUSH', KEYS[3], 'u|' .. ARGV[1])
  redis.call('LTRIM', KEYS[3], -tonumber(ARGV[5]), -1)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return 0
end
redis.call('HSET', KEYS[2], 'tid', ARGV[2], 'tn', tries)
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return tries
