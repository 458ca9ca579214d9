-- rem_claim: move up to a limit of due items to in flight, with a lease.
-- KEYS: see rem_lib.lua.
-- ARGV[1] now (ms): waiting items due at or before now are due
-- ARGV[2] lease deadline (ms)
-- ARGV[3] limit (at most 1000)
-- returns a flat array {chat, line, due, chat, line, due, ...}: each claimed
--         item's line as stored now (attempts counting this claim) and the
--         due time (ms, base 36) it waited for; chats earliest first.
-- Not idempotent by nature: a retried call claims the next items; the
-- items of the lost reply come back through the reaper when their lease
-- ends, so nothing is lost, only delayed.
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[3])
local lease = tonumber(ARGV[2])
local out, n = {}, 0
local chats = redis.call('ZRANGEBYSCORE', K.next, '-inf', ARGV[1], 'LIMIT', 0, limit + 100)
for _, chat in ipairs(chats) do
  if n >= limit then break end
  local items, was = load(chat)
  local changed = false
  for _, it in ipairs(items) do
    if n < limit and it.st == 'w' and it.t <= now then
      local waited = b36(it.t)
      it.st, it.t, it.att = 'f', lease, it.att + 1
      out[#out + 1] = chat
      out[#out + 1] = line(it)
      out[#out + 1] = waited
      n = n + 1
      changed = true
    end
  end
  if changed then save(chat, items, was) end
end
return out
