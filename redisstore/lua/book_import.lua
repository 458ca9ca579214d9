-- book_import: write an event's definition and limits, refusing limits
-- below the places already taken; or only say what it would do.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV[1] "apply" to write, "plan" to write nothing and answer as "apply"
--         would (the preview of an import)
-- ARGV[2] event definition (JSON)
-- ARGV[3..] the new limit hash as field, value pairs
-- returns {"created"}, {"updated"}, {"unchanged"} (definition and limits
--   already as given: nothing written, so importing twice changes
--   nothing), or {"below", field, taken, new limit ("" = removed), ...}
--   with nothing written.
local plan = ARGV[1] == 'plan'
local new, n = {}, 0
for i = 3, #ARGV, 2 do
  new[ARGV[i]] = ARGV[i + 1]
  n = n + 1
end
local below = {}
local used = redis.call('HGETALL', K.used)
for i = 1, #used, 2 do
  local f, taken = used[i], tonumber(used[i + 1])
  if taken > 0 and (not new[f] or tonumber(new[f]) < taken) then
    below[#below + 1] = f
    below[#below + 1] = used[i + 1]
    below[#below + 1] = new[f] or ''
  end
end
if #below > 0 then
  table.insert(below, 1, 'below')
  return below
end
local existed = redis.call('EXISTS', K.def) == 1
local same = existed and redis.call('GET', K.def) == ARGV[2]
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
for i = 3, #ARGV, 2 do redis.call('HSET', K.limit, ARGV[i], ARGV[i + 1]) end
redis.call('SET', K.def, ARGV[2])
if existed then return { 'updated' } end
return { 'created' }
