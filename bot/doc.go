// Package bot is kbbot's Telegram adapter. It owns everything that knows the
// Bot API: a context-aware HTTP client (the library's BotAPI has no context
// and leaks the token in transport errors), our own long-polling loop that
// confirms an update only after it is handled, the translation of Telegram
// updates into kbbot.Events and of kbbot.Replies into Bot API calls, and the
// mapping of Telegram errors to kbbot's domain errors. It writes requests
// and reads answers and updates by itself (wire.go, updates.go), with the
// field names and types of github.com/go-telegram-bot-api/telegram-bot-api/v5,
// whose Error, Update and Params it keeps at its edges.
//
// It imports the domain package only; never conversations, scheduler or
// redisstore.
package bot
