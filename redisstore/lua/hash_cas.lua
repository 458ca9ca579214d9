-- hash_cas: replace one field of a HASH, compared and swapped against the
-- value the caller read (a migration rewriting a record in place must not
-- undo a change made since it read it).
-- KEYS[1] the HASH
-- ARGV[1] field   ARGV[2] the value the caller read   ARGV[3] the new value
-- returns 1 when replaced, 0 when the field holds something else (or is
-- gone) and nothing was written. Idempotent: once replaced, a retry finds
-- the new value and writes nothing (0).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
