-- book_many: take places for residents of one or more events (or the
-- places offered to them), one request after the other, each as if it
-- were alone; or return what an earlier request with the same idempotency
-- key did. The booking store's batcher sends the requests that arrive
-- while its previous call is in flight together (BookingStore.flushBooks):
-- on a cluster one call per event (one hash slot), on a single server one
-- call for the requests of every event.
-- It is a Redis Function (FCALL book_many_<version>, library
-- kbbook_<version>, see luaFunc) where the server has Functions, and
-- else a script (EVALSHA) of the same text.
-- KEYS: per group (event) of requests, the event keys in the order of
-- book_lib.lua (10), then, when ARGV[3] is not "0" (one server), per
-- request of the group in order: the bucket of its code (Keys.BookingCodes),
-- its legacy code key when ARGV[3] is "2", the resident index bucket
-- (Keys.ResidentEvents) of the resident chat unless it is "0", and that of
-- the cadre unless "0"; after every group's, the three keys of each
-- reminder shard the call's bookings plan reminders in (one server only).
-- ARGV[1] now (Unix ms)   ARGV[2] offer TTL (ms), for places freed
-- ARGV[3] "0": the caller reserved each code across events (codePool, on a
--         cluster) and writes the resident index; "1": the code is taken
--         here in its bucket, once the request passed its checks
--         ("code_taken" when another booking has it), and a booking made
--         here adds "<chat>|<event>" to the index of its resident and
--         cadre; "2": as "1", and while legacy code keys may exist
--         (CodesLayout not "2") a code is also checked against its
--         legacy key
-- then per group: +0 how many requests (n)  +1 the event id  +2 the index
-- in KEYS of the first of its event keys
-- then 11 arguments per request of the group, and 5 per group of its
-- reminders:
--   +0 mode: "book", or "offer" to take the place held for the resident
--   +1 idempotency field "i|<requester chat>|<key>"
--   +2 resident ("c<chat>" or "r<ref>")
--   +3 resident chat ("0" for a resident without Telegram)
--   +4 booked by (cadre chat, or "0")
--   +5 facility   +6 session   +7 method (all three ignored for "offer")
--   +8 code for a new booking
--   +9 record: the booking's immutable fields (JSON)
--   +10 p: how many groups of reminders the booking has (always "0" when
--       ARGV[3] is "0"), stored only when this request books the place
--       now ("ok"), in the same call: then p times
--       +0 the index in KEYS of the first of the three keys (rem_lib.lua)
--          of the chat's reminder shard
--       +1..+4 the group's chat, item count, earliest due and lines, as a
--          group of rem_schedule.lua's ARGV
-- returns one reply per request, in order:
--   {"ok", place, planned} booked now with the request's code (place is
--   the place string; the caller has the record); planned is "1" when
--   its reminders were stored (or it had none), "0" when storing them
--   failed (the caller schedules them: Schedule is idempotent);
--   {"repeat", code, record, place} the idempotency key was used before
--   (that booking); {"already", code, record, place} the resident has an
--   active booking for the event (that one);
--   {error}: "unknown_event" "unknown_site" "unknown_method"
--   "unknown_session" "closed" "full_method" "full_session" "code_taken"
--   "no_offer" "offer_expired": that request changed nothing;
--   {"error", message}: the request failed in the script (the others
--   are unaffected).
-- Offers whose deadline passed are released first (once per group, all
-- requests share now); after each request that gave a place back the
-- waitlist is offered the free places, as a call of its own would.
-- A new booking gets the next queue number of its method and session,
-- kept as the place's last field. The limits, the places taken ("u|...")
-- and the queue counter ("t|...") sit in one hash (limit): they are read
-- in one HMGET and set after in one HSET, which is exact because the
-- script runs alone. A booking is one field of rec (its row: place and
-- record), the resident's state one field of res. Idempotent: a retried
-- request finds its idempotency field, or, for a resident's own request
-- (booked by no cadre), which writes no such field, its key in the record
-- of a booking in the resident's history (the record keeps the key):
-- "repeat".
-- not_before reports whether Unix ms string a is before b, both decimal
-- without leading zeros: compared as strings, without reading numbers.
local function not_before(a, b)
  return #a > #b or (#a == #b and a >= b)
end

-- own_repeat returns the code among the codes of history h ("code code
-- ...") that a resident's own request (no cadre) booked with the
-- idempotency key of field idf ("i|<chat>|<key>"), or nil: the record
-- keeps the key, the place says no cadre booked it.
local function own_repeat(h, idf)
  local key = string.match(idf, '^i|[^|]*|(.*)$')
  for _, c in ipairs(split(h, ' ')) do
    local p = place_get(c)
    if p and p.rec then
      local ok, x = pcall(cjson.decode, p.rec)
      if ok and type(x) == 'table' and x.key == key and p.by == '0' then return c end
    end
  end
  return nil
end

-- book_one runs the request at a[i]; kc is the index in keys of its
-- first key past the event's (nil when ARGV[3] is "0").
local function book_one(now, ttl, keys, ev, a, i, kc)
  local mode, idf, r, chat, by = a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4]
  local fac, sess, m, code, rec = a[i + 5], a[i + 6], a[i + 7], a[i + 8], a[i + 9]
  local offer = mode == 'offer'
  -- A resident's own request (no cadre) writes no idempotency field: its
  -- key is in the booking's record, found through the resident's history
  -- (own_repeat). Fields written before are still read (st[1]).
  local own = by == '0' and chat ~= '0'
  local cadre_h, st
  if by ~= '0' then
    cadre_h = 'b' .. by .. '|h'
    st = redis.call('HMGET', K.res, idf, r, cadre_h)
  else
    st = redis.call('HMGET', K.res, idf, r)
  end
  if st[1] then return booking_reply('repeat', st[1]) end
  local s = state_parse(st[2]) -- the resident's state: a, h, w, o
  if own and (s.a or s.h) then
    local c = own_repeat(s.h or s.a, idf)
    if c then return booking_reply('repeat', c) end
  end
  if s.a then return booking_reply('already', s.a) end
  local o = parse_offer(s.o)
  local held = o ~= nil and o.state == 'offered'
  if offer then
    if not o then return { 'no_offer' } end
    if not held then return { 'offer_expired' } end
    fac, sess, m = o.fac, o.sess, o.m
  end
  local qf, sf = 'q|' .. fac .. '|' .. m, 's|' .. fac .. '|' .. sess
  -- The limits, the places taken and the queue counter, in one read.
  local tf = 't|' .. fac .. '|' .. sess .. '|' .. m
  local lim = redis.call('HMGET', K.limit, 'c|' .. fac, qf, sf, 'u|' .. qf, 'u|' .. sf, tf)
  if not lim[1] then
    if redis.call('EXISTS', K.limit) == 0 then return { 'unknown_event' } end
    return { 'unknown_site' }
  end
  if not lim[2] then return { 'unknown_method' } end
  if not lim[3] then return { 'unknown_session' } end
  if not_before(a[1], lim[1]) then return { 'closed' } end
  local qused, sused = tonumber(lim[4] or '0'), tonumber(lim[5] or '0')
  local qfree, sfree = tonumber(lim[2]) - qused, tonumber(lim[3]) - sused
  local consume = held and o.fac == fac and o.sess == sess and o.m == m
  if not consume then
    -- A place held for this resident on the same quota or session is theirs.
    if held and qfield(o.fac, o.m) == qf then qfree = qfree + 1 end
    if held and sfield(o.fac, o.sess) == sf then sfree = sfree + 1 end
    if qfree <= 0 then return { 'full_method' } end
    if sfree <= 0 then return { 'full_session' } end
  end
  -- The next queue number: a number is given once (queue_take).
  local qn = string.format('%d', tonumber(lim[6] or '0') + 1)
  -- As place_str writes it.
  local place = 'active|' .. fac .. '|' .. sess .. '|' .. m .. '|' .. r .. '|' .. chat .. '|' .. by .. '|' .. a[1] .. '|' .. qn
  -- The booking's row: its place and its record (row_set).
  local row = place .. '\n' .. rec
  -- Every check passed; the first write takes (or guards) the code.
  if kc then
    local bucket = keys[kc]
    if a[3] == '2' then
      kc = kc + 1
      if redis.call('EXISTS', keys[kc]) == 1 then return { 'code_taken' } end
    end
    kc = kc + 1
    if redis.call('HSETNX', bucket, code, ev) == 0 then return { 'code_taken' } end
    if redis.call('HSETNX', K.rec, code, row) == 0 then
      redis.call('HDEL', bucket, code)
      return { 'code_taken' }
    end
  elseif redis.call('HSETNX', K.rec, code, row) == 0 then
    return { 'code_taken' }
  end
  if consume then
    -- The held place becomes the booking; the counts already include it.
    redis.call('ZREM', K.due, r)
    redis.call('SREM', K.fresh, r)
    redis.call('HSET', K.limit, tf, qn)
  else
    -- Integers as strings: Redis would write Lua numbers with %.17g, slower.
    redis.call('HSET', K.limit, 'u|' .. qf, string.format('%d', qused + 1), 'u|' .. sf, string.format('%d', sused + 1),
      tf, qn)
    if held then offer_release(r, false) end
  end
  -- The booking replaces the resident's offer and waitlist request (as
  -- wait_remove would).
  if s.w then redis.call('ZREM', K.wait, r) end
  -- No active code here means no active booking before, so a missing
  -- history means no booking before: the history is left out until it
  -- differs.
  s.a, s.o, s.w = code, nil, nil
  if s.h then s.h = with_code(s.h, code) end
  local v = state_str(s)
  if own then
    redis.call('HSET', K.res, r, v) -- the common case
  elseif not cadre_h then
    redis.call('HSET', K.res, idf, code, r, v)
  else
    redis.call('HSET', K.res, idf, code, r, v, cadre_h, with_code(st[3], code))
  end
  if kc then
    if chat ~= '0' then
      redis.call('HSET', keys[kc], chat .. '|' .. ev, '')
      kc = kc + 1
    end
    if by ~= '0' then redis.call('HSET', keys[kc], by .. '|' .. ev, '') end
  end
  return { 'ok', place }
end

-- plan stores the p groups of a booking's reminders that start at
-- args[j], as rem_schedule does, adding the changes of the counts to acc.
local function plan(keys, args, j, p, acc)
  local scratch = {}
  for _ = 1, p do
    REM.bind(keys, tonumber(args[j]) - 1)
    REM.schedule_shard(false, args, j + 1, 1, scratch, acc)
    j = j + 5
  end
end

local function book_many(keys, args)
  local now, ttl = tonumber(args[1]), tonumber(args[2])
  local extra, per = args[3] ~= '0', 1
  if args[3] == '2' then per = 2 end
  local acc, shard = { w = 0, f = 0, d = 0 }, nil -- the reminders' counts
  local out, i = {}, 4
  while i <= #args do
    local n, ev, k1 = tonumber(args[i]), args[i + 1], tonumber(args[i + 2])
    bind(keys, k1 - 1)
    i = i + 3
    expire_due(now, args[1])
    local kc -- the next request's first key past the event's
    if extra then kc = k1 + 10 end
    for _ = 1, n do
      local at = kc
      if extra then
        kc = kc + per
        if args[i + 3] ~= '0' then kc = kc + 1 end
        if args[i + 4] ~= '0' then kc = kc + 1 end
      end
      local ok, reply = pcall(book_one, now, ttl, keys, ev, args, i, at)
      if not ok then
        if type(reply) == 'table' then reply = reply.err end
        reply = { 'error', tostring(reply) }
      end
      local p = tonumber(args[i + 10])
      if ok and reply[1] == 'ok' then
        local planned = true
        if p > 0 then
          -- What a failed plan stored is counted too (acc).
          shard = shard or tonumber(args[i + 11])
          planned = pcall(plan, keys, args, i + 11, p, acc)
        end
        if planned then reply[3] = '1' else reply[3] = '0' end
      end
      out[#out + 1] = reply
      if FREED then
        match(now, ttl)
        FREED = false
      end
      i = i + 11 + 5 * p
    end
  end
  if shard then
    -- As rem_schedule: the counts are summed over the shards, so the
    -- changes of every shard of the call go to one shard's. The bookings
    -- are made: a damaged count must not fail their replies.
    REM.bind(keys, shard - 1)
    pcall(REM.flush_counts, acc)
  end
  return out
end
