package bot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// quickUpdates decodes a getUpdates result with the hand-written decoder;
// ok is false when it gives up.
func quickUpdates(b []byte) ([]wireUpdate, bool) {
	var u wireUpdates
	n, ok := u.quick(b)
	if !ok {
		return nil, false
	}
	s := scan{b: b, i: n}
	return u, s.end()
}

// checkQuickUpdates fails t if the hand-written decoder accepts b and
// gives anything else than encoding/json.
func checkQuickUpdates(t *testing.T, b []byte) bool {
	t.Helper()
	got, ok := quickUpdates(b)
	var want []wireUpdate
	err := json.Unmarshal(b, &want)
	if ok && err != nil {
		t.Errorf("%s: decoded, where encoding/json says %v", b, err)
	}
	if ok && err == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", b, dump(got), dump(want))
	}
	return ok
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestQuickUpdatesDecodeAsEncodingJSON: the corpus of updates, one by one
// and as a batch, decodes as with encoding/json, on the quick path but
// for the keys in another case.
func TestQuickUpdatesDecodeAsEncodingJSON(t *testing.T) {
	quick := 0
	for _, raw := range updateCorpus {
		if checkQuickUpdates(t, []byte("["+raw+"]")) {
			quick++
		}
	}
	if quick != len(updateCorpus)-1 {
		t.Errorf("%d of %d updates on the quick path, want all but the one in upper case", quick, len(updateCorpus))
	}
	if checkQuickUpdates(t, []byte(" [ "+strings.Join(updateCorpus[:len(updateCorpus)-1], " ,\n")+" ] ")) == false {
		t.Error("the batch is not on the quick path")
	}
	for _, b := range []string{
		`[]`, `null`, `[{}]`, `[{"update_id":1,"message":null}]`,
		// Escapes, as Telegram writes them, and invalid ones.
		`[{"update_id":1,"message":{"message_id":2,"chat":{"id":5,"type":"private"},"text":"\/start \u00e9\ud83d\ude00 \"q\" \\ \b\f\n\r\t"}}]`,
		`[{"update_id":1,"message":{"message_id":2,"text":"lone \ud83d surrogate \ude00 x"}}]`,
		`[{"update_id":1,"message":{"message_id":2,"text":"bad utf8 ` + "\xff\xfe" + ` x"}}]`,
		`[{"update_id":1,"message":{"message_id":2,"text":"\x"}}]`,
		// Numbers.
		`[{"update_id":1.5}]`, `[{"update_id":1e2}]`, `[{"update_id":-0}]`, `[{"update_id":99999999999999999999}]`,
		`[{"update_id":1,"message":{"location":{"latitude":-6.9e0,"longitude":1E+2}}}]`,
		`[{"update_id":01}]`, `[{"update_id":-}]`, `[{"update_id":1.}]`,
		// Types, nulls, repeated keys.
		`[{"update_id":"1"}]`, `[{"update_id":null,"message":{"text":null,"from":null,"entities":null,"sticker":null}}]`,
		`[{"update_id":1,"message":{"message_id":1,"text":"a"},"message":{"chat":{"id":2}}}]`,
		`[{"update_id":1,"message":{"entities":[{"offset":1}],"entities":[{"length":2}]}}]`,
		`[{"update_id":1,"message":{"sticker":{"a":[1,2,{"b":null}]},"voice":false}}]`,
		`[{"update_id":1,"my_chat_member":{"chat":null,"new_chat_member":{"status":"left","user":{}}}}]`,
		// Not JSON.
		`[{"update_id":1,}]`, `[{"update_id":1}`, `[{"update_id" 1}]`, `[{update_id:1}]`, `[{"update_id":1}]]`, `[tru]`, `[{"a":[1,]}]`,
	} {
		checkQuickUpdates(t, []byte(b))
	}
}

// FuzzQuickUpdates: whatever the hand-written decoder accepts, encoding/json
// decodes alike.
func FuzzQuickUpdates(f *testing.F) {
	for _, raw := range updateCorpus {
		f.Add("[" + raw + "]")
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkQuickUpdates(t, []byte(raw))
		// The skipper accepts valid JSON only.
		s := scan{b: []byte(raw)}
		if s.skip() && s.end() && !json.Valid([]byte(raw)) {
			t.Errorf("%q skipped as JSON", raw)
		}
	})
}

// TestQuickDecodeDeepNestingFallsBack: a value nested deeper than
// encoding/json allows is refused (by the fallback), not a stack overflow.
func TestQuickDecodeDeepNestingFallsBack(t *testing.T) {
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	raw := []byte(`{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},"x":` + deep + `}}]}`)
	s := &scan{b: raw}
	if s.skip() {
		t.Fatal("skip took a value nested 200,000 deep")
	}
}
