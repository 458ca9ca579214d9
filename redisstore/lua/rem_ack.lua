-- rem_ack: mark delivered (or deliberately dropped) items done.
-- KEYS: see rem_lib.lua.
-- ARGV[1..] one group of 4 per item: chat, id, version, purge time of the
--           tombstone (ms)
-- returns the number of items marked done.
-- An item that is gone or already done is skipped, and so is one whose
-- version differs (it was cancelled and scheduled anew meanwhile); so a
-- retried call changes nothing. A tombstone makes scheduling the id again
-- a no-op until the reaper purges it.
local get, flush = chat_set()
local n = 0
for i = 1, #ARGV, 4 do
  local c = get(ARGV[i])
  local at = find(c.items, ARGV[i + 1])
  local it = at and c.items[at]
  if it and it.st ~= 'd' and it.v == ARGV[i + 2] then
    it.st, it.t = 'd', tonumber(ARGV[i + 3])
    c.dirty = true
    n = n + 1
  end
end
flush()
return n
