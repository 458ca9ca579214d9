-- outbox_aside: move outbox entries that cannot be decoded to the chat's
-- dead letters, while the chat's lease is held.
-- KEYS[1] lock   KEYS[2] outbox   KEYS[3] dead letters
-- ARGV[1] lease token   ARGV[2] dead-letter TTL, ms   ARGV[3] dead letters kept
-- ARGV[4..] the entries, as stored
-- returns the number moved; -1 when the lease was lost (nothing changed).
-- Idempotent: an entry no longer in the outbox is not moved again.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local n = 0
for i = 4, #ARGV do
  if redis.call('LREM', KEYS[2], 1, ARGV[i]) > 0 then
    redis.call('RPUSH', KEYS[3], 'o|' .. ARGV[i])
    n = n + 1
  end
end
if n > 0 then
  redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return n
