-- rem_cancel: remove items of one chat: all of them, those of a ref, or
-- those named by id.
-- KEYS: see rem_lib.lua.
-- ARGV[1] chat
-- ARGV[2] "pending" to remove pending items (waiting or in flight) and
--         keep tombstones of delivered ones; "all" to remove tombstones
--         too (for /hapusdata)
-- ARGV[3] "chat", "ref" or "ids"   ARGV[4] the ref ("ref"), else ""
-- ARGV[5..] "chat"/"ref": the kinds to remove (none: every kind); "ids":
--           the ids
-- returns {pending removed, tombstones removed}.
-- Idempotent: what is gone stays gone. An item in flight is removed too;
-- its handler may still be sending it, and its ack then changes nothing.
local items, was = load(ARGV[1])
if #items == 0 then return { 0, 0 } end
local set = nil
if #ARGV > 4 then
  set = {}
  for i = 5, #ARGV do set[ARGV[i]] = true end
end
local mode, ref, all = ARGV[3], ARGV[4], ARGV[2] == 'all'
local pending, tombs = 0, 0
items = without(items, function(it)
  local hit
  if mode == 'ids' then
    hit = set and set[it.id]
  else
    hit = (mode == 'chat' or it.ref == ref) and (not set or set[it.kind])
  end
  if not hit then return false end
  if it.st ~= 'd' then
    pending = pending + 1
    return true
  end
  if all then
    tombs = tombs + 1
    return true
  end
  return false
end)
if pending + tombs > 0 then save(ARGV[1], items, was) end
return { pending, tombs }
