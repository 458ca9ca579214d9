-- bc_cancel: cancel a scheduled or sending broadcast.
-- KEYS[1] the broadcast HASH   KEYS[2] due ZSET   KEYS[3] todo SET
-- ARGV[1] id   ARGV[2] now (ms)   ARGV[3] how long a cancelled scheduled
-- broadcast is kept (ms)
-- returns 1 when a scheduled broadcast was cancelled (it never sent and
-- needs no report), 3 when a starting one will be (bc_started marks it
-- cancelled), 2 when a sending one was (the recipients not yet
-- claimed count as unsent; the messages in flight finish, then the report
-- follows), 0 when it was done or cancelled already. Idempotent.
local st = redis.call('HGET', KEYS[1], 'state')
if st == 'scheduled' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished', ARGV[2], 'reported', '1')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if st == 'starting' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
  return 3
end
if st == 'sending' then
  local left = redis.call('SCARD', KEYS[3])
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[1], 'state', 'cancelled')
  redis.call('HINCRBY', KEYS[1], 'unsent', left)
  return 2
end
return 0
