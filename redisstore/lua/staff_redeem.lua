-- staff_redeem: use an invite code once, making the chat a staff member.
-- KEYS[1] the invite (StaffInvite)   KEYS[2] members (StaffMembers)
-- KEYS[3] the audit log (StaffAudit) KEYS[4] the chat's failed tries (StaffTries)
-- ARGV[1] chat id (decimal)          ARGV[2] now, Unix ms
-- ARGV[3] now as a JSON string ("\"2026-11-23T02:00:00Z\"")
-- ARGV[4] the member's name as a JSON string
-- ARGV[5] redemption token (random, one per Redeem call)
-- ARGV[6] how many audit entries to keep
-- ARGV[7] how many unknown codes a chat may try   ARGV[8] for how long, ms
-- returns {status, role, area JSON, creator}; status is
--   'ok'      redeemed now, or this very call was retried;
--   'unknown' no such code (counts as a failed try);
--   'used'    redeemed before (by anyone, in another call);
--   'own'     the chat created the invite (nothing changed);
--   'expired' past its expiry;
--   'tries'   the chat tried too many unknown codes lately (nothing checked).
-- Idempotent: a retried call finds its own token on the invite and returns
-- 'ok' again without writing anything.
local inv = redis.call('HMGET', KEYS[1], 'role', 'area', 'by', 'expires', 'used_tok')
local role, area, by, expires, used = inv[1], inv[2], inv[3], inv[4], inv[5]
if used and used == ARGV[5] then
  return {'ok', role, area, by}
end
local tries = tonumber(redis.call('GET', KEYS[4]) or '0')
if tries >= tonumber(ARGV[7]) then
  return {'tries', '', '', ''}
end
if not role then
  redis.call('INCR', KEYS[4])
  if tries == 0 then
    redis.call('PEXPIRE', KEYS[4], ARGV[8])
  end
  return {'unknown', '', '', ''}
end
if used then
  return {'used', '', '', ''}
end
if by == ARGV[1] then
  return {'own', '', '', ''}
end
if tonumber(ARGV[2]) >= tonumber(expires) then
  return {'expired', '', '', ''}
end
-- Who redeemed is in the members hash and the audit log, which /hapusdata
-- clears; the invite, which outlives a membership, keeps only when.
redis.call('HSET', KEYS[1], 'used_tok', ARGV[5], 'used_at', ARGV[2])
local r = cjson.encode(role)
redis.call('HSET', KEYS[2], ARGV[1], '{"chat":' .. ARGV[1] .. ',"role":' .. r .. ',"area":' .. area ..
  ',"name":' .. ARGV[4] .. ',"since":' .. ARGV[3] .. '}')
redis.call('LPUSH', KEYS[3], '{"at":' .. ARGV[3] .. ',"actor":' .. ARGV[1] .. ',"role":' .. r ..
  ',"action":"redeem","area":' .. area .. ',"detail":' .. cjson.encode(by) .. '}')
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
redis.call('DEL', KEYS[4])
return {'ok', role, area, by}
