-- send_acquire: ask for permission to send one message now (see
-- sendlimit.go for the scheme: GCRA over all chats with a tolerance per
-- lane, GCRA per chat, and a pause after a 429).
-- KEYS[1] overall theoretical arrival time, µs (STRING)
-- KEYS[2] pause-until time, µs (STRING)
-- KEYS[3] per-chat schedules: member chat id, score the earliest time of
--         its next message, µs (ZSET)
-- ARGV[1] now, µs since the epoch; "" to use the Redis server's clock
-- ARGV[2] overall emission interval, µs (1s / rate)
-- ARGV[3] the lane's tolerance, µs: how far ahead of the overall
--         schedule this lane may send (larger for more urgent lanes)
-- ARGV[4] the chat's emission interval, µs; 0: no per-chat limit
-- ARGV[5] the chat id
-- ARGV[6] the longest chat interval, µs (for the ZSET's TTL)
-- returns {wait µs, reason}: {0, 0} granted (the overall and chat
-- schedules advance by one message); otherwise nothing changes and
-- reason says who refused: 1 a pause after a 429, 2 the chat's limit,
-- 3 the overall limit.
-- Not idempotent: a retried grant uses one more slot, never exceeding
-- the limits (it only wastes a slot).
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local pause = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if pause > now then
  return {pause - now, 1}
end
local ci = tonumber(ARGV[4])
local ctat = 0
if ci > 0 then
  ctat = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[5]) or '0') or 0
  if ctat > now then
    return {ctat - now, 2}
  end
end
local T = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat - tau > now then
  return {tat - tau - now, 3}
end
tat = math.max(tat, now) + T
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
if ci > 0 then
  -- Chats whose interval has passed are free again: drop them.
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now))
  redis.call('ZADD', KEYS[3], string.format('%.0f', now + ci), ARGV[5])
  redis.call('PEXPIRE', KEYS[3], math.floor(tonumber(ARGV[6]) / 1000) + 1000)
end
return {0, 0}
