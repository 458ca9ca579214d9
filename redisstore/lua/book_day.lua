-- book_day: the bookings of one site of an event, for the day list at the
-- service table. Read-only: it reads the event's own records, it copies
-- nothing.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] facility
-- returns {"ok", code, record, place, code, record, place, ...}: every
-- booking at the facility, in any status, that still has its code (a
-- booking erased by book_erase_one sits under an anonymous field and is
-- left out); or {"unknown_event"}.
if redis.call('EXISTS', K.limit) == 0 then return { 'unknown_event' } end
local fac = ARGV[1]
local out = { 'ok' }
local rows = redis.call('HGETALL', K.rec)
for i = 1, #rows, 2 do
  local code = rows[i]
  local raw, rec = row_split(rows[i + 1])
  if raw and string.sub(code, 1, 2) ~= 'e|' then
    local f = split(raw, '|')
    if f[2] == fac then
      out[#out + 1] = code
      out[#out + 1] = rec or ''
      out[#out + 1] = raw
    end
  end
end
return out
