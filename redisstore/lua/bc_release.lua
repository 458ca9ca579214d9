-- bc_release: give back claimed recipients that were not sent to (the
-- sender is stopping), so another sender takes them at once.
-- KEYS[1] the broadcast HASH   KEYS[2] todo SET   KEYS[3] lease ZSET
-- ARGV[1] the claim's token (ms)   ARGV[2 ..] chat ids
-- returns how many went back. A recipient of a cancelled broadcast is
-- counted unsent instead. Idempotent: only recipients still held by the
-- claim move.
local n = 0
local open = redis.call('HGET', KEYS[1], 'state') == 'sending'
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[3], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[3], ARGV[i])
    if open then
      redis.call('SADD', KEYS[2], ARGV[i])
    else
      redis.call('HINCRBY', KEYS[1], 'unsent', 1)
    end
    n = n + 1
  end
end
return n
