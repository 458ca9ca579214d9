package app_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

var update = flag.Bool("update", false, "rewrite golden transcripts with what the bot does now")

// A transcript is a readable spec of a flow. Lines starting with "> " are
// what the person acting does (the resident Sari, until "[as Name]"
// switches); everything else is what people see after it, as the test
// recorded it:
//
//	> /start                      send a text or command
//	> [tap] ✅ Setuju             tap the inline button with this label
//	> [tapdata] m:xyz             tap a forged button on the last message
//	> [location] -6.88 109.67     share a location
//	> [contact] +62812...         share one's own phone number
//	> [sticker] | [voice] | [photo] | [document]
//	> [file] acara.xlsx           send an events file (importFile: acara.xlsx, acara.csv, rusak.xlsx, ...)
//	> [edit] new text             edit one's last message
//	> [block] | [unblock]
//	> [group] text                a message in a group the resident is in
//	> [channel] text              a post in a channel the bot is in
//	> [tap~] Puskesmas Bendan     tap the newest button whose label starts so
//	> [clock] 2026-11-25T09:00Z   set the clock (tests start 2026-11-23 09:00 WIB)
//	> [sweep]                     run one reminder sweep
//	> [broadcasts]                run the broadcast sender once (the scheduler's job)
//	> [import] new-event          an admin imports a new KB serentak at Puskesmas Bendan, 10 days on
//	> [announce]                  run the "Kabari saya" job once (AnnounceEvents), then a sweep
//	> [as Rina]                   from now on Rina acts (a new fake user on first use)
//	> /kader {code}               {code} is replaced by the newest invite code shown
//
// Header lines "# setup: ..." prepare the run: "# setup: demo" loads the
// demo events first; "# setup: past" loads them 30 days in the past (the
// places exist, nothing takes bookings); "# setup: admin" makes Sari an
// admin (KBBOT_ADMIN_IDS). They may stand on one line ("# setup: demo admin").
//
// Sari is user 81001; each other person gets the next id (81002, 81003...)
// in the order "[as Name]" first names them, so runs are repeatable.
//
// Output lines: "< " a new message, "~ " a message edited in place,
// "  [label]" its buttons, "  {label}" reply-keyboard buttons, "! " a
// callback answer (toast), "# " a note (e.g. nothing happened). A message
// in someone else's chat than the one acting names them: "< (Rina) ...";
// these come after the actor's own, person by person. Files and photos
// show as "(file NAME, N bytes) caption" and "(photo NAME, N bytes) caption".
//
// Invite codes are random, so each shows as "{code}" (also in the deep
// link); typing "{code}" in an action sends the real one. Booking codes
// come from a seeded generator and show as they are.
//
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
	setup := map[string]bool{}
	for _, l := range header {
		if rest, ok := strings.CutPrefix(l, "# setup:"); ok {
			for _, w := range strings.Fields(rest) {
				setup[w] = true
			}
		}
	}
	e := newEnv(t)
	if setup["admin"] {
		e.cfg.Admins = []int64{transcriptFirstID}
	}
	p := e.start()
	if setup["demo"] {
		importDemo(t, e, p)
	}
	if setup["past"] {
		importPastDemo(t, e, p)
	}
	rec := &recorder{t: t, e: e, p: p, srv: e.srv, seen: map[msgKey]string{}, answers: map[int64]int{}}
	rec.act("Sari")
	var out strings.Builder
	for _, l := range header {
		out.WriteString(l + "\n")
	}
	for _, a := range actions {
		out.WriteString("> " + a + "\n")
		if err := rec.do(a); err != nil {
			t.Fatalf("%s: action %q: %v", file, a, err)
		}
		ch := rec.changes()
		if strings.HasPrefix(a, "[as ") && ch == noReply {
			// Switching who acts shows nothing by itself.
			continue
		}
		out.WriteString(ch)
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

// transcriptFirstID is Sari's user id; other people follow it.
const transcriptFirstID = 81001

const noReply = "# (no reply)\n"

// msgKey names a message: ids count per chat.
type msgKey struct {
	chat int64
	id   int
}

// recorder acts as the people of a transcript and records what changed
// after each action.
type recorder struct {
	t    *testing.T
	e    *env
	p    *process
	user *telegramtest.User // who acts now
	srv  *telegramtest.Server
	seen map[msgKey]string
	// answers counts the callback answers already shown, per user.
	answers map[int64]int
	// people are everyone who acted, in order of appearance.
	people []*telegramtest.User
	// code is the newest invite code shown; codes are all those shown.
	code  string
	codes []string
}

// act makes the person named name the one acting, creating them with the
// next id on first use.
func (r *recorder) act(name string) {
	for _, u := range r.people {
		if u.FirstName == name {
			r.user = u
			return
		}
	}
	r.user = r.srv.User(transcriptFirstID+int64(len(r.people)), name)
	r.people = append(r.people, r.user)
}

func (r *recorder) do(a string) error {
	verb, arg := "", a
	if strings.HasPrefix(a, "[") {
		end := strings.Index(a, "]")
		verb, arg = a[1:end], strings.TrimSpace(a[end+1:])
	}
	if name, ok := strings.CutPrefix(verb, "as "); ok && arg == "" {
		verb, arg = "as", strings.TrimSpace(name)
	}
	if strings.Contains(arg, "{code}") {
		if r.code == "" {
			return fmt.Errorf("{code}: no invite code was shown yet")
		}
		arg = strings.ReplaceAll(arg, "{code}", r.code)
	}
	var err error
	switch verb {
	case "as":
		if arg == "" {
			return fmt.Errorf("[as Name] needs a name")
		}
		r.act(arg)
	case "broadcasts":
		err = r.p.App.SendBroadcasts(context.Background())
	case "import":
		if arg != "new-event" {
			return fmt.Errorf("[import] knows only new-event, not %q", arg)
		}
		cat, perr := booking.Parse(strings.NewReader(newEventYAML(r.e.clock.Now(), 10)), "baru.yaml")
		if perr != nil {
			return perr
		}
		_, err = r.p.App.Import(context.Background(), cat)
	case "announce":
		if err = r.p.App.AnnounceEvents(context.Background()); err == nil {
			sweep(r.t, r.p)
		}
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
	case "file":
		data, mime := importFile(r.t, r.e, arg)
		_, err = r.user.SendFile(arg, mime, data, "")
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

// changes renders what is new since the last call: the callback answers
// and messages of the one acting, then the messages of the others, then
// those in groups.
func (r *recorder) changes() string {
	var b strings.Builder
	answers := r.user.Answers()
	for _, a := range answers[r.answers[r.user.ID]:] {
		if a.Text != "" {
			fmt.Fprintf(&b, "! %s\n", a.Text)
		}
	}
	r.answers[r.user.ID] = len(answers)
	r.messages(&b, r.user, "")
	for _, u := range r.people {
		if u != r.user {
			r.messages(&b, u, "("+u.FirstName+") ")
		}
	}
	for _, m := range r.srv.Sent() {
		if m.ChatID < 0 {
			key := msgKey{m.ChatID, m.ID}
			if _, ok := r.seen[key]; !ok {
				r.seen[key] = m.Text
				fmt.Fprintf(&b, "< (group %d) %s\n", m.ChatID, m.Plain())
			}
		}
	}
	if b.Len() == 0 {
		return noReply
	}
	return b.String()
}

// messages renders the new and edited messages in u's chat, each marked
// with who (empty for the one acting).
func (r *recorder) messages(b *strings.Builder, u *telegramtest.User, who string) {
	for _, m := range u.Messages() {
		r.learnCodes(m.Text)
		view := r.mask(render(m))
		key := msgKey{u.ID, m.ID}
		old, ok := r.seen[key]
		if ok && old == view {
			continue
		}
		r.seen[key] = view
		mark := "< "
		if ok {
			mark = "~ "
		}
		b.WriteString(mark + who + strings.ReplaceAll(view, "\n", "\n  ") + "\n")
	}
}

// inviteCodeRE finds the invite code in the bot's message that shows it:
// in the deep link and in the /kader command it suggests.
var inviteCodeRE = regexp.MustCompile(`(?:\?start=k-|/kader )([0-9A-Z]{10})\b`)

// learnCodes notes the invite codes in a message the bot sent; a code
// not seen before becomes the one "{code}" types.
func (r *recorder) learnCodes(text string) {
	for _, m := range inviteCodeRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(r.codes, m[1]) {
			r.code = m[1]
			r.codes = append(r.codes, m[1])
		}
	}
}

// mask shows every invite code seen as "{code}", whole or in the
// two groups the bot shows it in (ABCDE-FGHJK).
func (r *recorder) mask(view string) string {
	for _, c := range r.codes {
		view = strings.ReplaceAll(view, c[:5]+"-"+c[5:], "{code}")
		view = strings.ReplaceAll(view, c, "{code}")
	}
	return view
}

func render(m telegramtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Plain())
	// A photo or file comes before its buttons.
	for _, f := range []struct {
		kind string
		file *telegramtest.File
	}{{"photo", m.Photo}, {"file", m.Document}} {
		if f.file == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		caption := telegramtest.Message{Text: f.file.Caption, ParseMode: m.ParseMode}.Plain()
		b.WriteString("(" + f.kind + " " + f.file.Name + ", " + strconv.Itoa(len(f.file.Data)) + " bytes) " + caption)
	}
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
