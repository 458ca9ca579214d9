-- bc_profile: set, change or delete a resident's profile and move them
-- between the audience sets, compared and swapped against the profile the
-- caller read (so two changes at once cannot leave stale memberships).
-- KEYS[1] profiles HASH   KEYS[2] all SET
-- KEYS[3 .. 2+nold]             the sets the old profile is in (areas, group)
-- KEYS[3+nold .. 2+nold+nnew]   the sets the new profile goes in
-- KEYS[3+nold+nnew .. ]         the kids HASHes naming its places, one per level
-- ARGV[1] chat id
-- ARGV[2] the profile JSON the caller read ("" for none)
-- ARGV[3] the new profile JSON ("" to delete)
-- ARGV[4] nold   ARGV[5] nnew   ARGV[6] nkids
-- ARGV[7 ..] per kids HASH: normalized name, name as written
-- returns 1 when changed, 0 when the profile already was ARGV[3] (a retry),
--         -1 when the stored profile is neither (the caller reads and retries).
-- Idempotent: a repeated call finds the new profile and changes nothing.
local chat, old, new = ARGV[1], ARGV[2], ARGV[3]
local nold, nnew, nkids = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cur = redis.call('HGET', KEYS[1], chat) or ''
if cur == new then
  return 0
end
if cur ~= old then
  return -1
end
for i = 3, 2 + nold do
  redis.call('SREM', KEYS[i], chat)
end
for i = 3 + nold, 2 + nold + nnew do
  redis.call('SADD', KEYS[i], chat)
end
for i = 1, nkids do
  redis.call('HSETNX', KEYS[2 + nold + nnew + i], ARGV[5 + 2 * i], ARGV[6 + 2 * i])
end
if new == '' then
  redis.call('HDEL', KEYS[1], chat)
  redis.call('SREM', KEYS[2], chat)
else
  redis.call('HSET', KEYS[1], chat, new)
  redis.call('SADD', KEYS[2], chat)
end
return 1
