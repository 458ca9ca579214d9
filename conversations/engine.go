package conversations

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
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
const NoticeVersion = 4

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
	// learnMenus caches the buttons of the learning menu per language and
	// form of address ("<lang>/<bapak>" -> [][]kbbot.Button): they depend
	// on the library only, which never changes once loaded. Replies share them: nothing may
	// change a reply's buttons after the step.
	learnMenus sync.Map
	// keyboards caches the keyboards step.keyboard builds.
	kbMu      sync.RWMutex
	keyboards map[keyboardKey][][]kbbot.Button
}

// keyboardKey names a keyboard in a language and form of address.
type keyboardKey struct {
	name  string
	lang  content.Lang
	bapak bool
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
	retry    bool     // a store failed: the event must come again
	before   *Session // the session before a command reset its flow
	// sourceList: the step shows the list of sources, whose ids stay
	// (other texts' inline tags become one «Sumber» line).
	sourceList bool
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
	for i := range st.out {
		// Inline source tags ("[HB11]") become one «Sumber» line a
		// message; the list of sources itself shows its ids.
		if !st.sourceList {
			st.out[i].Text = st.e.lib.GatherSources(st.lang(), st.out[i].Text)
		}
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
	if st.areaCheck() {
		defer st.confirmArea()
	}
	switch ev.Kind {
	case kbbot.EventCommand:
		st.command(ev.Command, strings.TrimSpace(ev.Args))
	case kbbot.EventCallback:
		st.callback(ev.Data)
	case kbbot.EventText:
		st.text(strings.TrimSpace(ev.Text))
	case kbbot.EventMedia:
		// A photo may be a broadcast being composed; a document an
		// admin's events file (import.go).
		if f, ok := st.runningFlow(); ok {
			if m, ok := f.(mediaFlow); ok && m.Media(st) {
				return
			}
		}
		if importDocument(st) {
			return
		}
		st.send(st.t("media_unsupported"), st.menuButton())
	case kbbot.EventEdited:
		st.send(st.t("edited_ignored"), nil)
	case kbbot.EventLocation:
		if f, ok := st.runningFlow(); ok {
			if l, ok := f.(locationFlow); ok && l.Location(st, ev.Lat, ev.Lon) {
				return
			}
		}
		st.send(st.t("share_unexpected"), st.menuButton())
	case kbbot.EventContact:
		if f, ok := st.runningFlow(); ok {
			if c, ok := f.(contactFlow); ok && c.Contact(st, ev.Phone, ev.OwnPhone) {
				return
			}
		}
		st.send(st.t("share_unexpected"), st.menuButton())
	default:
		st.send(st.t("not_understood"), st.menuButton())
	}
}

// command runs a command. The global ones (start, cancel, help, language,
// privacy, stop and resume) win over any flow; the others open the flow
// that declares them.
func (st *step) command(cmd, args string) {
	switch cmd {
	case "start":
		st.start(args)
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
	case "berhenti", "stop":
		st.stopReminders()
	case "mulai", "resume":
		st.resumeReminders()
	case "privasi", "privacy":
		st.send(st.privacyNotice(), st.menuButton())
	default:
		if f, ok := flowCommand(cmd); ok {
			// The flow starts afresh; a command the chat may not use
			// puts back the flow it was in (unknownCommand).
			before := *st.s
			st.before = &before
			st.s.resetFlow()
			f.Start(st, args)
			return
		}
		st.unknownCommand("/" + cmd)
	}
}

// unknownCommand answers a command the chat does not have: none at all,
// or a staff command to a resident. The flow the chat was in goes on.
func (st *step) unknownCommand(cmd string) {
	if st.before != nil {
		*st.s = *st.before
	}
	st.send(st.t("unknown_command", cmd), st.menuButton())
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

// callback routes a button tap through the flow registry, which checks
// route, arguments, step, nonce and staff right in one place. Unknown,
// malformed or stale data gets "this button has expired" and the menu; it
// never acts.
func (st *step) callback(raw string) {
	cb, ok := parseCallback(raw)
	if !ok {
		st.expired()
		return
	}
	st.inPlace = st.ev.MessageID != 0
	if !st.routeFlow(cb.action, cb.args) {
		st.expired()
	}
}

// text handles free text: within a flow the flow decides; otherwise it is a
// question for the education search.
func (st *step) text(t string) {
	if t == "" {
		st.send(st.t("not_understood"), st.menuButton())
		return
	}
	if f, ok := st.runningFlow(); ok && f.Text(st, t) {
		return
	}
	if st.smallTalk(t) {
		return
	}
	if pregnancyText(t) && st.r.Pregnancy == nil && st.r.Consented() {
		st.offerKBPP()
		return
	}
	st.search(t)
	if birthText(t) && (st.r.Pregnancy == nil || st.r.Pregnancy.Born.IsZero()) && st.r.Consented() {
		st.offerKBPPBirth()
	}
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

// notice is the privacy notice key (consent_ask) filled in with the
// controller and the retention periods of the configuration.
func (st *step) notice(key string) string {
	n := st.e.svc.Notice
	return st.t(key, n.Controller, n.Contact,
		int(n.BookingRetention.Hours()/24), int(n.RecordRetention.Hours()/24/30), int(n.SessionTTL.Hours()/24))
}

// privacyNotice is the full privacy notice: as notice, the backup window
// (8 days when not configured) and the lifetime of Tanya bidan questions
// (60 days when not set).
func (st *step) privacyNotice() string {
	n := st.e.svc.Notice
	backup := n.BackupDays
	if backup <= 0 {
		backup = 8
	}
	tickets := n.TicketDays
	if tickets <= 0 {
		tickets = 60
	}
	return st.t("privacy_full", n.Controller, n.Contact,
		int(n.BookingRetention.Hours()/24), int(n.RecordRetention.Hours()/24/30), int(n.SessionTTL.Hours()/24), backup, tickets)
}

// lang is the resident's language.
func (st *step) lang() content.Lang { return content.Lang(st.r.Lang) }

// t is the text of key in the resident's language, with args filled in.
// String arguments (and Stringers) are escaped for Telegram's HTML; an
// argument of type markup is HTML already and passes as it is.
func (st *step) t(key string, args ...any) string {
	text := st.e.lib.UI.T(st.lang(), key, escapeArgs(args)...)
	if st.bapak() && !keepsIbu(key) {
		text = content.ToBapak(text)
	}
	return text
}

// bapak reports whether the resident is addressed as "Bapak": the texts,
// written to "Ibu", are rewritten for him (content.ToBapak).
func (st *step) bapak() bool {
	return st.r.Sapaan == string(content.SapaanBapak) && st.lang() == content.ID
}

// keepsIbu reports whether the UI text key keeps "Ibu" for a resident
// called Bapak: the KB pasca persalinan pathway and its reminders, and the
// reminders about a woman's own method (its aftercare, the next injection
// or pill pack, the check-up, the implant's end), speak to the woman
// herself, whoever reads them ("Bapak bisa hamil lagi" and "implan Bapak"
// would be nonsense); the form-of-address texts name "Ibu" on purpose.
func keepsIbu(key string) bool {
	for _, p := range []string{"kbpp_", "btn_kbpp", "rem_kbpp_", "sapaan_", "btn_sapaan_"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return womansMethodTexts[key]
}

// womansMethodTexts are the reminders about a method a woman's body
// receives: kept as written to "Ibu" for a resident called Bapak. Those of
// the condom and MOP, and the general aftercare, speak to him.
var womansMethodTexts = map[string]bool{
	"rem_aftercare_pil": true, "rem_aftercare_minipil": true, "rem_aftercare_suntik1": true,
	"rem_aftercare_suntik3": true, "rem_aftercare_implan": true, "rem_aftercare_iud": true,
	"rem_aftercare_mow": true, "rem_aftercare_mal": true,
	"rem_suntik3": true, "rem_suntik1": true, "rem_pil": true, "rem_checkup": true, "rem_implan_end": true,
}

// inferSapaan keeps a form of address guessed from an answer (a man
// answering the quiz; the group "ibu hamil"), unless one was told or
// guessed before.
func (st *step) inferSapaan(s content.Sapaan) {
	if st.r.Sapaan == "" {
		st.r.Sapaan = string(s)
	}
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

// keyboard returns the keyboard called name in the resident's language
// and form of address, which build makes from the library's texts alone:
// it is built once per engine (the library never changes once loaded) and
// shared by the replies of every step. Its rows are clipped, so that
// appending to it or to a row copies; nothing may change a reply's
// buttons in place.
func (st *step) keyboard(name string, build func() [][]kbbot.Button) [][]kbbot.Button {
	k := keyboardKey{name: name, lang: st.lang(), bapak: st.bapak()}
	e := st.e
	e.kbMu.RLock()
	rows, ok := e.keyboards[k]
	e.kbMu.RUnlock()
	if ok {
		return rows
	}
	rows = slices.Clip(build())
	for i := range rows {
		rows[i] = slices.Clip(rows[i])
	}
	e.kbMu.Lock()
	defer e.kbMu.Unlock()
	if e.keyboards == nil {
		e.keyboards = map[keyboardKey][][]kbbot.Button{}
	}
	e.keyboards[k] = rows
	return rows
}

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
