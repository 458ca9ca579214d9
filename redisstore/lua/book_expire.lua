-- book_expire: release the offers whose deadline passed, offer free
-- places to the line, and hand out every offer not yet announced.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] offer TTL (ms)
-- ARGV[3] hand-out id, unique per call (a retry repeats it)
-- returns {resident, offer, resident, offer, ...}: the held offers no
-- earlier call returned. The residents handed out are remembered under
-- "x|handout" with the hand-out id, so a retried call returns the same
-- offers again (and changes nothing more).
local now, ttl, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if redis.call('EXISTS', K.limit) == 0 then return {} end
local out = {}
local last = redis.call('HGET', K.res, 'x|handout')
if last and string.sub(last, 1, #id + 1) == id .. '|' then
  for _, r in ipairs(split(string.sub(last, #id + 2), ',')) do
    local o = offer_get(r)
    if r ~= '' and o then
      out[#out + 1] = r
      out[#out + 1] = o.raw
    end
  end
  return out
end
expire_due(now)
match(now, ttl)
local handed = {}
for _, r in ipairs(redis.call('SMEMBERS', K.fresh)) do
  local o = offer_get(r)
  if o and o.state == 'offered' then
    out[#out + 1] = r
    out[#out + 1] = o.raw
    handed[#handed + 1] = r
  end
end
redis.call('DEL', K.fresh)
redis.call('HSET', K.res, 'x|handout', id .. '|' .. table.concat(handed, ','))
return out
