-- begin: take a chat's lock and read what a conversation step needs.
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] state   KEYS[3] handled (see chat_lib)
-- KEYS[4] outbox   KEYS[5] resident record   KEYS[6] legacy set of handled ids
-- KEYS[7] inbox (read only when ARGV[3] is "-1")
-- ARGV[1] new lock token
-- ARGV[2] lock TTL, ms
-- ARGV[3] update id ("0": none to check; "-1": the update at the head of
--         the inbox, which is returned, so the intake needs no round trip
--         to read it)
-- ARGV[4] digest of the event key ("": none to check)
-- returns false when another holder has the lock (nothing changed), else
--         {state or false, 1 if the update or event key was handled before
--          else 0, record or false, the inbox's head entry or false,
--          outbox entries...}
-- Retrying is safe: a retry of a call that took the lock finds its own token.
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  return false
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local seen = 0
local upd = tonumber(ARGV[3])
local head = false
if upd == -1 then
  head = redis.call('LINDEX', KEYS[7], 0)
  upd = 0
  if head then
    upd = tonumber(string.match(head, '^(%d+)|')) or 0
  end
end
if (upd ~= 0 or ARGV[4] ~= '') and handled_has(handled_load(KEYS[3], KEYS[6]), upd, ARGV[4]) then
  seen = 1
end
local out = {redis.call('GET', KEYS[2]), seen, redis.call('GET', KEYS[5]), head}
local entries = redis.call('LRANGE', KEYS[4], 0, -1)
for i = 1, #entries do
  out[#out + 1] = entries[i]
end
return out
