package redisstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// remBody encodes an item's payload without its version:
// "due_ms|not_after_ms|chat|kind|ref|zone" (see Keys.RemItems).
func remBody(it reminders.Item) string {
	var b strings.Builder
	b.Grow(64 + len(it.Kind) + len(it.Ref) + len(it.Zone))
	b.WriteString(strconv.FormatInt(it.Due.UnixMilli(), 10))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(it.NotAfter.UnixMilli(), 10))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(int64(it.Chat), 10))
	b.WriteByte('|')
	b.WriteString(it.Kind)
	b.WriteByte('|')
	b.WriteString(it.Ref)
	b.WriteByte('|')
	b.WriteString(it.Zone)
	return b.String()
}

// decodeRem parses a stored payload "version|due|not_after|chat|kind|ref|zone".
func decodeRem(id, p string) (reminders.Item, error) {
	f := strings.SplitN(p, "|", 7)
	if len(f) != 7 {
		return reminders.Item{}, fmt.Errorf("redisstore: reminder %q: malformed payload", id)
	}
	due, err1 := strconv.ParseInt(f[1], 10, 64)
	na, err2 := strconv.ParseInt(f[2], 10, 64)
	chat, err3 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return reminders.Item{}, fmt.Errorf("redisstore: reminder %q: malformed payload", id)
	}
	return reminders.Item{
		ID: id, Version: f[0], Chat: kbbot.ChatID(chat), Kind: f[4], Ref: f[5], Zone: f[6],
		Due: time.UnixMilli(due).UTC(), NotAfter: time.UnixMilli(na).UTC(),
	}, nil
}
