-- book_layout: move an event kept by an earlier version into this
-- layout: its counters into its limit hash, its places into the rows of
-- its records, each resident's state into one field (layout_move in
-- book_lib.lua), as BookingStore.MigrateEvents
-- does for every event once. Idempotent.
-- KEYS: the event keys, in the order of book_lib.lua
-- ARGV: none
-- returns how many fields it moved (0 when moved before).
return layout_move()
