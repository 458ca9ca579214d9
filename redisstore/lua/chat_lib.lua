-- chat_lib: helpers shared by the chat step scripts (begin, commit,
-- finish); prepended to each of them, never run alone.
--
-- What a chat handled (Keys.ChatSeen) is one STRING "<w>|<ids>|<keys>":
--   w     the watermark: every Telegram update id <= w counts as handled;
--   ids   handled update ids above w with the time they were handled,
--         "<id>:<unix seconds>", ascending by id, space-separated;
--   keys  digests of handled event keys (a reminder's item id and
--         version), oldest first, space-separated; the oldest beyond the
--         script's keep are forgotten.
-- An id stays above the watermark for a window (two minutes) after it was
-- handled, then is folded into w. So an update overtaken by newer ones of
-- its chat (two replicas, a retry, a wait for a busy chat) is still
-- handled once when it comes within the window, instead of being taken
-- for a redelivery; a redelivery is recognised for as long as the key
-- lives, whatever came between. Beyond a cap (a flood), the smallest ids
-- are folded early. Before the watermark, handled ids were a ZSET under
-- the legacy key (Keys.ChatSeenLegacy): while the string is missing, the
-- highest id of that set is the watermark.

-- handled_load reads what a chat handled; legacy is the key of the old set.
local function handled_load(key, legacy)
  local h = { w = 0, ids = {}, at = {}, keys = {} }
  local v = redis.call('GET', key)
  if not v then
    local old = redis.call('ZRANGE', legacy, -1, -1, 'WITHSCORES')
    if old[2] then
      h.w = tonumber(old[2])
    end
    return h
  end
  local w, ids, keys = string.match(v, '^(%d*)|([^|]*)|(.*)$')
  if not w then
    return h
  end
  h.w = tonumber(w) or 0
  for id, at in string.gmatch(ids, '(%d+):(%d+)') do
    h.ids[#h.ids + 1] = tonumber(id)
    h.at[#h.at + 1] = tonumber(at)
  end
  for k in string.gmatch(keys, '[^ ]+') do
    h.keys[#h.keys + 1] = k
  end
  return h
end

-- handled_has reports whether update id u (a number, 0 for none) or the
-- event key k ("" for none) was handled.
local function handled_has(h, u, k)
  if u ~= 0 then
    if u <= h.w then
      return true
    end
    for i = 1, #h.ids do
      if h.ids[i] == u then
        return true
      end
    end
  end
  if k ~= '' then
    for i = 1, #h.keys do
      if h.keys[i] == k then
        return true
      end
    end
  end
  return false
end

-- handled_add records update id u and event key k (either may be none) at
-- now (unix seconds). Ids handled more than window seconds ago, and the
-- smallest beyond cap, are folded into the watermark; at most keep event
-- keys are kept.
local function handled_add(h, u, k, now, window, cap, keep)
  if u ~= 0 then
    local at = #h.ids + 1
    for i = 1, #h.ids do
      if h.ids[i] > u then
        at = i
        break
      end
    end
    table.insert(h.ids, at, u)
    table.insert(h.at, at, now)
  end
  local w = h.w
  for i = 1, #h.ids do
    if h.at[i] < now - window then
      w = math.max(w, h.ids[i])
    end
  end
  local n = #h.ids - cap
  if n > 0 then
    w = math.max(w, h.ids[n])
  end
  h.w = w
  local ids, ats = {}, {}
  for i = 1, #h.ids do
    if h.ids[i] > w then
      ids[#ids + 1] = h.ids[i]
      ats[#ats + 1] = h.at[i]
    end
  end
  h.ids, h.at = ids, ats
  if k ~= '' then
    h.keys[#h.keys + 1] = k
    while #h.keys > keep do
      table.remove(h.keys, 1)
    end
  end
end

-- handled_save writes h to key with a TTL of ttl ms.
local function handled_save(key, h, ttl)
  local ids = {}
  for i = 1, #h.ids do
    ids[i] = string.format('%d:%d', h.ids[i], h.at[i])
  end
  local v = string.format('%d', h.w) .. '|' .. table.concat(ids, ' ') .. '|' .. table.concat(h.keys, ' ')
  redis.call('SET', key, v, 'PX', ttl)
end

-- outbox_ack pops from the head of outbox the entries whose ids are
-- ARGV[from..to], oldest first (each entry is "<id>|<json>"). An id no
-- longer at the head is skipped, so acknowledging twice removes nothing more.
local function outbox_ack(outbox, from, to)
  for i = from, to do
    local head = redis.call('LINDEX', outbox, 0)
    if head and string.sub(head, 1, #ARGV[i] + 1) == ARGV[i] .. '|' then
      redis.call('LPOP', outbox)
    end
  end
end

-- chat_begin takes a chat's lock with token for ttl ms (the caller checked
-- that it is free or already its own) and reads what a step needs: the
-- session, whether update id upd (a number; -1: the update at the head of
-- the inbox, which is returned) or the event key digest key was handled,
-- the resident record, whether the chat holds a staff hint, and the
-- outbox. k holds the keys: lock, state, handled, outbox, record, legacy
-- set of handled ids, inbox, staff hint.
-- returns {state or false, 1 if handled before else 0, record or false,
--          the inbox's head entry or false, the inbox's length (0 unless
--          upd is -1), 1 if the chat holds a staff hint else 0, outbox
--          entries...}
local function chat_begin(k, token, ttl, upd, key)
  redis.call('SET', k[1], token, 'PX', ttl)
  local seen = 0
  local head = false
  if upd == -1 then
    head = redis.call('LINDEX', k[7], 0)
    upd = 0
    if head then
      upd = tonumber(string.match(head, '^(%d+)|')) or 0
    end
  end
  if (upd ~= 0 or key ~= '') and handled_has(handled_load(k[3], k[6]), upd, key) then
    seen = 1
  end
  local waiting = 0
  if head then
    waiting = redis.call('LLEN', k[7])
  end
  local out = {redis.call('GET', k[2]), seen, redis.call('GET', k[5]), head, waiting, redis.call('EXISTS', k[8])}
  local entries = redis.call('LRANGE', k[4], 0, -1)
  for i = 1, #entries do
    out[#out + 1] = entries[i]
  end
  return out
end

-- send_take takes up to want tokens of one chat's send bucket (GCRA with a
-- burst: a full bucket gives tau/T + 1 messages at once, then one per
-- interval T; all µs). key is the chat's theoretical arrival time (STRING,
-- Keys.SendChat); now is µs since the epoch, or nil for the server's
-- clock.
-- returns {reason, value, n, now}: reason 0 granted: value is the first
-- token's slot (µs) and n tokens follow it one interval apart, each to be
-- used no later than its slot; reason 2: the chat must wait value µs and
-- nothing changed. now is the time decided by.
local function send_take(key, now, T, tau, want)
  if not now then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  want = math.max(want, 1)
  local tat = math.max(tonumber(redis.call('GET', key) or '0') or 0, now)
  if tat - tau > now then
    return {2, tat - tau - now, 0, now}
  end
  local n = math.min(want, math.floor((now + tau - tat) / T) + 1)
  local first = tat
  tat = first + n * T
  redis.call('SET', key, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
  return {0, first, n, now}
end

-- step_commit stores one conversation step of a chat (commit.lua, with the
-- lock checked by the caller). k holds the keys: state, handled, outbox,
-- resident record, legacy set of handled ids, the chat's send bucket. The
-- arguments are commit.lua's ARGV[2..], at ARGV[o + 2..] (ARGV[o + 1], the
-- lease token, is not read). Returns commit.lua's answer.
local function step_commit(k, o)
  local acked = tonumber(ARGV[o + 18])
  outbox_ack(k[3], o + 19, o + 18 + acked)
  local upd = tonumber(ARGV[o + 2])
  local key = ARGV[o + 3]
  local h
  if upd ~= 0 or key ~= '' then
    h = handled_load(k[2], k[5])
    if handled_has(h, upd, key) then
      return {0}
    end
  end
  if ARGV[o + 4] == '1' then
    redis.call('DEL', k[1])
    redis.call('DEL', k[4])
  else
    redis.call('SET', k[1], ARGV[o + 5], 'PX', ARGV[o + 6])
    if ARGV[o + 12] ~= '' then
      if ARGV[o + 13] == '0' then
        redis.call('SET', k[4], ARGV[o + 12])
      else
        redis.call('SET', k[4], ARGV[o + 12], 'PX', ARGV[o + 13])
      end
    end
  end
  if h then
    handled_add(h, upd, key, tonumber(ARGV[o + 8]), tonumber(ARGV[o + 9]), tonumber(ARGV[o + 10]), tonumber(ARGV[o + 11]))
    handled_save(k[2], h, ARGV[o + 7])
    redis.call('DEL', k[5])
  end
  for i = o + 19 + acked, #ARGV do
    redis.call('RPUSH', k[3], ARGV[i])
  end
  local want = tonumber(ARGV[o + 17])
  if want > 0 then
    local t = send_take(k[6], tonumber(ARGV[o + 14]), tonumber(ARGV[o + 15]), tonumber(ARGV[o + 16]), want)
    return {1, t[1], t[2], t[3], t[4]}
  end
  return {1}
end
