-- book_cancel: give a booking's place back at once; the freed place is
-- offered to the first in line.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] code   ARGV[3] requester chat
-- ARGV[4] offer TTL (ms)
-- returns {"ok", code, record, place} (the booking, cancelled now or
--   before: a retried call changes nothing more), or {"not_found"},
--   {"not_yours"} (the requester is neither the resident nor the cadre).
local now, code, by, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local p = place_get(code)
if not p then return { 'not_found' } end
if by == '0' or (by ~= p.chat and by ~= p.by) then return { 'not_yours' } end
expire_due(now)
if p.status == 'active' then
  p.status, p.updated = 'cancelled', ARGV[1]
  place_set(code, p)
  unbook(p.res, code)
  give(p.fac, p.sess, p.m)
end
return done(now, ttl, booking_reply('ok', code))
