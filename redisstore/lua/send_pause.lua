-- send_pause: stop all sending, by every process, until now + ARGV[2]
-- (Telegram answered 429 with retry_after).
-- KEYS[1] pause-until time, µs (STRING)
-- ARGV[1] now, µs since the epoch; "" to use the Redis server's clock
-- ARGV[2] the pause, µs
-- returns how long the pause now lasts from now, µs.
-- Idempotent: the pause only ever moves later (the later of the stored
-- and the new end wins), so a retried call changes nothing but a few µs.
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local untl = now + tonumber(ARGV[2])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if cur >= untl then
  return cur - now
end
redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', math.floor(tonumber(ARGV[2]) / 1000) + 1)
return untl - now
