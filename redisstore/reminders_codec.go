package redisstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/reminders"
)

// remLine encodes an item as a line of Keys.RemChats (lua/rem_lib.lua):
// "id|state|t|version|attempts|due|not_after|kind|ref|zone", times in Unix
// ms base 36; kind and ref are left empty when the id's first two
// ':'-separated parts spell them.
func remLine(it reminders.Item, state byte, t time.Time, attempts int) string {
	kind, ref := it.Kind, it.Ref
	if k, r := idParts(it.ID); k == kind && r == ref {
		kind, ref = "", ""
	}
	var b strings.Builder
	b.Grow(48 + len(it.ID) + len(kind) + len(ref) + len(it.Zone) + len(it.Version))
	for i, f := range []string{it.ID, string(state), b36(t), it.Version, strconv.Itoa(attempts),
		b36(it.Due), b36(it.NotAfter), kind, ref, it.Zone} {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(f)
	}
	return b.String()
}

// idParts splits an id as lua/rem_lib.lua does: kind is up to the first
// ':', ref up to the next one.
func idParts(id string) (kind, ref string) {
	kind, rest, _ := strings.Cut(id, ":")
	ref, _, _ = strings.Cut(rest, ":")
	return kind, ref
}

func b36(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 36) }

// remEntry is a decoded line: the item, its state and time t.
type remEntry struct {
	it    reminders.Item
	state string
	t     time.Time
}

// decodeLine parses one stored line of chat; prevZone resolves a zone
// "=" (the zone of the line before).
func decodeLine(chat kbbot.ChatID, line, prevZone string) (remEntry, error) {
	f := strings.Split(line, "|")
	if len(f) != 10 {
		return remEntry{}, fmt.Errorf("redisstore: reminder line %q: malformed", line)
	}
	t, err1 := strconv.ParseInt(f[2], 36, 64)
	att, err2 := strconv.Atoi(f[4])
	due, err3 := strconv.ParseInt(f[5], 36, 64)
	na, err4 := strconv.ParseInt(f[6], 36, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return remEntry{}, fmt.Errorf("redisstore: reminder %q: malformed line", f[0])
	}
	kind, ref := f[7], f[8]
	if kind == "" {
		kind, ref = idParts(f[0])
	}
	zone := f[9]
	if zone == "=" {
		zone = prevZone
	}
	return remEntry{
		it: reminders.Item{ID: f[0], Version: f[3], Attempt: att, Chat: chat, Kind: kind, Ref: ref, Zone: zone,
			Due: time.UnixMilli(due).UTC(), NotAfter: time.UnixMilli(na).UTC()},
		state: f[1], t: time.UnixMilli(t).UTC(),
	}, nil
}

// decodeChat parses a chat's stored items.
func decodeChat(chat kbbot.ChatID, raw string) ([]remEntry, error) {
	var out []remEntry
	prev := ""
	for _, line := range strings.Split(raw, "\n") {
		if line == "" {
			continue
		}
		e, err := decodeLine(chat, line, prev)
		if err != nil {
			return nil, err
		}
		prev = e.it.Zone
		out = append(out, e)
	}
	return out, nil
}

// legacyLine turns an item of the legacy keys (payload
// "version|due_ms|not_after_ms|chat|kind|ref|zone", its state, its score in
// that state's set, and its claims) into a line and its chat.
func legacyLine(id, payload, state, score, attempts string) (kbbot.ChatID, string, error) {
	f := strings.SplitN(payload, "|", 7)
	if len(f) != 7 {
		return 0, "", fmt.Errorf("redisstore: legacy reminder %q: malformed payload", id)
	}
	due, err1 := strconv.ParseInt(f[1], 10, 64)
	na, err2 := strconv.ParseInt(f[2], 10, 64)
	chat, err3 := strconv.ParseInt(f[3], 10, 64)
	t, err4 := strconv.ParseFloat(score, 64)
	att, _ := strconv.Atoi(attempts)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(state) != 1 {
		return 0, "", fmt.Errorf("redisstore: legacy reminder %q: malformed payload", id)
	}
	it := reminders.Item{ID: id, Version: f[0], Kind: f[4], Ref: f[5], Zone: f[6],
		Due: time.UnixMilli(due), NotAfter: time.UnixMilli(na)}
	return kbbot.ChatID(chat), remLine(it, state[0], time.UnixMilli(int64(t)), att), nil
}
