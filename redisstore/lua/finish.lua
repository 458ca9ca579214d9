-- finish: drop the delivered entries from the head of a chat's outbox, or
-- the whole outbox, and release the lock (or keep it, to acknowledge each
-- reply as it is sent).
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] outbox
-- ARGV[1] lease token
-- ARGV[2] "1" to drop the whole outbox, "0" to remove only ARGV[4..]
-- ARGV[3] "1" to release the lock, "0" to keep it
-- ARGV[4..] ids of the delivered entries, oldest first (each entry is "<id>|<json>")
-- returns the outbox length left; -1 when the lease was lost (nothing changed).
-- Idempotent: an id no longer at the head is skipped, so a retry removes nothing more.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
else
  outbox_ack(KEYS[2], 4, #ARGV)
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
end
return redis.call('LLEN', KEYS[2])
