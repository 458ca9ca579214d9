-- intake_push: append accepted updates to a chat's inbox, applying the
-- resident's flood limit; and, when asked and the chat is idle, take the
-- chat's step lock and read its first step as begin.lua does, so that the
-- round trip that accepts an update also begins its step.
-- (chat_lib.lua is prepended.)
-- KEYS[1] inbox   KEYS[2] intake state (HASH)
-- KEYS[3..8] the step's keys as begin.lua's KEYS[1..6]: lock, state,
--            handled, outbox, resident record, legacy set of handled ids
-- KEYS[9]    the chat's staff hint (begin.lua's KEYS[8])
-- ARGV[1] now (Unix ms)
-- ARGV[2] flood limit: most counted updates per window (0: no limit)
-- ARGV[3] flood window, ms
-- ARGV[4] least time between two flood notices, ms
-- ARGV[5] TTL of the intake state, ms
-- ARGV[6] lock token to begin the chat's step with ("": do not begin)
-- ARGV[7] lock TTL, ms
-- ARGV[8..] pairs: "1" if the update counts towards the flood limit else
--           "0", then the entry "<update id>|u|<json>"
-- returns {codes, begun}: codes holds one code per pair: 1 queued, 0
--         dropped (flood), 2 dropped and the flood notice queued
--         ("<update id>|f|<json>"), 3 already in the inbox (a retried call:
--         nothing changed); begun is false, or, when the inbox was empty
--         before this call, is not now, and the lock was free (or already
--         ARGV[6]'s), begin.lua's answer for the update at the inbox's
--         head: the lock is then held with ARGV[6].
-- Idempotent for entries still waiting (LPOS); an entry handled since is
-- queued again and then skipped by the chat's handled update ids. A
-- retried call does not begin again (the inbox is not empty), and the
-- lock it took runs out or is released by its caller.
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local quiet = tonumber(ARGV[4])
local out = {}
local touched = false
local empty = ARGV[6] ~= '' and redis.call('LLEN', KEYS[1]) == 0
for i = 8, #ARGV, 2 do
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
