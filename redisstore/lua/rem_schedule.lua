-- rem_schedule: add reminder items; idempotent.
-- KEYS: see rem_lib.lua.
-- ARGV[1] "plan", or "adopt" (items moved from the legacy keys: stored
--         with their state, only where the id is not there yet)
-- ARGV[2..] one pair per item: chat, item line (state w, t = due, for plan)
-- returns {created, updated}.
-- plan: a new id is stored and waits for its due time. An id still waiting
-- with other content (times, kind, ref, zone) takes the new content, due
-- time and version (so a late ack of an earlier claim cannot retire the
-- new content unsent). An id in flight or done is left as it is. So
-- scheduling the same items twice, or a retried call, changes nothing.
local adopt = ARGV[1] == 'adopt'
local get, flush = chat_set()
local created, updated = 0, 0
for i = 2, #ARGV, 2 do
  local c = get(ARGV[i])
  local new = parse_line(ARGV[i + 1])
  local at = find(c.items, new.id)
  if not at then
    c.items[#c.items + 1] = new
    c.dirty = true
    created = created + 1
  elseif not adopt then
    local old = c.items[at]
    if old.st == 'w' and (old.due ~= new.due or old.na ~= new.na or old.kind ~= new.kind
        or old.ref ~= new.ref or old.zone ~= new.zone) then
      new.att = old.att
      c.items[at] = new
      c.dirty = true
      updated = updated + 1
    end
  end
end
flush()
return { created, updated }
