-- staff_remove: the first step of ending a chat's staff membership
-- (StaffStore.Remove, EraseResident): delete it, leaving the removal in
-- progress, which the next step (the audit entry) finishes and deletes.
-- KEYS[1] the chat's member shard (StaffMembers)
-- KEYS[2] the removal in progress (StaffLeaving)
-- ARGV[1] chat id (decimal)   ARGV[2] removal token (one per call)
-- ARGV[3] the audit entry (JSON, its area left to the caller)
-- ARGV[4] how long the removal in progress is kept, ms
-- returns {status, token, member JSON, entry JSON}; status is
--   'removed' the membership was deleted now;
--   'pending' a removal was in progress (token, member and entry are
--             that removal's; nothing changed);
--   'none'    the chat is no member (nothing changed).
-- Idempotent: a retried call finds the removal in progress.
local p = redis.call('HMGET', KEYS[2], 'tok', 'member', 'entry')
if p[1] then
  return {'pending', p[1], p[2], p[3]}
end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'none', '', '', ''}
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'tok', ARGV[2], 'member', raw, 'entry', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {'removed', ARGV[2], raw, ARGV[3]}
