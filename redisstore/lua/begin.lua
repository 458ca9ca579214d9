-- begin: take a chat's lock and read what a conversation step needs.
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] state   KEYS[3] handled (see chat_lib)
-- KEYS[4] outbox   KEYS[5] resident record   KEYS[6] legacy set of handled ids
-- KEYS[7] inbox (read only when ARGV[3] is "-1")   KEYS[8] staff hint
-- ARGV[1] new lock token
-- ARGV[2] lock TTL, ms
-- ARGV[3] update id ("0": none to check; "-1": the update at the head of
--         the inbox, which is returned, so the intake needs no round trip
--         to read it; "-2": as "-1", but an empty inbox takes no lock and
--         returns {false, 0, false, false, 0})
-- ARGV[4] digest of the event key ("": none to check)
-- returns false when another holder has the lock (nothing changed), else
--         {state or false, 1 if the update or event key was handled before
--          else 0, record or false, the inbox's head entry or false, the
--          inbox's length, 1 if the chat holds a staff hint else 0,
--          outbox entries...} (chat_lib's chat_begin)
-- Retrying is safe: a retry of a call that took the lock finds its own token.
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  return false
end
local upd = tonumber(ARGV[3])
if upd == -2 then
  if redis.call('LLEN', KEYS[7]) == 0 then
    return {false, 0, false, false, 0}
  end
  upd = -1
end
return chat_begin(KEYS, ARGV[1], ARGV[2], upd, ARGV[4])
