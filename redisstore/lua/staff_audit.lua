-- staff_audit: append the audit entry of one step sequence (an invite, a
-- redemption, a removal) once.
-- KEYS[1] the audit log (StaffAudit)   KEYS[2] its mark (StaffAuditOnce)
-- ARGV[1] the entry (JSON)   ARGV[2] how many audit entries to keep
-- ARGV[3] how long the mark is kept, ms
-- returns 1 appended, 0 appended before (nothing changed).
-- Idempotent: a retried call finds the mark.
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  return 0
end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 1
