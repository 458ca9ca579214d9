package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

var (
	//go:embed lua/staff_scrub.lua
	staffScrubLua    string
	staffScrubScript = redis.NewScript(staffScrubLua)
)

// Erased replaces a booking code or a chat id of an erased resident in the
// audit log.
const Erased = "[dihapus]"

// scrubRounds bounds the calls of ScrubResident: each one also catches the
// entries appended since the last; two suffice unless staff keep writing
// about this very resident.
const scrubRounds = 5

// ScrubResident rewrites the staff audit log so that it keeps nothing of an
// erased resident: in every entry whose Detail names one of codes (the
// resident's booking codes, any case) or chat (the resident's chat id; 0
// when they have none, as for a resident booked by a cadre), those are
// replaced by Erased ("[dihapus]") and the entry's area is narrowed to the
// kecamatan (kelurahan and Kampung KB go). Everything else of an entry
// stays, its actor included: who did what, and when, remains on record.
// It returns how many entries it rewrote.
//
// Entries are rewritten in place by value (lua/staff_scrub.lua), so Audit
// appends running meanwhile are neither lost nor left unscrubbed: entries
// that arrive between two calls are found by the next. It is idempotent.
// Call it before the bookings are erased (their codes are read from the
// booking store: BookingStore.ResidentCodes), or, after
// BookingStore.EraseBooking, with the erased booking's code and chat 0.
func (s *StaffStore) ScrubResident(ctx context.Context, chat kbbot.ChatID, codes []string) (int, error) {
	var norm []string // the codes, as booking codes are written
	for _, c := range codes {
		if n, ok := booking.NormalizeCode(c); ok {
			norm = append(norm, n)
		} else if c = strings.TrimSpace(c); c != "" {
			norm = append(norm, c)
		}
	}
	needles := append([]string(nil), norm...)
	id := ""
	if chat != 0 {
		id = strconv.FormatInt(int64(chat), 10)
		needles = append(needles, id)
	}
	if len(needles) == 0 {
		return 0, nil
	}
	pairs := map[string]string{}
	total := 0
	for range scrubRounds {
		args := make([]any, 0, 1+len(needles)+2*len(pairs))
		args = append(args, len(needles))
		for _, n := range needles {
			args = append(args, strings.ToLower(n))
		}
		for old, nw := range pairs {
			args = append(args, old, nw)
		}
		v, err := staffScrubScript.Run(ctx, s.rdb, []string{s.keys.StaffAudit()}, args...).Slice()
		if err != nil {
			return total, wrap("scrub audit log", err)
		}
		out := strs(v)
		if len(out) == 0 {
			return total, fmt.Errorf("redisstore: scrub audit log: empty reply")
		}
		n, _ := strconv.Atoi(out[0])
		total += n
		if len(out) == 1 {
			return total, nil
		}
		for _, raw := range out[1:] {
			nw := scrubEntry(raw, id, norm)
			pairs[raw], pairs[nw] = nw, nw
		}
	}
	return total, fmt.Errorf("redisstore: scrub audit log: entries about the resident still arriving after %d rounds", scrubRounds)
}

// scrubEntry returns an audit entry (JSON of cadre.AuditEntry) with the
// codes and the chat id chat ("" for none) replaced by Erased in its detail
// and its area narrowed to the kecamatan, when the detail names one of
// them; otherwise the entry as it is. Fields it does not know are kept as
// they are (the numbers of chat ids too). An entry that is not a JSON
// object has the codes replaced in its text.
func scrubEntry(raw, chat string, codes []string) string {
	var e map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		out := raw
		for _, c := range codes {
			out = replaceToken(out, c, isCodeByte)
		}
		return out
	}
	var detail string
	if err := json.Unmarshal(e["detail"], &detail); err != nil {
		return raw
	}
	scrubbed := detail
	for _, c := range codes {
		scrubbed = replaceToken(scrubbed, c, isCodeByte)
	}
	if chat != "" {
		scrubbed = replaceToken(scrubbed, chat, isDigit)
	}
	if scrubbed == detail {
		return raw
	}
	e["detail"], _ = json.Marshal(scrubbed)
	var area map[string]json.RawMessage
	if json.Unmarshal(e["area"], &area) == nil && area != nil {
		delete(area, "kelurahan")
		delete(area, "kampung_kb")
		e["area"], _ = json.Marshal(area)
	}
	out, err := json.Marshal(e)
	if err != nil {
		return raw
	}
	return string(out)
}

func isCodeByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-'
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// replaceToken replaces every occurrence of tok in s (ASCII letters in any
// case) that is not part of a longer token, i.e. not next to a byte for
// which inToken is true, by Erased.
func replaceToken(s, tok string, inToken func(byte) bool) string {
	if tok == "" {
		return s
	}
	low, ltok := strings.ToLower(s), strings.ToLower(tok)
	if len(low) != len(s) { // non-ASCII case mapping changed lengths: compare as is
		low, ltok = s, tok
	}
	var b strings.Builder
	last := 0
	for i := 0; i+len(ltok) <= len(low); {
		j := strings.Index(low[i:], ltok)
		if j < 0 {
			break
		}
		at, end := i+j, i+j+len(ltok)
		if (at == 0 || !inToken(s[at-1])) && (end == len(s) || !inToken(s[end])) {
			b.WriteString(s[last:at])
			b.WriteString(Erased)
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
