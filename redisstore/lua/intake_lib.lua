-- intake_lib: intake_push.lua's work as a function, shared by intake_push
-- and intake_spec; prepended (after chat_lib.lua) to each, never run alone.

-- intake_flood_ok reports whether an update that counts towards the flood
-- limit (ARGV[2] per ARGV[3] ms) would be queued now, without changing
-- anything. st is the intake state key.
local function intake_flood_ok(st, now)
  local limit = tonumber(ARGV[2])
  if limit <= 0 then
    return true
  end
  local v = redis.call('HMGET', st, 'fw', 'fn')
  local fw = tonumber(v[1] or '0')
  local fn = tonumber(v[2] or '0')
  if now - fw >= tonumber(ARGV[3]) or now < fw then
    fn = 0
  end
  return fn + 1 <= limit
end

-- intake_push_pairs is intake_push.lua (see there) for the pairs at
-- ARGV[first..last]; KEYS and ARGV[1..7] as intake_push.lua's.
local function intake_push_pairs(first, last)
  local now = tonumber(ARGV[1])
  local limit = tonumber(ARGV[2])
  local window = tonumber(ARGV[3])
  local quiet = tonumber(ARGV[4])
  local out = {}
  local touched = false
  local empty = ARGV[6] ~= '' and redis.call('LLEN', KEYS[1]) == 0
  for i = first, last, 2 do
    local counted = ARGV[i] == '1'
    local entry = ARGV[i + 1]
    local code = 1
    if redis.call('LPOS', KEYS[1], entry) then
      code = 3
    elseif counted and limit > 0 then
      touched = true
      local st = redis.call('HMGET', KEYS[2], 'fw', 'fn', 'fq')
      local fw = tonumber(st[1] or '0')
      local fn = tonumber(st[2] or '0')
      local fq = tonumber(st[3] or '0')
      if now - fw >= window or now < fw then
        fw = now
        fn = 0
      end
      fn = fn + 1
      redis.call('HSET', KEYS[2], 'fw', fw, 'fn', fn)
      if fn > limit then
        code = 0
        if now >= fq then
          redis.call('HSET', KEYS[2], 'fq', now + quiet)
          local id, rest = string.match(entry, '^([^|]*)|u|(.*)$')
          redis.call('RPUSH', KEYS[1], id .. '|f|' .. rest)
          code = 2
        end
      end
    end
    if code == 1 then
      redis.call('RPUSH', KEYS[1], entry)
    end
    out[#out + 1] = code
  end
  if touched then
    redis.call('PEXPIRE', KEYS[2], ARGV[5])
  end
  local begun = false
  if empty and redis.call('LLEN', KEYS[1]) > 0 then
    local cur = redis.call('GET', KEYS[3])
    if not cur or cur == ARGV[6] then
      begun = chat_begin({KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[1], KEYS[9]}, ARGV[6], ARGV[7], -1, '')
    end
  end
  return {out, begun}
end
