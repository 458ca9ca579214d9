-- guess_miss: count one unknown code a user tried (GuessLimiter.Miss).
-- KEYS[1] the user's misses of this kind (Keys.GuessUser)
-- ARGV[1] the user's window, ms (from the first miss)
-- returns the misses counted in the window.
-- Not idempotent: a retried call counts the miss twice (in the caller's
-- favour of caution).
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
