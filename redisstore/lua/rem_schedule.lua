-- rem_schedule: add reminder items; idempotent.
-- KEYS: see rem_lib.lua.
-- ARGV[1] version given to the items this call creates or changes
-- ARGV[2..] one group of 3 per item: id, payload without version
--           ("due_ms|not_after_ms|chat|kind|ref|zone"), due ms
-- returns {created, updated}.
-- A new id is stored and due. An id still waiting in due with other
-- content takes the new content, due time and version (so a late ack of an
-- earlier claim, reaped meanwhile, cannot retire the new content unsent).
-- An id in flight or done (delivered, dropped) is left as it is. So
-- scheduling the same items twice, or a retried call, changes nothing.
local created, updated = 0, 0
for i = 2, #ARGV, 3 do
  local id, body, due = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local new = parse(ARGV[1] .. '|' .. body)
  local old = redis.call('HGET', K.items, id)
  if not old then
    redis.call('HSET', K.items, id, ARGV[1] .. '|' .. body)
    redis.call('ZADD', K.due, due, id)
    index(id, new)
    created = created + 1
  else
    local f = parse(old)
    local oldbody = string.sub(old, #f.version + 2)
    if oldbody ~= body and redis.call('ZSCORE', K.due, id) then
      unindex(id, f)
      redis.call('HSET', K.items, id, ARGV[1] .. '|' .. body)
      redis.call('ZADD', K.due, due, id)
      index(id, new)
      updated = updated + 1
    end
  end
end
return { created, updated }
