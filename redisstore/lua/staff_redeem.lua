-- staff_redeem: the first step of a redemption (StaffStore.Redeem): use an
-- invite code once, leaving beside it the redemption in progress, which
-- the next steps (membership, audit entry) finish and then delete.
-- KEYS[1] the invite (StaffInvite)
-- KEYS[2] the redemption in progress (StaffRedeeming)
-- ARGV[1] chat id (decimal)          ARGV[2] now, Unix ms
-- ARGV[3] redemption token (random, one per Redeem call)
-- ARGV[4] '1' when the chat tried too many unknown codes lately
-- ARGV[5] how long the redemption in progress is kept, ms
-- returns {status, role, area JSON, creator, token, at ms}; status is
--   'ok'      redeemed now, or a redemption by this chat is in progress
--             (role, area, creator, token and time are that redemption's);
--   'unknown' no such code (the caller counts a failed try);
--   'used'    redeemed before (by anyone, with no redemption of this chat
--             in progress);
--   'own'     the chat created the invite (nothing changed);
--   'expired' past its expiry;
--   'tries'   the chat tried too many unknown codes lately (nothing checked).
-- Idempotent: a retried call (same chat) finds its redemption in progress
-- and returns it again without writing anything.
local p = redis.call('HMGET', KEYS[2], 'chat', 'tok', 'at', 'role', 'area', 'by')
if p[1] and p[1] == ARGV[1] then
  return {'ok', p[4], p[5], p[6], p[2], p[3]}
end
if ARGV[4] == '1' then
  return {'tries', '', '', '', '', ''}
end
local inv = redis.call('HMGET', KEYS[1], 'role', 'area', 'by', 'expires', 'used_tok')
local role, area, by, expires, used = inv[1], inv[2], inv[3], inv[4], inv[5]
if not role then
  return {'unknown', '', '', '', '', ''}
end
if used then
  return {'used', '', '', '', '', ''}
end
if by == ARGV[1] then
  return {'own', '', '', '', '', ''}
end
if tonumber(ARGV[2]) >= tonumber(expires) then
  return {'expired', '', '', '', '', ''}
end
-- Who redeemed is in the members shard and the audit log, which /hapusdata
-- clears; the invite, which outlives a membership, keeps only when. The
-- redemption in progress names the chat for at most its TTL.
redis.call('HSET', KEYS[1], 'used_tok', ARGV[3], 'used_at', ARGV[2])
redis.call('HSET', KEYS[2], 'chat', ARGV[1], 'tok', ARGV[3], 'at', ARGV[2], 'role', role, 'area', area, 'by', by)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {'ok', role, area, by, ARGV[3], ARGV[2]}
