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
// ms base 36, t empty when it is the due time, not_after as seconds after
// due ("+<base 36>") when it can be, zone as a short code (zoneCodes);
// kind and ref are left empty when the id's first two ':'-separated parts
// spell them. The scripts shorten lines further against the line before.
func remLine(it reminders.Item, state byte, t time.Time, attempts int) string {
	kind, ref := it.Kind, it.Ref
	if k, r := idParts(it.ID); k == kind && r == ref {
		kind, ref = "", ""
	}
	ts := b36(t)
	if state == 'w' && t.UnixMilli() == it.Due.UnixMilli() {
		ts = ""
	}
	na := b36(it.NotAfter)
	if d := it.NotAfter.UnixMilli() - it.Due.UnixMilli(); d >= 0 && d%1000 == 0 {
		na = "+" + strconv.FormatInt(d/1000, 36)
	}
	zone := it.Zone
	if c, ok := zoneCodes[zone]; ok {
		zone = c
	}
	var b strings.Builder
	b.Grow(48 + len(it.ID) + len(kind) + len(ref) + len(zone) + len(it.Version))
	for i, f := range []string{it.ID, string(state), ts, it.Version, strconv.Itoa(attempts),
		b36(it.Due), na, kind, ref, zone} {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(f)
	}
	return b.String()
}

// zoneCodes shortens the zones nearly every item has; zoneNames reverses
// it. A code starts with '!', which no IANA zone name does.
var (
	zoneCodes = map[string]string{"Asia/Jakarta": "!7", "Asia/Makassar": "!8", "Asia/Jayapura": "!9"}
	zoneNames = map[string]string{"!7": "Asia/Jakarta", "!8": "Asia/Makassar", "!9": "Asia/Jayapura"}
)

// idParts splits an id as lua/rem_lib.lua does: kind is up to the first
// ':', ref up to the next one.
func idParts(id string) (kind, ref string) {
	kind, rest, _ := strings.Cut(id, ":")
	ref, _, _ = strings.Cut(rest, ":")
	return kind, ref
}

func b36(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 36) }

// remEntry is a decoded line: the item, its state, its time t, and its
// zone as stored (a code or a name).
type remEntry struct {
	it    reminders.Item
	state string
	t     time.Time
	zone  string
}

// decodeLine parses one stored line of chat; prev is the entry of the
// line before (nil for the first, or a line the claim script returns
// whole), whose id, version and zone a shortened line refers to.
func decodeLine(chat kbbot.ChatID, line string, prev *remEntry) (remEntry, error) {
	f := strings.Split(line, "|")
	if len(f) != 10 {
		return remEntry{}, fmt.Errorf("redisstore: reminder line %q: malformed", line)
	}
	id, version, zone := f[0], f[3], f[9]
	if prev != nil {
		if k, ok := strings.CutSuffix(id, ":\x1f"); ok {
			_, r, _ := strings.Cut(prev.it.ID, ":")
			id = k + ":" + r
		}
		if version == "=" {
			version = prev.it.Version
		}
		if zone == "=" {
			zone = prev.zone
		}
	}
	stored := zone
	if n, ok := zoneNames[zone]; ok {
		zone = n
	}
	due, err1 := strconv.ParseInt(f[5], 36, 64)
	ts := f[2]
	if ts == "" {
		ts = f[5]
	}
	t, err2 := strconv.ParseInt(ts, 36, 64)
	att, err3 := strconv.Atoi(f[4])
	var na int64
	var err4 error
	if rel, ok := strings.CutPrefix(f[6], "+"); ok {
		na, err4 = strconv.ParseInt(rel, 36, 64)
		na = due + 1000*na
	} else {
		na, err4 = strconv.ParseInt(f[6], 36, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return remEntry{}, fmt.Errorf("redisstore: reminder %q: malformed line", id)
	}
	kind, ref := f[7], f[8]
	if kind == "" {
		kind, ref = idParts(id)
	}
	return remEntry{
		it: reminders.Item{ID: id, Version: version, Attempt: att, Chat: chat, Kind: kind, Ref: ref, Zone: zone,
			Due: time.UnixMilli(due).UTC(), NotAfter: time.UnixMilli(na).UTC()},
		state: f[1], t: time.UnixMilli(t).UTC(), zone: stored,
	}, nil
}

// decodeChat parses a chat's stored items.
func decodeChat(chat kbbot.ChatID, raw string) ([]remEntry, error) {
	var out []remEntry
	var prev *remEntry
	for _, line := range strings.Split(raw, "\n") {
		if line == "" {
			continue
		}
		e, err := decodeLine(chat, line, prev)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		prev = &out[len(out)-1]
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
