-- rem_legacy_lib: helpers of rem_legacy.lua over the legacy reminder keys;
-- prepended to it, never run alone.
-- KEYS: the reminder keys, all with the hash tag {rem}, in this order
-- (Keys.RemLegacyKeys builds the list):
--   1 due       ZSET  id -> due time (ms); pending items waiting for their time
--   2 inflight  ZSET  id -> lease deadline (ms); claimed, not yet acked
--   3 items     HASH  id -> "version|due_ms|not_after_ms|chat|kind|ref|zone"
--   4 attempts  HASH  id -> number of claims
--   5 done      ZSET  id -> purge time (ms); delivered or dropped (tombstone)
--   6 bychat    ZSET  "<chat>|<id>" (score 0, lexicographic index)
--   7 byref     ZSET  "<ref>|<id>" (score 0, lexicographic index)
-- An id is in at most one of due, inflight and done, and in one of them
-- exactly when items has it. Times come in ARGV as Unix milliseconds; the
-- server clock is never read.
local K = {
  due = KEYS[1], inflight = KEYS[2], items = KEYS[3], attempts = KEYS[4],
  done = KEYS[5], bychat = KEYS[6], byref = KEYS[7],
}

-- parse splits a payload into its fields.
local function parse(p)
  local v, due, na, chat, kind, ref, zone =
    string.match(p, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return { version = v, due = due, not_after = na, chat = chat, kind = kind, ref = ref, zone = zone }
end

-- index adds id to the resident and ref indexes of payload fields f.
local function index(id, f)
  redis.call('ZADD', K.bychat, 0, f.chat .. '|' .. id)
  if f.ref ~= '' then
    redis.call('ZADD', K.byref, 0, f.ref .. '|' .. id)
  end
end

-- unindex removes id from the indexes of payload fields f.
local function unindex(id, f)
  redis.call('ZREM', K.bychat, f.chat .. '|' .. id)
  if f.ref ~= '' then
    redis.call('ZREM', K.byref, f.ref .. '|' .. id)
  end
end

-- forget deletes every trace of id, whose payload fields are f.
local function forget(id, f)
  redis.call('ZREM', K.due, id)
  redis.call('ZREM', K.inflight, id)
  redis.call('ZREM', K.done, id)
  redis.call('HDEL', K.items, id)
  redis.call('HDEL', K.attempts, id)
  unindex(id, f)
end
