-- staff_invite: store a new invite code (hashed) and audit its creation.
-- KEYS[1] the invite (StaffInvite)   KEYS[2] the audit log (StaffAudit)
-- ARGV[1] creation token (random, one per CreateInvite call)
-- ARGV[2] role             ARGV[3] area (JSON)
-- ARGV[4] creator chat     ARGV[5] created, Unix ms
-- ARGV[6] expires, Unix ms ARGV[7] the key's TTL, ms
-- ARGV[8] audit entry (JSON)  ARGV[9] how many audit entries to keep
-- returns 1 stored, 0 the code is taken by another invite (nothing changed).
-- Idempotent: a retried call finds its own token and returns 1 again
-- without a second audit entry.
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
redis.call('LPUSH', KEYS[2], ARGV[8])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[9]) - 1)
return 1
