-- book_change: move an active booking to another place of the same event
-- in one step: the new place is taken before the old one is given back;
-- on any error nothing changes.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] code   ARGV[3] requester chat
-- ARGV[4] facility   ARGV[5] session   ARGV[6] method ("" keeps the current)
-- ARGV[7] offer TTL (ms)
-- returns {"ok", code, record, place} moved now, {"same", ...} already at
--   that place (a retried call changes nothing more), or {error}:
--   "not_found" "not_yours" "not_active" "unknown_site" "unknown_method"
--   "unknown_session" "closed" "full_method" "full_session".
local now, code, by, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[7])
local p = place_get(code)
if not p then return { 'not_found' } end
if by == '0' or (by ~= p.chat and by ~= p.by) then return { 'not_yours' } end
if p.status ~= 'active' then return { 'not_active' } end
local fac, sess, m = ARGV[4], ARGV[5], ARGV[6]
if fac == '' then fac = p.fac end
if sess == '' then sess = p.sess end
if m == '' then m = p.m end
if fac == p.fac and sess == p.sess and m == p.m then return booking_reply('same', code) end

expire_due(now)
local err, qfree, sfree = place_room(fac, sess, m, now)
if err then return done(now, ttl, { err }) end
-- Staying on the same quota or session needs no free place there.
if qfield(fac, m) ~= qfield(p.fac, p.m) and qfree <= 0 then return done(now, ttl, { 'full_method' }) end
if sfield(fac, sess) ~= sfield(p.fac, p.sess) and sfree <= 0 then return done(now, ttl, { 'full_session' }) end
take(fac, sess, m)
give(p.fac, p.sess, p.m)
-- Another place is another queue: the booking gets its next number.
p.fac, p.sess, p.m, p.updated, p.qn = fac, sess, m, ARGV[1], queue_take(fac, sess, m)
place_set(code, p)
return done(now, ttl, booking_reply('ok', code))
