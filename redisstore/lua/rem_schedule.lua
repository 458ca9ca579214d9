-- rem_schedule: add reminder items; idempotent. A Redis Function
-- (FCALL rem_schedule_<version>, library kbrem_<version>, see luaFunc)
-- where the server has Functions, else a script (EVALSHA) of the same
-- text. The reminder store's batcher sends the Schedule calls that arrive
-- while its previous call is in flight together (ReminderStore.flushPlans):
-- on a cluster one call per shard (one hash slot), on a single server one
-- call for every shard, which adds the changes of the counts of all its
-- shards to the count of its first.
-- KEYS: per shard of the call, its keys (see rem_lib.lua), the shards in
-- the order of ARGV.
-- ARGV[1] "plan", or "adopt" (items moved from the legacy keys: stored
--         with their state, only where the id is not there yet)
-- then per shard: how many groups of items it has, and four per group of
-- items of one chat:
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
-- schedule_shard stores the m groups of items of shard that start at
-- args[i], appending {created, updated} per group to out and the changes
-- of the counts to acc.
local function schedule_shard(adopt, args, i, m, out, acc)
  local get, flush -- chat_set, made when a chat with items is met
  for j = i, i + 4 * (m - 1), 4 do
    local chat, lines = args[j], args[j + 3]
    local created, updated = 0, 0
    if not adopt and redis.call('HSETNX', K.chats, chat, lines) == 1 then
      redis.call('ZADD', K.next, args[j + 2], chat)
      created = tonumber(args[j + 1])
      acc.w = acc.w + created
    else
      if not get then get, flush = chat_set() end
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
  if flush then flush(acc) end
end

local function rem_schedule(keys, args)
  local adopt = args[1] == 'adopt'
  local out, i, sh = {}, 2, 0
  local acc = { w = 0, f = 0, d = 0 }
  while i <= #args do
    local m = tonumber(args[i])
    bind(keys, 3 * sh)
    sh = sh + 1
    schedule_shard(adopt, args, i + 1, m, out, acc)
    i = i + 1 + 4 * m
  end
  -- The counts are read summed over the shards (see count in rem_lib.lua):
  -- the changes of every shard of the call go to the first one's, in one
  -- HINCRBY per state rather than one per shard.
  bind(keys, 0)
  flush_counts(acc)
  return out
end
