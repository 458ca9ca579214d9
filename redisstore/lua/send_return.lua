-- send_return: give back the unused tail of a lease (send_acquire.lua)
-- when no one leased after it.
-- KEYS[1] overall theoretical arrival time, µs (STRING)
-- ARGV[1] the schedule's time right after the lease, µs
-- ARGV[2] the first unused slot of the lease, µs
-- returns 1 when the slots went back, 0 when someone leased after them
-- (then they simply stay unused: the overall rate is only lower).
-- Idempotent: once returned, the schedule no longer equals ARGV[1].
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
