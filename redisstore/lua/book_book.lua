-- book_book: take a place for a resident (or the place offered to them),
-- or return what an earlier call with the same idempotency key did.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1]  now (Unix ms)
-- ARGV[2]  idempotency field "i|<requester chat>|<key>"
-- ARGV[3]  resident ("c<chat>" or "r<ref>")
-- ARGV[4]  resident chat ("0" for a resident without Telegram)
-- ARGV[5]  booked by (cadre chat, or "0")
-- ARGV[6]  facility   ARGV[7] session   ARGV[8] method (ignored for "offer")
-- ARGV[9]  code for a new booking (reserved across events by the caller)
-- ARGV[10] record: the booking's immutable fields (JSON)
-- ARGV[11] offer TTL (ms), for places this call frees
-- ARGV[12] "book", or "offer" to take the place held for the resident
-- returns {status, code, record, place} where status is
--   "ok" booked now (code = ARGV[9]); "repeat" the idempotency field was
--   used before (that booking); "already" the resident has an active
--   booking for the event (that one);
-- or {error}: "unknown_event" "unknown_site" "unknown_method"
--   "unknown_session" "closed" "full_method" "full_session" "code_taken"
--   "no_offer" "offer_expired"; nothing changed but expired offers.
-- A new booking gets the next queue number of its method and session
-- (queue_take, book_lib.lua), kept as the place's last field.
-- Idempotent: a retried call finds its idempotency field: "repeat".
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[11])
local idf, r, chat, by = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local fac, sess, m, code = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local cadre_h = 'b' .. by .. '|h'

expire_due(now)
local st = redis.call('HMGET', K.res, idf, r .. '|a', r .. '|o', r .. '|w', r .. '|h', cadre_h)
if st[1] then return done(now, ttl, booking_reply('repeat', st[1])) end
if st[2] then return done(now, ttl, booking_reply('already', st[2])) end
local o = parse_offer(st[3])
local held = o ~= nil and o.state == 'offered'
if ARGV[12] == 'offer' then
  if not o then return done(now, ttl, { 'no_offer' }) end
  if not held then return done(now, ttl, { 'offer_expired' }) end
  fac, sess, m = o.fac, o.sess, o.m
end
local err, qfree, sfree = place_room(fac, sess, m, now)
if err then return done(now, ttl, { err }) end
local consume = held and o.fac == fac and o.sess == sess and o.m == m
if not consume then
  -- A place held for this resident on the same quota or session is theirs.
  if held and qfield(o.fac, o.m) == qfield(fac, m) then qfree = qfree + 1 end
  if held and sfield(o.fac, o.sess) == sfield(fac, sess) then sfree = sfree + 1 end
  if qfree <= 0 then return done(now, ttl, { 'full_method' }) end
  if sfree <= 0 then return done(now, ttl, { 'full_session' }) end
end
-- Every check passed; the first write also guards the code.
if redis.call('HSETNX', K.rec, code, ARGV[10]) == 0 then return done(now, ttl, { 'code_taken' }) end
if consume then
  -- The held place becomes the booking; the counts already include it.
  redis.call('ZREM', K.due, r)
  redis.call('SREM', K.fresh, r)
else
  take(fac, sess, m)
  if held then offer_release(r, false) end
end
if o then redis.call('HDEL', K.res, r .. '|o') end
if st[4] then wait_remove(r) end

local place = place_str({ status = 'active', fac = fac, sess = sess, m = m, res = r, chat = chat, by = by, updated = ARGV[1],
  qn = queue_take(fac, sess, m) })
-- Active code here means no active booking before, so a missing history
-- means no booking before: the history is left out until it differs.
local w = { idf, code, r .. '|a', code }
if st[5] then
  table.insert(w, r .. '|h')
  table.insert(w, with_code(st[5], code))
end
if by ~= '0' then
  table.insert(w, cadre_h)
  table.insert(w, with_code(st[6], code))
end
redis.call('HSET', K.res, unpack(w))
redis.call('HSET', K.place, code, place)
return done(now, ttl, { 'ok', code, ARGV[10], place })
