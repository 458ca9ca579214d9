-- staff_tries: count a chat's failed try of an unknown invite code.
-- KEYS[1] the chat's tries (StaffTries)
-- ARGV[1] the window, ms (from the first failed try)
-- returns the tries counted in the window.
-- Not idempotent: a retried call counts the try twice (in the caller's
-- favour of caution).
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
