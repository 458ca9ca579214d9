package app_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/bot/telegramtest"
)

var update = flag.Bool("update", false, "rewrite golden transcripts with what the bot does now")

// A transcript is a readable spec of a flow. Lines starting with "> " are
// what the resident does; everything else is what the resident sees after
// it, as the test recorded it:
//
//	> /start                      send a text or command
//	> [tap] ✅ Setuju             tap the inline button with this label
//	> [tapdata] m:xyz             tap a forged button on the last message
//	> [location] -6.88 109.67     share a location
//	> [contact] +62812...         share one's own phone number
//	> [sticker] | [voice] | [photo] | [document]
//	> [edit] new text             edit one's last message
//	> [block] | [unblock]
//	> [group] text                a message in a group the resident is in
//	> [channel] text              a post in a channel the bot is in
//	> [tap~] Puskesmas Bendan     tap the newest button whose label starts so
//	> [clock] 2026-11-25T09:00Z   set the clock (tests start 2026-11-23 09:00 WIB)
//	> [sweep]                     run one reminder sweep
//
// A header line "# setup: demo" loads the demo events first.
//
// Output lines: "< " a new message, "~ " a message edited in place,
// "  [label]" its buttons, "  {label}" reply-keyboard buttons, "! " a
// callback answer (toast), "# " a note (e.g. nothing happened).
// Run `go test ./app -run Transcripts -update` to rewrite the files after
// a deliberate change, then read the diff.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, file)
		})
	}
}

func runTranscript(t *testing.T, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var header, actions []string
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	inHeader := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "> ") {
			inHeader = false
			actions = append(actions, strings.TrimPrefix(line, "> "))
		} else if inHeader {
			header = append(header, line)
		}
	}
	e := newEnv(t)
	p := e.start()
	if strings.Contains(strings.Join(header, "\n"), "# setup: demo") {
		importDemo(t, e, p)
	}
	rec := &recorder{t: t, e: e, p: p, user: e.srv.User(81001, "Sari"), srv: e.srv, seen: map[int]string{}}
	var out strings.Builder
	for _, l := range header {
		out.WriteString(l + "\n")
	}
	for _, a := range actions {
		out.WriteString("> " + a + "\n")
		if err := rec.do(a); err != nil {
			t.Fatalf("%s: action %q: %v", file, a, err)
		}
		out.WriteString(rec.changes())
	}
	got := out.String()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != string(raw) {
		t.Errorf("%s: the bot's answers differ from the transcript (rerun with -update and read the diff):\n%s", file, diff(string(raw), got))
	}
}

// recorder acts as the resident and records what changed after each action.
type recorder struct {
	t       *testing.T
	e       *env
	p       *process
	user    *telegramtest.User
	srv     *telegramtest.Server
	seen    map[int]string
	answers int
	lastOwn int
}

func (r *recorder) do(a string) error {
	verb, arg := "", a
	if strings.HasPrefix(a, "[") {
		end := strings.Index(a, "]")
		verb, arg = a[1:end], strings.TrimSpace(a[end+1:])
	}
	var err error
	switch verb {
	case "":
		_, err = r.user.Send(arg)
	case "tap":
		_, err = r.user.Tap(arg)
	case "tap~":
		tapPrefix(r.t, r.user, arg)
	case "clock":
		at, err := time.Parse("2006-01-02T15:04Z", arg)
		if err != nil {
			return err
		}
		r.e.clock.Set(at)
	case "sweep":
		sweep(r.t, r.p)
	case "tapdata":
		last, ok := r.user.Last()
		if !ok {
			return fmt.Errorf("no message to tap on")
		}
		_, err = r.user.TapData(last.ID, arg)
	case "location":
		var lat, lon float64
		if _, err := fmt.Sscan(arg, &lat, &lon); err != nil {
			return err
		}
		_, err = r.user.ShareLocation(lat, lon)
	case "contact":
		_, err = r.user.ShareContact(arg)
	case "sticker":
		_, err = r.user.SendSticker()
	case "voice":
		_, err = r.user.SendVoice()
	case "photo":
		_, err = r.user.SendPhoto()
	case "document":
		_, err = r.user.SendDocument()
	case "edit":
		_, err = r.user.Edit(1, arg)
	case "block":
		_, err = r.user.Block()
	case "unblock":
		_, err = r.user.Unblock()
	case "group":
		_, err = r.srv.GroupMessage(-100123, r.user.ID, arg)
	case "channel":
		// kbbot does not ask for channel posts (allowed_updates): Telegram
		// never delivers them, which the fake server reports as an error.
		if _, err := r.srv.ChannelPost(-100999, arg); err != nil && !strings.Contains(err.Error(), "allowed_updates") {
			return err
		}
	default:
		return fmt.Errorf("unknown action %q", verb)
	}
	return err
}

// changes renders what is new since the last call.
func (r *recorder) changes() string {
	var b strings.Builder
	answers := r.user.Answers()
	for _, a := range answers[r.answers:] {
		if a.Text != "" {
			fmt.Fprintf(&b, "! %s\n", a.Text)
		}
	}
	r.answers = len(answers)
	for _, m := range r.user.Messages() {
		view := render(m)
		old, ok := r.seen[m.ID]
		if ok && old == view {
			continue
		}
		r.seen[m.ID] = view
		mark := "< "
		if ok {
			mark = "~ "
		}
		b.WriteString(mark + strings.ReplaceAll(view, "\n", "\n  ") + "\n")
	}
	for _, m := range r.srv.Sent() {
		if m.ChatID < 0 {
			key := -1000000 - m.ID
			if _, ok := r.seen[key]; !ok {
				r.seen[key] = m.Text
				fmt.Fprintf(&b, "< (group %d) %s\n", m.ChatID, m.Plain())
			}
		}
	}
	if b.Len() == 0 {
		return "# (no reply)\n"
	}
	return b.String()
}

func render(m telegramtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Plain())
	for _, row := range m.Buttons {
		b.WriteString("\n")
		for i, btn := range row {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString("[" + btn.Text + "]")
		}
	}
	for _, row := range m.Keyboard {
		b.WriteString("\n")
		for _, btn := range row {
			b.WriteString("{" + btn.Text + "}")
		}
	}
	if m.Document != nil {
		b.WriteString("(file " + m.Document.Name + ", " + strconv.Itoa(len(m.Document.Data)) + " bytes) " + m.Document.Caption)
	}
	return b.String()
}

// diff shows the first lines that differ, with a little context.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return ""
}
