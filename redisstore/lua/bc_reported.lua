-- bc_reported: record that a broadcast's report was sent and let its data
-- expire.
-- KEYS[1] the broadcast HASH   KEYS[2] active SET
-- ARGV[1] id   ARGV[2] how long the finished broadcast is kept (ms)
-- returns 1. Idempotent.
redis.call('HSET', KEYS[1], 'reported', '1')
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
