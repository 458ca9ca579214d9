-- send_acquire: lease a block of slots of one shard of the overall sending
-- schedule (see sendlimit.go: GCRA over all chats with a tolerance per
-- lane, sharded over N keys). Slots lie on a grid T apart from the epoch;
-- shard k owns the grid points whose index is k modulo N, so the shards'
-- slots never coincide and, together, are T apart as one schedule's. The
-- process sends one message per slot, each no earlier than the slot minus
-- its lane's tolerance and no later than the slot itself, so the schedule
-- holds as if every message had asked here. The pause after a 429 is not
-- read here but by a GET in the same round trip (it has its own slot).
-- KEYS[1] the shard's theoretical arrival time, µs (STRING)
-- ARGV[1] now, µs since the epoch; "" to use the Redis server's clock
-- ARGV[2] overall emission interval T, µs (1s / rate)
-- ARGV[3] the lane's tolerance, µs: how far ahead of the schedule this
--         lane may send (larger for more urgent lanes)
-- ARGV[4] how many slots to lease (at least 1)
-- ARGV[5] N, the number of shards   ARGV[6] k, this shard (0 .. N-1)
-- returns {reason, value, n, now}: reason 0 granted: value is the first
-- slot (µs), n slots follow it N*T apart, and the shard's schedule moved
-- past them; reason 3 refused by the overall limit: nothing changes and
-- value is the wait (µs). now is the time the script decided by.
-- Not idempotent: a retried grant leases more slots, never exceeding the
-- limits (the slots expire unused).
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local T = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local n = math.max(tonumber(ARGV[4]), 1)
local N = math.max(tonumber(ARGV[5] or '1'), 1)
local k = tonumber(ARGV[6] or '0')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat - tau > now then
  return {3, tat - tau - now, 0, now}
end
local first = math.max(tat, now)
if N > 1 then
  local i = math.ceil(first / T)
  i = i + (k - i) % N
  first = i * T
end
tat = first + n * N * T
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return {0, first, n, now}
