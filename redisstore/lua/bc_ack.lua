-- bc_ack: record what became of the message to one claimed recipient.
-- KEYS[1] the broadcast HASH   KEYS[2] lease ZSET   KEYS[3] blocked SET
-- ARGV[1] chat id   ARGV[2] the claim's token (its lease deadline, ms)
-- ARGV[3] outcome: delivered, blocked or failed
-- returns 1 when recorded, 0 when the recipient is not held by this claim
-- (already recorded, or the lease ended and someone else took it).
-- Idempotent: a repeated call finds the claim gone and counts nothing.
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
if ARGV[3] == 'blocked' then
  redis.call('SADD', KEYS[3], ARGV[1])
end
return 1
