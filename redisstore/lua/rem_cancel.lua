-- rem_cancel: remove the items of a resident, of a ref, or named by id.
-- KEYS: see rem_lib.lua.
-- ARGV[1] what: "chat", "ref" or "ids"
-- ARGV[2] "pending" to remove pending items (due or in flight) and keep
--         tombstones of delivered ones; "all" to remove tombstones too
--         (for /hapusdata)
-- ARGV[3] the chat id ("chat"), the ref ("ref"), or the first id ("ids")
-- ARGV[4..] "chat"/"ref": the kinds to remove (none: every kind);
--           "ids": further ids
-- returns {pending removed, tombstones removed}.
-- Idempotent: what is gone stays gone. An item in flight is removed too;
-- its handler may still be sending it, and its ack then changes nothing.
local ids = {}
if ARGV[1] == 'ids' then
  for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  local idx = K.bychat
  if ARGV[1] == 'ref' then idx = K.byref end
  local members = redis.call('ZRANGEBYLEX', idx, '[' .. ARGV[3] .. '|', '(' .. ARGV[3] .. '}')
  local skip = #ARGV[3] + 2
  for _, m in ipairs(members) do ids[#ids + 1] = string.sub(m, skip) end
end
local kinds = nil
if ARGV[1] ~= 'ids' and #ARGV > 3 then
  kinds = {}
  for i = 4, #ARGV do kinds[ARGV[i]] = true end
end
local pending, tombs = 0, 0
for _, id in ipairs(ids) do
  local p = redis.call('HGET', K.items, id)
  if p then
    local f = parse(p)
    if not kinds or kinds[f.kind] then
      local done = redis.call('ZSCORE', K.done, id)
      if not done then
        forget(id, f)
        pending = pending + 1
      elseif ARGV[2] == 'all' then
        forget(id, f)
        tombs = tombs + 1
      end
    end
  elseif ARGV[1] == 'chat' then
    redis.call('ZREM', K.bychat, ARGV[3] .. '|' .. id)
  elseif ARGV[1] == 'ref' then
    redis.call('ZREM', K.byref, ARGV[3] .. '|' .. id)
  end
end
return { pending, tombs }
