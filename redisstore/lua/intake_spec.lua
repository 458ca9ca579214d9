-- intake_spec: accept one update whose step the caller ran ahead on the
-- chat's last known state (kbbot.Speculation) and, when the chat is still
-- in exactly that state, commit that step in the same call instead of
-- queueing the update: the chat is idle (empty inbox, lock free, nothing
-- undelivered), holds no staff hint, its session and record are the ones
-- the step ran on (by SHA1), the update was not handled before, and it is
-- within the resident's flood limit. The lock is then taken with ARGV[6]
-- for the delivery of the replies. Otherwise it does what intake_push.lua
-- does for the update.
-- (chat_lib.lua and intake_lib.lua are prepended.)
-- KEYS[1..9] as intake_push.lua's   KEYS[10] the chat's send bucket
-- ARGV[1..7] as intake_push.lua's (ARGV[6] not "")
-- ARGV[8], ARGV[9] the update's pair, as intake_push.lua's
-- ARGV[10] SHA1 (hex) of the session the step ran on ("": none)
-- ARGV[11] SHA1 (hex) of the record the step ran on ("": none)
-- ARGV[12..] commit.lua's ARGV (no acknowledgements, no erasure)
-- returns {codes, begun, committed}: codes and begun as intake_push.lua's
--         ({1} and false when committed); committed is false, or
--         commit.lua's answer.
local function sum(key)
  local v = redis.call('GET', key)
  if not v then
    return ''
  end
  return redis.sha1hex(v)
end
local now = tonumber(ARGV[1])
local counted = ARGV[8] == '1' and tonumber(ARGV[2]) > 0
if redis.call('LLEN', KEYS[1]) == 0 and not redis.call('GET', KEYS[3])
    and redis.call('LLEN', KEYS[6]) == 0 and redis.call('EXISTS', KEYS[9]) == 0
    and (not counted or intake_flood_ok(KEYS[2], now))
    and sum(KEYS[4]) == ARGV[10] and sum(KEYS[7]) == ARGV[11]
    and not handled_has(handled_load(KEYS[5], KEYS[8]), tonumber(ARGV[13]), ARGV[14]) then
  if counted then
    -- Counted as intake_push.lua counts a queued update.
    local v = redis.call('HMGET', KEYS[2], 'fw', 'fn')
    local fw = tonumber(v[1] or '0')
    local fn = tonumber(v[2] or '0')
    if now - fw >= tonumber(ARGV[3]) or now < fw then
      fw = now
      fn = 0
    end
    redis.call('HSET', KEYS[2], 'fw', fw, 'fn', fn + 1)
    redis.call('PEXPIRE', KEYS[2], ARGV[5])
  end
  redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
  return {{1}, false, step_commit({KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[10]}, 11)}
end
local r = intake_push_pairs(8, 9)
return {r[1], r[2], false}
