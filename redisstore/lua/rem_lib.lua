-- rem_lib: helpers shared by the reminder scripts; prepended to each of
-- them (rem_*.lua but rem_legacy*), never run alone, and the first part
-- of the schedule function's library (rem_schedule.lua).
-- KEYS: the keys of one reminder shard, hash tag {rem:<n>}, in this order
-- (Keys.RemKeys builds the list); a chat's items all live in the shard of
-- its chat id (redisstore.remShard):
--   1 next   ZSET  chat -> when (ms) the chat next needs the sweeper: the
--                  earliest of its waiting items' due times, its in-flight
--                  items' lease deadlines and its tombstones' purge times
--   2 chats  HASH  chat -> the chat's items, one line each (see decode)
--   3 count  HASH  w, f, d -> a share of how many items wait, are in flight,
--                  are done: the counts are the sums over the shards
--                  (ReminderStore.RemCounts), each call adding its changes
--                  to the count of a shard of the call (rem_schedule,
--                  which may span shards on one server, to its first), so
--                  a shard's own numbers mean nothing alone and may be
--                  negative; a field that reaches 0 is deleted
-- An item line is "id|state|t|version|attempts|due|not_after|kind|ref|zone":
-- state w (waiting, t = due time of its next attempt), f (in flight, t =
-- lease deadline) or d (delivered or dropped: a tombstone, t = purge
-- time); times are Unix ms in base 36. To keep a chat's items small, a
-- line may leave out what the line before says: an id "<kind>:\31" has
-- the rest of the id before it (":<ref>:<occurrence>"), version "=" and
-- zone "=" are those of the line before, an empty t is the due time. Only
-- the Go side reads not_after ("+<seconds after due, base 36>" or the
-- time) and zone (a short code for Indonesia's zones, see
-- reminders_codec.go); here they are compared as they are. Kind and ref
-- are empty when they are the id's first and second ':'-separated parts.
-- A chat is in next exactly when it has items. Times come in ARGV; the
-- server clock is never read.
-- K names the keys of the call being run: a script (reminderScript) binds
-- KEYS first thing, the schedule function (rem_schedule.lua, loaded once
-- with FUNCTION LOAD) the keys of each shard of a call.
local K = {}

local function bind(keys, off)
  off = off or 0
  K.next, K.chats, K.count = keys[off + 1], keys[off + 2], keys[off + 3]
end

local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

-- b36 writes a non-negative integer in base 36.
local function b36(n)
  n = math.floor(n)
  if n <= 0 then return '0' end
  local s = ''
  while n > 0 do
    local d = n % 36
    s = string.sub(DIGITS, d + 1, d + 1) .. s
    n = (n - d) / 36
  end
  return s
end

-- rest returns what follows the kind in an id (":<ref>..."), or nil.
local function rest(id) return string.match(id, '^[^:]*(:.*)$') end

-- parse_line reads one item line; prev is the item before (or nil).
local function parse_line(line, prev)
  local id, st, t, v, att, due, na, kind, ref, zone =
    string.match(line, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  if prev then
    local k = string.match(id, '^([^:]*):\31$')
    if k then id = k .. rest(prev.id) end
    if v == '=' then v = prev.v end
    if zone == '=' then zone = prev.zone end
  end
  if t == '' then t = due end
  local it = { id = id, st = st, t = tonumber(t, 36), v = v, att = tonumber(att), due = due, na = na,
    k = kind, r = ref, zone = zone }
  if kind == '' then
    local a, b = string.match(id, '^([^:]*):?([^:]*)')
    it.kind, it.ref = a, b
  else
    it.kind, it.ref = kind, ref
  end
  return it
end

-- decode reads a chat's items, in stored order, and counts them by state.
local function decode(raw)
  local items, n = {}, { w = 0, f = 0, d = 0 }
  if not raw then return items, n end
  local prev
  for l in string.gmatch(raw, '[^\n]+') do
    local it = parse_line(l, prev)
    prev = it
    items[#items + 1] = it
    n[it.st] = n[it.st] + 1
  end
  return items, n
end

-- line writes an item, leaving out what prev (the item before, or nil)
-- says.
local function line(it, prev)
  local id, v, zone, t = it.id, it.v, it.zone, b36(it.t)
  if prev then
    local r = rest(id)
    if r and r == rest(prev.id) then id = string.match(id, '^[^:]*') .. ':\31' end
    if v == prev.v then v = '=' end
    if zone == prev.zone and zone ~= '' then zone = '=' end
  end
  if it.st == 'w' and tonumber(it.due, 36) == it.t then t = '' end
  return table.concat({ id, it.st, t, v, it.att, it.due, it.na, it.k, it.r, zone }, '|')
end

-- load returns chat's items and their counts by state.
local function load(chat) return decode(redis.call('HGET', K.chats, chat)) end

-- save stores chat's items, keeps next and the counts true (was: the
-- counts as loaded), and removes the chat when nothing is left. With acc,
-- the changes of the counts are added to acc (w, f, d) instead, for
-- flush_counts.
local function save(chat, items, was, acc)
  local n, out, first, prev = { w = 0, f = 0, d = 0 }, {}, nil, nil
  for _, it in ipairs(items) do
    n[it.st] = n[it.st] + 1
    out[#out + 1] = line(it, prev)
    prev = it
    if not first or it.t < first then first = it.t end
  end
  if #out == 0 then
    redis.call('HDEL', K.chats, chat)
    redis.call('ZREM', K.next, chat)
  else
    redis.call('HSET', K.chats, chat, table.concat(out, '\n'))
    redis.call('ZADD', K.next, first, chat)
  end
  for _, s in ipairs({ 'w', 'f', 'd' }) do
    if acc then
      acc[s] = acc[s] + n[s] - was[s]
    elseif n[s] ~= was[s] and redis.call('HINCRBY', K.count, s, n[s] - was[s]) == 0 then
      redis.call('HDEL', K.count, s)
    end
  end
end

local STATES = { 'w', 'f', 'd' }

-- flush_counts adds the changes of the counts in acc to count.
local function flush_counts(acc)
  for _, s in ipairs(STATES) do
    if acc[s] ~= 0 and redis.call('HINCRBY', K.count, s, string.format('%d', acc[s])) == 0 then
      redis.call('HDEL', K.count, s)
    end
  end
end

-- chat_set loads each chat once: get(chat) returns {items, was}, which a
-- caller marks dirty when it changed items; flush() saves the dirty ones.
local function chat_set()
  local chats = {}
  local function get(chat)
    local c = chats[chat]
    if not c then
      local items, was = load(chat)
      c = { items = items, was = was }
      chats[chat] = c
    end
    return c
  end
  local function flush(acc)
    for chat, c in pairs(chats) do
      if c.dirty then save(chat, c.items, c.was, acc) end
    end
  end
  return get, flush
end

-- find returns the index of id among items, or nil.
local function find(items, id)
  for i, it in ipairs(items) do
    if it.id == id then return i end
  end
  return nil
end

-- without returns items without those for which drop(it) is true, and
-- how many were dropped.
local function without(items, drop)
  local out, n = {}, 0
  for _, it in ipairs(items) do
    if drop(it) then n = n + 1 else out[#out + 1] = it end
  end
  return out, n
end
