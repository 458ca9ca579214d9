-- book_void: carry out the cancellation of a site (a change of the event's
-- change log, book_import.lua): its active bookings are cancelled and
-- their places freed, offers held there are released; or, once everyone
-- concerned was told, take the residents waiting there off the waitlist.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] now (Unix ms)   ARGV[2] facility   ARGV[3] the change's number
-- ARGV[4] "void" or "drop"
-- ARGV[5] offer TTL (ms), for places freed elsewhere (done)
-- "void" returns {"ok", nbookings, code..., resident...}: the codes of
--   every booking this change cancelled (their records carry "void": the
--   change's number), this call or an earlier one, then the residents
--   ("c<chat>") who wait at the facility or hold (or held) an offer there.
--   Idempotent: a cancelled booking is not touched again.
-- "drop" returns {"ok"}: the waitlist requests and offers at the facility
--   are gone. Idempotent.
local now, fac, n, mode = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local ttl = tonumber(ARGV[5])
local waiting = {}
local res = redis.call('HGETALL', K.res)
for i = 1, #res, 2 do
  local r = string.match(res[i], '^(c%d+)$')
  if r then
    local st = state_parse(res[i + 1])
    if st.w and split(st.w, '|')[1] == fac then waiting[#waiting + 1] = { r = r, kind = 'w' } end
    if st.o and split(st.o, '|')[2] == fac then waiting[#waiting + 1] = { r = r, kind = 'o' } end
  end
end
if mode == 'drop' then
  for _, w in ipairs(waiting) do
    if w.kind == 'w' then
      wait_remove(w.r)
    else
      offer_release(w.r, false)
    end
  end
  return { 'ok' }
end
local codes = {}
local rows = redis.call('HGETALL', K.rec)
for i = 1, #rows, 2 do
  local code = rows[i]
  local raw, rec = row_split(rows[i + 1])
  if raw and string.sub(code, 1, 2) ~= 'e|' then
    local p = parse_place(raw)
    if p.fac == fac then
      local ok, x = false, nil
      if rec then ok, x = pcall(cjson.decode, rec) end
      if p.status == 'active' and ok and type(x) == 'table' then
        p.status, p.updated = 'cancelled', ARGV[1]
        unbook(p.res, code)
        give(p.fac, p.sess, p.m)
        x.void = tonumber(n)
        p.rec = cjson.encode(x)
        place_set(code, p)
      end
      if ok and type(x) == 'table' and tostring(x.void) == n then
        codes[#codes + 1] = code
      end
    end
  end
end
for _, w in ipairs(waiting) do
  if w.kind == 'o' then offer_release(w.r, true) end
end
local out = { 'ok', #codes }
for _, c in ipairs(codes) do out[#out + 1] = c end
for _, w in ipairs(waiting) do out[#out + 1] = w.r end
return done(now, ttl, out)
