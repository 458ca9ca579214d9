-- book_erase_one: at a cadre's request, erase a resident without Telegram
-- (booked by a cadre, resident "r<ref>"), found by one of their booking
-- codes: each of their bookings in the event is cancelled if active (the
-- place freed and offered to the line, as book_cancel does) and stripped
-- of its personal data (book_lib.lua strip), taken out of the booking
-- cadre's list, and the resident's fields go. Then each of those bookings
-- leaves its code: its row (place and record) moves to an anonymous field
-- "e|<n>" (n from the counter "x|erased" of the residents hash), so the
-- counts stay and no field names the code any more.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] code   ARGV[3] offer TTL (ms)
-- returns {"ok", code, record, place, code...}: the booking as it was
--   left (no personal data; cancelled, or attended if it was checked in),
--   then every code erased (for the global code index, which the caller
--   deletes); or {"not_found"} (also for a code erased before: a retried
--   call changes nothing); or {"has_chat"}: the resident has Telegram
--   (they erase with /hapusdata; nothing changed). A booking already
--   stripped by the retention purge (resident "") names nobody: it is
--   returned as it is, and keeps its code like every purged booking.
local now, code, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local p = place_get(code)
if not p then return { 'not_found' } end
if string.sub(p.res, 1, 1) == 'c' then return { 'has_chat' } end
if p.res == '' then return booking_reply('ok', code) end
expire_due(now)

local r = p.res
local codes = split(history(r) or '', ' ')
codes[#codes + 1] = code -- in case the history lacks it
local seen, erased = {}, {}
for _, c in ipairs(codes) do
  local q = c ~= '' and not seen[c] and place_get(c)
  seen[c] = true
  if q and q.res == r then
    if q.status == 'active' then
      q.status, q.updated = 'cancelled', ARGV[1]
      place_set(c, q)
      give(q.fac, q.sess, q.m)
    end
    if q.by ~= '0' then
      local f = 'b' .. q.by .. '|h'
      local h = without_code(redis.call('HGET', K.res, f), c)
      if h then redis.call('HSET', K.res, f, h) else redis.call('HDEL', K.res, f) end
    end
    strip(c, now)
    erased[#erased + 1] = c
  end
end
redis.call('HDEL', K.res, r)
local reply = booking_reply('ok', code)
for _, c in ipairs(erased) do
  local anon
  repeat
    anon = 'e|' .. redis.call('HINCRBY', K.res, 'x|erased', 1)
  until redis.call('HEXISTS', K.rec, anon) == 0
  local v = redis.call('HGET', K.rec, c)
  if v then
    redis.call('HSET', K.rec, anon, v)
    redis.call('HDEL', K.rec, c)
  end
  reply[#reply + 1] = c
end
return done(now, ttl, reply)
