-- rem_renew: extend the lease of claimed items still in flight.
-- KEYS: see rem_lib.lua.
-- ARGV[1] new lease deadline (ms)
-- ARGV[2..] one group of 3 per item: chat, id, version
-- returns how many leases it extended.
-- An item acked, retried, reaped, cancelled or scheduled anew (another
-- version) is left alone. Idempotent.
local n, chats = 0, {}
for i = 2, #ARGV, 3 do
  local chat = ARGV[i]
  local c = chats[chat]
  if not c then
    local items, was = load(chat)
    c = { items = items, was = was }
    chats[chat] = c
  end
  local at = find(c.items, ARGV[i + 1])
  local it = at and c.items[at]
  if it and it.st == 'f' and it.v == ARGV[i + 2] then
    it.t = tonumber(ARGV[1])
    c.dirty = true
    n = n + 1
  end
end
for chat, c in pairs(chats) do
  if c.dirty then save(chat, c.items, c.was) end
end
return n
