-- staff_move: copy a hash of the staff keys' old layout to its new key
-- (StaffStore.MigrateLayout), unless the new key exists.
-- KEYS[1] the new key
-- ARGV[1] its TTL, ms (0: none)   ARGV[2 ..] field, value, ...
-- returns 1 copied, 0 the new key existed (nothing changed).
-- Idempotent: a retried call finds the new key.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if tonumber(ARGV[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
