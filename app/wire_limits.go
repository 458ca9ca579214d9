package app

import (
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/bot"
	"github.com/kbbot/kbbot/redisstore"
)

// plannedRate is the steady rate the limiter keeps for a ceiling of
// sendRate messages per second. The limiter lets the reply lane run about
// two messages ahead of the steady rate (redisstore.SendLimiter), and
// Telegram counts requests when they arrive, after a network delay that
// varies: three messages below the ceiling, and at most 95% of it, leave
// room for both (27/s for Telegram's 30/s: no one-second window sees more
// than 29 messages). Below 6/s it is half the ceiling.
func plannedRate(sendRate int) float64 {
	s := float64(sendRate)
	return max(min(s-3, 0.95*s), s/2)
}

// wrapSender puts Telegram's sending limits, shared by all processes
// through Redis, around s: about cfg.SendRate messages per second overall,
// one per second per private chat, 20 a minute per group, replies before
// reminders before broadcasts, and a pause of every process when Telegram
// answers 429; while Redis cannot be reached, conservative limits kept in
// the process alone (bot.LocalLimiter), so residents still hear that they
// should try again in a while. It decides by the Redis server's clock, not a.clock: the
// limits are real time, and all processes must share one clock.
func (a *App) wrapSender(s kbbot.Sender, keys redisstore.Keys) kbbot.Sender {
	rate := a.cfg.SendRate
	if rate <= 0 {
		rate = DefaultConfig().SendRate
	}
	// A negative chat interval turns both per-chat limits off (tests of
	// flows); zero keeps the limiter's defaults.
	chat, group := a.cfg.SendChatInterval, time.Duration(0)
	if chat < 0 {
		group = -1
	}
	lim, err := redisstore.NewSendLimiter(a.rdb, keys, redisstore.SendLimits{Rate: plannedRate(rate), Burst: 1, ChatInterval: chat, GroupInterval: group})
	if err != nil {
		// Unreachable: plannedRate is positive for a positive SendRate.
		a.log.Error("send limiter; using Telegram's default rate", "send_rate", rate, "error", err)
		lim, _ = redisstore.NewSendLimiter(a.rdb, keys, redisstore.SendLimits{Rate: plannedRate(DefaultConfig().SendRate), Burst: 1})
	}
	a.limiter = lim
	// While Redis is down, a process alone keeps a sixth of the rate and
	// one message per interval per chat, with no burst: six processes
	// unaware of each other still stay within Telegram's limits.
	fallback := bot.NewLocalLimiter(float64(rate)/6, max(chat, 1100*time.Millisecond), 3150*time.Millisecond, nil)
	return bot.NewLimitedSender(s, lim, bot.LimitedConfig{Log: a.log.With("comp", "sendlimit"), Fallback: fallback})
}
