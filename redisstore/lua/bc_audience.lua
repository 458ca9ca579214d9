-- bc_audience: count the residents of an audience now.
-- KEYS[1] the audience's area SET (or the set of all residents)
-- KEYS[2] the group SET (ignored unless ARGV[1] is "1")
-- KEYS[3] stopped SET   KEYS[4] blocked SET
-- KEYS[5] SET of residents booked for the excluded event (may not exist)
-- KEYS[6] scratch SET, deleted before returning
-- ARGV[1] "1" when the audience keeps one group
-- returns the number of recipients. Read-only but for the scratch set.
if ARGV[1] == '1' then
  redis.call('SINTERSTORE', KEYS[6], KEYS[1], KEYS[2])
else
  redis.call('SUNIONSTORE', KEYS[6], KEYS[1])
end
local n = redis.call('SDIFFSTORE', KEYS[6], KEYS[6], KEYS[3], KEYS[4], KEYS[5])
redis.call('DEL', KEYS[6], KEYS[5])
return n
