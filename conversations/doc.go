// Package conversations is kbbot's dialog: the flows residents walk through
// (welcome and consent, menus, language, data deletion, education) and the
// Dispatcher that runs one step per event.
//
// The Engine is pure: (session, event, now) -> (session, replies). It knows
// nothing of Telegram or Redis. The Dispatcher adds what a step needs around
// it through interfaces declared here and implemented elsewhere (redisstore
// for the ChatStore, bot for the kbbot.Sender): per-chat serialization across
// processes, once-only handling of a redelivered update, the session written
// on every step, and an outbox so that no reply is lost to a crash.
package conversations
