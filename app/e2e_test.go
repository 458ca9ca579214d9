package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot/telegramtest"
	"github.com/kbbot/kbbot/internal/redistest"
	"github.com/kbbot/kbbot/redisstore"
)

func lastText(t *testing.T, u *telegramtest.User) string {
	t.Helper()
	m, ok := u.Last()
	if !ok {
		t.Fatal("the bot sent nothing")
	}
	return m.Plain()
}

// forge taps data on the user's newest message, as a forged or stale
// button would, and returns the newest message's text then.
func forge(t *testing.T, u *telegramtest.User, data string) string {
	t.Helper()
	m, _ := u.Last()
	must(t)(u.TapData(m.ID, data))
	return lastText(t, u)
}

// unknownReply is kbbot's answer to a command it does not know; staff
// commands answer so to anyone who is not staff.
func unknownReply(cmd string) string {
	return "Perintah " + cmd + " tidak saya kenal. Ketik /bantuan untuk melihat daftar perintah."
}

func hasButton(m telegramtest.Message, label string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return true
			}
		}
	}
	return false
}

// session reads the resident's stored session, or nil.
func (e *env) session(t *testing.T, chat int64) map[string]any {
	t.Helper()
	return e.storedJSON(t, redisstore.NewKeys(e.prefix).ChatState(chatID(chat)))
}

// record reads the resident's stored record, or nil.
func (e *env) record(t *testing.T, chat int64) map[string]any {
	t.Helper()
	return e.storedJSON(t, redisstore.NewKeys(e.prefix).ChatRecord(chatID(chat)))
}

// storedJSON reads a JSON object stored at key, or nil when there is none.
func (e *env) storedJSON(t *testing.T, key string) map[string]any {
	t.Helper()
	raw, err := e.rdb.Get(context.Background(), key).Bytes()
	if err != nil {
		return nil
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestE2EWalkthrough walks /start -> consent -> menu -> Bantuan -> /batal ->
// /bahasa en -> /hapusdata against the fake Bot API and real Redis.
func TestE2EWalkthrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	u := e.srv.User(7001, "Sari")

	must(t)(u.Send("/start"))
	msgs := u.Messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Plain(), "Halo") || !hasButton(msgs[1], "✅ Setuju") {
		t.Fatalf("want a welcome and a consent question, got %+v", msgs)
	}
	if !strings.Contains(msgs[1].Plain(), "/hapusdata") || !strings.Contains(msgs[1].Plain(), "30 hari") {
		t.Errorf("the consent question must say how long data is kept and how to delete it: %q", msgs[1].Plain())
	}
	if s := e.record(t, 7001); s["consent"] != nil || s["name"] != nil {
		t.Fatalf("consent stored before it was given: %v", s)
	}

	must(t)(u.Tap("✅ Setuju"))
	consentMsg := u.Messages()[1]
	if consentMsg.Edits != 1 || !hasButton(consentMsg, "📚 Belajar KB") || !hasButton(consentMsg, "❓ Bantuan") ||
		!hasButton(consentMsg, "📅 Jadwal & daftar KB serentak") || !hasButton(consentMsg, "🎫 Pesanan saya") {
		t.Fatalf("consent must turn into the main menu in place, got %+v", consentMsg)
	}
	if s := e.record(t, 7001); s["consent"] != "given" || s["consent_at"] == nil {
		t.Fatalf("consent not recorded with its time: %v", s)
	}
	if a := u.Answers(); len(a) != 1 {
		t.Fatalf("every tap is answered once, got %d answers", len(a))
	}

	must(t)(u.Tap("❓ Bantuan"))
	if txt := lastText(t, u); !strings.Contains(txt, "/hapusdata") || !strings.Contains(txt, "/batal") {
		t.Fatalf("help must list the commands: %q", txt)
	}

	must(t)(u.Send("/batal"))
	if m, _ := u.Last(); !hasButton(m, "📚 Belajar KB") {
		t.Fatalf("/batal must end at the menu: %+v", m)
	}

	must(t)(u.Send("/bahasa en"))
	if m, _ := u.Last(); !hasButton(m, "📚 Learn about KB") {
		t.Fatalf("after /bahasa en the menu must be English: %+v", m)
	}

	must(t)(u.Send("/hapusdata"))
	must(t)(u.Tap("🗑 Yes, delete everything"))
	if txt := lastText(t, u); !strings.Contains(txt, "deleted") {
		t.Fatalf("want a deletion confirmation, got %q", txt)
	}
	if s := e.session(t, 7001); s != nil {
		t.Fatalf("session still stored after /hapusdata: %v", s)
	}
	if r := e.record(t, 7001); r != nil {
		t.Fatalf("resident record still stored after /hapusdata: %v", r)
	}
	keys, _ := redistest.Keys(context.Background(), e.rdb, e.prefix+"*7001*state*"), error(nil)
	if len(keys) != 0 {
		t.Fatalf("keys left after /hapusdata: %v", keys)
	}
	// Starting again is a new resident: consent is asked again.
	must(t)(u.Send("/start"))
	if m, _ := u.Last(); !hasButton(m, "✅ Setuju") {
		t.Fatalf("after deletion /start must ask consent again: %+v", m)
	}
}

// TestRestartResumesMidFlow kills the process in the middle of a flow; a new
// process takes the resident's next tap where they were.
func TestRestartResumesMidFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	u := e.srv.User(7002, "Rina")
	must(t)(u.Send("/start"))
	must(t)(u.Tap("✅ Setuju"))
	must(t)(u.Send("/hapusdata")) // now waiting for the confirmation
	p.stop(t)

	e.start()
	must(t)(u.Tap("Tidak, simpan"))
	if txt := lastText(t, u); !strings.Contains(txt, "tetap disimpan") {
		t.Fatalf("after a restart the confirmation must still work, got %q", txt)
	}
	if s := e.record(t, 7002); s["consent"] != "given" {
		t.Fatalf("consent lost across the restart: %v", s)
	}
}

// TestTwoProcessesOnOneBot runs two processes polling one bot, so every
// update reaches both: each must still be answered exactly once.
func TestTwoProcessesOnOneBot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	e.start()
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := e.srv.User(int64(7100+i), "Warga")
			must(t)(u.Send("/start"))
			must(t)(u.Tap("✅ Setuju"))
			for range 5 {
				must(t)(u.Send("/menu"))
			}
			if n := len(u.Messages()); n != 2+5 {
				t.Errorf("user %d: %d messages, want 7 (no update handled twice)", u.ID, n)
			}
			if n := len(u.Answers()); n != 1 {
				t.Errorf("user %d: %d callback answers, want 1", u.ID, n)
			}
		}()
	}
	wg.Wait()
}

// TestBlockedResidentIsMarkedAndLeftAlone: a 403 from Telegram marks the
// resident blocked and drops what was queued; unblocking brings them back.
func TestBlockedResidentIsMarkedAndLeftAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	u := e.srv.User(7003, "Dewi")
	must(t)(u.Send("/start"))
	must(t)(u.Block())
	if s := e.record(t, 7003); s["blocked"] != true {
		t.Fatalf("my_chat_member kicked must mark the resident blocked: %v", s)
	}
	sends := e.srv.Calls("sendMessage")
	must(t)(u.Unblock())
	if s := e.record(t, 7003); s["blocked"] == true {
		t.Fatalf("unblock must clear the mark: %v", s)
	}
	if e.srv.Calls("sendMessage") != sends {
		t.Fatal("the bot wrote to a resident who only unblocked it")
	}
	// Telegram says 403 on a reply: marked blocked, nothing retried.
	e.srv.FailNext("sendMessage", 403, 0, "Forbidden: bot was blocked by the user")
	must(t)(u.Send("/menu"))
	if s := e.record(t, 7003); s["blocked"] != true {
		t.Fatalf("a 403 must mark the resident blocked: %v", s)
	}
	if out, _ := e.rdb.LLen(context.Background(), redisstore.NewKeys(e.prefix).ChatOutbox(7003)).Result(); out != 0 {
		t.Fatalf("%d replies still queued for a resident who blocked the bot", out)
	}
}

// TestRetryAfterIsHonoured: a 429 delays the reply, it does not lose it.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	u := e.srv.User(7004, "Ani")
	e.srv.FailNext("sendMessage", 429, 1, "")
	must(t)(u.Send("/start"))
	if n := len(u.Messages()); n != 2 {
		t.Fatalf("after a 429 the replies must still arrive: %d messages", n)
	}
}

// TestStopsPromptlyDuringLongPoll: SIGTERM (context cancel) while a long
// poll is waiting stops the process within a second.
func TestStopsPromptlyDuringLongPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.start()
	u := e.srv.User(7005, "Tini")
	must(t)(u.Send("/start")) // the poller is now in a fresh long poll
	start := time.Now()
	p.stop(t)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("stopping took %s, want under 1s", d)
	}
}
