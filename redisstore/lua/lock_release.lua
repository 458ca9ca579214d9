-- lock_release: release a named lock only if it is still ours.
-- KEYS[1] lock key
-- ARGV[1] owner token
-- returns 1 released; 0 the lock was gone or someone else's.
-- Idempotent: a retried call finds it gone and returns 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
