-- book_import: write an event's definition and limits, refusing limits
-- below the places already taken; or only say what it would do. The
-- changes residents must hear of (a session moved, a site cancelled) are
-- kept in the event's change log, atomically with the definition, until
-- every resident concerned was told (book_void.lua, ChangeDone).
-- KEYS: the event keys, in the order of book_lib.lua, then
--   KEYS[11] the event's change log (EventChanges: HASH "seq" -> the last
--            change number, "<n>" -> "moved|<fac>|<session>|<from_ms>|<to_ms>"
--            or "cancelled|<fac>")
-- ARGV[1] "apply" to write, "plan" to write nothing and answer as "apply"
--         would (the preview of an import)
-- ARGV[2] event definition (JSON)
-- ARGV[3] the stored definition the caller read and reconciled against,
--         "-" for none: the import is refused ({"retry"}) when another
--         import changed it meanwhile
-- ARGV[4] ncx, how many cancelled facilities follow: their limits are not
--         checked against the places taken (book_void.lua cancels their
--         bookings, and the cut-off in the new limits closes them at once)
-- ARGV[5 .. 4+ncx] the cancelled facilities
-- ARGV[5+ncx] nchg, how many changes follow
-- ARGV[6+ncx .. 5+ncx+nchg] the changes, as the log keeps them
-- ARGV[6+ncx+nchg ..] the new limit hash as field, value pairs; a field
--         "x|hashtable:..." (Keys.HashtableMarker) is written to used too
-- returns {"created"}, {"updated"}, {"unchanged"} (definition and limits
--   already as given: nothing written, so importing twice changes
--   nothing), {"retry"}, or {"below", field, taken, new limit ("" =
--   removed), ...} with nothing written.
local plan = ARGV[1] == 'plan'
local stored = redis.call('GET', K.def)
if (stored or '-') ~= ARGV[3] then return { 'retry' } end
local ncx = tonumber(ARGV[4])
local cancelled = {}
for i = 5, 4 + ncx do cancelled[ARGV[i]] = true end
local nchg = tonumber(ARGV[5 + ncx])
local first = 6 + ncx + nchg
local new, n = {}, 0
for i = first, #ARGV, 2 do
  new[ARGV[i]] = ARGV[i + 1]
  n = n + 1
end
local below = {}
local used = redis.call('HGETALL', K.used)
for i = 1, #used, 2 do
  local f, taken = used[i], tonumber(used[i + 1])
  local fac = split(f, '|')[2]
  if taken > 0 and not cancelled[fac] and (not new[f] or tonumber(new[f]) < taken) then
    below[#below + 1] = f
    below[#below + 1] = used[i + 1]
    below[#below + 1] = new[f] or ''
  end
end
if #below > 0 then
  table.insert(below, 1, 'below')
  return below
end
local existed = stored ~= false
local same = existed and stored == ARGV[2]
if same then
  local old = redis.call('HGETALL', K.limit)
  same = #old == 2 * n
  for i = 1, #old, 2 do
    if new[old[i]] ~= old[i + 1] then same = false end
  end
end
if same then return { 'unchanged' } end
if plan then
  if existed then return { 'updated' } end
  return { 'created' }
end
redis.call('DEL', K.limit)
for i = first, #ARGV, 2 do
  redis.call('HSET', K.limit, ARGV[i], ARGV[i + 1])
  if string.sub(ARGV[i], 1, 12) == 'x|hashtable:' then redis.call('HSET', K.used, ARGV[i], '0') end
end
redis.call('SET', K.def, ARGV[2])
for i = 6 + ncx, 5 + ncx + nchg do
  local seq = redis.call('HINCRBY', KEYS[11], 'seq', 1)
  redis.call('HSET', KEYS[11], tostring(seq), ARGV[i])
end
if existed then return { 'updated' } end
return { 'created' }
