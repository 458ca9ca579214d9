package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// newLogger builds serve's one log stream: JSON lines on w at level, with
// every duration written as whole milliseconds under its key plus "_ms"
// (durationsMS), and go-redis's own messages routed into it (redisLogger).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: durationsMS}))
	redis.SetLogger(redisLogger{log: log.With("comp", "go-redis")})
	return log
}

// durationsMS is the JSON handler's ReplaceAttr: a time.Duration value,
// which slog writes as integer nanoseconds, becomes whole milliseconds
// and its key gets the suffix "_ms" ("retry_in": 2s becomes
// "retry_in_ms": 2000).
func durationsMS(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_ms") {
		key += "_ms"
	}
	return slog.Int64(key, a.Value.Duration().Milliseconds())
}

// redisLogger writes go-redis's messages (pool and reconnection
// troubles) into slog as warnings instead of plain text on stderr.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal logging interface.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}
