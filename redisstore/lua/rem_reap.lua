-- rem_reap: return items whose lease ended to waiting, and purge old
-- tombstones, for the chats whose next time has come.
-- KEYS: see rem_lib.lua.
-- ARGV[1] now (ms)   ARGV[2] limit of chats visited (at most 1000)
-- returns {returned, purged, chats visited}.
-- Returned items are due at once (t = now). Idempotent: a retried call
-- finds nothing more to do for the same items.
local now = tonumber(ARGV[1])
local returned, purged = 0, 0
local chats = redis.call('ZRANGEBYSCORE', K.next, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, chat in ipairs(chats) do
  local items, was = load(chat)
  local changed = false
  for _, it in ipairs(items) do
    if it.st == 'f' and it.t <= now then
      it.st, it.t = 'w', now
      returned = returned + 1
      changed = true
    end
  end
  local n
  items, n = without(items, function(it) return it.st == 'd' and it.t <= now end)
  purged = purged + n
  if changed or n > 0 then save(chat, items, was) end
end
return { returned, purged, #chats }
