-- ack: remove the oldest outbox entry once it is delivered.
-- KEYS[1] lock   KEYS[2] outbox
-- ARGV[1] lease token
-- ARGV[2] id of the delivered entry (the id prefix "<id>|" of the entry)
-- returns remaining length; -1 the lease is lost; -2 the head is another
--        entry (already acked: a retried call changes nothing).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head or string.sub(head, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then
  return -2
end
redis.call('LPOP', KEYS[2])
return redis.call('LLEN', KEYS[2])
