-- book_checkin: record that the client of an active booking came and was
-- served: the booking becomes attended, its record gets the check-in, and
-- the event's anonymous count of check-ins goes up by one.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] code   ARGV[2] staff chat   ARGV[3] when (Unix ms)
-- ARGV[4] method given   ARGV[5] register category (baru, lanjutan, ganti,
--         cabut, gagal)
-- ARGV[6] the register's other columns, a JSON object ("" none)
-- ARGV[7] the register marks of the count ("" none; letters, no "|" or
--         space: see BookingStore.CheckIn)
-- returns {status, code, record, place} where status is
--   "ok" checked in now; "already" checked in before (nothing changed: a
--   retried call, or a second check-in, finds this); "cancelled" the
--   booking was cancelled (nothing changed);
-- or {"not_found"} / {"bad_record"}.
-- Writes (one row): the place's status "attended" (the place stays
-- taken: it was used); the record gains "checkin": {by, at, method, category} and, when
-- ARGV[6] is given, "reg": ARGV[6] (deleted with the record by /hapusdata;
-- "reg" also by the retention purge and /hapuspeserta, book_lib.lua
-- strip, which keep "checkin"); res
-- "n|<fac>|<session>|<booked>|<given>|<category>[|<marks>]" counts
-- check-ins and "n|index" lists those fields, space-separated (the counts
-- name nobody and outlive an erasure).
-- The place stays counted in its counters: with check-ins, limit[u|f] =
-- active bookings + check-ins (these counts, erased clients included) +
-- held offers on f.
local code, by, at, given, cat, reg, marks = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local p = place_get(code)
if not p then return { 'not_found' } end
if p.status == 'attended' then return booking_reply('already', code) end
if p.status ~= 'active' then return booking_reply('cancelled', code) end
local rec = p.rec
if not rec or string.sub(rec, -1) ~= '}' then return { 'bad_record' } end
local parts = { 'n', p.fac, p.sess, p.m, given, cat }
if marks ~= '' then parts[#parts + 1] = marks end
local field = table.concat(parts, '|')

p.status, p.updated = 'attended', at
local ci = cjson.encode({ by = by, at = at, method = given, category = cat })
local extra = ',"checkin":' .. ci
if reg ~= '' then extra = extra .. ',"reg":' .. reg end
p.rec = string.sub(rec, 1, -2) .. extra .. '}'
place_set(code, p)
if redis.call('HINCRBY', K.res, field, 1) == 1 then
  local index = redis.call('HGET', K.res, 'n|index')
  redis.call('HSET', K.res, 'n|index', with_code(index, field))
end
return booking_reply('ok', code)
