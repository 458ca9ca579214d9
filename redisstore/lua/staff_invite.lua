-- staff_invite: store a new invite code (hashed). Its audit entry is
-- appended next by staff_audit, with the same token.
-- KEYS[1] the invite (StaffInvite)
-- ARGV[1] creation token (random, one per CreateInvite call)
-- ARGV[2] role             ARGV[3] area (JSON)
-- ARGV[4] creator chat     ARGV[5] created, Unix ms
-- ARGV[6] expires, Unix ms ARGV[7] the key's TTL, ms
-- returns 1 stored, 0 the code is taken by another invite (nothing changed).
-- Idempotent: a retried call finds its own token and returns 1 again.
local tok = redis.call('HGET', KEYS[1], 'tok')
if tok then
  if tok == ARGV[1] then
    return 1
  end
  return 0
end
redis.call('HSET', KEYS[1], 'tok', ARGV[1], 'role', ARGV[2], 'area', ARGV[3],
  'by', ARGV[4], 'created', ARGV[5], 'expires', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 1
