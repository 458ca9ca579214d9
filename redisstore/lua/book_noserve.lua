-- book_noserve: mark that the client of a booking was not served on the
-- day ("tidak jadi dilayani"), with the reason, or take the mark back.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] "mark" or "undo"   ARGV[2] code   ARGV[3] staff chat
-- ARGV[4] when (Unix ms)     ARGV[5] reason (mark: hamil, periksa,
--         berubah, tidak_datang)   ARGV[6] offer TTL (ms)
-- mark: an active booking becomes "not_served"; its record gains
--   "noserve": {by, at, reason}; its place is given back (its counters go down),
--   so that a walk-in can take it (after the cut-off the waitlist is not
--   offered it); the resident no longer has an active booking (unbook: the
--   history keeps the code). Marking a marked booking again replaces
--   the mark (the place stays given back).
-- undo: a not_served booking becomes active again, if its place is still
--   free (the cut-off does not apply) and the resident has no other active
--   booking; the mark leaves the record.
-- returns {status, code, record, place}: "ok" changed now (or the same
--   mark again: a retried call changes nothing more); "same" (undo: not
--   marked, nothing changed);
-- or {error}: "not_found"; "served" (mark: checked in); "cancelled" (the
--   booking was cancelled); "full_method" "full_session" (undo: the place
--   was taken meanwhile); "rebooked" (undo: another booking of the
--   resident is active); "bad_record". Nothing changed then.
local op, code, by, at, reason, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local p = place_get(code)
if not p then return { 'not_found' } end
if p.status == 'cancelled' then return { 'cancelled' } end
local raw = p.rec
local ok, x = false, nil
if raw then ok, x = pcall(cjson.decode, raw) end
if not ok or type(x) ~= 'table' then return { 'bad_record' } end

if op == 'mark' then
  if p.status == 'attended' then return { 'served' } end
  x.noserve = { by = by, at = at, reason = reason }
  if p.status == 'active' then
    p.status, p.updated = 'not_served', at
    unbook(p.res, code)
    give(p.fac, p.sess, p.m)
  end
  p.rec = cjson.encode(x)
  place_set(code, p)
  return done(tonumber(at), ttl, booking_reply('ok', code))
end

-- undo
if p.status ~= 'not_served' then return booking_reply('same', code) end
if p.res ~= '' then
  local a = res_get(p.res, 'a')
  if a and a ~= code then return { 'rebooked' } end
end
local err, qfree, sfree = place_room(p.fac, p.sess, p.m, 0)
if err then return { err } end
if qfree <= 0 then return { 'full_method' } end
if sfree <= 0 then return { 'full_session' } end
take(p.fac, p.sess, p.m)
p.status, p.updated = 'active', at
if p.res ~= '' then res_set(p.res, 'a', code) end
x.noserve = nil
p.rec = cjson.encode(x)
place_set(code, p)
return booking_reply('ok', code)
