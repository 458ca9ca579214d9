-- book_purge: when an event's retention has run out, delete the personal
-- data of all its bookings, waitlist and offers, keeping every anonymous
-- count the rekap is made of, and mark the event purged.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)
-- returns {"purged", number of bookings stripped}; {"already", 0} when the
-- event was purged before (nothing changed: a retried call finds this);
-- {"unknown_event"}.
-- What stays: the definition, limits and counters (unchanged);
-- each booking's code, status, facility, session, method, times and
-- check-in (book_lib.lua strip); the check-in counts (res n|...); the
-- waitlist as counts per facility, method and offered, in res "w|frozen"
-- ("fac|method|0|n fac|method|1|n", in the order book_tally lists them),
-- which replace the waitlist, the offers and their indexes; the
-- place of an offer still held stays taken, as it was.
-- What goes: names, phones, screening answers, resident refs, chats of
-- residents and cadres, idempotency fields, waitlist requests, offers,
-- histories, the last hand-out of offers. The residents' cross-event
-- indexes ({res:<chat>}) lie in other slots: the caller removes the event
-- from them before this script runs.
-- The caller decides that the retention ran out; the script never reads
-- the clock.
local now = tonumber(ARGV[1])
if redis.call('EXISTS', K.limit) == 0 then return { 'unknown_event' } end
if redis.call('HEXISTS', K.res, 'x|purged') == 1 then return { 'already', 0 } end

local n = 0
local places = redis.call('HKEYS', K.rec)
for _, code in ipairs(places) do
  if strip(code, now) then n = n + 1 end
end

-- The waitlist, counted as book_tally.lua counts it.
local counts, order = {}, {}
local function count(key)
  if not counts[key] then
    counts[key] = 0
    order[#order + 1] = key
  end
  counts[key] = counts[key] + 1
end
for _, r in ipairs(redis.call('ZRANGE', K.wait, 0, -1)) do
  local w = res_get(r, 'w')
  if w then
    local f = split(w, '|')
    count(f[1] .. '|' .. f[2] .. '|0')
  end
end
for _, r in ipairs(redis.call('ZRANGE', K.due, 0, -1)) do
  local o = offer_get(r)
  if o and o.state == 'offered' then count(o.fac .. '|' .. o.m .. '|1') end
end
local frozen = {}
for _, key in ipairs(order) do frozen[#frozen + 1] = key .. '|' .. counts[key] end

-- Every field of the residents hash but the counts goes.
local drop = {}
for _, f in ipairs(redis.call('HKEYS', K.res)) do
  if string.sub(f, 1, 2) ~= 'n|' then drop[#drop + 1] = f end
end
for from = 1, #drop, 500 do -- HDEL in batches: unpack has a limit
  redis.call('HDEL', K.res, unpack(drop, from, math.min(from + 499, #drop)))
end
redis.call('DEL', K.wait, K.due, K.fresh, K.seq)
if #frozen > 0 then redis.call('HSET', K.res, 'w|frozen', table.concat(frozen, ' ')) end
redis.call('HSET', K.res, 'x|purged', ARGV[1])
return { 'purged', n }
