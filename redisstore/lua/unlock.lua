-- unlock: release a lock only if it is still ours.
-- KEYS[1] lock key
-- ARGV[1] owner token
-- returns 1 when released, 0 when the lock was gone or someone else's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
