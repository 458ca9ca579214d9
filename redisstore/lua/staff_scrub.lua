-- staff_scrub: rewrite, in place, the audit entries about an erased
-- resident. The caller (StaffStore.ScrubResident) decides each rewrite in
-- Go; this script finds the candidates and swaps entries atomically, so an
-- entry appended meanwhile (LPUSH shifts every index) is never lost or
-- overwritten: entries are matched by value, not by index.
-- KEYS[1] the audit log (StaffAudit), LIST of JSON, newest first
-- ARGV[1] n, how many needles follow
-- ARGV[2 .. 1+n] needles, lower case: the resident's booking codes and
--   chat id (decimal), as they may appear in an entry
-- ARGV[2+n ..] pairs: an entry as it is, the entry to put in its place
--   (equal when the entry stays as it is)
-- returns {replaced, candidate, candidate, ...}: how many entries this call
--   replaced, then every entry that holds a needle (compared in lower case)
--   and is not the first of a pair, for the caller to decide and call
--   again with those pairs too.
-- Idempotent: a replaced entry is no longer the first of its pair, and an
-- entry equal to the second of a pair has to be passed as a pair of its own
-- (old = new) to stop being a candidate, which replaces nothing.
local n = tonumber(ARGV[1])
local needles = {}
for i = 2, 1 + n do needles[#needles + 1] = ARGV[i] end
local pairs_ = {}
for i = 2 + n, #ARGV - 1, 2 do pairs_[ARGV[i]] = ARGV[i + 1] end

local replaced, out = 0, { 0 }
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
for i, e in ipairs(entries) do
  local new = pairs_[e]
  if new then
    if new ~= e then
      redis.call('LSET', KEYS[1], i - 1, new)
      replaced = replaced + 1
    end
  else
    local low = string.lower(e)
    for _, needle in ipairs(needles) do
      if string.find(low, needle, 1, true) then
        out[#out + 1] = e
        break
      end
    end
  end
end
out[1] = replaced
return out
