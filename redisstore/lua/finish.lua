-- finish: drop the delivered entries from the head of a chat's outbox, or
-- the whole outbox, and release the lock (or keep it, to acknowledge each
-- reply as it is sent). Given the inbox entry the step handled, it also
-- takes that entry off the chat's inbox (as intake_ack does) and returns
-- the next one, so the intake needs no round trip of its own; asked to,
-- it keeps the lock for that next entry and begins its step (as
-- begin.lua), so a chat with updates waiting costs no trip to begin each.
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] outbox   KEYS[3] inbox   KEYS[4] intake state
-- KEYS[5] state   KEYS[6] handled   KEYS[7] resident record
-- KEYS[8] legacy set of handled ids   KEYS[9] staff hint (KEYS[5..9]
-- read only to begin)
-- ARGV[1] lease token
-- ARGV[2] "1" to drop the whole outbox, "0" to remove only ARGV[6..]
-- ARGV[3] "1" to release the lock, "0" to keep it, "2" to release it
--         unless a next entry waits in the inbox: then the lock is kept
--         for ARGV[5] ms and that entry's step begun
-- ARGV[4] the inbox entry handled, as read ("": none; with ARGV[3] "2" the
--         head is read all the same)
-- ARGV[5] lock TTL, ms (for ARGV[3] "2")
-- ARGV[6..] ids of the delivered entries, oldest first (each entry is "<id>|<json>")
-- returns {outbox length left, the inbox's head entry or false, begun}:
-- begun is false, or begin.lua's answer for the next entry; -1 for the
-- length when the lease was lost (nothing changed).
-- Idempotent: an id or entry no longer at the head is skipped, so a retry
-- removes nothing more (and a retry that began finds its own lock).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1, false}
end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
else
  outbox_ack(KEYS[2], 6, #ARGV)
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
elseif ARGV[3] == '2' then
  -- A step committed as its update was accepted (intake_spec.lua): an
  -- update pushed while its replies went out waits at the head.
  head = redis.call('LINDEX', KEYS[3], 0)
end
local begun = false
if ARGV[3] == '2' then
  if head then
    begun = chat_begin({KEYS[1], KEYS[5], KEYS[6], KEYS[2], KEYS[7], KEYS[8], KEYS[3], KEYS[9]}, ARGV[1], ARGV[5], -1, '')
  else
    redis.call('DEL', KEYS[1])
  end
end
return {redis.call('LLEN', KEYS[2]), head, begun}
