-- intake_ack: remove a handled entry from the head of a chat's inbox.
-- KEYS[1] inbox   KEYS[2] intake state
-- ARGV[1] the entry as read
-- returns the entry now at the head (nil when the inbox is empty), so the
-- worker needs no second round trip to read it.
-- Idempotent: an entry no longer at the head is not removed again.
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], 'tid', 'tn')
end
return redis.call('LINDEX', KEYS[1], 0)
