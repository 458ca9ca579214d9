-- book_erase: for /hapusdata, cancel a resident's active booking for the
-- event (freeing the place), take them out of the line, decline their
-- offer, delete every record of them, and forget them as the cadre of
-- bookings they made for others.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] chat   ARGV[3] offer TTL (ms)
-- returns the codes of the deleted bookings (for the global code index);
-- a retried call finds nothing more to delete.
local now, chat, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local r = 'c' .. chat
expire_due(now)

local code = res_get(r, 'a')
if code then
  local p = place_get(code)
  if p and p.status == 'active' then give(p.fac, p.sess, p.m) end
end
wait_remove(r)
offer_release(r, false)

-- forget_idem deletes the idempotency field of booking c: its requester
-- (the cadre, else the resident) and the key in its record.
local function forget_idem(c, p)
  local rec = p and p.rec
  if not rec then return end
  local ok, x = pcall(cjson.decode, rec)
  if not (ok and type(x) == 'table' and type(x.key) == 'string') then return end
  local requester = p.by
  if requester == '0' then requester = p.chat end
  redis.call('HDEL', K.res, 'i|' .. requester .. '|' .. x.key)
end

local deleted = {}
for _, c in ipairs(split(history(r) or '', ' ')) do
  if c ~= '' then
    forget_idem(c, place_get(c))
    redis.call('HDEL', K.rec, c)
    deleted[#deleted + 1] = c
  end
end
for _, c in ipairs(split(redis.call('HGET', K.res, 'b' .. chat .. '|h') or '', ' ')) do
  local p = place_get(c)
  if p then
    forget_idem(c, p)
    p.by = '0'
    place_set(c, p)
  end
end
-- The last hand-out of offers may name the resident; it only serves
-- retries of ExpireOffers, so it goes.
redis.call('HDEL', K.res, r, 'b' .. chat .. '|h', 'x|handout')
return done(now, ttl, deleted)
