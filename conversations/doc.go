// Package conversations is kbbot's dialog: the flows residents and staff
// walk through (welcome and consent, menus, language, data deletion,
// education, booking, reminders, staff flows) and the Engine that runs one
// step of them.
//
// Every flow is a registered Flow (flow.go): one file declares its
// commands, its button routes and its typed state, and the engine checks
// each tap (route, arguments, step, nonce, staff right) in one place.
//
// The Engine is pure: (session, record, event, now) -> (session, record,
// replies). It knows nothing of Telegram or Redis, and reaches the stores
// through Services, interfaces declared here and implemented elsewhere.
// The runtime around a step (per-chat lock, outbox, delivery) is package
// dispatch, which imports this package, never the reverse.
package conversations
