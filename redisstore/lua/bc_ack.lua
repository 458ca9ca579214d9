-- bc_ack: record what became of the messages to claimed recipients.
-- KEYS[1] the broadcast HASH (or a shard's, BcShard)   KEYS[2] lease ZSET
-- KEYS[3] blocked SET: only in the unsharded layout (the caller adds a
-- sharded broadcast's blocked recipients itself)
-- ARGV[1] the claim's token (its lease deadline, ms)
-- ARGV[2] outcome: delivered, blocked, failed or skipped
-- ARGV[3 ..] chat ids
-- returns how many were recorded: those the claim still held (not
-- recorded before, and their lease not taken over by someone else).
-- Idempotent: a repeated call finds the claim gone and counts nothing.
local n = 0
for i = 3, #ARGV do
  local score = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[2], ARGV[i])
    if ARGV[2] == 'blocked' and KEYS[3] then
      redis.call('SADD', KEYS[3], ARGV[i])
    end
    n = n + 1
  end
end
if n > 0 then
  redis.call('HINCRBY', KEYS[1], ARGV[2], n)
end
return n
