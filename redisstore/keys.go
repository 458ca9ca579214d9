package redisstore

import (
	"strconv"
	"strings"

	"github.com/kbbot/kbbot"
)

// DefaultPrefix starts every key unless configured otherwise.
const DefaultPrefix = "kbbot:"

// Keys builds every Redis key kbbot uses. Nothing outside this file writes
// a key string.
type Keys struct {
	prefix string
}

// NewKeys returns key builders under prefix (DefaultPrefix when empty).
func NewKeys(prefix string) Keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keys{prefix: prefix}
}

// Prefix returns the prefix every key starts with.
func (k Keys) Prefix() string { return k.prefix }

func (k Keys) chat(c kbbot.ChatID, suffix string) string {
	return k.prefix + "{chat:" + strconv.FormatInt(int64(c), 10) + "}:" + suffix
}

// EventNewsSubs are the residents who asked to be told of new KB serentak
// events in one kabupaten/kota ("Kabari saya"), SET of chat ids, in a slot
// of its own per kabupaten. Lifetime: an entry lives until the resident
// stops the news, subscribes elsewhere or erases her data (/hapusdata); a
// resident whose record ran out of retention is dropped when the news
// finds her record without the subscription.
func (k Keys) EventNewsSubs(kabupaten string) string {
	return k.prefix + "{news:" + strings.ToLower(kabupaten) + "}:subs"
}

// ChatEventNews is the kabupaten a resident asked news of (STRING), in
// the chat's slot, so /hapusdata finds her subscription. Lifetime: as the
// subscription; when her record ran out of retention first, until the
// next news of that kabupaten finds the record without it and drops both
// (no TTL of its own yet: a known gap).
func (k Keys) ChatEventNews(c kbbot.ChatID) string { return k.chat(c, "news") }

// EventsAnnounced are the ids of the events whose news went to the
// subscribers (SET). Lifetime: as long as kbbot runs; an event announced
// once is never announced again, even when re-imported.
func (k Keys) EventsAnnounced() string { return k.prefix + "events:announced" }

// Ticket is one Tanya bidan question (tickets.Ticket, JSON), in a slot of
// its own. STRING. Lifetime: TicketTTL after its last change (question,
// answer, escalation, close), or until /hapusdata deletes it with the
// resident's other data.
func (k Keys) Ticket(id string) string { return k.prefix + "{tk:" + id + "}" }

// TicketsOpen indexes the Tanya bidan questions waiting for an answer
// (ZSET: ticket id, scored by when it was asked, Unix ms), for the staff's
// list. Lifetime: as long as kbbot runs; an entry leaves when its question
// is answered, closed or erased, and a stale one (its ticket expired) is
// dropped when read.
func (k Keys) TicketsOpen() string { return k.prefix + "tickets:open" }

// ChatTickets lists a resident's Tanya bidan questions (SET of ids), in the
// chat's slot, so /hapusdata finds them. Lifetime: TicketTTL after the last
// question, or until /hapusdata.
func (k Keys) ChatTickets(c kbbot.ChatID) string { return k.chat(c, "tickets") }

// ChatState is the encoded session of a chat: where its dialog stands
// (flow, step, the flow's state, nonce). STRING. Lifetime: minutes to days,
// TTL the idle expiry (KBBOT_SESSION_TTL), renewed on every step.
func (k Keys) ChatState(c kbbot.ChatID) string { return k.chat(c, "state") }

// ChatRecord is the resident record of a chat (resident.Record, JSON).
// STRING. Lifetime: years, not a chat's: it lives until /hapusdata, or until
// the record retention has passed without activity or planned reminder
// (TTL set on every write); a record without consent holds no personal
// data and gets the session's idle TTL. It shares the chat's
// hash tag, so the step scripts read and write it with the session.
func (k Keys) ChatRecord(c kbbot.ChatID) string { return k.chat(c, "resident") }

// ChatLock is the per-chat lock holding its owner's token. STRING; TTL: the lock TTL.
// Taken by begin.lua, or by intake_push.lua for an idle chat the accepting
// process claims; deleted by finish.lua (or lock_release.lua), else it
// runs out.
func (k Keys) ChatLock(c kbbot.ChatID) string { return k.chat(c, "lock") }

// ChatSeen is what a chat handled, so that an event delivered twice is
// handled once: "<watermark>|<id>:<unix s> ...|<event key digests>"
// (lua/chat_lib.lua). Every Telegram update id up to the watermark counts
// as handled; the ids handled in the last seenWindow (2 min; at most
// seenCap) stay above it, so an update overtaken by newer ones of its chat
// is still handled once; the digests are of the last seenKeys reminder
// items handled (their id and version). STRING of about 100 to 300 bytes.
// Lifetime: a day; TTL seenTTL (25 h, longer than Telegram keeps an
// update), renewed by every step that handles an update or a reminder. Not
// deleted by /hapusdata: it names no data of the resident, and keeps a
// redelivered /hapusdata from being handled as new.
func (k Keys) ChatSeen(c kbbot.ChatID) string { return k.chat(c, "handled") }

// ChatSeenLegacy is where handled update ids were kept before ChatSeen: a
// ZSET of the last 200 ids (about 19.5 KB). Read only while ChatSeen is
// missing (its highest id becomes the watermark) and deleted by the first
// commit that writes ChatSeen. TTL: 25 h from its last write, so it is
// gone a day after the upgrade in any case.
func (k Keys) ChatSeenLegacy(c kbbot.ChatID) string { return k.chat(c, "seen") }

// ChatImport is the events file an admin sent in this chat, read, checked
// and waiting for the admin's confirmation (the bot's import flow): JSON
// of PendingImport (the token of the preview, the file's name, its
// facilities and events, and once imported the report). STRING. Lifetime:
// minutes; TTL EventImports' (30 min) from the preview, kept when the
// import is applied so a repeated confirmation finds the first result. A
// new file replaces it; /hapusdata deletes it (it names no resident).
func (k Keys) ChatImport(c kbbot.ChatID) string { return k.chat(c, "import") }

// ChatStaffHint says that a chat may be a staff member: STRING "1", in
// the chat's slot, so that the step scripts (begin.lua, intake_push.lua,
// finish.lua) read it with the step and a chat without it (every
// resident) is known not to be staff without a lookup of StaffMembers,
// which sits in another slot. Lifetime: as the chat's membership, no TTL:
// it is set before a membership is written (StaffStore.Redeem, the layout
// migration, StaffStore.BackfillHints) and deleted after the membership
// ends (StaffStore.Remove, /hapusdata), unless a membership was written
// meanwhile. A hint without a membership costs the chat's steps a lookup,
// nothing else; a membership without a hint would not be seen, so no
// write may leave one.
func (k Keys) ChatStaffHint(c kbbot.ChatID) string { return k.chat(c, "staff") }

// ChatOutbox holds the replies of a chat not yet delivered, oldest first.
// LIST of JSON; no TTL (emptied by delivery or /hapusdata).
func (k Keys) ChatOutbox(c kbbot.ChatID) string { return k.chat(c, "outbox") }

// ChatInbox holds a chat's accepted updates not yet handled, oldest first:
// "<update id>|u|<JSON of kbbot.Event>", or "<update id>|f|<JSON>" for the
// one flood notice. LIST; no TTL (emptied by the intake workers, each entry
// leaving when handled or set aside). It shares the chat's hash tag, so the
// intake scripts take it with ChatIntake and ChatDead.
func (k Keys) ChatInbox(c kbbot.ChatID) string { return k.chat(c, "inbox") }

// ChatIntake holds a chat's intake state: "fw" start of the flood window
// and "fn" updates counted in it, "fq" until when no further flood notice
// is sent (Unix ms); "tid"/"tn" the update at the inbox head that failed
// and its failed tries. HASH; TTL: intakeStateTTL, renewed on write.
func (k Keys) ChatIntake(c kbbot.ChatID) string { return k.chat(c, "intake") }

// ChatDead holds what was set aside for a chat: "u|<inbox entry>" (an
// update that failed IntakeOptions.Tries times, or that cannot be read)
// and "o|<outbox entry>" (a reply that cannot be decoded). LIST, newest
// last, capped at deadKeep; TTL: IntakeOptions.DeadTTL from the last entry.
// It holds what the resident wrote, so /hapusdata deletes it.
func (k Keys) ChatDead(c kbbot.ChatID) string { return k.chat(c, "dead") }

// IntakeReady is one shard of the index of chats with waiting updates:
// member the chat id, score the time (Unix ms) from which a worker may take
// the chat: its acceptance for a chat waiting, the claim's deadline while a
// worker holds it (renewed every lease/3), a later time after a failure
// (back-off). A chat belongs to shard chat mod shards, under the hash tag
// {intake:<shard>}, so shards spread over a cluster. ZSET; no TTL (a chat
// leaves once its inbox is empty).
func (k Keys) IntakeReady(shard int) string {
	return k.prefix + "{intake:" + strconv.Itoa(shard) + "}:ready"
}

// PendingOutboxes indexes the chats whose outbox is not empty. SET of chat
// ids; no TTL. It spans chats, so it is written outside the per-chat scripts.
func (k Keys) PendingOutboxes() string { return k.prefix + "outbox:pending" }

// Booking keys. Every key of one event shares the hash tag {ev:<id>}, so
// the booking scripts (lua/book_*.lua), which take them all in KEYS, run on
// Redis Cluster. A resident's cross-event index (ResidentEvents) and the
// codes' index (BookingCodes) are written outside the event scripts,
// idempotently. None of these
// keys has a TTL: bookings live as long as their event's data; /hapusdata
// deletes a resident's records (BookingStore.EraseResident), a cadre
// erases one resident without Telegram (BookingStore.EraseBooking), and
// once the retention after the event has run out, BookingStore.PurgePersonal
// strips every booking of the event of its personal data, keeping the
// anonymous counts.

func (k Keys) event(id, suffix string) string { return k.prefix + "{ev:" + id + "}:" + suffix }

// EventDef is an event as imported. STRING (JSON of booking.Event); no TTL.
func (k Keys) EventDef(id string) string { return k.event(id, "def") }

// EventLimits holds an event's limits: "q|<facility>|<method>" -> quota,
// "s|<facility>|<session>" -> capacity, "c|<facility>" -> cut-off (Unix ms),
// "m|<facility>" -> offered methods ("iud,implan"), "o|<facility>" ->
// session ids by start ("0800,1000"); in an event of more than
// hashtableFields limits, HashtableMarker -> "0"; and the event's counters
// beside its limits: "u|q|..." and "u|s|..." -> the places taken (active
// bookings and places held for offers) on that "q|..." or "s|..." limit,
// and "t|<facility>|<session>|<method>" -> the last queue number given in
// that queue (the booking function reads a booking's limits and counters
// in one HMGET and sets the counters in one HSET; the other scripts
// HINCRBY them). HASH; no TTL: it lives as the event's data does (a purge
// keeps it: the counts are anonymous). An import replaces the limits and
// keeps the counters.
func (k Keys) EventLimits(id string) string { return k.event(id, "limit") }

// HashtableMarker is a field of EventLimits (value "0") in an event of
// more than hashtableFields limits and counters. Its name is longer than
// hash-max-listpack-value (64 by default), so Redis keeps the hash in its
// hashtable encoding: in a listpack, which Redis keeps up to
// hash-max-listpack-entries fields (512 by default), every booking's six
// reads and three writes of it would scan hundreds of fields. Readers that
// go over every field read it as a limit of 0.
const HashtableMarker = "x|hashtable:reads-of-a-large-event-stay-constant-time-whatever-its-size"

// hashtableFields is the size of EventLimits (limits and the counters
// its bookings can add) above which it carries HashtableMarker.
const hashtableFields = 64

// EventUsed is where versions before events layout "2" counted the
// places taken, a HASH; BookingStore.MigrateEvents moves it into
// EventLimits and leaves a STRING here ("moved: events layout 2") (also written by the
// import of a new event), on which a process of such a version fails
// (WRONGTYPE) before it writes instead of booking against counts of 0.
// Nothing reads it now. No TTL; goes with the event's keys.
func (k Keys) EventUsed(id string) string { return k.event(id, "used") }

// EventResidents holds each resident's state for the event, a resident
// being "c<chat>" (Telegram) or "r<ref>" (booked by a cadre), in one field
// named by the resident: four parts separated by "\x1f" (trailing empty
// parts left out; the field is deleted when all are empty): the code of
// the active booking; the codes of all their bookings ("code code ...",
// left out while it would be just the active code); the waitlist request
// "facility|method|session|chat|joined_ms" (session empty: any); the
// offer "state|facility|session|method|chat|deadline_ms" (state offered
// or expired). One field, so that a booking reads and writes a resident
// in one lookup of this, the event's largest hash (lua/book_lib.lua
// state_get). Also "b<chat>|h" -> codes a cadre booked,
// "i|<requester chat>|<idempotency key>" -> the code that request
// booked (only for bookings a cadre or staff made, and those made before
// this field was left out of a resident's own booking, whose record keeps
// the key: see lua/book_many.lua), "x|handout" -> "<id>|<res>,<res>" the offers the last
// ExpireOffers call returned, so that its retry returns them again,
// "x|erased" -> the counter naming the anonymous fields of bookings
// erased by EraseBooking, the anonymous check-in counts "n|..." (see CheckIn)
// and walk-in counts "n|wi|<facility>|<session>|<method>" listed in
// "n|walkins" (lua/book_walkin.lua). (Versions before events layout
// "2" kept the queue counters "t|..." here and each resident's state in
// four fields "<res>|a", "|h", "|w", "|o"; MigrateEvents moves them.) After
// PurgePersonal only the counts remain, with "x|purged" -> when (Unix ms)
// and "w|frozen" -> the waitlist's counts "fac|method|offered|n ..."
// (lua/book_purge.lua). HASH; no TTL.
func (k Keys) EventResidents(id string) string { return k.event(id, "res") }

// EventRecords maps a booking code to the booking's row: its place, a
// newline ("\n"), then its record (see rowOf). The place is its mutable
// state, "status|facility|session|method|resident|chat|booked_by|updated_ms|queue"
// (status active, cancelled, attended or not_served; queue, the number in
// the queue of the method in the session, is absent in bookings made
// before queue numbers); once erased, resident is empty and chat and
// booked_by are 0. The record is the booking's immutable fields (JSON),
// with what the service day adds: "walkin" (registered at the table),
// "checkin" and "reg" (the check-in's line of the R/I/KB register) and
// "noserve" (not served: staff member, time, reason); once its personal
// data is erased, only consent, created, erased, the check-in (without
// "reg"), the walk-in flag and the not-served mark remain. A booking
// erased by EraseBooking is kept under an anonymous field "e|<n>" instead
// of its code. One field a booking, so that booking is one write; the day
// list of a site reads it (BookingStore.DayList); nothing is copied. HASH;
// no TTL.
func (k Keys) EventRecords(id string) string { return k.event(id, "rec") }

// EventPlaces is where versions before events layout "2" kept the places
// (a HASH code -> place); BookingStore.MigrateEvents moves them into the
// rows of EventRecords and leaves a STRING here ("moved: events layout 2") (also written by
// the import of a new event), on which a process of such a version fails
// (WRONGTYPE). Nothing reads it now. No TTL; goes with the event's keys.
func (k Keys) EventPlaces(id string) string { return k.event(id, "place") }

// EventWaitlist is the event's waitlist: residents scored by join order
// (their requests are in EventResidents). ZSET; no TTL.
func (k Keys) EventWaitlist(id string) string { return k.event(id, "wait") }

// EventOfferDue holds the residents with a held offer, scored by deadline
// (Unix ms). ZSET; no TTL.
func (k Keys) EventOfferDue(id string) string { return k.event(id, "due") }

// EventNewOffers holds the residents whose offer has not yet been handed to
// a caller of ExpireOffers for notification. SET; no TTL.
func (k Keys) EventNewOffers(id string) string { return k.event(id, "fresh") }

// EventWaitSeq numbers waitlist joins. STRING counter; no TTL.
func (k Keys) EventWaitSeq(id string) string { return k.event(id, "seq") }

// EventChanges is the event's change log: the changes an import made that
// its booked residents must hear of, each kept until all of them were
// told (BookingStore.PendingChanges, ChangeDone). "seq" -> the last
// change's number; "<n>" -> "moved|<facility>|<session>|<from_ms>|<to_ms>"
// (a session moved) or "cancelled|<facility>" (a site cancelled). Written
// by lua/book_import.lua with the definition. HASH; no TTL (a change
// leaves once done; "seq" lives as the event's data).
func (k Keys) EventChanges(id string) string { return k.event(id, "chg") }

// EventKeys returns every key of an event, in the order the booking
// scripts take them (see lua/book_lib.lua).
func (k Keys) EventKeys(id string) []string {
	return []string{
		k.EventDef(id), k.EventLimits(id), k.EventUsed(id), k.EventResidents(id),
		k.EventRecords(id), k.EventPlaces(id), k.EventWaitlist(id), k.EventOfferDue(id),
		k.EventNewOffers(id), k.EventWaitSeq(id),
	}
}

// Events lists the ids of imported events. SET; no TTL.
func (k Keys) Events() string { return k.prefix + "events" }

// PurgedEvents lists the events whose personal data PurgePersonal deleted,
// so that later runs skip them without reading them. SET of event ids; no
// TTL (an entry is as old as its event's data).
func (k Keys) PurgedEvents() string { return k.prefix + "events:purged" }

// Facilities maps a facility id to the facility as imported. HASH of JSON;
// no TTL.
func (k Keys) Facilities() string { return k.prefix + "facilities" }

// BookingCodes maps booking codes to their event id: field code, value
// event id. Codes are bucketed by their last three characters (25^3 =
// 15,625 buckets), so that a bucket holds about 64 codes per million and
// stays a compact listpack (about 25 bytes a code instead of a key's
// 130). A code is taken with HSETNX, which keeps codes unique across
// events: on one server by the booking function as it books, on a cluster
// in batches reserved before a booking script uses them (a reserved code
// not (yet) used names no booking). HASH; no TTL. Codes given out before
// the buckets are STRING keys LegacyBookingCode, still read, moved here by
// BookingStore.MigrateCodes.
func (k Keys) BookingCodes(code string) string {
	return k.prefix + "codes:" + code[max(0, len(code)-3):]
}

// LegacyBookingCode is the STRING key an earlier version kept per code
// (value the event id); read when a code is not in BookingCodes, deleted
// with the code, moved to BookingCodes by BookingStore.MigrateCodes. No
// TTL.
func (k Keys) LegacyBookingCode(code string) string { return k.prefix + "code:" + code }

// LegacyBookingCodeMatch is a SCAN MATCH pattern of every
// LegacyBookingCode key.
func (k Keys) LegacyBookingCodeMatch() string { return globEscape(k.prefix+"code:") + "*" }

// CodesLayout is "2" once BookingStore.MigrateCodes has moved every
// LegacyBookingCode key to BookingCodes: from then on a new code is
// checked against BookingCodes only. STRING; no TTL.
func (k Keys) CodesLayout() string { return k.prefix + "codes-layout" }

// EventsLayout is "2" once BookingStore.MigrateEvents has moved every
// event's counters into its EventLimits, its places into the rows of its
// EventRecords and each resident's state into one field of its
// EventResidents (see there). STRING; no TTL.
func (k Keys) EventsLayout() string { return k.prefix + "events-layout" }

// ResidentEventsBuckets is how many buckets the resident index has.
const ResidentEventsBuckets = 1 << 15

// ResidentEvents indexes the events where a chat booked, was booked for,
// booked as a cadre, or waits: field "<chat>|<event id>", value "", in the
// bucket chat mod ResidentEventsBuckets (about 30 chats a bucket per
// million, a compact listpack). HASH; no TTL; a chat's fields are deleted
// by EraseResident. Chats indexed by an earlier version also have a SET
// LegacyResidentEvents, still read.
func (k Keys) ResidentEvents(c kbbot.ChatID) string {
	return k.prefix + "resev:" + strconv.FormatUint(uint64(c)%ResidentEventsBuckets, 10)
}

// LegacyResidentEvents is the SET of event ids an earlier version kept per
// chat under the tag {res:<chat>}; read with ResidentEvents, deleted by
// EraseResident, shrunk by PurgePersonal. No TTL.
func (k Keys) LegacyResidentEvents(c kbbot.ChatID) string {
	return k.prefix + "{res:" + strconv.FormatInt(int64(c), 10) + "}:events"
}

// Reminder keys (ReminderStore, lua/rem_*.lua). Reminders are sharded
// over RemShards hash tags {rem:<n>}: a chat's items all live in shard
// RemShard(chat), so scheduling, claiming, acking and cancelling touch one
// slot, while the shards spread over a cluster. A sweep claims from every
// shard. No reminder key has a TTL: items leave by ack, cancel or purge.

// RemShards is the number of reminder shards. Changing it moves chats to
// other shards: their items would not be found, so it is fixed.
const RemShards = 16

// RemShard returns the reminder shard of chat: FNV-1a of its decimal id
// modulo RemShards.
func RemShard(c kbbot.ChatID) int {
	h := uint32(2166136261)
	for _, b := range []byte(strconv.FormatInt(int64(c), 10)) {
		h = (h ^ uint32(b)) * 16777619
	}
	return int(h % RemShards)
}

func (k Keys) remShard(n int, suffix string) string {
	return k.prefix + "{rem:" + strconv.Itoa(n) + "}:" + suffix
}

// RemNext holds shard n's chats that have reminder items, scored by when
// the chat next needs the sweeper (UTC Unix ms): the earliest of its
// waiting items' due times, in-flight items' lease deadlines and
// tombstones' purge times. ZSET; no TTL.
func (k Keys) RemNext(n int) string { return k.remShard(n, "next") }

// RemChats maps each chat of shard n to its items, one line per item,
// "id|state|t|version|attempts|due|not_after|kind|ref|zone" (see
// lua/rem_lib.lua): waiting, in flight, or delivered (a tombstone kept
// until purged, so scheduling the id again is a no-op). About 70 bytes per
// item. A chat's first items are written as ReminderStore encodes them
// (planLines, shortened as the scripts shorten) with one HSETNX; later
// changes are the scripts'. HASH; no TTL; a chat's field goes when its
// last item is purged or cancelled, or with /hapusdata.
func (k Keys) RemChats(n int) string { return k.remShard(n, "chats") }

// RemCount holds shard n's share of the reminder counts by state: "w"
// waiting, "f" in flight, "d" done. The counts are the sums over the
// shards (RemCounts): a schedule call that spans shards on one server adds
// the changes of all of them to its first shard's, so one shard's numbers
// alone mean nothing and may be negative. HASH; no TTL.
func (k Keys) RemCount(n int) string { return k.remShard(n, "count") }

// RemKeys returns the keys of reminder shard n, in the order the reminder
// scripts take them: next, chats, count.
func (k Keys) RemKeys(n int) []string { return []string{k.RemNext(n), k.RemChats(n), k.RemCount(n)} }

// Legacy reminder keys: before the shards, every reminder lived under the
// single hash tag {rem}. ReminderStore.Reap moves what is left there into
// the shards (see lua/rem_legacy.lua); nothing else writes them.

func (k Keys) rem(suffix string) string { return k.prefix + "{rem}:" + suffix }

// RemLegacyKeys returns the legacy reminder keys, in the order
// lua/rem_legacy_lib.lua takes them: due (ZSET id -> due ms), inflight
// (ZSET id -> lease deadline), items (HASH id ->
// "version|due_ms|not_after_ms|chat|kind|ref|zone"), attempts (HASH id ->
// claims), done (ZSET id -> purge time), bychat and byref (ZSET indexes
// "<chat>|<id>", "<ref>|<id>"). No TTL; emptied by the move.
func (k Keys) RemLegacyKeys() []string {
	return []string{k.rem("due"), k.rem("inflight"), k.rem("items"), k.rem("attempts"), k.rem("done"), k.rem("bychat"), k.rem("byref")}
}

// NamedLock is a lock taken by name (a sweep, a periodic job), holding its
// owner's token. STRING; TTL: the lock's TTL.
func (k Keys) NamedLock(name string) string { return k.prefix + "lock:" + name }

// AreasMigrated is "1" once residents' profiles and area links stored by
// name were given their Kemendagri code (MigrateAreas). STRING; no TTL;
// never deleted.
func (k Keys) AreasMigrated() string { return k.prefix + "areas:migrated" }

// AreaLinks maps area codes of deep links to areas. HASH code -> JSON area;
// no TTL (a printed poster must keep working).
func (k Keys) AreaLinks() string { return k.prefix + "arealinks" }

// AreaContacts are the contacts staff set for their areas (/kontakwilayah),
// shown to residents when no KB serentak takes bookings. HASH area key ->
// JSON cadre.AreaContact; no TTL: operational data naming no resident,
// kept until the area's PKB or an admin deletes or replaces it.
func (k Keys) AreaContacts() string { return k.prefix + "areacontacts" }

// Staff keys (StaffStore, lua/staff_*.lua). Members and their failed
// code tries are sharded by chat over StaffShards hash tags {staff:<k>}
// (k = chat mod StaffShards), so a cluster spreads them and Member is one
// HGET; each invite has a tag of its own, {staffinv:<hash>}, with its
// redemption in progress; the audit log is one list under {staff}. Every
// script and transaction takes the keys of one slot: a redemption or a
// removal, which writes several slots, is a sequence of idempotent steps
// that a retry finishes (StaffStore.Redeem, StaffStore.Remove). The keys
// of the layout before the sharding (StaffMembersLegacy, ...) are moved
// once, at start (StaffStore.MigrateLayout).

// StaffShards is how many shards hold staff members. Fixed: a chat's
// shard must not move.
const StaffShards = 16

// StaffShard returns the shard of chat's membership and tries.
func StaffShard(c kbbot.ChatID) int {
	return int((int64(c)%StaffShards + StaffShards) % StaffShards)
}

func (k Keys) staff(suffix string) string { return k.prefix + "{staff}:" + suffix }

func (k Keys) staffShard(c kbbot.ChatID, suffix string) string {
	return k.prefix + "{staff:" + strconv.Itoa(StaffShard(c)) + "}:" + suffix + ":" + strconv.FormatInt(int64(c), 10)
}

// StaffMembers is shard k of the staff memberships: chat id -> JSON of
// cadre.Member, for the chats c with StaffShard(c) == k, under the tag
// {staff:<k>}. HASH; no TTL (a member stays until removed or /hapusdata);
// admins named in configuration are not stored.
func (k Keys) StaffMembers(shard int) string {
	return k.prefix + "{staff:" + strconv.Itoa(shard) + "}:members"
}

// StaffTries counted a chat's recent tries of unknown invite codes, in
// the chat's member shard, before GuessUser. STRING; TTL: an hour from the
// first failed try. No longer written: StaffStore.EraseResident deletes
// what is left, as it names the chat.
func (k Keys) StaffTries(c kbbot.ChatID) string { return k.staffShard(c, "tries") }

// GuessUser counts the unknown codes of kind (GuessInvite, GuessCheckIn)
// one Telegram user tried, named by a digest of the user id, in a slot of
// its own. STRING counter. Lifetime: the kind's window (an hour) from the
// user's first miss, whatever the user does: /hapusdata does not delete
// it, so erasing does not reset the limit; it holds no personal data.
func (k Keys) GuessUser(kind, digest string) string {
	return k.prefix + "{guess:" + digest + "}:" + kind
}

// GuessHour counts the unknown codes of kind everyone tried in one clock
// hour (Unix hour number), the ceiling that many accounts share. STRING
// counter. Lifetime: two hours from the hour's first miss.
func (k Keys) GuessHour(kind string, hour int64) string {
	return k.prefix + "guess:" + kind + ":" + strconv.FormatInt(hour, 10)
}

// StaffLeaving is a removal of chat's membership in progress, in the
// chat's member shard: "tok" (the removal's token), "member" (the removed
// record, JSON) and "entry" (its audit entry, JSON, without area), from the
// membership's deletion until its audit entry is written. HASH; TTL:
// staffStepTTL (a day), deleted by the removal's last step.
func (k Keys) StaffLeaving(c kbbot.ChatID) string { return k.staffShard(c, "leaving") }

func (k Keys) staffInvite(hash, suffix string) string {
	return k.prefix + "{staffinv:" + hash + "}:" + suffix
}

// StaffInvite is one invite, under the SHA-256 (hex) of its normalized code
// (the code itself is never stored), with a hash tag of its own: fields
// tok (creation token), role, area (JSON), by (creator chat), created and
// expires (Unix ms), and once redeemed used_tok and used_at (not who: the
// invite outlives an erasure of the member). HASH; TTL: InviteKeep past
// its expiry (counted from the creator's clock, not the server's), so that
// a late try is told "expired" or "used", not "unknown".
func (k Keys) StaffInvite(hash string) string { return k.staffInvite(hash, "invite") }

// StaffRedeeming is the redemption of an invite in progress, beside the
// invite: "chat", "tok" (the redemption's token), "at" (Unix ms), "role",
// "area" (JSON) and "by", from the invite's being marked used until the
// membership and its audit entry are written; a retry by the same chat
// finishes them. HASH; TTL: staffStepTTL (a day), deleted by the
// redemption's last step.
func (k Keys) StaffRedeeming(hash string) string { return k.staffInvite(hash, "redeeming") }

// StaffAudit is the audit log of staff actions, newest first. LIST of JSON
// (cadre.AuditEntry); no TTL; capped at AuditCap entries; entries naming an
// erased resident's booking codes or chat are rewritten in place
// (StaffStore.ScrubResident).
func (k Keys) StaffAudit() string { return k.staff("audit") }

// StaffAuditOnce marks that the audit entry of one step sequence (an
// invite, a redemption, a removal; tok its token) was appended, so a
// retried step appends it once. STRING "1"; TTL: 2 × staffStepTTL, longer
// than the record of the step in progress that a retry reads the token from.
func (k Keys) StaffAuditOnce(tok string) string { return k.staff("once:" + tok) }

// StaffLayout is the version of the staff keys' layout, "2" once
// StaffStore.MigrateLayout has moved the single-slot layout's members and
// invites to their shards. STRING; no TTL.
func (k Keys) StaffLayout() string { return k.staff("layout") }

// StaffHints is set once every stored member has its ChatStaffHint
// (StaffStore.BackfillHints): STRING "1"; no TTL. Delete it to write the
// hints again at the next start.
func (k Keys) StaffHints() string { return k.staff("hints") }

// StaffMembersLegacy is where members were kept before the sharding: chat
// id -> JSON of cadre.Member. HASH; no TTL; emptied (and so deleted) by
// StaffStore.MigrateLayout.
func (k Keys) StaffMembersLegacy() string { return k.staff("members") }

// StaffInviteLegacy is where an invite was kept before the sharding, with
// StaffInvite's fields. HASH; TTL as StaffInvite's; moved to StaffInvite by
// StaffStore.MigrateLayout.
func (k Keys) StaffInviteLegacy(hash string) string { return k.staff("invite:" + hash) }

// StaffInviteLegacyMatch is a SCAN MATCH pattern of every
// StaffInviteLegacy key.
func (k Keys) StaffInviteLegacyMatch() string { return globEscape(k.staff("invite:")) + "*" }

// StaffTriesLegacy counted a chat's failed code tries before the
// sharding. STRING; TTL: an hour. Not moved: it runs out within the hour,
// and StaffStore.EraseResident deletes it.
func (k Keys) StaffTriesLegacy(c kbbot.ChatID) string {
	return k.staff("tries:" + strconv.FormatInt(int64(c), 10))
}

// globEscape escapes the characters SCAN's MATCH treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Send limiter keys. The overall schedule is one key ({send}:tat) or
// sharded over N hash tags {send:<k>} (SendLimits.Shards), so a cluster
// spreads the leases; the pause sits alone under {send} and is read by a
// GET in every lease's round trip; each chat's bucket sits under the
// chat's own tag (SendChat). Every script takes one key.

func (k Keys) send(suffix string) string { return k.prefix + "{send}:" + suffix }

// SendSchedule is the overall sending schedule when it is not sharded: the
// theoretical arrival time of the next message over all chats, µs since
// the epoch. STRING; TTL: until that time plus a second.
func (k Keys) SendSchedule() string { return k.send("tat") }

// SendScheduleShard is shard i of the overall sending schedule when it is
// sharded: the theoretical arrival time of the shard's next slot (slots
// whose index on the grid of T is i modulo the shards), µs since the
// epoch, under the hash tag {send:<i>}. STRING; TTL: until that time plus
// a second.
func (k Keys) SendScheduleShard(i int) string {
	return k.prefix + "{send:" + strconv.Itoa(i) + "}:tat"
}

// SendPause is the time until which nobody sends, after Telegram answered
// 429, µs since the epoch. STRING; TTL: the pause.
func (k Keys) SendPause() string { return k.send("pause") }

// SendChat is one chat's send bucket: the theoretical arrival time of its
// next message, µs since the epoch (lua/send_chat.lua; commit.lua takes
// the tokens of the replies it queues). It carries the chat's own hash
// tag, so the buckets spread over a cluster. STRING; TTL: until that time
// plus a second.
func (k Keys) SendChat(c kbbot.ChatID) string { return k.chat(c, "send") }

// Keys of residents' profiles, audiences and broadcasts (ResidentStore,
// BroadcastStore, lua/bc_*.lua). Audiences are built with set
// operations over many residents, so the residents' index and each
// broadcast's record share the single hash tag {bc}: the scripts take
// them all in KEYS and run on Redis Cluster. At kbbot's scale (tens of
// thousands of residents per deployment) that is a few MiB. A broadcast's
// queue of recipients, where the sending's writes go, is sharded over
// BroadcastShards hash tags {bcq:<k>} (BcShard*), a recipient in shard
// chat mod shards, so a cluster spreads a broadcast's sending.

func (k Keys) bc(suffix string) string { return k.prefix + "{bc}:" + suffix }

// BcProfiles maps a resident's chat id to their profile. HASH of JSON
// (broadcast.Profile); no TTL; deleted by /hapusdata.
func (k Keys) BcProfiles() string { return k.bc("profiles") }

// BcAll holds every resident with a profile. SET of chat ids; no TTL.
func (k Keys) BcAll() string { return k.bc("all") }

// BcArea holds the residents of one area, by its index path
// (broadcast.Paths): the Kemendagri code of an area of the official list
// ("c:33.75.03", "c:33.75.03.1004|kampung kb mina bahari"), or the
// normalized names of an area stored before it ("kota pekalongan|pekalongan
// barat", broadcast.NamePaths; emptied as residents are migrated). SET of
// chat ids; no TTL.
func (k Keys) BcArea(path string) string { return k.bc("area:" + path) }

// BcKids names the places one level below an area that residents
// mentioned: the place's path ("c:33.75.03", for a place of the official
// list) or normalized name (a place by name) -> its name. HASH; no TTL
// (a place whose residents all left stays, with none: readers skip it).
// The root (the whole country) has the empty path.
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

// Bc is one broadcast: "def" -> JSON of broadcast.Broadcast, "state"
// (scheduled, starting, sending, done, cancelled), "shards" (how many
// queues it is sent from; absent in the unsharded layout), "cancel" ("1":
// cancelled while starting), "total", "delivered", "blocked", "failed", "skipped", "unsent",
// "started" and "finished" (Unix ms), "report_lease" (Unix ms), "reported"
// ("1"). HASH; no TTL while open, bcKeep once reported.
func (k Keys) Bc(id string) string { return k.bc("b:" + id) }

// BcTodo holds the recipients not yet claimed of a broadcast started
// before its queue was sharded (the unsharded layout, still served: a
// broadcast without "shards" in Bc). SET of chat ids; no TTL (emptied by
// sending).
func (k Keys) BcTodo(id string) string { return k.bc("b:" + id + ":todo") }

// BcLease holds the claimed recipients of a broadcast in the unsharded
// layout, scored by the claim's deadline (Unix ms), which is also its
// token. ZSET; no TTL (emptied by sending).
func (k Keys) BcLease(id string) string { return k.bc("b:" + id + ":lease") }

// BcStage holds the recipients chosen for a starting broadcast until they
// are copied into its shards' queues. SET of chat ids; no TTL: deleted
// when the start ends (bc_started), a start that died is finished by the
// next StartDue.
func (k Keys) BcStage(id string) string { return k.bc("b:" + id + ":stage") }

func (k Keys) bcq(id string, shard int, suffix string) string {
	return k.prefix + "{bcq:" + strconv.Itoa(shard) + "}:b:" + id + suffix
}

// BcShard is one shard of a broadcast's queue: "state" (sending,
// cancelled), "filled" (chunks of recipients copied in, bc_fill) and the
// counts of its recipients "delivered", "blocked", "failed", "skipped" and
// "unsent", which Get adds up. HASH under {bcq:<shard>}; no TTL while the
// broadcast is open, bcKeep once reported.
func (k Keys) BcShard(id string, shard int) string { return k.bcq(id, shard, "") }

// BcShardTodo holds a shard's recipients not yet claimed. SET of chat ids
// under {bcq:<shard>}; no TTL (emptied by sending or cancel).
func (k Keys) BcShardTodo(id string, shard int) string { return k.bcq(id, shard, ":todo") }

// BcShardLease holds a shard's claimed recipients, scored by the claim's
// deadline (Unix ms), which is also its token. ZSET under {bcq:<shard>};
// no TTL (emptied by sending).
func (k Keys) BcShardLease(id string, shard int) string { return k.bcq(id, shard, ":lease") }

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

// Follow-up keys (FollowUpStore): the "sudah dihubungi" marks of the
// cadres' follow-up list.

// FollowUpMark is the mark that a cadre contacted the resident of chat:
// "<cadre chat>|<Unix ms>". It shares the chat's hash tag. STRING; TTL:
// FollowUpKeep from the mark; deleted by /hapusdata
// (FollowUpStore.EraseResident).
func (k Keys) FollowUpMark(c kbbot.ChatID) string { return k.chat(c, "followup") }

// FollowUpBookingMark is the mark that a cadre contacted the resident of
// booking code, booked without a phone: "<cadre chat>|<Unix ms>". STRING;
// TTL: FollowUpKeep from the mark; deleted with the booking's resident
// (/hapuspeserta, FollowUpStore.ForgetBooking).
func (k Keys) FollowUpBookingMark(code string) string { return k.prefix + "followup:b:" + code }
