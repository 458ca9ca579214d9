// Package dispatch is the runtime around kbbot's dialog: the Dispatcher
// runs one conversations.Engine step per event and does everything a step
// needs around it, through interfaces declared here and implemented
// elsewhere (redisstore for the ChatStore, bot for the kbbot.Sender):
//
//   - per-chat serialization, in process (a keyed mutex) and across
//     processes (a lease on the chat in the store, renewed while held);
//   - once-only handling of a redelivered update;
//   - one atomic commit of session, resident record and outbox per step;
//   - delivery of the outbox after the commit, so that no reply is lost to
//     a crash, and never after the lease on the chat was lost;
//   - the erasers of /hapusdata, and a short apology when the store is down.
//
// It imports conversations; conversations never imports it. It knows
// nothing of Telegram or Redis.
package dispatch
