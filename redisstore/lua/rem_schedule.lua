-- rem_schedule: add reminder items; idempotent. A Redis Function
-- (FCALL rem_schedule_<version>, library kbrem_<version>, see luaFunc)
-- where the server has Functions, else a script (EVALSHA) of the same
-- text. The reminder store's batcher sends the Schedule calls that arrive
-- while its previous call is in flight together (ReminderStore.flushPlans).
-- KEYS: see rem_lib.lua.
-- ARGV[1] "plan", or "adopt" (items moved from the legacy keys: stored
--         with their state, only where the id is not there yet)
-- ARGV[2..] four per group of items of one chat:
--   +0 chat   +1 how many items   +2 the earliest t of the items (ms)
--   +3 the item lines, '\n'-separated, each shortened against the one
--      before as save() writes them (state w, t = due, for plan); for
--      plan, no id twice in a group
-- returns {created, updated} per group, one after the other.
-- plan: a chat with no items yet gets the group's lines as they are (one
-- HSETNX, nothing decoded). Otherwise a new id is stored and waits for
-- its due time. An id still waiting with other content (times, kind, ref,
-- zone) takes the new content, due time and version (so a late ack of an
-- earlier claim cannot retire the new content unsent). An id in flight or
-- done is left as it is. So scheduling the same items twice, or a retried
-- call, changes nothing.
local function rem_schedule(keys, args)
  bind(keys)
  local adopt = args[1] == 'adopt'
  local get, flush = chat_set()
  local acc, out = { w = 0, f = 0, d = 0 }, {}
  for i = 2, #args - 3, 4 do
    local chat, n, lines = args[i], tonumber(args[i + 1]), args[i + 3]
    local created, updated = 0, 0
    if not adopt and redis.call('HSETNX', K.chats, chat, lines) == 1 then
      redis.call('ZADD', K.next, args[i + 2], chat)
      acc.w = acc.w + n
      created = n
    else
      local c = get(chat)
      for _, new in ipairs((decode(lines))) do
        local at = find(c.items, new.id)
        if not at then
          c.items[#c.items + 1] = new
          c.dirty = true
          created = created + 1
        elseif not adopt then
          local old = c.items[at]
          if old.st == 'w' and (old.due ~= new.due or old.na ~= new.na or old.kind ~= new.kind
              or old.ref ~= new.ref or old.zone ~= new.zone) then
            new.att = old.att
            c.items[at] = new
            c.dirty = true
            updated = updated + 1
          end
        end
      end
    end
    out[#out + 1] = created
    out[#out + 1] = updated
  end
  flush(acc)
  flush_counts(acc)
  return out
end
