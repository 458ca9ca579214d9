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
-- ARGV[6+ncx+nchg ..] the new limits as field, value pairs: they replace
--         the limits of the hash, and its counters ("u|...", "t|...", see
--         book_lib.lua) stay. An event an earlier version kept in its
--         layout is moved first (layout_move).
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
-- The hash as stored: its limits (old) and its places taken (used).
local all = redis.call('HGETALL', K.limit)
local old, nold, used = {}, 0, {}
for i = 1, #all, 2 do
  local f, pre = all[i], string.sub(all[i], 1, 2)
  if pre == 'u|' then
    used[#used + 1] = string.sub(f, 3)
    used[#used + 1] = all[i + 1]
  elseif pre ~= 't|' then
    old[f] = all[i + 1]
    nold = nold + 1
  end
end
if redis.call('TYPE', K.used)['ok'] == 'hash' then
  -- Not moved yet (MigrateEvents moves every event at start): as stored.
  used = redis.call('HGETALL', K.used)
end
local below = {}
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
  same = nold == n
  for f, v in pairs(old) do
    if new[f] ~= v then same = false end
  end
end
if same then return { 'unchanged' } end
if plan then
  if existed then return { 'updated' } end
  return { 'created' }
end
layout_move()
for f in pairs(old) do
  if not new[f] then redis.call('HDEL', K.limit, f) end
end
for i = first, #ARGV, 2 do
  redis.call('HSET', K.limit, ARGV[i], ARGV[i + 1])
end
if not existed then
  redis.call('SET', K.used, LAYOUT)
  redis.call('SET', K.place, LAYOUT)
end
redis.call('SET', K.def, ARGV[2])
for i = 6 + ncx, 5 + ncx + nchg do
  local seq = redis.call('HINCRBY', KEYS[11], 'seq', 1)
  redis.call('HSET', KEYS[11], tostring(seq), ARGV[i])
end
if existed then return { 'updated' } end
return { 'created' }
