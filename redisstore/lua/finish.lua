-- finish: drop the delivered entries from the head of a chat's outbox, or
-- the whole outbox, and release the lock.
-- KEYS[1] lock   KEYS[2] outbox
-- ARGV[1] lease token
-- ARGV[2] "1" to drop the whole outbox, "0" to remove only ARGV[3..]
-- ARGV[3..] ids of the delivered entries, oldest first (each entry is "<id>|<json>")
-- returns the outbox length left; -1 when the lease was lost (nothing changed).
-- Idempotent: an id no longer at the head is skipped, so a retry removes nothing more.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
else
  for i = 3, #ARGV do
    local head = redis.call('LINDEX', KEYS[2], 0)
    if head and string.sub(head, 1, #ARGV[i] + 1) == ARGV[i] .. '|' then
      redis.call('LPOP', KEYS[2])
    end
  end
end
redis.call('DEL', KEYS[1])
return redis.call('LLEN', KEYS[2])
