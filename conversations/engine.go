package conversations

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/resident"
)

// Flows a resident can be in.
const (
	flowConsent = "consent" // welcome and consent
	flowErase   = "erase"   // /hapusdata confirmation
)

// NoticeVersion is the version of the privacy notice (content keys
// consent_ask and privacy_full). Bump it with every change of the notice:
// residents who agreed to an older one are asked again. notice_test.go
// fails when the notice text changes without a bump.
const NoticeVersion = 2

// groupNoteEvery is how often a group is told, at most, to chat privately.
const groupNoteEvery = time.Hour

// Engine is the dialog: from (session, event, now) to the next session and
// the replies to send. It keeps no state of its own and knows nothing of
// Telegram or Redis: the flows that book places or plan reminders reach
// their stores through the interfaces in Services.
type Engine struct {
	lib   *content.Library
	nonce func() string
	svc   Services
}

// NewEngine returns an engine speaking the texts of lib. nonce returns a
// fresh short random string ([a-z0-9], at most 8 bytes) for binding buttons
// to a flow. svc may be the zero value: the flows needing a store then say
// they are not available.
func NewEngine(lib *content.Library, nonce func() string, svc Services) *Engine {
	if svc.Log == nil {
		svc.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{lib: lib, nonce: nonce, svc: svc}
}

// Result is what one step produced.
type Result struct {
	// Session is the session to store; nil when Erase is set.
	Session *Session
	// Record is the resident record to store; nil when Erase is set.
	Record *resident.Record
	// Replies are sent in order.
	Replies []kbbot.Reply
	// Erase asks to delete everything held about the resident.
	Erase bool
	// Retry says a store needed for the event could not be reached: nothing
	// is to be committed and the event should be delivered again.
	Retry bool
}

// step is the working state of one Step call.
type step struct {
	ctx      context.Context
	e        *Engine
	s        *Session
	r        *resident.Record
	ev       kbbot.Event
	now      time.Time
	out      []kbbot.Reply
	answer   *kbbot.Reply
	wipe     bool
	inPlace  bool // a reply may edit the tapped message
	answered bool
	retry    bool // a store failed: the event must come again
}

// Step handles one event of a chat whose dialog stands at s and whose
// resident has record r (nil for a resident never seen). It never fails:
// anything unexpected, a store that cannot be reached included, gets a
// clear answer and the menu.
func (e *Engine) Step(ctx context.Context, s *Session, r *resident.Record, ev kbbot.Event, now time.Time) Result {
	if s == nil {
		s = NewSession()
	}
	if r == nil {
		r = resident.New(string(content.ID))
	}
	if _, ok := content.ParseLang(r.Lang); !ok {
		r.Lang = string(content.ID)
	}
	st := &step{ctx: ctx, e: e, s: s, r: r, ev: ev, now: now}
	st.handle()
	if ev.Kind == kbbot.EventCallback && !st.answered {
		st.toast("")
	}
	replies := st.out
	if st.answer != nil {
		replies = append([]kbbot.Reply{*st.answer}, replies...)
	}
	if st.retry {
		return Result{Retry: true}
	}
	if st.wipe {
		return Result{Replies: replies, Erase: true}
	}
	s.Version = SchemaVersion
	s.UpdatedAt = now.UTC()
	r.Flow = s.Flow
	r.UpdatedAt = now.UTC()
	return Result{Session: s, Record: r, Replies: replies}
}

func (st *step) handle() {
	ev := st.ev
	switch ev.Kind {
	case kbbot.EventBlocked:
		st.blocked() // the block rule (block.go)
		return
	case kbbot.EventUnblocked:
		st.unblocked()
		return
	case kbbot.EventGroup:
		st.groupNote()
		return
	}
	if ev.Kind == kbbot.EventReminder {
		st.reminder(ev.Reminder)
		return
	}
	// A message from a resident who had blocked the bot means they are back.
	st.unblocked()
	if st.retry {
		return
	}
	// A flow whose session expired is told in one line, then the menu
	// (commands go on to what they ask).
	if st.s.Flow == "" && st.r.Flow != "" && ev.Kind != kbbot.EventCommand {
		st.r.Flow = ""
		st.inPlace = false
		st.toast(st.t("flow_expired"))
		st.send(st.t("flow_expired"), nil)
		st.menu()
		return
	}
	if ev.Kind == kbbot.EventCommand && st.s.Flow == "" && st.r.Flow != "" {
		st.r.Flow = ""
		st.send(st.t("flow_expired"), nil)
	}
	// The plain words stop, berhenti and mulai act like the commands, in
	// every step of every flow.
	if ev.Kind == kbbot.EventText {
		switch strings.ToLower(strings.TrimSpace(ev.Text)) {
		case "stop", "berhenti":
			st.stopReminders()
			return
		case "mulai":
			st.resumeReminders()
			return
		}
	}
	// A resident who agreed to an older privacy notice is asked again
	// before anything else; the commands of their rights always work.
	if st.r.NeedsRenewal(NoticeVersion) && st.s.Flow != flowConsent && !rightsCommand(ev) {
		st.inPlace = false
		st.toast("")
		st.send(st.t("consent_renew"), nil)
		st.askConsent()
		return
	}
	switch ev.Kind {
	case kbbot.EventCommand:
		st.command(ev.Command, strings.TrimSpace(ev.Args))
	case kbbot.EventCallback:
		st.callback(ev.Data)
	case kbbot.EventText:
		st.text(strings.TrimSpace(ev.Text))
	case kbbot.EventMedia:
		// A photo may be a broadcast being composed (broadcast.go).
		if st.broadcastMedia() {
			return
		}
		st.send(st.t("media_unsupported"), st.menuButton())
	case kbbot.EventEdited:
		st.send(st.t("edited_ignored"), nil)
	case kbbot.EventLocation:
		if st.s.Flow == flowBook && st.s.Step == stepWhere {
			st.bookNear(ev.Lat, ev.Lon)
			return
		}
		st.send(st.t("share_unexpected"), st.menuButton())
	case kbbot.EventContact:
		if st.s.Flow == flowBook && st.s.Step == stepPhone {
			st.bookPhone(ev.Phone, ev.OwnPhone)
			return
		}
		st.send(st.t("share_unexpected"), st.menuButton())
	default:
		st.send(st.t("not_understood"), st.menuButton())
	}
}

// command runs a global command; these win over any flow.
func (st *step) command(cmd, args string) {
	switch cmd {
	case "start":
		st.start(args)
	case "menu":
		st.s.resetFlow()
		st.menu()
	case "batal", "cancel":
		had := st.s.Flow != ""
		st.s.resetFlow()
		if had {
			st.send(st.t("cancelled"), nil)
		} else {
			st.send(st.t("nothing_to_cancel"), nil)
		}
		st.menu()
	case "bantuan", "help":
		st.help()
	case "bahasa", "language", "lang":
		st.language(args)
	case "hapusdata", "deletedata":
		st.askErase()
	case "berhenti", "stop":
		st.stopReminders()
	case "mulai", "resume":
		st.resumeReminders()
	case "pesanan", "bookings":
		st.s.resetFlow()
		st.orders()
	case "daftar", "book":
		st.s.resetFlow()
		st.bookStart("")
	case "daftarkan":
		st.s.resetFlow()
		st.cadreBookStart()
	case "pengingat", "reminders":
		st.s.resetFlow()
		st.courseStart()
	case "privasi", "privacy":
		st.send(st.notice("privacy_full"), [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}})
	default:
		if f, ok := flowCommand(cmd); ok {
			st.s.resetFlow()
			f.Start(st, args)
			return
		}
		if st.staffCommand(cmd, args) {
			return
		}
		st.send(st.t("unknown_command", "/"+cmd), st.menuButton())
	}
}

// start greets and, for a resident who has not answered yet, asks consent.
func (st *step) start(payload string) {
	// A staff invite link, /start k-<code> (roles.go), redeems the code.
	if st.startInvite(payload) {
		return
	}
	if p := sanitizePayload(payload); p != "" {
		st.s.StartPayload = p
	}
	st.s.resetFlow()
	if st.r.Consent == ConsentUnknown {
		st.send(st.t("welcome"), nil)
		st.askConsent()
		return
	}
	st.send(st.t("welcome_back"), nil)
	if st.deepLink() {
		return
	}
	st.menu()
}

// sanitizePayload keeps a deep-link payload only when it has the shape
// Telegram allows (A-Z, a-z, 0-9, _ and -, up to 64 characters).
func sanitizePayload(p string) string {
	if len(p) == 0 || len(p) > 64 {
		return ""
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return ""
		}
	}
	return p
}

func (st *step) askConsent() {
	st.s.Flow, st.s.Step, st.s.Nonce = flowConsent, "ask", st.e.nonce()
	n := st.s.Nonce
	st.send(st.notice("consent_ask"), [][]kbbot.Button{
		{st.btn("btn_consent_yes", data(cbConsent, "yes", n))},
		{st.btn("btn_consent_no", data(cbConsent, "no", n))},
		{st.btn("btn_privacy_full", data(cbConsent, "info", n))},
		{{Label: st.other("btn_switch_lang"), Data: data(cbLang, string(st.otherLang()))}},
	})
}

func (st *step) consent(args []string) {
	choice, nonce := args[0], args[1]
	if st.s.Flow != flowConsent || nonce != st.s.Nonce {
		st.expired()
		return
	}
	switch choice {
	case "yes":
		st.r.Consent, st.r.ConsentAt, st.r.NoticeVersion = ConsentGiven, st.now.UTC(), NoticeVersion
		next := st.s.Data[dNext]
		st.s.resetFlow()
		st.toast(st.t("consent_thanks_toast"))
		if next != "" {
			st.show(st.t("consent_given"), nil)
			st.inPlace = false
			switch {
			case next == nextOrders:
				st.orders()
			case next == nextCourse:
				st.courseStart()
			case strings.HasPrefix(next, nextBook):
				st.bookStart(strings.TrimPrefix(next, nextBook+":"))
			}
			return
		}
		if st.s.StartPayload != "" {
			st.show(st.t("consent_given"), nil)
			st.inPlace = false
			if st.deepLink() {
				return
			}
		}
		st.show(st.t("consent_given")+"\n\n"+st.t("menu_title"), st.menuButtons())
	case "no":
		if st.r.Personal() {
			// Saying no to a changed notice withdraws the consent given
			// before: that is /hapusdata, confirmed first.
			st.inPlace = false
			st.askErase()
			return
		}
		st.r.Consent, st.r.ConsentAt, st.r.NoticeVersion = ConsentDeclined, st.now.UTC(), NoticeVersion
		st.s.resetFlow()
		st.show(st.t("consent_declined")+"\n\n"+st.t("menu_title"), st.menuButtons())
	case "info":
		st.show(st.notice("privacy_full"), [][]kbbot.Button{
			{st.btn("btn_consent_yes", data(cbConsent, "yes", nonce))},
			{st.btn("btn_consent_no", data(cbConsent, "no", nonce))},
		})
	default:
		st.expired()
	}
}

func (st *step) menu() {
	st.show(st.t("menu_title"), st.menuButtons())
}

func (st *step) menuButtons() [][]kbbot.Button {
	rows := [][]kbbot.Button{
		{st.btn("menu_learn", data(cbMenuItem, itemLearn))},
		{st.btn("menu_events", data(cbMenuItem, itemEvents))},
		{st.btn("menu_orders", data(cbMenuItem, itemOrders)), st.btn("menu_help", data(cbMenuItem, itemHelp))},
		{st.btn("menu_course", data(cbRemind, remCourse))},
	}
	// Residents who consented tell their area and group (broadcast_area.go).
	if st.r.Consented() && st.e.svc.Broadcasts != nil {
		rows = append(rows, []kbbot.Button{st.btn("menu_area", data(cbBroadcast, arOpen))})
	}
	// Staff rows (roles.go): the cadre booking of the configured cadre
	// list, and the staff menu for staff members.
	rows = append(rows, st.staffMenuRows()...)
	return rows
}

func (st *step) menuButton() [][]kbbot.Button {
	return [][]kbbot.Button{{st.btn("btn_menu", data(cbMenu))}}
}

func (st *step) help() {
	st.show(st.t("help"), [][]kbbot.Button{
		{st.btn("btn_privacy_full", data(cbPrivacy))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// language switches at once with an argument, or offers the choice.
func (st *step) language(arg string) {
	if l, ok := content.ParseLang(strings.ToLower(arg)); ok {
		st.r.Lang = string(l)
		st.send(st.t("lang_set"), nil)
		st.menu()
		return
	}
	if arg != "" {
		st.send(st.t("lang_unknown", arg), nil)
	}
	st.show(st.t("lang_choose"), [][]kbbot.Button{{
		{Label: "Bahasa Indonesia", Data: data(cbLang, string(content.ID))},
		{Label: "English", Data: data(cbLang, string(content.EN))},
	}})
}

func (st *step) askErase() {
	st.s.Flow, st.s.Step, st.s.Nonce = flowErase, "confirm", st.e.nonce()
	st.send(st.t("erase_confirm"), [][]kbbot.Button{
		{st.btn("btn_erase_yes", data(cbErase, "yes", st.s.Nonce))},
		{st.btn("btn_erase_no", data(cbErase, "no", st.s.Nonce))},
	})
}

func (st *step) erase(args []string) {
	choice, nonce := args[0], args[1]
	if st.s.Flow != flowErase || nonce != st.s.Nonce {
		st.expired()
		return
	}
	if choice == "yes" {
		st.wipe = true
		st.show(st.t("erase_done"), nil)
		return
	}
	st.s.resetFlow()
	st.show(st.t("erase_kept")+"\n\n"+st.t("menu_title"), st.menuButtons())
}

// callback routes a button tap. Unknown, malformed or stale data gets
// "this button has expired" and the menu; it never acts.
func (st *step) callback(raw string) {
	cb, ok := parseCallback(raw)
	if !ok {
		st.expired()
		return
	}
	st.inPlace = st.ev.MessageID != 0
	switch cb.action {
	case cbMenu:
		st.s.resetFlow()
		st.menu()
	case cbMenuItem:
		st.menuItem(cb.args[0])
	case cbConsent:
		st.consent(cb.args)
	case cbLang:
		l, ok := content.ParseLang(cb.args[0])
		if !ok {
			st.expired()
			return
		}
		st.r.Lang = string(l)
		st.toast(st.t("lang_set"))
		if st.s.Flow == flowConsent {
			// Ask again, in the new language, in place of the old question.
			st.inPlace = false
			st.askConsent()
			return
		}
		st.menu()
	case cbErase:
		st.erase(cb.args)
	case cbPrivacy:
		st.show(st.notice("privacy_full"), st.menuButton())
	case cbLearn:
		st.learn(cb.args)
	case cbBook:
		st.bookCallback(cb.args)
	case cbRemind:
		st.remindCallback(cb.args)
	case cbRole, cbBroadcast, cbReport:
		st.staffCallback(cb.action, cb.args)
	case cbNoop:
	default:
		if !st.routeFlow(cb.action, cb.args) {
			st.expired()
		}
	}
}

func (st *step) menuItem(item string) {
	switch item {
	case itemLearn:
		st.s.resetFlow()
		st.learnMenu()
	case itemEvents:
		st.s.resetFlow()
		st.bookStart("")
	case itemOrders:
		st.s.resetFlow()
		st.orders()
	case itemHelp:
		st.help()
	case itemCourse:
		st.s.resetFlow()
		st.courseStart()
	default:
		st.expired()
	}
}

// needConsent explains that booking stores personal data and offers
// consent again; after a yes the resident goes on to what they wanted.
func (st *step) needConsent(next string) {
	st.inPlace = false
	st.send(st.t("consent_needed"), nil)
	st.askConsent()
	st.s.set(dNext, next)
}

// After consent, the flow the resident was heading to (Session.Data).
const (
	dNext      = "next"
	nextBook   = "book"
	nextOrders = "orders"
	nextCourse = "course"
)

// text handles free text: within a flow the flow decides; otherwise it is a
// question for the education search.
func (st *step) text(t string) {
	if t == "" {
		st.send(st.t("not_understood"), st.menuButton())
		return
	}
	if st.staffText(t) {
		return
	}
	if f, ok := flowNamed(st.s.Flow); ok && f.Text(st, t) {
		return
	}
	switch st.s.Flow {
	case flowBook:
		if st.bookText(t) {
			return
		}
	case flowCourse:
		if st.courseText(t) {
			return
		}
	case flowConsent:
		n := st.s.Nonce
		st.send(st.t("consent_use_buttons"), [][]kbbot.Button{
			{st.btn("btn_consent_yes", data(cbConsent, "yes", n))},
			{st.btn("btn_consent_no", data(cbConsent, "no", n))},
			{st.btn("btn_privacy_full", data(cbConsent, "info", n))},
		})
		return
	case flowErase:
		st.send(st.t("erase_use_buttons"), nil)
		return
	}
	st.search(t)
}

func (st *step) groupNote() {
	if !st.s.GroupNoteAt.IsZero() && st.now.Sub(st.s.GroupNoteAt) < groupNoteEvery {
		return
	}
	st.s.GroupNoteAt = st.now.UTC()
	st.send(st.t("group_note"), nil)
}

// expired answers a tap on a button that no longer works, then shows the menu.
func (st *step) expired() {
	st.s.resetFlow()
	st.toast(st.t("button_expired"))
	st.inPlace = false
	st.send(st.t("button_expired"), nil)
	st.menu()
}

// Reply builders.

// notice is the privacy notice key (consent_ask or privacy_full) filled
// in with the controller and the retention periods of the configuration.
func (st *step) notice(key string) string {
	n := st.e.svc.Notice
	return st.t(key, n.Controller, n.Contact,
		int(n.BookingRetention.Hours()/24), int(n.RecordRetention.Hours()/24/30), int(n.SessionTTL.Hours()/24))
}

// lang is the resident's language.
func (st *step) lang() content.Lang { return content.Lang(st.r.Lang) }

// t is the text of key in the resident's language, with args filled in.
// String arguments (and Stringers) are escaped for Telegram's HTML; an
// argument of type markup is HTML already and passes as it is.
func (st *step) t(key string, args ...any) string {
	return st.e.lib.UI.T(st.lang(), key, escapeArgs(args)...)
}

// other returns key in the language the resident is not using.
func (st *step) other(key string) string { return st.e.lib.UI.T(st.otherLang(), key) }

func (st *step) otherLang() content.Lang {
	if st.lang() == content.EN {
		return content.ID
	}
	return content.EN
}

func (st *step) btn(key, d string) kbbot.Button { return kbbot.Button{Label: st.t(key), Data: d} }

// send adds a new message.
func (st *step) send(text string, buttons [][]kbbot.Button) {
	st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplySend, ChatID: st.ev.ChatID, Text: text, Buttons: buttons})
}

// show edits the tapped message in place when the event is a button tap on
// a message (the first show of a step only), and sends a new one otherwise.
func (st *step) show(text string, buttons [][]kbbot.Button) {
	if st.inPlace {
		st.inPlace = false
		st.out = append(st.out, kbbot.Reply{Kind: kbbot.ReplyEdit, ChatID: st.ev.ChatID, EditID: st.ev.MessageID, Text: text, Buttons: buttons})
		return
	}
	st.send(text, buttons)
}

// toast answers the callback query, once.
func (st *step) toast(text string) {
	if st.ev.Kind != kbbot.EventCallback || st.answered {
		return
	}
	st.answered = true
	st.answer = &kbbot.Reply{Kind: kbbot.ReplyAnswer, ChatID: st.ev.ChatID, CallbackID: st.ev.CallbackID, Text: text}
}

// rightsCommand reports whether ev is a command a resident uses to
// exercise their rights, which works even before a changed privacy notice
// is answered.
func rightsCommand(ev kbbot.Event) bool {
	if ev.Kind != kbbot.EventCommand {
		return false
	}
	switch ev.Command {
	case "hapusdata", "deletedata", "dataku", "mydata", "privasi", "privacy", "berhenti", "stop", "mulai", "resume", "bahasa", "language", "lang", "bantuan", "help":
		return true
	}
	return false
}
