-- rem_renew: extend the lease of claimed items still in flight.
-- KEYS: see rem_lib.lua.
-- ARGV[1] new lease deadline (ms)
-- ARGV[2..] one group of 3 per item: chat, id, version
-- returns how many leases it extended.
-- An item acked, retried, reaped, cancelled or scheduled anew (another
-- version) is left alone. Idempotent.
local get, flush = chat_set()
local n = 0
for i = 2, #ARGV, 3 do
  local c = get(ARGV[i])
  local at = find(c.items, ARGV[i + 1])
  local it = at and c.items[at]
  if it and it.st == 'f' and it.v == ARGV[i + 2] then
    it.t = tonumber(ARGV[1])
    c.dirty = true
    n = n + 1
  end
end
flush()
return n
