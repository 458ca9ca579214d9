-- rem_legacy: read and drop items kept in the legacy single-slot keys
-- (hash tag {rem}), which ReminderStore.Reap moves to the shards.
-- KEYS: see rem_legacy_lib.lua.
-- ARGV[1] "take": ARGV[2] limit; returns a flat array {id, payload, state,
--         score, attempts, ...} of up to limit items: waiting (state w,
--         score the due time), in flight (f, the lease deadline) and done
--         (d, the purge time); only stray set members without a payload go.
-- ARGV[1] "drop": ARGV[2..] ids; deletes every trace of them; returns how
--         many it deleted. Idempotent.
if ARGV[1] == 'take' then
  local out, limit = {}, tonumber(ARGV[2])
  for _, s in ipairs({ { 'w', K.due }, { 'f', K.inflight }, { 'd', K.done } }) do
    local left = limit - #out / 5
    if left <= 0 then break end
    local got = redis.call('ZRANGE', s[2], 0, left - 1, 'WITHSCORES')
    for i = 1, #got, 2 do
      local id = got[i]
      local p = redis.call('HGET', K.items, id)
      if p then
        out[#out + 1] = id
        out[#out + 1] = p
        out[#out + 1] = s[1]
        out[#out + 1] = got[i + 1]
        out[#out + 1] = redis.call('HGET', K.attempts, id) or '0'
      else
        redis.call('ZREM', s[2], id) -- a stray member: nothing to move
      end
    end
  end
  return out
end
local n = 0
for i = 2, #ARGV do
  local p = redis.call('HGET', K.items, ARGV[i])
  if p then
    forget(ARGV[i], parse(p))
    n = n + 1
  end
end
return n
