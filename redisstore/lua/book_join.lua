-- book_join: put a resident in line for a method at a site (one session
-- or any). If a place is free and nobody ahead can take it, the offer is
-- made at once.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] resident "c<chat>"   ARGV[3] chat
-- ARGV[4] facility   ARGV[5] method   ARGV[6] session ("" = any)
-- ARGV[7] offer TTL (ms)
-- returns {"waiting", position among those waiting at the site (1 =
--   first), joined_ms}, {"offered", offer}, {"already", code, record,
--   place} (an active booking), or {error}: "unknown_event"
--   "unknown_site" "unknown_method" "unknown_session" "closed".
-- Idempotent: joining again keeps the place in line (the request is
-- updated) and returns the same answer.
local now, r, chat, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[7])
local fac, m, sess = ARGV[4], ARGV[5], ARGV[6]
expire_due(now)
local cur = res_get(r, 'a')
if cur then return done(now, ttl, booking_reply('already', cur)) end
local err = place_room(fac, sess, m, now)
if err then return done(now, ttl, { err }) end

local o = offer_get(r)
if not (o and o.state == 'offered') then
  local joined = ARGV[1]
  local st = state_get(r)
  if st.w then
    joined = split(st.w, '|')[5]
  else
    redis.call('ZADD', K.wait, redis.call('INCR', K.seq), r)
  end
  st.o, st.w = nil, table.concat({ fac, m, sess, chat, joined }, '|')
  state_put(r, st)
  match(now, ttl)
  o = offer_get(r)
end
if o and o.state == 'offered' then
  -- The caller shows this offer; ExpireOffers need not announce it.
  redis.call('SREM', K.fresh, r)
  return done(now, ttl, { 'offered', o.raw })
end
return done(now, ttl, { 'waiting', position(r, fac), split(res_get(r, 'w'), '|')[5] })
