package conversations_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/resident"
)

// The staff of these tests. Chat 1 is the admin named in configuration.
const (
	rAdmin    kbbot.ChatID = 1
	rResident kbbot.ChatID = 50
)

var (
	// Areas of the official list, with their Kemendagri codes.
	rBarat = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Code: "33.75.01"}
	rTimur = cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Timur", Code: "33.75.02"}
)

// roleWorld runs the engine with an in-memory staff store, keeping each
// chat's session between steps as the dispatcher would. The Redis staff
// store has its own tests (redisstore), and the staff flows theirs end to
// end on Redis (app).
type roleWorld struct {
	t        *testing.T
	e        *conversations.Engine
	store    *fakes.Staff
	sessions map[kbbot.ChatID]*conversations.Session
	records  map[kbbot.ChatID]*resident.Record
	now      time.Time
	nonces   int
}

func newRoleWorld(t *testing.T) *roleWorld {
	t.Helper()
	w := &roleWorld{t: t, sessions: map[kbbot.ChatID]*conversations.Session{}, records: map[kbbot.ChatID]*resident.Record{}, now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	w.store = fakes.NewStaff(rAdmin)
	w.store.Refusals = dialogRefusals
	cat, err := booking.Demo(w.now)
	if err != nil {
		t.Fatal(err)
	}
	w.e = conversations.NewEngine(library(t), func() string { w.nonces++; return fmt.Sprintf("n%d", w.nonces) }, conversations.Services{
		Catalog:     func(context.Context) (*booking.Catalog, error) { return cat, nil },
		Staff:       w.store,
		Roles:       w.store,
		Audit:       w.store,
		BotUsername: "kbbot_test",
		Log:         quiet,
	})
	return w
}

func (w *roleWorld) step(ev kbbot.Event) []kbbot.Reply {
	w.t.Helper()
	s := w.sessions[ev.ChatID]
	res := w.e.Step(context.Background(), s, w.records[ev.ChatID], ev, w.now)
	if res.Retry || res.Session == nil {
		w.t.Fatalf("step %+v: retry %v, session %v", ev, res.Retry, res.Session)
	}
	w.sessions[ev.ChatID] = res.Session
	w.records[ev.ChatID] = res.Record
	return res.Replies
}

// send sends text or a /command from chat.
func (w *roleWorld) send(chat kbbot.ChatID, text string) []kbbot.Reply {
	w.t.Helper()
	ev := kbbot.Event{Kind: kbbot.EventText, ChatID: chat, UserID: int64(chat), Text: text, FirstName: fmt.Sprintf("User%d", chat)}
	if strings.HasPrefix(text, "/") {
		cmd, args, _ := strings.Cut(text[1:], " ")
		ev.Kind, ev.Command, ev.Args = kbbot.EventCommand, cmd, args
	}
	return w.step(ev)
}

// tapData taps a button with data from chat, on message 10.
func (w *roleWorld) tapData(chat kbbot.ChatID, d string) []kbbot.Reply {
	w.t.Helper()
	return w.step(kbbot.Event{Kind: kbbot.EventCallback, ChatID: chat, UserID: int64(chat), CallbackID: "cb", Data: d, MessageID: 10, FirstName: fmt.Sprintf("User%d", chat)})
}

// tap taps the button labelled label among replies.
func (w *roleWorld) tap(chat kbbot.ChatID, replies []kbbot.Reply, label string) []kbbot.Reply {
	w.t.Helper()
	if d := buttonData(replies, label); d != "" {
		return w.tapData(chat, d)
	}
	w.t.Fatalf("no button %q in %s", label, dump(replies))
	return nil
}

func buttonData(replies []kbbot.Reply, label string) string {
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == label {
					return b.Data
				}
			}
		}
	}
	return ""
}

func labels(replies []kbbot.Reply) []string {
	var out []string
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				out = append(out, b.Label)
			}
		}
	}
	return out
}

func dump(replies []kbbot.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		fmt.Fprintf(&b, "\n[%s] %q %v", r.Kind, r.Text, labels([]kbbot.Reply{r}))
	}
	return b.String()
}

func texts(replies []kbbot.Reply) string {
	var out []string
	for _, r := range replies {
		if r.Kind != kbbot.ReplyAnswer {
			out = append(out, r.Text)
		}
	}
	return strings.Join(out, "\n---\n")
}

func (w *roleWorld) ui(key string, args ...any) string {
	return library(w.t).UI.T(content.ID, key, args...)
}

// codeIn finds the invite code in the text of an invite.
func codeIn(t *testing.T, replies []kbbot.Reply) string {
	t.Helper()
	txt := texts(replies)
	i := strings.Index(txt, "start=k-")
	if i < 0 {
		t.Fatalf("no invite link in %q", txt)
	}
	code := txt[i+len("start=k-"):]
	if j := strings.IndexAny(code, " \n<"); j >= 0 {
		code = code[:j]
	}
	return code
}

// join makes chat a member with role in area through an admin's invite.
func (w *roleWorld) join(chat kbbot.ChatID, r cadre.Role, a cadre.Area) {
	w.t.Helper()
	code, err := w.store.CreateInvite(context.Background(), cadre.Member{Chat: rAdmin, Role: cadre.Admin}, r, a, w.now.Add(time.Hour), w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	if got := texts(w.send(chat, "/kader "+code)); !strings.Contains(got, "Selamat bergabung") {
		w.t.Fatalf("redeem: %q", got)
	}
}

func (w *roleWorld) expired(replies []kbbot.Reply) bool {
	return strings.Contains(texts(replies), w.ui("button_expired"))
}

// TestResidentNeverSeesStaffCommands: for a resident every staff command
// answers exactly like an unknown command, every staff button is expired,
// and the menu has no staff entry.
func TestResidentNeverSeesStaffCommands(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	for _, cmd := range []string{"kader", "cadre", "undang", "invite", "tim", "team", "audit"} {
		got := w.send(rResident, "/"+cmd)
		want := w.send(rResident, "/zzz")
		if len(got) != 1 || texts(got) != strings.Replace(texts(want), "/zzz", "/"+cmd, 1) ||
			fmt.Sprint(labels(got)) != fmt.Sprint(labels(want)) {
			t.Errorf("/%s for a resident: %s\nwant as an unknown command: %s", cmd, dump(got), dump(want))
		}
	}
	for _, d := range []string{"k:menu", "k:inv", "k:team", "k:aud", "inv:role:pkb:n1", "inv:kab:0:n1", "inv:kec:0:n1", "inv:all:n1",
		"inv:days:7:n1", "team:rm:0:n1", "team:yes:n1", "bc:new", "q:ci", "q:rk", "q:qr"} {
		if got := w.tapData(rResident, d); !w.expired(got) {
			t.Errorf("a resident's tap on %q: %s; want 'this button has expired'", d, dump(got))
		}
	}
	menu := w.send(rResident, "/menu")
	for _, l := range labels(menu) {
		if l == w.ui("staff_menu_button") {
			t.Fatal("a resident's menu offers the staff menu")
		}
	}
	if es, _ := w.store.AuditLog(context.Background(), cadre.Area{}, 10); len(es) != 0 {
		t.Fatalf("a resident's taps wrote audit entries: %+v", es)
	}
}

// TestAdminInvitesPKB walks the invite flow of an admin and the redemption
// by deep link; the code works once only.
func TestAdminInvitesPKB(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	r := w.send(rAdmin, "/undang")
	if got := fmt.Sprint(labels(r)); !strings.HasPrefix(got, "[PKB/PLKB Kader KB Tim Pendamping Keluarga Bidan") {
		t.Fatalf("an admin may invite every role but admin: %s", got)
	}
	r = w.tap(rAdmin, r, "PKB/PLKB")
	r = w.tap(rAdmin, r, "Kota Pekalongan")
	if got := labels(r); len(got) < 4 || got[0] != "Pekalongan Barat" {
		t.Fatalf("kecamatan from the catalog: %v", got)
	}
	r = w.tap(rAdmin, r, "Pekalongan Barat")
	r = w.tap(rAdmin, r, w.ui("btn_invite_whole_kec"))
	if !strings.Contains(texts(r), "<b>PKB/PLKB</b> untuk <b>Pekalongan Barat, Kota Pekalongan</b>") {
		t.Fatalf("expiry question: %s", dump(r))
	}
	r = w.tap(rAdmin, r, "3 hari")
	code := codeIn(t, r)
	txt := texts(r)
	for _, want := range []string{"https://t.me/kbbot_test?start=k-" + code, "/kader " + code, code[:5] + "-" + code[5:], "Kamis, 26 November 2026, 09.00 WIB"} {
		if !strings.Contains(txt, want) {
			t.Fatalf("invite lacks %q: %q", want, txt)
		}
	}
	// The invitee opens the link: /start k-<code>.
	r = w.send(100, "/start k-"+code)
	if !strings.Contains(texts(r), "<b>PKB/PLKB</b> untuk <b>Pekalongan Barat, Kota Pekalongan</b>") || buttonData(r, w.ui("staff_menu_button")) != "k:menu" {
		t.Fatalf("redeem by link: %s", dump(r))
	}
	m, ok, _ := w.store.Member(context.Background(), 100)
	if !ok || m.Role != cadre.PKB || m.Area != rBarat || m.Name != "User100" {
		t.Fatalf("member: %+v %v", m, ok)
	}
	// Once only.
	if got := texts(w.send(101, "/kader "+code)); got != w.ui("redeem_used") {
		t.Fatalf("second redeem: %q", got)
	}
	if _, ok, _ := w.store.Member(context.Background(), 101); ok {
		t.Fatal("a used code made a second member")
	}
	// The new PKB's main menu has the staff menu.
	if buttonData(w.send(100, "/menu"), w.ui("staff_menu_button")) != "k:menu" {
		t.Fatal("a member's main menu lacks the staff menu")
	}
	// Audit: the invite and the redemption, newest first.
	es, err := w.store.AuditLog(context.Background(), cadre.Area{}, 10)
	if err != nil || len(es) != 2 || es[0].Action != "redeem" || es[0].Actor != 100 || es[1].Action != cadre.ActInvite || es[1].Actor != rAdmin || es[1].Area != rBarat {
		t.Fatalf("audit: %+v %v", es, err)
	}
}

// TestPKBInvitesOnlyWithinTheirArea: a PKB of Pekalongan Barat cannot make
// a PKB, cannot choose another kecamatan (not offered; forged buttons are
// expired), and the invite's area lies within theirs.
func TestPKBInvitesOnlyWithinTheirArea(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	const pkb kbbot.ChatID = 200
	w.join(pkb, cadre.PKB, rBarat)
	r := w.send(pkb, "/undang")
	if got := fmt.Sprint(labels(r)); !strings.HasPrefix(got, "[Kader KB Tim Pendamping Keluarga Bidan "+w.ui("staff_menu_button")) {
		t.Fatalf("a PKB invites kader, TPK and bidan only: %s", got)
	}
	nonce := w.sessions[pkb].Nonce
	for _, d := range []string{"inv:role:pkb:" + nonce, "inv:role:admin:" + nonce} {
		if !w.expired(w.tapData(pkb, d)) {
			t.Fatalf("forged %q was not refused", d)
		}
	}
	r = w.send(pkb, "/undang")
	nonce = w.sessions[pkb].Nonce
	r = w.tap(pkb, r, "Kader KB")
	// No kabupaten or kecamatan question: the kecamatan is the PKB's own.
	if !strings.Contains(texts(r), "kecamatan <b>Pekalongan Barat</b>") {
		t.Fatalf("want the kelurahan question of Pekalongan Barat: %s", dump(r))
	}
	for _, d := range []string{"inv:kec:0:" + nonce, "inv:kec:1:" + nonce, "inv:kab:0:" + nonce} {
		if !w.expired(w.tapData(pkb, d)) {
			t.Fatalf("forged %q was not refused", d)
		}
		r = w.send(pkb, "/undang")
		nonce = w.sessions[pkb].Nonce
		r = w.tap(pkb, r, "Kader KB")
	}
	r = w.send(pkb, "Bendan <Kergon>")
	if texts(r) != w.ui("invite_place_invalid") {
		t.Fatalf("markup in a place name: %s", dump(r))
	}
	// A typed kelurahan offers the places of the list within the PKB's
	// kecamatan; a Kampung KB is taken as typed.
	r = w.send(pkb, "  bendan   kergn ")
	r = w.tap(pkb, r, "Bendan Kergon — Pekalongan Barat, Kota Pekalongan")
	r = w.send(pkb, "Kampung KB Melati")
	r = w.tap(pkb, r, "7 hari")
	code := codeIn(t, r)
	m, err := w.store.Redeem(context.Background(), code, 201, "Wati", w.now)
	want := cadre.Area{Kabupaten: "Kota Pekalongan", Kecamatan: "Pekalongan Barat", Kelurahan: "Bendan Kergon", KampungKB: "Kampung KB Melati", Code: "33.75.01.1006"}
	if err != nil || m.Role != cadre.Kader || m.Area != want || !rBarat.Contains(m.Area) {
		t.Fatalf("invite of the PKB: %+v %v", m, err)
	}
	// The PKB's team: their area only.
	w.join(202, cadre.Kader, rTimur)
	r = w.send(pkb, "/tim")
	if txt := texts(r); !strings.Contains(txt, "• Wati — Kader KB") || strings.Contains(txt, "User202") || strings.Contains(txt, "201") || strings.Contains(txt, "➖") {
		t.Fatalf("team of the PKB (no remove buttons, Pekalongan Timur not shown): %s", dump(r))
	}
	// Not the audit log.
	if got := texts(w.send(pkb, "/audit")); got != w.ui("role_not_allowed", "PKB/PLKB") {
		t.Fatalf("/audit for a PKB: %q", got)
	}
}

// TestKaderCannotInvite: a kader's staff menu lists what a kader may do,
// with the other flows' buttons; inviting, the team and the audit log are
// refused by command, button and forged data.
func TestKaderCannotInvite(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	const kader kbbot.ChatID = 300
	w.join(kader, cadre.Kader, rBarat)
	r := w.send(kader, "/kader")
	got := map[string]string{}
	for _, rep := range r {
		for _, row := range rep.Buttons {
			for _, b := range row {
				got[b.Data] = b.Label
			}
		}
	}
	for _, d := range []string{"bc:new", "daftarkan", "q:ci", "q:rk", "q:qr", "menu"} {
		if got[d] == "" {
			t.Errorf("the kader's staff menu lacks %q: %v", d, got)
		}
	}
	for _, d := range []string{"k:inv", "k:team", "k:aud"} {
		if got[d] != "" {
			t.Errorf("the kader's staff menu offers %q", d)
		}
	}
	if txt := texts(r); !strings.Contains(txt, "Kader KB") || !strings.Contains(txt, "Pekalongan Barat, Kota Pekalongan") {
		t.Errorf("staff menu: %q", txt)
	}
	refused := w.ui("role_not_allowed", "Kader KB")
	for _, cmd := range []string{"/undang", "/tim", "/audit"} {
		if got := texts(w.send(kader, cmd)); got != refused {
			t.Errorf("%s for a kader: %q", cmd, got)
		}
	}
	for _, d := range []string{"k:inv", "k:team", "k:aud"} {
		if got := texts(w.tapData(kader, d)); got != refused {
			t.Errorf("%s for a kader: %q", d, got)
		}
	}
	for _, d := range []string{"inv:role:kader:n1", "inv:role:tpk:" + w.sessions[kader].Nonce, "inv:days:7:n1", "team:rm:0:n1", "team:yes:n1"} {
		if !w.expired(w.tapData(kader, d)) {
			t.Errorf("forged %q for a kader was not refused", d)
		}
	}
	// A bidan sees today's list, check-in, residents' questions and rekap only.
	w.join(301, cadre.Bidan, rBarat)
	r = w.send(301, "/kader")
	var ds []string
	for _, rep := range r {
		for _, row := range rep.Buttons {
			for _, b := range row {
				ds = append(ds, b.Data)
			}
		}
	}
	if fmt.Sprint(ds) != "[hr q:ci jwb q:rk menu]" {
		t.Errorf("bidan's staff menu: %v", ds)
	}
}

// TestInviteExpiresAndRefusals: the clock passes an invite's expiry; an
// unknown code, an admin's and the creator's own redemption are refused
// without using it.
func TestInviteExpiresAndRefusals(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	r := w.send(rAdmin, "/undang")
	r = w.tap(rAdmin, r, "Bidan")
	r = w.tap(rAdmin, r, "Kota Pekalongan")
	r = w.tap(rAdmin, r, "Pekalongan Utara")
	r = w.tap(rAdmin, r, w.ui("btn_invite_whole_kec"))
	r = w.tap(rAdmin, r, "1 hari")
	code := codeIn(t, r)
	if got := texts(w.send(rAdmin, "/kader "+code)); got != w.ui("redeem_admin") {
		t.Fatalf("an admin redeeming: %q", got)
	}
	// Another code: the same but for its last character.
	wrong := code[:len(code)-1] + "X"
	if strings.HasSuffix(code, "X") {
		wrong = code[:len(code)-1] + "Y"
	}
	if got := texts(w.send(400, "/kader "+wrong)); got != w.ui("redeem_unknown") {
		t.Fatalf("unknown code: %q", got)
	}
	if got := texts(w.send(400, "/kader <b>hi</b>")); got != w.ui("redeem_unknown") {
		t.Fatalf("garbage code: %q", got)
	}
	w.now = w.now.Add(24 * time.Hour)
	if got := texts(w.send(400, "/start k-"+code)); got != w.ui("redeem_expired") {
		t.Fatalf("expired code: %q", got)
	}
	if _, ok, _ := w.store.Member(context.Background(), 400); ok {
		t.Fatal("an expired code made a member")
	}
}

// TestAdminTeamAndAudit: an admin lists the team, removes a member (who
// then is a resident again) and reads the audit log; entries are escaped.
func TestAdminTeamAndAudit(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	w.join(500, cadre.Kader, rTimur)
	w.join(501, cadre.TPK, rBarat)
	if err := w.store.Audit(context.Background(), cadre.AuditEntry{At: w.now, Actor: 501, Role: cadre.TPK, Action: cadre.ActBroadcast, Area: rBarat,
		Detail: "sent|b1|12|2026-11-23T02:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Audit(context.Background(), cadre.AuditEntry{At: w.now, Actor: 501, Role: cadre.TPK, Action: cadre.ActBroadcast, Area: rBarat, Detail: "<script>"}); err != nil {
		t.Fatal(err)
	}
	r := w.send(rAdmin, "/tim")
	if txt := texts(r); !strings.Contains(txt, "• User500 — Kader KB") || !strings.Contains(txt, "• User501 — Tim Pendamping Keluarga") || strings.Contains(txt, "500)") {
		t.Fatalf("admin's team: %s", dump(r))
	}
	r = w.tap(rAdmin, r, "➖ User500 (Kader KB)")
	r = w.tap(rAdmin, r, w.ui("btn_team_remove_yes"))
	if texts(r) != w.ui("team_removed") {
		t.Fatalf("remove: %s", dump(r))
	}
	if got := w.send(500, "/kader"); !strings.Contains(texts(got), "/kader") || !strings.Contains(texts(got), "tidak saya kenal") {
		t.Fatalf("a removed member still sees staff commands: %s", dump(got))
	}
	r = w.send(rAdmin, "/audit")
	txt := texts(r)
	for _, want := range []string{"mencabut keanggotaan bekas anggota", "&lt;script&gt;", "pengumuman untuk sekitar 12 warga, dikirim 23/11 09.00", "bergabung dengan undangan dari Admin", "membuat undangan sebagai Kader KB",
		"Pekalongan Timur, Kota Pekalongan", "User501 (Tim Pendamping Keluarga)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("audit log lacks %q:\n%s", want, txt)
		}
	}
	// Staff are named, never numbered.
	for _, id := range []string{" 500 ", " 501 ", " 1 ", "dari 1"} {
		if strings.Contains(txt, id) {
			t.Errorf("the audit log shows a Telegram id (%q):\n%s", id, txt)
		}
	}
	if strings.Contains(txt, "<script>") {
		t.Error("an audit detail is not escaped")
	}
	if !strings.HasPrefix(html.UnescapeString(txt), "🗂") {
		t.Errorf("audit title: %q", txt)
	}
}

// TestRoleButtonsBoundToTheirFlow: the buttons of an invite or a team list
// work only while that flow runs at their step, with its nonce; typed text
// where a button is wanted gets the hint.
func TestRoleButtonsBoundToTheirFlow(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	w.join(600, cadre.Kader, rTimur)
	team := w.send(rAdmin, "/tim")
	remove := buttonData(team, "➖ User600 (Kader KB)")
	if !strings.HasPrefix(remove, "team:rm:0:") {
		t.Fatalf("remove button: %q", remove)
	}
	inv := w.send(rAdmin, "/undang")
	if got := texts(w.send(rAdmin, "PKB")); got != w.ui("invite_use_buttons") {
		t.Fatalf("typed text at the role question: %q", got)
	}
	// The team list is gone with its flow: its button has expired.
	if !w.expired(w.tapData(rAdmin, remove)) {
		t.Fatal("a team button worked in the invite flow")
	}
	if _, ok, _ := w.store.Member(context.Background(), 600); !ok {
		t.Fatal("a stale button removed a member")
	}
	// So has the invite's role button, once the invite is left.
	if !w.expired(w.tapData(rAdmin, buttonData(inv, "Bidan"))) {
		t.Fatal("an invite button worked after the invite was left")
	}
	// Out of the list shown: expired.
	w.send(rAdmin, "/tim")
	nonce := w.sessions[rAdmin].Nonce
	if !w.expired(w.tapData(rAdmin, "team:rm:1:"+nonce)) {
		t.Fatal("a remove button beyond the list worked")
	}
	// At the list, the confirmation is not yet asked.
	w.send(rAdmin, "/tim")
	if !w.expired(w.tapData(rAdmin, "team:yes:"+w.sessions[rAdmin].Nonce)) {
		t.Fatal("a removal worked without its confirmation")
	}
	if _, ok, _ := w.store.Member(context.Background(), 600); !ok {
		t.Fatal("a forged button removed a member")
	}
}

// TestStaffButtonWhileStoreIsDown: when the staff store cannot be reached,
// a staff button says so (store_failed), not "expired", and acts on
// nothing; once the store is back the same button works.
func TestStaffButtonWhileStoreIsDown(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	r := w.send(rAdmin, "/undang")
	d := buttonData(r, "PKB/PLKB")
	if d == "" {
		t.Fatalf("no role button: %s", dump(r))
	}
	w.store.Fail(errors.New("redis down"))
	got := w.tapData(rAdmin, d)
	if w.expired(got) || !strings.Contains(texts(got), w.ui("store_failed")) {
		t.Fatalf("with the store down the tap should say so: %s", dump(got))
	}
	w.store.Fail(nil)
	if got := w.tapData(rAdmin, d); w.expired(got) || !strings.Contains(fmt.Sprint(labels(got)), "Kota Pekalongan") {
		t.Fatalf("with the store back the button works: %s", dump(got))
	}
}

// TestStaffCommandKeepsAResidentsFlow: a resident who types a staff
// command in the middle of a flow is told it is unknown, and the flow goes
// on: its button still works.
func TestStaffCommandKeepsAResidentsFlow(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	const resident kbbot.ChatID = 900
	r := w.send(resident, "/hapusdata")
	yes := buttonData(r, w.ui("btn_erase_no"))
	if yes == "" {
		t.Fatalf("no erase question: %s", dump(r))
	}
	for _, cmd := range []string{"/audit", "/siaran", "/rekap", "/hapuspeserta", "/daftarkan", "/undang"} {
		got := w.send(resident, cmd)
		if !strings.Contains(texts(got), w.ui("unknown_command", cmd)) {
			t.Fatalf("%s: want unknown command: %s", cmd, dump(got))
		}
	}
	if got := w.tapData(resident, yes); w.expired(got) || !strings.Contains(texts(got), w.ui("erase_kept")) {
		t.Fatalf("the erase question should still stand: %s", dump(got))
	}
}

// residentCommands are the registered commands meant for residents. Every
// other command a flow registers is a staff command: a new one is covered
// by TestNoStaffCommandRevealsItself without being listed anywhere.
var residentCommands = map[string]bool{
	"menu": true, "daftar": true, "book": true, "pesanan": true, "bookings": true, "pengingat": true, "reminders": true,
	"dataku": true, "mydata": true, "hapusdata": true, "deletedata": true, "wilayah": true, "tanya": true, "ask": true, "hamil": true, "kbpp": true,
}

// TestNoStaffCommandRevealsItself walks every command the flows register
// that is not a resident's, and every button route that needs a staff
// right (and /daftarkan's): a resident gets exactly the unknown-command
// answer and the expired-button answer, and nothing is audited.
func TestNoStaffCommandRevealsItself(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	staff := 0
	for _, cmd := range conversations.RegisteredCommands() {
		if residentCommands[cmd] {
			continue
		}
		staff++
		got := w.send(rResident, "/"+cmd)
		want := w.send(rResident, "/zzz")
		if len(got) != 1 || texts(got) != strings.Replace(texts(want), "/zzz", "/"+cmd, 1) ||
			fmt.Sprint(labels(got)) != fmt.Sprint(labels(want)) {
			t.Errorf("/%s for a resident: %s\nwant as an unknown command: %s", cmd, dump(got), dump(want))
		}
	}
	if staff < 10 {
		t.Fatalf("only %d staff commands found; the walk is not reaching the flows", staff)
	}
	buttons := append(conversations.StaffButtons(), "daftarkan", "book:cadre")
	t.Logf("%d staff commands, %d staff buttons", staff, len(buttons))
	if len(buttons) < 20 {
		t.Fatalf("only %d staff buttons found; the walk is not reaching the flows", len(buttons))
	}
	for _, d := range buttons {
		if got := w.tapData(rResident, d); !w.expired(got) {
			t.Errorf("a resident's tap on %q: %s; want 'this button has expired'", d, dump(got))
		}
	}
	if es, _ := w.store.AuditLog(context.Background(), cadre.Area{}, 10); len(es) != 0 {
		t.Fatalf("a resident's commands and taps wrote audit entries: %+v", es)
	}
}
