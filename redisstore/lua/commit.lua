-- commit: store one conversation step of a chat atomically.
-- KEYS[1] lock   KEYS[2] state   KEYS[3] seen   KEYS[4] outbox   KEYS[5] resident record
-- ARGV[1] lease token
-- ARGV[2] update id ("0" for events not from Telegram)
-- ARGV[3] "1" to erase the session and the record, "0" to store ARGV[4]
-- ARGV[4] encoded session
-- ARGV[5] session idle TTL, ms
-- ARGV[6] seen TTL, ms
-- ARGV[7] how many handled update ids to keep
-- ARGV[8] encoded record ("" leaves it as it is)
-- ARGV[9] record TTL, ms ("0": no expiry)
-- ARGV[10..] outbox entries (JSON), appended in order
-- returns 1 committed, 0 the update was committed before (nothing changed),
--        -1 the lease is lost (nothing changed).
-- Idempotent: a retried call finds the update id in seen and returns 0.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local upd = tonumber(ARGV[2])
if upd ~= 0 and redis.call('ZSCORE', KEYS[3], ARGV[2]) then
  return 0
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[2])
  redis.call('DEL', KEYS[5])
else
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
  if ARGV[8] ~= '' then
    if ARGV[9] == '0' then
      redis.call('SET', KEYS[5], ARGV[8])
    else
      redis.call('SET', KEYS[5], ARGV[8], 'PX', ARGV[9])
    end
  end
end
if upd ~= 0 then
  redis.call('ZADD', KEYS[3], upd, ARGV[2])
  local keep = tonumber(ARGV[7])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(keep + 1))
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
for i = 10, #ARGV do
  redis.call('RPUSH', KEYS[4], ARGV[i])
end
return 1
