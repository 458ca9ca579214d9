package redisstore

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/cadre"
)

var (
	//go:embed lua/guess_miss.lua
	guessMissLua    string
	guessMissScript = redis.NewScript(guessMissLua)
)

// The kinds of codes whose guessing is limited (cadre's).
const (
	// GuessInvite is an invite code typed or opened by deep link.
	GuessInvite = cadre.CodeInvite
	// GuessCheckIn is a booking code typed at check-in.
	GuessCheckIn = cadre.CodeCheckIn
)

var _ cadre.Guesses = (*GuessLimiter)(nil)

// GuessLimit is how many unknown codes of one kind may be tried.
type GuessLimit struct {
	// PerUser is how many misses one Telegram user may have within
	// Window, counted from their first miss.
	PerUser int
	// Window is the window of PerUser.
	Window time.Duration
	// PerHour is the ceiling of misses by everyone together within one
	// clock hour, so that many accounts cannot share the guessing.
	PerHour int
}

// DefaultGuessLimits are the limits of each kind: an invite is redeemed
// rarely, so few misses are allowed; check-in codes are typed all day at
// the service table by staff, so typos are allowed for more.
var DefaultGuessLimits = map[string]GuessLimit{
	GuessInvite:  {PerUser: InviteMaxTries, Window: InviteTriesWindow, PerHour: 100},
	GuessCheckIn: {PerUser: 30, Window: time.Hour, PerHour: 600},
}

// GuessLimiter limits the guessing of codes: it counts the unknown codes
// each Telegram user tried, and all users together per hour, and refuses
// further tries beyond either limit. Its counters are not a resident's
// data: /hapusdata does not delete them (that would reset the limit for a
// guesser), they name the user only by a digest, and they expire on their
// own within the window.
type GuessLimiter struct {
	rdb    redis.UniversalClient
	keys   Keys
	clock  kbbot.Clock
	limits map[string]GuessLimit
}

// NewGuessLimiter returns a limiter with limits (DefaultGuessLimits when
// nil), telling the hour by clock.
func NewGuessLimiter(rdb redis.UniversalClient, keys Keys, clock kbbot.Clock, limits map[string]GuessLimit) *GuessLimiter {
	if limits == nil {
		limits = DefaultGuessLimits
	}
	if clock == nil {
		clock = kbbot.SystemClock{}
	}
	return &GuessLimiter{rdb: rdb, keys: keys, clock: clock, limits: limits}
}

// userDigest names a Telegram user in the limiter's keys: 72 bits of
// SHA-256, so the keys do not hold the id in the clear.
func userDigest(kind string, user kbbot.ChatID) string {
	sum := sha256.Sum256([]byte("guess|" + kind + "|" + strconv.FormatInt(int64(user), 10)))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// hour is the clock hour now falls in, as the ceiling's bucket.
func (g *GuessLimiter) hour() int64 { return g.clock.Now().Unix() / 3600 }

// Allow reports whether user may try another code of kind: false once
// they, or everyone together this hour, missed as often as the limit
// allows. A kind without a limit is always allowed.
func (g *GuessLimiter) Allow(ctx context.Context, kind string, user kbbot.ChatID) (bool, error) {
	lim, ok := g.limits[kind]
	if !ok {
		return true, nil
	}
	var mine, all *redis.StringCmd
	_, err := g.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		mine = p.Get(ctx, g.keys.GuessUser(kind, userDigest(kind, user)))
		all = p.Get(ctx, g.keys.GuessHour(kind, g.hour()))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, wrap("read code misses", err)
	}
	n, _ := mine.Int()
	m, _ := all.Int()
	return n < lim.PerUser && m < lim.PerHour, nil
}

// Miss counts an unknown code of kind that user tried.
func (g *GuessLimiter) Miss(ctx context.Context, kind string, user kbbot.ChatID) error {
	lim, ok := g.limits[kind]
	if !ok {
		return nil
	}
	hourKey := g.keys.GuessHour(kind, g.hour())
	// The user's counter and the hour's sit in different hash slots: two
	// commands in one pipeline (not atomic, and need not be).
	_, err := g.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		guessMissScript.Run(ctx, p, []string{g.keys.GuessUser(kind, userDigest(kind, user))}, lim.Window.Milliseconds())
		p.Incr(ctx, hourKey)
		p.Expire(ctx, hourKey, 2*time.Hour)
		return nil
	})
	if isNoScript(err) {
		// The hour's counter was written; only the user's is missing:
		// Run loads the script and counts it alone.
		err = guessMissScript.Run(ctx, g.rdb, []string{g.keys.GuessUser(kind, userDigest(kind, user))}, lim.Window.Milliseconds()).Err()
	}
	return wrap("count code miss", err)
}
