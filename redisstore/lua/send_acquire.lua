-- send_acquire: lease a block of slots of the overall sending schedule
-- (see sendlimit.go: GCRA over all chats with a tolerance per lane, and a
-- pause after a 429). The process sends one message per slot, each no
-- earlier than the slot minus its lane's tolerance and no later than the
-- slot itself, so the schedule holds as if every message had asked here.
-- KEYS[1] overall theoretical arrival time, µs (STRING)
-- KEYS[2] pause-until time, µs (STRING)
-- ARGV[1] now, µs since the epoch; "" to use the Redis server's clock
-- ARGV[2] overall emission interval T, µs (1s / rate)
-- ARGV[3] the lane's tolerance, µs: how far ahead of the overall
--         schedule this lane may send (larger for more urgent lanes)
-- ARGV[4] how many slots to lease (at least 1)
-- returns {reason, value, n, now}: reason 0 granted: value is the first
-- slot (µs), n slots follow it T apart, and the schedule moved past them;
-- otherwise nothing changes, value is the wait (µs) and reason says who
-- refused: 1 a pause after a 429, 3 the overall limit. now is the time
-- the script decided by.
-- Not idempotent: a retried grant leases more slots, never exceeding the
-- limits (the slots expire unused).
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local pause = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if pause > now then
  return {1, pause - now, 0, now}
end
local T = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local n = math.max(tonumber(ARGV[4]), 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat - tau > now then
  return {3, tat - tau - now, 0, now}
end
local first = math.max(tat, now)
tat = first + n * T
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return {0, first, n, now}
