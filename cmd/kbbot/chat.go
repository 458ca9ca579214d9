package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot/app"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/bot/telegramtest"
)

// Demo values for the resident of `kbbot chat`.
const (
	chatUserID   = 62001
	chatUserName = "Sari"
	demoPhone    = "+6281234567890"
	// Alun-alun Kota Pekalongan, for a location shared without numbers.
	demoLat, demoLon = -6.8890, 109.6753
)

const chatHelp = `kbbot chat — you are a resident talking to kbbot, as in Telegram.
  Type a message and press Enter. Commands such as /start work as in Telegram.
  A number taps that button of the last messages.
  /sebagai bidan      be someone else: sari (the resident), admin, pkb, kader, bidan
                      (staff of Kec. Pekalongan Barat); /sebagai alone lists them
  /lokasi [lat lon]   share a location (default: Kota Pekalongan)
  /kontak [phone]     share your phone number
  /stiker             send a sticker
  /blokir, /buka      block and unblock the bot
  /waktu +1d          move the clock forward (+3h, +30m, +2d) to see reminders arrive
  /keluar             quit
Start with /start.
`

// chat runs the whole bot in this process against the fake Bot API server
// and lets the terminal act as one resident.
func chat(ctx context.Context, cfg app.Config, eventsFile string, stdin io.Reader, stdout io.Writer) error {
	var rdb redis.UniversalClient
	if cfg.RedisURL == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return fmt.Errorf("start embedded Redis: %w", err)
		}
		defer mr.Close()
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer rdb.Close()
	}
	var opts []telegramtest.Option
	if cfg.RedisURL != "" {
		// The chats' handled-update watermarks outlive this process in
		// that Redis (a day): update ids must go on growing across runs, as
		// Telegram's do, or a restarted chat's first messages would count
		// as handled already and go unanswered.
		opts = append(opts, telegramtest.WithFirstUpdateID(int(time.Now().UnixMilli())))
	}
	srv := telegramtest.New(opts...)
	defer srv.Close()
	cfg.APIURL, cfg.Token = srv.APIURL(), srv.Token()
	cfg.PollTimeout = 5 * time.Second
	// The local fake Telegram has no limits, and one person at a keyboard
	// should not wait a second between the bot's messages.
	cfg.SendChatInterval = -1
	// A scripted demo types faster than any person: no flood limit.
	cfg.FloodLimit = 0
	// The demo serves no operator: no HTTP listener, and any Redis will
	// do (KBBOT_REQUIRE_PERSISTENCE is for serve).
	cfg.HTTPAddr = ""
	cfg.RequirePersistence = false
	// The privacy notice names a controller; the terminal demo has none.
	if cfg.ControllerName == "" {
		cfg.ControllerName = "Demo kbbot (bukan layanan sungguhan)"
	}
	if cfg.ControllerContact == "" {
		cfg.ControllerContact = "demo@kbbot.invalid"
	}

	// The terminal can also be the demo's admin (/sebagai admin).
	cfg = withAdmin(cfg)

	// Only errors are logged, to stderr, so the conversation stays readable.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	clock := &movableClock{}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Redis: rdb, Clock: clock})
	if err != nil {
		return err
	}
	defer a.Close()
	// The bot confirms an update once accepted; the person at the
	// keyboard waits for the answer.
	srv.SetSettle(func() error { return a.WaitHandled(ctx, 30*time.Second) })
	if err := loadEvents(ctx, a, eventsFile, clock.Now(), stdout); err != nil {
		return err
	}
	if err := enrolStaff(ctx, a, cfg, clock.Now()); err != nil {
		return err
	}
	shelf, err := newFileShelf(stdout)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(runCtx) }()

	t := &terminal{srv: srv, user: srv.User(chatUserID, chatUserName), who: people[0], out: stdout, seen: map[int64]map[int]string{},
		app: a, clock: clock, ctx: runCtx, files: shelf}
	fmt.Fprint(stdout, chatHelp)
	go t.follow(runCtx)

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		t.prompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			return err
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			t.mu.Lock()
			t.prompted, t.busy = false, true
			t.mu.Unlock()
			quit := t.act(strings.TrimSpace(line))
			t.mu.Lock()
			t.busy = false
			t.mu.Unlock()
			if quit {
				return nil
			}
			t.render(false)
		}
	}
}

// terminal shows the resident's side of the chat as plain text.
type terminal struct {
	app   *app.App
	clock *movableClock
	ctx   context.Context
	srv   *telegramtest.Server
	out   io.Writer
	files *fileShelf

	mu sync.Mutex
	// user is the person at the keyboard now (/sebagai), who.
	user *telegramtest.User
	who  person
	// seen is what was shown of each message, per user and message id.
	seen     map[int64]map[int]string
	buttons  []tap // numbered buttons of the last messages shown
	prompted bool  // "> " is the last thing on screen
	busy     bool  // an action is in progress; it renders when done
}

type tap struct {
	msgID int
	btn   telegramtest.Button
	reply bool // a reply-keyboard button
}

// prompt shows "> " unless it is already the last thing on screen.
func (t *terminal) prompt() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.promptLocked()
}

func (t *terminal) promptLocked() {
	if !t.prompted {
		if t.who.role != "" {
			fmt.Fprint(t.out, t.who.key)
		}
		fmt.Fprint(t.out, "> ")
		t.prompted = true
	}
}

// follow redraws when the bot sends something on its own (e.g. a reminder).
func (t *terminal) follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.srv.Changes():
			t.mu.Lock()
			busy := t.busy
			t.mu.Unlock()
			if !busy {
				t.render(true)
			}
		}
	}
}

// act performs one line of input; it reports whether to quit.
func (t *terminal) act(line string) bool {
	var err error
	fields := strings.Fields(line)
	switch {
	case line == "":
		return false
	case line == "/keluar" || line == "/quit" || line == "/exit":
		return true
	case isNumber(line):
		err = t.tapNumber(line)
	case fields[0] == "/lokasi" || fields[0] == "/location":
		lat, lon := demoLat, demoLon
		if len(fields) == 3 {
			lat, err = strconv.ParseFloat(fields[1], 64)
			if err == nil {
				lon, err = strconv.ParseFloat(fields[2], 64)
			}
			if err != nil {
				err = fmt.Errorf("write the location as: /lokasi -6.889 109.675")
				break
			}
		}
		_, err = t.user.ShareLocation(lat, lon)
	case fields[0] == "/kontak" || fields[0] == "/contact":
		phone := demoPhone
		if len(fields) == 2 {
			phone = fields[1]
		}
		_, err = t.user.ShareContact(phone)
	case line == "/stiker" || line == "/sticker":
		_, err = t.user.SendSticker()
	case line == "/blokir" || line == "/block":
		_, err = t.user.Block()
		fmt.Fprintln(t.out, "(you blocked the bot; /buka unblocks it)")
	case fields[0] == "/sebagai" || fields[0] == "/as":
		t.become(strings.Join(fields[1:], " "))
	case fields[0] == "/waktu" || fields[0] == "/time":
		err = t.moveClock(fields[1:])
	case line == "/buka" || line == "/unblock":
		_, err = t.user.Unblock()
		fmt.Fprintln(t.out, "(you unblocked the bot)")
	default:
		_, err = t.user.Send(line)
	}
	if err != nil {
		fmt.Fprintf(t.out, "(%v)\n", err)
	}
	return false
}

func (t *terminal) tapNumber(s string) error {
	n, _ := strconv.Atoi(s)
	t.mu.Lock()
	if n < 1 || n > len(t.buttons) {
		t.mu.Unlock()
		return fmt.Errorf("there is no button %d", n)
	}
	b := t.buttons[n-1]
	t.mu.Unlock()
	var err error
	switch {
	case b.btn.RequestLocation:
		_, err = t.user.ShareLocation(demoLat, demoLon)
	case b.btn.RequestContact:
		_, err = t.user.ShareContact(demoPhone)
	case b.reply:
		_, err = t.user.Send(b.btn.Text)
	case b.btn.URL != "":
		fmt.Fprintf(t.out, "(opens %s)\n", b.btn.URL)
	default:
		_, err = t.user.TapData(b.msgID, b.btn.Data)
	}
	return err
}

// become makes the terminal the person named (/sebagai NAME), or lists
// the persons; the new person's chat shows what it holds unseen.
func (t *terminal) become(name string) {
	p, ok := personNamed(name)
	if !ok {
		if name != "" {
			fmt.Fprintf(t.out, "(no one called %q here)\n", name)
		}
		fmt.Fprint(t.out, peopleHelp())
		return
	}
	t.mu.Lock()
	t.user, t.who, t.buttons = t.srv.User(p.id, p.name), p, nil
	t.mu.Unlock()
	fmt.Fprintf(t.out, "(you are now %s, %s)\n", p.name, p.about)
	if p.role != "" {
		fmt.Fprintln(t.out, "(staff: /kader opens the staff menu; /hariini the day list on the service day)")
	}
}

// render prints the messages that are new or changed since the last call,
// numbering the buttons of the messages printed, and saves the files they
// carry.
func (t *terminal) render(async bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var printed bool
	seen := t.seen[t.user.ID]
	if seen == nil {
		seen = map[int]string{}
		t.seen[t.user.ID] = seen
	}
	for _, m := range t.user.Messages() {
		view := t.view(m)
		old, shown := seen[m.ID]
		if shown && old == view {
			continue
		}
		if !printed {
			if t.prompted {
				fmt.Fprintln(t.out)
			}
			t.prompted = false
			t.buttons = t.buttons[:0]
			printed = true
		}
		seen[m.ID] = view
		if shown {
			fmt.Fprintln(t.out, "✎ (message updated)")
		}
		text := m.Text
		for _, f := range []*telegramtest.File{m.Document, m.Photo} {
			if text == "" && f != nil {
				text = f.Caption
			}
		}
		fmt.Fprintln(t.out, "kbbot:", indent(plain(text)))
		for _, f := range []struct {
			icon string
			file *telegramtest.File
		}{{"📎", m.Document}, {"🖼", m.Photo}} {
			if f.file == nil {
				continue
			}
			where, err := t.files.save(t.user.ID, m.ID, f.file.Name, f.file.Data)
			if err != nil {
				where = err.Error()
			}
			fmt.Fprintf(t.out, "   %s %s (%d bytes): %s\n", f.icon, f.file.Name, len(f.file.Data), where)
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				t.buttons = append(t.buttons, tap{msgID: m.ID, btn: b})
				fmt.Fprintf(t.out, "   [%d] %s\n", len(t.buttons), b.Text)
			}
		}
		for _, row := range m.Keyboard {
			for _, b := range row {
				t.buttons = append(t.buttons, tap{msgID: m.ID, btn: b, reply: true})
				fmt.Fprintf(t.out, "   [%d] %s (keyboard)\n", len(t.buttons), b.Text)
			}
		}
	}
	if printed && async {
		t.promptLocked()
	}
}

func (t *terminal) view(m telegramtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, row := range m.Buttons {
		for _, btn := range row {
			b.WriteString("|" + btn.Text + "=" + btn.Data)
		}
	}
	return b.String()
}

// plain turns Telegram HTML into terminal text.
func plain(s string) string {
	r := strings.NewReplacer("<b>", "", "</b>", "", "<i>", "", "</i>", "", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&amp;", "&")
	return r.Replace(s)
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n       ") }

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// movableClock is the system clock plus an offset that /waktu moves, so
// that a new user sees reminders arrive without waiting for days.
type movableClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the moved time.
func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *movableClock) add(d time.Duration) time.Time {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	return c.Now()
}

// moveClock handles "/waktu +1d": it moves the clock, then runs the
// scheduler's sweep and the waitlist offers at once, as the cron would.
func (t *terminal) moveClock(args []string) error {
	if len(args) != 1 || !strings.HasPrefix(args[0], "+") {
		return fmt.Errorf("write it as /waktu +1d, /waktu +3h or /waktu +30m")
	}
	spec := strings.TrimPrefix(args[0], "+")
	var d time.Duration
	if n, err := strconv.Atoi(strings.TrimSuffix(spec, "d")); err == nil && strings.HasSuffix(spec, "d") && n > 0 {
		d = time.Duration(n) * 24 * time.Hour
	} else if pd, err := time.ParseDuration(spec); err == nil && pd > 0 {
		d = pd
	} else {
		return fmt.Errorf("write it as /waktu +1d, /waktu +3h or /waktu +30m")
	}
	now := t.clock.add(d)
	fmt.Fprintf(t.out, "(the time is now %s)\n", now.Format("Mon 2 Jan 2006 15:04 MST"))
	if err := t.app.ExpireOffers(t.ctx); err != nil {
		return err
	}
	res, err := t.app.Scheduler.Sweep(t.ctx)
	if err != nil {
		return err
	}
	_ = res
	return nil
}

// loadEvents puts the events the chat books into Redis: the given file, or
// else the embedded demo data moved to the coming days (once per Redis).
func loadEvents(ctx context.Context, a *app.App, file string, now time.Time, stdout io.Writer) error {
	var cat *booking.Catalog
	var err error
	if file != "" {
		if cat, err = readEvents(file); err != nil {
			return err
		}
	} else {
		existing, err := a.Bookings.Catalog(ctx)
		if err == nil && len(existing.Events()) > 0 {
			return nil
		}
		if cat, err = booking.Demo(now); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	rep, err := a.Import(ctx, cat)
	if err != nil {
		return fmt.Errorf("load events: %w", err)
	}
	if file != "" {
		printReport(stdout, file, rep)
	}
	return nil
}
