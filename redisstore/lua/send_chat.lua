-- send_chat: take up to ARGV[4] tokens of one chat's bucket (GCRA with a
-- burst: a full bucket gives ARGV[3]/ARGV[2] + 1 messages at once, then one
-- per interval). The key carries the chat's own hash tag {chat:<id>}, so
-- chats spread over a cluster.
-- KEYS[1] the chat's theoretical arrival time, µs (STRING)
-- ARGV[1] now, µs since the epoch; "" to use the Redis server's clock
-- ARGV[2] the chat's emission interval, µs
-- ARGV[3] the chat's burst tolerance, µs ((burst - 1) * interval)
-- ARGV[4] how many tokens the caller would like (at least 1)
-- returns {reason, value, n, now}: reason 0 granted: value is the first
-- token's slot (µs) and n tokens follow it one interval apart, each to be
-- used no later than its slot; reason 2: the chat must wait value µs and
-- nothing changed. now is the time the script decided by.
-- Not idempotent: a retried grant takes more tokens (the chat only waits
-- longer).
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local T = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local want = math.max(tonumber(ARGV[4]), 1)
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') or 0, now)
if tat - tau > now then
  return {2, tat - tau - now, 0, now}
end
local n = math.min(want, math.floor((now + tau - tat) / T) + 1)
local first = tat
tat = first + n * T
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return {0, first, n, now}
