-- book_expire: release the offers whose deadline passed, offer free
-- places to the line, and return every held offer not yet acknowledged.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] offer TTL (ms)
-- returns {resident, offer, resident, offer, ...}: the held offers whose
-- residents are still in "fresh", i.e. no caller has acknowledged telling
-- them (BookingStore.AckOffers removes them). A retried or concurrent call
-- returns the same offers again; telling a resident is idempotent (the
-- notice has a deterministic reminder id), so nothing is sent twice and no
-- offer is forgotten when a caller fails between hand-out and notice.
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call('EXISTS', K.limit) == 0 then return {} end
expire_due(now)
match(now, ttl)
local out = {}
for _, r in ipairs(redis.call('SMEMBERS', K.fresh)) do
  local o = offer_get(r)
  if o and o.state == 'offered' then
    out[#out + 1] = r
    out[#out + 1] = o.raw
  else
    redis.call('SREM', K.fresh, r)
  end
end
return out
