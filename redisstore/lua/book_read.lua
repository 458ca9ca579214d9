-- book_read: read-only views of an event for one site or one chat.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] "site" or "chat"
-- "site": ARGV[2] facility; returns {closes_ms, "iud,implan", "0800,1000",
--   limit, taken per method in that order, then per session}, or
--   {"unknown_event"} / {"unknown_site"}.
-- "chat": ARGV[2] chat; returns a list of entries
--   {"b", code, record, place} for the chat's bookings and those it made
--   as a cadre, {"w", request, position} for its waitlist entry and
--   {"o", offer} for an offer held for it (or expired).
if ARGV[1] == 'site' then
  local fac = ARGV[2]
  if redis.call('EXISTS', K.limit) == 0 then return { 'unknown_event' } end
  local closes = redis.call('HGET', K.limit, 'c|' .. fac)
  if not closes then return { 'unknown_site' } end
  local methods, order = redis.call('HGET', K.limit, 'm|' .. fac) or '', redis.call('HGET', K.limit, 'o|' .. fac) or ''
  local out = { closes, methods, order }
  local function add(field)
    local x = redis.call('HMGET', K.limit, field, 'u|' .. field)
    out[#out + 1] = x[1] or '0'
    out[#out + 1] = x[2] or '0'
  end
  if methods ~= '' then for _, m in ipairs(split(methods, ',')) do add(qfield(fac, m)) end end
  if order ~= '' then for _, s in ipairs(split(order, ',')) do add(sfield(fac, s)) end end
  return out
end

local chat = ARGV[2]
local r = 'c' .. chat
local s = state_get(r)
local st = { s.h or s.a, redis.call('HGET', K.res, 'b' .. chat .. '|h'), s.w, s.o } -- see history
local out, seen = {}, {}
for i = 1, 2 do
  for _, c in ipairs(split(st[i] or '', ' ')) do
    if c ~= '' and not seen[c] then
      seen[c] = true
      local b = booking_reply('b', c)
      if b[4] ~= '' then out[#out + 1] = b end
    end
  end
end
if st[3] then out[#out + 1] = { 'w', st[3], position(r, split(st[3], '|')[1]) } end
if st[4] then out[#out + 1] = { 'o', st[4] } end
return out
