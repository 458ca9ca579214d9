package redisstore

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
)

// TestEventCodec checks that appendEvent writes what json.Marshal writes
// and that decodeEvent reads what json.Unmarshal reads, for events with
// every kind of string, and for entries written otherwise.
func TestEventCodec(t *testing.T) {
	pieces := []string{"", "a", "Halo Bu", "\"", "\\", "\n\t\r\b\f", "\x01", "<b>&</b>", "é", "👍",
		"\u2028\u2029", "\xff", "menu:help", "✅ Setuju"}
	str := func() string {
		var b strings.Builder
		for range rand.IntN(4) {
			b.WriteString(pieces[rand.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := range 3000 {
		ev := kbbot.Event{Kind: kbbot.EventKind(str()), ChatID: kbbot.ChatID(rand.Int64() - rand.Int64()),
			UserID: rand.Int64(), UpdateID: rand.Int64N(1 << 40), Key: str(), LanguageCode: str(),
			FirstName: str(), Text: str(), Command: str(), Args: str(), CallbackID: str(), Data: str(),
			MessageID: rand.IntN(1 << 30), Phone: str(), OwnPhone: rand.IntN(2) == 0, Media: str(),
			FileID: str(), Caption: str()}
		if i%3 == 0 {
			ev.FileName, ev.FileSize = str(), rand.Int64N(1<<30)
		}
		if i%10 == 0 {
			ev.Lat, ev.Lon = rand.Float64()*10-5, rand.Float64()*200-100
		}
		if i%17 == 0 {
			ev.Reminder = &kbbot.Reminder{ID: str(), Kind: str(), Ref: str()}
		}
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendEvent(nil, &ev)
		if err != nil || string(got) != string(want) {
			t.Fatalf("appendEvent(%+v) = %s, %v; json.Marshal: %s", ev, got, err, want)
		}
		checkDecode(t, string(want))
	}
	for _, body := range []string{`{}`, `{"chatid":5,"Text":"x"}`, `{"ChatID":5,"Lat":1.5}`,
		`{"ChatID":05}`, `{"ChatID":-}`, `{"ChatID":5,"Extra":[1,2]}`, `{"ChatID":5} `, `{"ChatID":5`,
		`{"ChatID":5,"Reminder":{"ID":"r"}}`, `{"ChatID":5,"Text":null}`, `{"ChatID":1e3}`,
		`{"MessageID":99999999999999999999}`, `{"OwnPhone":true,"Text":"a\"b"}`, `[]`, ``} {
		checkDecode(t, body)
	}
}

// checkDecode checks that decodeEvent reads body as json.Unmarshal does.
func checkDecode(t *testing.T, body string) {
	t.Helper()
	var want, got kbbot.Event
	werr := json.Unmarshal([]byte(body), &want)
	gerr := decodeEvent(body, &got)
	if (werr == nil) != (gerr == nil) || (werr == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("decodeEvent(%s) = %+v, %v; json.Unmarshal: %+v, %v", body, got, gerr, want, werr)
	}
}
