-- book_walkin: register a walk-in: a client who came to the service table
-- on the day without a booking, registered by a staff member who attests
-- their spoken consent. The place is taken from the site's quota and the
-- session's capacity like any booking, so a walk-in never overbooks; the
-- booking cut-off does not apply (the caller checks that it is the
-- service day). The client has no Telegram chat: resident "r<ref>", like
-- a cadre's booking for a resident without a phone, listed as the staff
-- member's ("b<by>|h").
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1]  now (Unix ms)
-- ARGV[2]  idempotency field "i|<staff chat>|<key>"
-- ARGV[3]  resident "r<ref>"
-- ARGV[4]  staff chat (who registers the walk-in)
-- ARGV[5]  facility   ARGV[6] session   ARGV[7] method
-- ARGV[8]  code for the booking (reserved across events by the caller)
-- ARGV[9]  record: the booking's immutable fields (JSON, "walkin": true)
-- ARGV[10] offer TTL (ms), for places that expiring offers free
-- Counts: res "n|wi|<fac>|<session>|<method>" counts the walk-ins
-- registered there, listed in "n|walkins" (space-separated); like the
-- check-in counts they name nobody and outlive an erasure and the purge.
-- returns {status, code, record, place}: "ok" registered now (code =
--   ARGV[8]), with the next queue number of the method in the session;
--   "repeat" the idempotency field was used before (that booking);
-- or {error}: "unknown_event" "unknown_site" "unknown_method"
--   "unknown_session" "full_method" "full_session" "code_taken"; nothing
--   changed but expired offers.
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[10])
local idf, r, by = ARGV[2], ARGV[3], ARGV[4]
local fac, sess, m, code = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local cadre_h = 'b' .. by .. '|h'

expire_due(now)
local st = redis.call('HMGET', K.res, idf, cadre_h)
if st[1] then return done(now, ttl, booking_reply('repeat', st[1])) end
-- A new client's state will be just the code; one the cadre registered
-- before keeps the rest of hers.
local s = state_get(r)
-- The time 0 is before any cut-off: place_room checks the place and its
-- room only.
local err, qfree, sfree = place_room(fac, sess, m, 0)
if err then return done(now, ttl, { err }) end
if qfree <= 0 then return done(now, ttl, { 'full_method' }) end
if sfree <= 0 then return done(now, ttl, { 'full_session' }) end
-- The next queue number, taken once the code is (a number is given once).
local tf = 't|' .. fac .. '|' .. sess .. '|' .. m
local qn = string.format('%d', tonumber(redis.call('HGET', K.limit, tf) or '0') + 1)
local place = place_str({ status = 'active', fac = fac, sess = sess, m = m, res = r, chat = '0', by = by, updated = ARGV[1],
  qn = qn })
if redis.call('HSETNX', K.rec, code, place .. '\n' .. ARGV[9]) == 0 then return done(now, ttl, { 'code_taken' }) end
redis.call('HSET', K.limit, tf, qn)
take(fac, sess, m)
s.a = code
redis.call('HSET', K.res, idf, code, r, state_str(s), cadre_h, with_code(st[2], code))
local wf = table.concat({ 'n|wi', fac, sess, m }, '|')
if redis.call('HINCRBY', K.res, wf, 1) == 1 then
  redis.call('HSET', K.res, 'n|walkins', with_code(redis.call('HGET', K.res, 'n|walkins'), wf))
end
return done(now, ttl, { 'ok', code, ARGV[9], place })
