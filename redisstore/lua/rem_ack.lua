-- rem_ack: mark delivered (or deliberately dropped) items done.
-- KEYS: see rem_lib.lua.
-- ARGV[1..] one group of 4 per item: chat, id, version, purge time of the
--           tombstone (ms)
-- returns the number of items marked done.
-- An item that is gone or already done is skipped, and so is one whose
-- version differs (it was cancelled and scheduled anew meanwhile); so a
-- retried call changes nothing. A tombstone makes scheduling the id again
-- a no-op until the reaper purges it.
local n = 0
local chats = {}
for i = 1, #ARGV, 4 do
  local chat = ARGV[i]
  local c = chats[chat]
  if not c then
    local items, was = load(chat)
    c = { items = items, was = was }
    chats[chat] = c
  end
  local at = find(c.items, ARGV[i + 1])
  local it = at and c.items[at]
  if it and it.st ~= 'd' and it.v == ARGV[i + 2] then
    it.st, it.t = 'd', tonumber(ARGV[i + 3])
    c.dirty = true
    n = n + 1
  end
end
for chat, c in pairs(chats) do
  if c.dirty then save(chat, c.items, c.was) end
end
return n
