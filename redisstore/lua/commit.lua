-- commit: store one conversation step of a chat atomically.
-- (chat_lib.lua is prepended.)
-- KEYS[1] lock   KEYS[2] state   KEYS[3] handled (see chat_lib)
-- KEYS[4] outbox   KEYS[5] resident record   KEYS[6] legacy set of handled ids
-- KEYS[7] the chat's send bucket (Keys.SendChat; read only when ARGV[17] > 0)
-- ARGV[1] lease token
-- ARGV[2] update id ("0" for events not from Telegram)
-- ARGV[3] digest of the event key ("" for none)
-- ARGV[4] "1" to erase the session and the record, "0" to store ARGV[5]
-- ARGV[5] encoded session
-- ARGV[6] session idle TTL, ms
-- ARGV[7] TTL of what the chat handled, ms
-- ARGV[8] now, unix seconds (the caller's clock)
-- ARGV[9] window an update id stays above the watermark, seconds
-- ARGV[10] cap on the update ids above the watermark
-- ARGV[11] how many event keys to keep
-- ARGV[12] encoded record ("" leaves it as it is)
-- ARGV[13] record TTL, ms ("0": no expiry)
-- ARGV[14] send tokens: now, µs since the epoch ("": the server's clock)
-- ARGV[15] send tokens: the chat's emission interval, µs
-- ARGV[16] send tokens: the chat's burst tolerance, µs
-- ARGV[17] send tokens wanted for the replies appended (0: none), taken
--          from the chat's bucket as send_chat.lua does, so the sender
--          needs no round trip for them
-- ARGV[18] n, the number of delivered outbox entries to acknowledge
-- ARGV[19..18+n] their ids, oldest first: popped from the outbox's head
-- ARGV[19+n..] outbox entries ("<id>|<json>"), appended in order
-- returns {1} committed, or {1, reason, value, n, now} with the send
--        tokens taken (send_chat.lua's answer); {0} the update or event key
--        was committed before (only the acknowledgements were applied);
--        {-1} the lease is lost (nothing changed).
-- Idempotent: a retried call finds the update id or event key handled and
-- returns 0.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1}
end
return step_commit({KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]}, 0)
