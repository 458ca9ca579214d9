-- book_tally: count an event's bookings, waitlist and check-ins, for a
-- rekap. Read-only; the counts name nobody.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV: none
-- returns {bookings, waiting, served, walkins, noserve}, five flat lists of
-- key, count:
--   bookings "status|fac|session|method" (every booking on record);
--   waiting  "fac|method|0" in line, "fac|method|1" holding an offer
--            (after a purge, the counts book_purge.lua froze);
--   served   "fac|session|booked|given|category[|marks]" (the check-in
--            counts, see book_checkin.lua);
--   walkins  "fac|session|method" (the walk-in counts, book_walkin.lua);
--   noserve  "fac|session|method|reason": bookings marked not served, by
--            the reason of their record's mark ("tidak_datang" when it
--            cannot be read);
-- or {"unknown_event"}.
if redis.call('EXISTS', K.limit) == 0 then return { 'unknown_event' } end

local function counter()
  local n, order = {}, {}
  return {
    add = function(key, by)
      if not n[key] then
        n[key] = 0
        order[#order + 1] = key
      end
      n[key] = n[key] + by
    end,
    list = function()
      local out = {}
      for _, k in ipairs(order) do
        out[#out + 1] = k
        out[#out + 1] = n[k]
      end
      return out
    end,
  }
end

local booked, waiting, served, walkins, noserve = counter(), counter(), counter(), counter(), counter()
local rows = redis.call('HGETALL', K.rec)
for i = 2, #rows, 2 do
  local raw, rec = row_split(rows[i])
  local p = parse_place(raw)
  if p then
    booked.add(table.concat({ p.status, p.fac, p.sess, p.m }, '|'), 1)
    if p.status == 'not_served' then
      local reason = 'tidak_datang'
      local ok, x = false, nil
      if rec then ok, x = pcall(cjson.decode, rec) end
      if ok and type(x) == 'table' and type(x.noserve) == 'table' and type(x.noserve.reason) == 'string' then
        reason = x.noserve.reason
      end
      noserve.add(table.concat({ p.fac, p.sess, p.m, reason }, '|'), 1)
    end
  end
end
for _, r in ipairs(redis.call('ZRANGE', K.wait, 0, -1)) do
  local w = res_get(r, 'w')
  if w then
    local f = split(w, '|')
    waiting.add(f[1] .. '|' .. f[2] .. '|0', 1)
  end
end
for _, r in ipairs(redis.call('ZRANGE', K.due, 0, -1)) do
  local o = offer_get(r)
  if o and o.state == 'offered' then waiting.add(o.fac .. '|' .. o.m .. '|1', 1) end
end
for _, item in ipairs(split(redis.call('HGET', K.res, 'w|frozen') or '', ' ')) do
  local f = split(item, '|')
  if #f == 4 then waiting.add(f[1] .. '|' .. f[2] .. '|' .. f[3], tonumber(f[4]) or 0) end
end
-- counts lists the counters named by index field idx, by their name
-- without its first skip characters.
local function counts(idx, skip, into)
  local index = redis.call('HGET', K.res, idx)
  if not index then return end
  local fields = split(index, ' ')
  for from = 1, #fields, 500 do -- HMGET in batches: unpack has a limit
    local batch = { unpack(fields, from, math.min(from + 499, #fields)) }
    local vals = redis.call('HMGET', K.res, unpack(batch))
    for i, f in ipairs(batch) do
      local n = tonumber(vals[i] or '0')
      if n and n > 0 then into.add(string.sub(f, skip + 1), n) end
    end
  end
end
counts('n|index', 2, served)
counts('n|walkins', 5, walkins)
return { booked.list(), waiting.list(), served.list(), walkins.list(), noserve.list() }
