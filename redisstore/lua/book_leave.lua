-- book_leave: take a resident out of an event's line and decline the
-- offer held for them, passing the place on.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] resident "c<chat>"   ARGV[3] offer TTL (ms)
-- returns 1 when the resident was in line or had an offer, else 0 (so a
-- retried call changes nothing more).
local now, r, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
expire_due(now)
local st = state_get(r)
wait_remove(r)
offer_release(r, false)
local was = 0
if st.w or st.o then was = 1 end
return done(now, ttl, was)
