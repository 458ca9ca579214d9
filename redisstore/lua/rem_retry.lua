-- rem_retry: put a claimed item back to wait until a later time.
-- KEYS: see rem_lib.lua.
-- ARGV[1] chat   ARGV[2] id   ARGV[3] version   ARGV[4] new due time (ms)
-- returns 1 moved; 0 gone or done; -1 another version (cancelled and
--        scheduled anew meanwhile: left as it is).
-- Idempotent: a retried call moves it to the same time again.
local items, was = load(ARGV[1])
local at = find(items, ARGV[2])
if not at or items[at].st == 'd' then return 0 end
if items[at].v ~= ARGV[3] then return -1 end
items[at].st, items[at].t = 'w', tonumber(ARGV[4])
save(ARGV[1], items, was)
return 1
