-- staff_remove: end a chat's staff membership and audit it.
-- KEYS[1] members (StaffMembers)   KEYS[2] the audit log (StaffAudit)
-- ARGV[1] chat id (decimal)        ARGV[2] audit entry (JSON)
-- ARGV[3] how many audit entries to keep
-- returns 1 removed, 0 the chat was not a member (nothing changed).
-- Idempotent: a retried call finds no member and writes nothing.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return 1
