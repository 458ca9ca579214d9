-- book_counters: move an event's counters into its limit hash, as
-- BookingStore.MigrateCounters does for every event once (counters_move
-- in book_lib.lua). Idempotent.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV: none
-- returns how many fields it moved (0 when moved before).
return counters_move()
