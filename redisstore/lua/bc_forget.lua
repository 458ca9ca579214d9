-- bc_forget: take a resident who deleted their data out of the recipients
-- not yet claimed of the broadcasts being sent, counting them skipped.
-- KEYS[2i-1] a broadcast HASH   KEYS[2i] its todo SET, for i = 1 .. #KEYS/2
-- ARGV[1] chat id
-- returns how many broadcasts had the resident waiting. Idempotent.
local n = 0
for i = 1, #KEYS, 2 do
  if redis.call('SREM', KEYS[i + 1], ARGV[1]) == 1 then
    redis.call('HINCRBY', KEYS[i], 'skipped', 1)
    n = n + 1
  end
end
return n
