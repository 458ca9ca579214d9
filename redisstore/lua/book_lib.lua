-- book_lib: helpers shared by the booking scripts; prepended to each of
-- them (book_*.lua), never run alone, and the first part of the booking
-- function's library (book_many.lua).
-- KEYS: the keys of one event, all with the hash tag {ev:<id>}, in this
-- order (Keys.EventKeys builds the list):
--   1 def    STRING event as imported (JSON)
--   2 limit  HASH   the limits, as imported: q|<fac>|<method> -> quota
--                   (only methods offered); s|<fac>|<session> -> capacity;
--                   c|<fac> -> cut-off (ms); m|<fac> -> "iud,implan";
--                   o|<fac> -> "0800,1000" (by start); and the counters
--                   beside them, which an import keeps: u|q|..., u|s|...
--                   -> places taken on q|..., s|... (active bookings + held
--                   offers); t|<fac>|<session>|<method> -> the last queue
--                   number given there (queue_take). One read checks a
--                   place, one write takes it (book_many.lua).
--   3 used   STRING LAYOUT (BookingStore.MigrateEvents, layout_move):
--                   where an earlier version kept the places taken and
--                   that no script reads now. A string so that a process of that
--                   version, which should have been stopped, fails on it
--                   (WRONGTYPE) before it writes, instead of booking
--                   against counts of 0.
--   4 res    HASH   per resident <r>: <r> -> the resident's state, one
--                   field (state_get, state_put): four parts separated by
--                   "\31" (unit separator), trailing empty parts left out,
--                   the field deleted when all are empty:
--                   a, the active booking code;
--                   h, "code code ..." (all bookings; left out while it
--                   would be just a, see history);
--                   w, the waitlist request
--                   "fac|method|session|chat|joined_ms" (session "" = any);
--                   o, the offer "state|fac|session|method|chat|deadline_ms"
--                   (state offered = place held, expired = deadline
--                   passed);
--                   b<chat>|h -> codes a cadre booked;
--                   i|<requester chat>|<key> -> code (idempotency; not
--                   written for a resident's own booking, whose record
--                   keeps the key, see book_many.lua);
--                   x|handout -> "<id>|r1,r2" the last offers ExpireOffers
--                   returned, for its retries; n|... -> check-in counts
--                   (book_checkin.lua); once the event's personal data is
--                   purged (book_purge.lua): x|purged -> when (ms) and
--                   w|frozen -> the waitlist counts "fac|method|offered|n ..."
--                   that replace the waitlist
--   5 rec    HASH   code -> the booking, its "row": its place, a newline,
--                   its record (row_get, row_set). The place is
--                   "status|fac|session|method|resident|chat|by|updated_ms|queue":
--                   status active, cancelled, attended or not_served;
--                   queue is the number in the queue of the method in the
--                   session (absent in bookings made before queue numbers);
--                   once erased resident is "", chat and by "0". The
--                   record is the booking's immutable fields (JSON), and
--                   what the service day adds: checkin, reg, noserve; once
--                   erased only consent, created, erased (ms), checkin,
--                   walkin, noserve. One field a booking: a booking is one
--                   write, its reads one read.
--   6 place  STRING LAYOUT (BookingStore.MigrateEvents): where an earlier
--                   version kept the places, a hash then; read by no
--                   script now, a string for the reason given for used
--   7 wait   ZSET   resident -> join sequence (first in line = lowest)
--   8 due    ZSET   resident -> deadline (ms) of the offer held for them
--   9 fresh  SET    residents whose offer no ExpireOffers call has returned yet
--  10 seq    STRING waitlist join counter
-- A resident <r> is "c<chat>" (Telegram) or "r<ref>" (booked by a cadre).
-- Times come in ARGV as Unix milliseconds; the server clock is never read.
-- Every script does its reads and checks before its first write.
-- Invariant kept by every script: limit[u|f] = active bookings + held
-- offers + check-ins (book_checkin.lua) on f, and limit[u|f] <= limit[f].
-- K names the keys of the call being run; bind sets it. A script
-- (bookingScript) binds KEYS first thing; the booking function (the
-- library of book_many.lua, loaded once with FUNCTION LOAD) binds the
-- keys of each event of a call (the ten from off + 1 on), so K and FREED
-- never outlive a call.
local K = {}

-- FREED is set when a place was given back; done() then offers free
-- places to the waitlist.
local FREED = false

local function bind(keys, off)
  off = off or 0
  K.def, K.limit, K.used, K.res, K.rec = keys[off + 1], keys[off + 2], keys[off + 3], keys[off + 4], keys[off + 5]
  K.place, K.wait, K.due, K.fresh, K.seq = keys[off + 6], keys[off + 7], keys[off + 8], keys[off + 9], keys[off + 10]
  FREED = false
end

local function split(s, sep)
  local out, start = {}, 1
  while true do
    local i = string.find(s, sep, start, true)
    if not i then
      out[#out + 1] = string.sub(s, start)
      return out
    end
    out[#out + 1] = string.sub(s, start, i - 1)
    start = i + 1
  end
end

local function ms(n) return string.format('%d', n) end

local function qfield(fac, m) return 'q|' .. fac .. '|' .. m end
local function sfield(fac, s) return 's|' .. fac .. '|' .. s end

-- free returns limit - used of a field, or nil when the limit is unknown.
local function free(field)
  local x = redis.call('HMGET', K.limit, field, 'u|' .. field)
  if not x[1] then return nil end
  return tonumber(x[1]) - tonumber(x[2] or '0')
end

-- take counts a place taken on the method's quota and the session.
local function take(fac, s, m)
  redis.call('HINCRBY', K.limit, 'u|' .. qfield(fac, m), 1)
  redis.call('HINCRBY', K.limit, 'u|' .. sfield(fac, s), 1)
end

-- give counts a place given back, for the waitlist (FREED).
local function give(fac, s, m)
  redis.call('HINCRBY', K.limit, 'u|' .. qfield(fac, m), -1)
  redis.call('HINCRBY', K.limit, 'u|' .. sfield(fac, s), -1)
  FREED = true
end

local function parse_place(raw)
  if not raw then return nil end
  local f = split(raw, '|')
  return { status = f[1], fac = f[2], sess = f[3], m = f[4], res = f[5], chat = f[6], by = f[7], updated = f[8], qn = f[9] }
end

-- row_split splits a stored row into its place and record (either nil
-- when missing).
local function row_split(raw)
  if not raw then return nil, nil end
  local i = string.find(raw, '\n', 1, true)
  if not i then return nil, raw end
  return string.sub(raw, 1, i - 1), string.sub(raw, i + 1)
end

-- row_get returns booking code's place string and record (nil, nil for
-- an unknown code).
local function row_get(code) return row_split(redis.call('HGET', K.rec, code)) end

-- row_set writes booking code's place string and record.
local function row_set(code, place, rec) redis.call('HSET', K.rec, code, place .. '\n' .. rec) end

-- place_get returns booking code's place, parsed, with its record as
-- p.rec (place_set writes it back), or nil.
local function place_get(code)
  local raw, rec = row_get(code)
  local p = parse_place(raw)
  if p then p.rec = rec end
  return p
end

local function place_str(p)
  local s = table.concat({ p.status, p.fac, p.sess, p.m, p.res, p.chat, p.by, p.updated }, '|')
  if p.qn then s = s .. '|' .. p.qn end
  return s
end

-- place_set writes place p of booking code, with its record p.rec.
local function place_set(code, p) row_set(code, place_str(p), p.rec or '') end

-- queue_take gives the next number of the queue of method m in session s
-- at facility fac (limit "t|<fac>|<s>|<m>"). A number is given once: a
-- cancellation leaves a gap, nobody is renumbered.
local function queue_take(fac, s, m)
  return tostring(redis.call('HINCRBY', K.limit, 't|' .. fac .. '|' .. s .. '|' .. m, 1))
end

-- A resident's state (see res in KEYS): a table with the parts a, h, w
-- and o (nil when empty). One field, so that a booking reads and writes a
-- resident in one lookup of the event's largest hash.
local SEP = '\31'
local PARTS = { 'a', 'h', 'w', 'o' }

-- state_parse reads a stored state (nil: none).
local function state_parse(raw)
  local s = {}
  if not raw then return s end
  local i = 1
  for _, k in ipairs(PARTS) do
    if i > #raw + 1 then break end
    local j = string.find(raw, SEP, i, true) or (#raw + 1)
    if j > i then s[k] = string.sub(raw, i, j - 1) end
    i = j + 1
  end
  return s
end

-- state_str writes a state as state_parse reads it ('' when empty).
local function state_str(s)
  local out = { s.a or '', s.h or '', s.w or '', s.o or '' }
  local n = 4
  while n > 0 and out[n] == '' do
    out[n] = nil
    n = n - 1
  end
  return table.concat(out, SEP)
end

-- state_get returns resident r's state.
local function state_get(r) return state_parse(redis.call('HGET', K.res, r)) end

-- state_put stores resident r's state s (deletes the field when empty).
local function state_put(r, s)
  local v = state_str(s)
  if v == '' then redis.call('HDEL', K.res, r) else redis.call('HSET', K.res, r, v) end
end

-- res_get returns part k of resident r's state (nil when empty).
local function res_get(r, k) return state_get(r)[k] end

-- res_set sets part k of resident r's state to v (nil empties it).
local function res_set(r, k, v)
  local s = state_get(r)
  if s[k] == v then return end
  s[k] = v
  state_put(r, s)
end

-- history returns resident r's booking codes ("code code ...", or nil):
-- part h, which a resident whose only booking is the active one does not
-- have (it would repeat a; book_cancel writes it before a goes).
local function history(r)
  local s = state_get(r)
  return s.h or s.a
end

-- unbook empties resident r's active code when it is code, keeping code
-- in the history (which was left out while it was just this code).
local function unbook(r, code)
  local s = state_get(r)
  if s.a ~= code then return end
  s.h = s.h or code
  s.a = nil
  state_put(r, s)
end

-- LAYOUT is what an event's used and place keys hold once layout_move
-- moved it (or an import made it in this layout): strings, on which a
-- process of an earlier version fails (WRONGTYPE) before it writes.
local LAYOUT = 'moved: events layout 2'

-- layout_move moves an event an earlier version kept into this layout:
-- the places taken (used, a hash then: "q|..." -> limit "u|q|...") and
-- the queue counters (res "t|...") into limit; the places (place, a hash
-- then) into the rows of rec; each resident's four fields (<r>|a, <r>|h,
-- <r>|w, <r>|o) into one (<r>, see res). Then used and place hold LAYOUT.
-- Idempotent (an event in this layout is left as it is, nothing
-- scanned); an event without limits too. Returns how many fields it
-- moved.
local function layout_move()
  local function done_here(k) return redis.call('TYPE', k)['ok'] == 'string' and redis.call('GET', k) == LAYOUT end
  if done_here(K.used) and done_here(K.place) then return 0 end
  if redis.call('EXISTS', K.limit) == 0 then return 0 end
  local n = 0
  if redis.call('TYPE', K.used)['ok'] == 'hash' then
    local u = redis.call('HGETALL', K.used)
    for i = 1, #u, 2 do
      if string.sub(u[i], 1, 2) ~= 'x|' then
        redis.call('HSET', K.limit, 'u|' .. u[i], u[i + 1])
        n = n + 1
      end
    end
  end
  if redis.call('TYPE', K.place)['ok'] == 'hash' then
    local all = redis.call('HGETALL', K.place)
    for i = 1, #all, 2 do
      row_set(all[i], all[i + 1], redis.call('HGET', K.rec, all[i]) or '')
      n = n + 1
    end
  end
  -- One pass over res: queue counters and residents' fields, collected
  -- first (a scan may return a field twice), then moved.
  local counters, states, cur = {}, {}, '0'
  repeat
    local x = redis.call('HSCAN', K.res, cur, 'COUNT', 1000)
    cur = x[1]
    for i = 1, #x[2], 2 do
      local f, v = x[2][i], x[2][i + 1]
      if string.sub(f, 1, 2) == 't|' then
        counters[f] = v
      else
        local r, k = string.match(f, '^([cr][^|]*)|([ahwo])$')
        if r then
          states[r] = states[r] or {}
          states[r][k] = v
        end
      end
    end
  until cur == '0'
  for f, v in pairs(counters) do
    redis.call('HSET', K.limit, f, v)
    redis.call('HDEL', K.res, f)
    n = n + 1
  end
  for r, old in pairs(states) do
    local st = state_get(r)
    for _, k in ipairs(PARTS) do
      if old[k] then
        st[k] = st[k] or old[k]
        n = n + 1
      end
    end
    state_put(r, st)
    redis.call('HDEL', K.res, r .. '|a', r .. '|h', r .. '|w', r .. '|o')
  end
  redis.call('DEL', K.used, K.place)
  redis.call('SET', K.used, LAYOUT)
  redis.call('SET', K.place, LAYOUT)
  return n
end

-- with_code appends a code to a history value (nil when empty).
local function with_code(h, code)
  if h then return h .. ' ' .. code end
  return code
end

-- place_room checks a place (sess may be '': any session) in one read:
-- it returns an error status, or nil and the free places of the method's
-- quota and of the session (nil for any session).
local function place_room(fac, sess, m, now)
  local qf, sf = qfield(fac, m), sfield(fac, sess)
  local lim = redis.call('HMGET', K.limit, 'c|' .. fac, qf, sf, 'u|' .. qf, 'u|' .. sf)
  if not lim[1] then
    if redis.call('EXISTS', K.limit) == 0 then return 'unknown_event' end
    return 'unknown_site'
  end
  if not lim[2] then return 'unknown_method' end
  if sess ~= '' and not lim[3] then return 'unknown_session' end
  if now >= tonumber(lim[1]) then return 'closed' end
  local sfree
  if sess ~= '' then sfree = tonumber(lim[3]) - tonumber(lim[5] or '0') end
  return nil, tonumber(lim[2]) - tonumber(lim[4] or '0'), sfree
end

local function parse_offer(raw)
  if not raw then return nil end
  local f = split(raw, '|')
  return { state = f[1], fac = f[2], sess = f[3], m = f[4], chat = f[5], deadline = f[6], raw = raw }
end

local function offer_get(r) return parse_offer(res_get(r, 'o')) end

-- offer_release gives back the place held for resident r; with mark, an
-- "expired" marker stays so that a late accept is told so.
local function offer_release(r, mark)
  local o = offer_get(r)
  if not o then return end
  if o.state == 'offered' then
    give(o.fac, o.sess, o.m)
    redis.call('ZREM', K.due, r)
    redis.call('SREM', K.fresh, r)
  end
  if mark then
    res_set(r, 'o', table.concat({ 'expired', o.fac, o.sess, o.m, o.chat, o.deadline }, '|'))
  else
    res_set(r, 'o', nil)
  end
end

-- expire_due releases every offer whose deadline is at or before now
-- (nowstr: now as a string, when the caller has it).
local function expire_due(now, nowstr)
  for _, r in ipairs(redis.call('ZRANGEBYSCORE', K.due, '-inf', nowstr or ms(now))) do
    offer_release(r, true)
  end
end

local function wait_remove(r)
  if redis.call('ZREM', K.wait, r) == 1 then res_set(r, 'w', nil) end
end

-- position returns r's place in line among those waiting at facility fac.
local function position(r, fac)
  local pos = 0
  for _, x in ipairs(redis.call('ZRANGE', K.wait, 0, -1)) do
    local w = res_get(x, 'w')
    if w and split(w, '|')[1] == fac then pos = pos + 1 end
    if x == r then return pos end
  end
  return 0
end

-- match offers free places to the waitlist, first in line first: a
-- waiter gets the first session (by start) with room, or the one asked
-- for, if the method has room at the site and booking is still open.
local function match(now, ttl)
  for _, r in ipairs(redis.call('ZRANGE', K.wait, 0, -1)) do
    local st = state_get(r)
    if not st.w or st.a then
      wait_remove(r) -- booked meanwhile
    else
      local w = split(st.w, '|')
      local fac, m, want, chat = w[1], w[2], w[3], w[4]
      local closes = tonumber(redis.call('HGET', K.limit, 'c|' .. fac) or '0')
      local qfree = free(qfield(fac, m))
      if now < closes and qfree and qfree > 0 then
        local pick
        if want ~= '' then
          local f = free(sfield(fac, want))
          if f and f > 0 then pick = want end
        else
          for _, s in ipairs(split(redis.call('HGET', K.limit, 'o|' .. fac) or '', ',')) do
            local f = free(sfield(fac, s))
            if f and f > 0 then
              pick = s
              break
            end
          end
        end
        if pick then
          local deadline = math.min(now + ttl, closes)
          take(fac, pick, m)
          -- The offer replaces the waitlist request (wait_remove).
          st.o, st.w = table.concat({ 'offered', fac, pick, m, chat, ms(deadline) }, '|'), nil
          state_put(r, st)
          redis.call('ZADD', K.due, ms(deadline), r)
          redis.call('SADD', K.fresh, r)
          redis.call('ZREM', K.wait, r)
        end
      end
    end
  end
end

-- done offers any freed places to the waitlist, then returns reply.
local function done(now, ttl, reply)
  if FREED then match(now, ttl) end
  return reply
end

-- booking_reply returns a booking as {status, code, record, place}.
local function booking_reply(status, code)
  local place, rec = row_get(code)
  return { status, code, rec or '', place or '' }
end

-- without_code removes a code from a history value (nil when empty).
local function without_code(h, code)
  local out = {}
  for _, c in ipairs(split(h or '', ' ')) do
    if c ~= '' and c ~= code then out[#out + 1] = c end
  end
  if #out == 0 then return nil end
  return table.concat(out, ' ')
end

-- strip deletes the personal data of booking code, keeping what counts
-- need: the record keeps consent, created, a check-in ("checkin": the
-- staff member, time, method given, category), the walk-in flag and a
-- not-served mark ("noserve": staff member, time, reason) and gains
-- "erased" (now);
-- the place keeps status, facility, session, method and time, but names
-- no resident, chat or cadre ("", "0", "0"); the idempotency field of the
-- request that booked goes. Places taken stay taken (the counters are
-- unchanged).
-- Idempotent: a stripped booking is left as it is. Returns the place as
-- it was, or nil for an unknown code. Numbers in the record are Unix ms,
-- well within the 14 digits cjson keeps.
local function strip(code, now)
  local p = place_get(code)
  if not p then return nil end
  local raw, rec = p.rec, p.rec
  local ok, x = false, nil
  if raw then ok, x = pcall(cjson.decode, raw) end
  if ok and type(x) == 'table' and not x.erased then
    if type(x.key) == 'string' then
      local requester = p.by
      if requester == '0' then requester = p.chat end
      redis.call('HDEL', K.res, 'i|' .. requester .. '|' .. x.key)
    end
    rec = cjson.encode({ consent = x.consent, created = x.created, erased = now, checkin = x.checkin,
      walkin = x.walkin, noserve = x.noserve })
  elseif raw and not ok then
    -- An unreadable record cannot be kept: it may hold anything.
    rec = cjson.encode({ erased = now })
  end
  if rec ~= raw or p.res ~= '' or p.chat ~= '0' or p.by ~= '0' then
    local q = { status = p.status, fac = p.fac, sess = p.sess, m = p.m, res = '', chat = '0', by = '0', updated = p.updated, qn = p.qn,
      rec = rec }
    place_set(code, q)
  end
  return p
end
