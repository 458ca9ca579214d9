-- finish: drop the delivered entries from the head of a chat's outbox, or
-- the whole outbox, and release the lock (or keep it, to acknowledge each
-- reply as it is sent). Given the inbox entry the step handled, it also
-- takes that entry off the chat's inbox (as intake_ack does) and returns
-- the next one, so the intake needs no round trip of its own.
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] outbox   KEYS[3] inbox   KEYS[4] intake state
-- ARGV[1] lease token
-- ARGV[2] "1" to drop the whole outbox, "0" to remove only ARGV[5..]
-- ARGV[3] "1" to release the lock, "0" to keep it
-- ARGV[4] the inbox entry handled, as read ("": none)
-- ARGV[5..] ids of the delivered entries, oldest first (each entry is "<id>|<json>")
-- returns {outbox length left, the inbox's head entry or false}; -1 for the
-- length when the lease was lost (nothing changed).
-- Idempotent: an id or entry no longer at the head is skipped, so a retry
-- removes nothing more.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1, false}
end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
else
  outbox_ack(KEYS[2], 5, #ARGV)
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
end
local head = false
if ARGV[4] ~= '' then
  head = redis.call('LINDEX', KEYS[3], 0)
  if head == ARGV[4] then
    redis.call('LPOP', KEYS[3])
    redis.call('HDEL', KEYS[4], 'tid', 'tn')
    head = redis.call('LINDEX', KEYS[3], 0)
  end
end
return {redis.call('LLEN', KEYS[2]), head}
