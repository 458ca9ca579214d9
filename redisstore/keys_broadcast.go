package redisstore

// Keys of residents' profiles, audiences and broadcasts (ResidentStore,
// BroadcastStore, lua/bc_*.lua). They live beside keys.go, in the same
// style, because they belong to one feature. Audiences are built with set
// operations over many residents, so every one of these keys shares the
// single hash tag {bc}: the scripts take them all in KEYS and run on
// Redis Cluster, with all of them on one node. At kbbot's scale (tens of
// thousands of residents per deployment) that is a few MiB.

func (k Keys) bc(suffix string) string { return k.prefix + "{bc}:" + suffix }

// BcProfiles maps a resident's chat id to their profile. HASH of JSON
// (broadcast.Profile); no TTL; deleted by /hapusdata.
func (k Keys) BcProfiles() string { return k.bc("profiles") }

// BcAll holds every resident with a profile. SET of chat ids; no TTL.
func (k Keys) BcAll() string { return k.bc("all") }

// BcArea holds the residents of one area, by its index path
// (broadcast.Paths: "kota pekalongan|pekalongan barat"). SET of chat ids;
// no TTL.
func (k Keys) BcArea(path string) string { return k.bc("area:" + path) }

// BcKids names the places one level below an area that residents or the
// catalog mentioned: normalized name -> name as first written. HASH; no
// TTL. The root (the whole country) has the empty path.
func (k Keys) BcKids(path string) string { return k.bc("kids:" + path) }

// BcGroup holds the residents who said they belong to a group. SET of chat
// ids; no TTL.
func (k Keys) BcGroup(group string) string { return k.bc("group:" + group) }

// BcStopped holds the residents who said /berhenti (until /mulai). SET of
// chat ids; no TTL.
func (k Keys) BcStopped() string { return k.bc("stopped") }

// BcBlocked holds the residents who blocked the bot (until they come
// back). SET of chat ids; no TTL.
func (k Keys) BcBlocked() string { return k.bc("blocked") }

// Bc is one broadcast: "def" -> JSON of broadcast.Broadcast, "state",
// "total", "delivered", "blocked", "failed", "skipped", "unsent",
// "started" and "finished" (Unix ms), "report_lease" (Unix ms), "reported"
// ("1"). HASH; no TTL while open, bcKeep once reported.
func (k Keys) Bc(id string) string { return k.bc("b:" + id) }

// BcTodo holds the recipients of a sending broadcast not yet claimed. SET
// of chat ids; no TTL (emptied by sending).
func (k Keys) BcTodo(id string) string { return k.bc("b:" + id + ":todo") }

// BcLease holds the claimed recipients of a broadcast, scored by the claim's
// deadline (Unix ms), which is also its token. ZSET; no TTL.
func (k Keys) BcLease(id string) string { return k.bc("b:" + id + ":lease") }

// BcDue holds the scheduled broadcasts, scored by their sending time (Unix
// ms). ZSET; no TTL.
func (k Keys) BcDue() string { return k.bc("due") }

// BcActive holds the broadcasts being sent or waiting for their report.
// SET of ids; no TTL.
func (k Keys) BcActive() string { return k.bc("active") }

// BcRecent lists broadcasts by creation (Unix ms), the newest bcRecentKeep
// kept. ZSET; no TTL.
func (k Keys) BcRecent() string { return k.bc("recent") }

// BcTemp is a scratch set of one audience computation (the residents
// booked for an excluded event, or a count). SET; TTL bcTempTTL.
func (k Keys) BcTemp(token string) string { return k.bc("tmp:" + token) }
