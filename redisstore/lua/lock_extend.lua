-- lock_extend: give a lock we still hold a new TTL: a named lock (Locker.Extend)
-- or a chat's lease (ChatStore.Renew), whose value is the holder's token.
-- KEYS[1] lock key
-- ARGV[1] owner token   ARGV[2] new TTL (ms)
-- returns 1 extended; 0 the lock was gone or someone else's.
-- Idempotent: a retried call sets the same TTL again.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
