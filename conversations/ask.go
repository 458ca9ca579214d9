package conversations

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/cadre"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/tickets"
)

// Tanya bidan: a resident writes a question; it goes, as a ticket with
// the context her consent covers, to the staff of her area: the bidan
// first, then the PKB/PLKB, then an admin, each level after
// Services.TicketEscalate working hours without an answer. Staff see open
// questions (/pertanyaan, and a message when one comes to them), answer in
// the bot, and the resident gets the answer in her chat, where she closes
// the question or asks another. The bot writes no answer itself.
//
// Messages to other chats go as reminders of their own chats (the
// scheduler's due items): KindTicket to a staff member, KindTicketAnswer
// and KindTicketEscalate to the resident. So each is sent once, within the
// limits, not at night, by the step of the chat it is for.
//
// Resident buttons: ask (open), ask:cancel:<nonce>, ask:close:<id>:<key>
// (bound to the resident by her ButtonKey). Staff buttons (cadre.ActAnswer):
// jwb (the list), jwb:v:<id>, jwb:a:<id>, jwb:x:<nonce>.

// TicketStore keeps the Tanya bidan questions (redisstore.TicketStore).
type TicketStore interface {
	// Save writes a new or changed ticket.
	Save(ctx context.Context, t tickets.Ticket) error
	// Get returns a ticket; ok is false when there is none (never, expired
	// or erased).
	Get(ctx context.Context, id string) (t tickets.Ticket, ok bool, err error)
	// Open lists the open tickets of residents within area, oldest first.
	Open(ctx context.Context, area cadre.Area, limit int) ([]tickets.Ticket, error)
}

// askFlow is the resident's side of Tanya bidan.
type askFlow struct{}

// answerFlow is the staff's side of Tanya bidan.
type answerFlow struct{}

const (
	flowAsk    = "ask"
	flowAnswer = "jwb"
	stepAskQ   = "q"     // waiting for the question
	stepAnsW   = "write" // waiting for the answer
	// askListed is how many open questions the staff list shows.
	askListed = 10
	// ticketNotify is how long a notice of a question stays worth sending.
	ticketNotify = 30 * 24 * time.Hour
)

// askState is the staff flow's state: the ticket being answered.
type askState struct {
	ID string `json:"id"`
}

func (askFlow) Name() string       { return flowAsk }
func (askFlow) Commands() []string { return []string{"tanya", "ask"} }

func (f askFlow) Routes() []Route {
	return []Route{
		{Op: "", Do: func(st *step, _ []string) { f.Start(st, "") }},
		{Op: "cancel", Steps: []string{stepAskQ}, Do: func(st *step, _ []string) {
			st.s.resetFlow()
			st.show(st.t("ask_cancelled"), st.menuButton())
		}},
		{Op: "close", Args: 2, Consent: true, Do: f.close},
	}
}

// Start asks for the question, when the resident may ask.
func (askFlow) Start(st *step, _ string) {
	switch {
	case st.e.svc.Tickets == nil || st.e.svc.Roles == nil:
		st.show(st.t("ask_unavailable"), st.menuButton())
	case !st.r.Consented():
		st.show(st.t("ask_need_consent"), st.menuButton())
	case st.r.Area == nil || st.r.Area.Kecamatan == "":
		st.needArea("ask_need_area", flowAsk)
	default:
		st.enter(askFlow{}, stepAskQ)
		st.show(st.t("ask_intro", st.areaName(*st.r.Area)), [][]kbbot.Button{{st.flowButton(st.t("btn_cancel"), "cancel")}})
	}
}

// Text takes the question.
func (f askFlow) Text(st *step, t string) bool {
	if st.s.Step != stepAskQ {
		return false
	}
	if st.r.Area == nil || !st.r.Consented() {
		// Her area or consent went meanwhile (/wilayah, retention).
		st.s.resetFlow()
		f.Start(st, "")
		return true
	}
	t = strings.TrimSpace(t)
	switch n := utf8.RuneCountInString(t); {
	case n < 5:
		st.send(st.t("ask_too_short"), [][]kbbot.Button{{st.flowButton(st.t("btn_cancel"), "cancel")}})
		return true
	case n > tickets.MaxQuestion:
		st.send(st.t("ask_too_long", tickets.MaxQuestion, n), [][]kbbot.Button{{st.flowButton(st.t("btn_cancel"), "cancel")}})
		return true
	}
	area := *st.r.Area
	tk := tickets.Ticket{ID: st.e.nonce() + st.e.nonce(), Chat: st.ev.ChatID, Area: area, Lang: st.r.Lang,
		Question: t, Context: f.context(st), Status: tickets.Open, Created: st.now.UTC()}
	staff, level, err := st.ticketStaff(tk, 0)
	if err != nil {
		st.mustRetry("find staff for a question", err)
		return true
	}
	if len(staff) == 0 {
		st.s.resetFlow()
		st.show(st.t("ask_nobody"), st.menuButton())
		return true
	}
	tk.Level = level
	if !st.sendTicket(tk, staff) {
		return true
	}
	st.s.resetFlow()
	st.show(st.t("ask_sent", st.roleName(tickets.Levels[level]), st.areaName(area)), st.menuButton())
	return true
}

// needArea asks the resident to tell her area first (/wilayah), saying
// why with text key; the flow next goes on once the area is saved.
func (st *step) needArea(key, next string) {
	rows := [][]kbbot.Button{}
	if st.e.svc.Broadcasts != nil {
		rows = append(rows, []kbbot.Button{st.btn("menu_area", data(flowArea, arThen, next))})
	}
	st.show(st.t(key), append(rows, st.menuButton()...))
}

// context is what the staff see with the question: the method course and
// the active booking of the record (her consent covers both).
func (askFlow) context(st *step) string {
	var parts []string
	if n := len(st.r.Courses); n > 0 {
		c := st.r.Courses[n-1]
		parts = append(parts, st.t("ask_ctx_course", st.methodName(booking.Method(c.Method)), staffDay(c.GivenAt)))
	}
	for i := len(st.r.History) - 1; i >= 0; i-- {
		if h := st.r.History[i]; h.Code != "" {
			parts = append(parts, st.t("ask_ctx_booking", h.Code))
			break
		}
	}
	return strings.Join(parts, "\n")
}

// ticketStaff finds who a question waits for at level or, when nobody has
// that role in the resident's area, the next level with someone.
func (st *step) ticketStaff(t tickets.Ticket, level int) ([]kbbot.ChatID, int, error) {
	members, err := st.e.svc.Roles.Members(st.ctx, cadre.Area{Kabupaten: t.Area.Kabupaten})
	if err != nil {
		return nil, level, err
	}
	for ; level < len(tickets.Levels); level++ {
		role := tickets.Levels[level]
		var chats []kbbot.ChatID
		if role == cadre.Admin {
			chats = append(chats, st.e.svc.AdminChats...)
		}
		for _, m := range members {
			if m.Role == role && cadre.Can(m, cadre.ActAnswer, t.Area) {
				chats = append(chats, m.Chat)
			}
		}
		if len(chats) > 0 {
			return chats, level, nil
		}
	}
	return nil, level, nil
}

// sendTicket saves t (at its level, due to go up after the working hours
// of Services.TicketEscalate) and tells staff of it; false when a store
// failed (the step is retried).
func (st *step) sendTicket(t tickets.Ticket, staff []kbbot.ChatID) bool {
	wait := st.e.svc.TicketEscalate
	if wait <= 0 {
		wait = 8 * time.Hour
	}
	t.EscalateAt = tickets.AddWorkingHours(st.now, wait, staffZone).UTC()
	if err := st.e.svc.Tickets.Save(st.ctx, t); err != nil {
		st.mustRetry("save a question", err)
		return false
	}
	lv := strconv.Itoa(t.Level)
	items := make([]reminders.Item, 0, len(staff)+1)
	for _, c := range staff {
		items = append(items, reminders.Item{ID: reminders.KindTicket + ":" + t.ID + ":" + lv + ":" + strconv.FormatInt(int64(c), 10),
			Chat: c, Kind: reminders.KindTicket, Ref: t.ID, Due: st.now.UTC(), NotAfter: st.now.Add(ticketNotify).UTC(), Zone: staffZone.String()})
	}
	if t.Level < len(tickets.Levels)-1 {
		items = append(items, reminders.Item{ID: reminders.KindTicketEscalate + ":" + t.ID + ":" + lv, Chat: t.Chat,
			Kind: reminders.KindTicketEscalate, Ref: t.ID, Due: t.EscalateAt, NotAfter: t.EscalateAt.Add(ticketNotify), Zone: staffZone.String()})
	}
	if st.e.svc.Reminders != nil {
		if _, err := st.e.svc.Reminders.Schedule(st.ctx, items...); err != nil {
			st.mustRetry("tell staff of a question", err)
			return false
		}
	}
	return true
}

// escalate sends a question still unanswered at its escalation time to the
// next level (a reminder of the resident's chat; she sees nothing).
func (st *step) escalateTicket(id string) {
	t, ok, err := st.e.svc.Tickets.Get(st.ctx, id)
	if err != nil {
		st.mustRetry("read a question to escalate", err)
		return
	}
	if !ok || t.Status != tickets.Open || t.Chat != st.ev.ChatID || t.Level >= len(tickets.Levels)-1 {
		return
	}
	staff, level, err := st.ticketStaff(t, t.Level+1)
	if err != nil {
		st.mustRetry("find staff to escalate a question", err)
		return
	}
	if len(staff) == 0 {
		return
	}
	t.Level = level
	st.sendTicket(t, staff)
}

// close closes the resident's own question (ask:close:<id>:<key>).
func (askFlow) close(st *step, args []string) {
	if st.r.ButtonKey == "" || args[1] != st.r.ButtonKey || st.e.svc.Tickets == nil {
		st.expired()
		return
	}
	t, ok, err := st.e.svc.Tickets.Get(st.ctx, args[0])
	if err != nil {
		st.storeFailed("read a question", err)
		return
	}
	if !ok || t.Chat != st.ev.ChatID {
		st.expired()
		return
	}
	if t.Status != tickets.Closed {
		t.Status = tickets.Closed
		if err := st.e.svc.Tickets.Save(st.ctx, t); err != nil {
			st.storeFailed("close a question", err)
			return
		}
	}
	st.toast(st.t("ask_closed_toast"))
	st.inPlace = false
	st.send(st.t("ask_closed"), st.menuButton())
}

// ticketNotice is a staff member's message about a question waiting in
// their area (KindTicket); silent once it is answered or closed.
func (st *step) ticketNotice(id string) {
	if st.e.svc.Tickets == nil {
		return
	}
	t, ok, err := st.e.svc.Tickets.Get(st.ctx, id)
	if err != nil {
		st.mustRetry("read a question", err)
		return
	}
	m, isStaff := st.member()
	if !ok || t.Status != tickets.Open || !isStaff || !cadre.Can(m, cadre.ActAnswer, t.Area) {
		return
	}
	st.send(st.t("ask_notice", st.areaName(t.Area), st.askTime(t.Created)), [][]kbbot.Button{
		{st.btn("btn_ask_view", data(flowAnswer, "v", t.ID))},
	})
}

// ticketAnswer gives the resident an answer (KindTicketAnswer; the
// reminder's ID ends with the answer's number).
func (st *step) ticketAnswer(r *kbbot.Reminder) {
	if st.e.svc.Tickets == nil {
		return
	}
	t, ok, err := st.e.svc.Tickets.Get(st.ctx, r.Ref)
	if err != nil {
		st.mustRetry("read a question", err)
		return
	}
	n, _ := strconv.Atoi(r.ID[strings.LastIndexByte(r.ID, ':')+1:])
	if !ok || t.Chat != st.ev.ChatID || n < 0 || n >= len(t.Answers) {
		return
	}
	a := t.Answers[n]
	st.send(st.t("ask_answer", a.Name, st.roleName(a.Role), clip(t.Question, 200), a.Text), [][]kbbot.Button{
		{st.btn("btn_ask_close", data(flowAsk, "close", t.ID, st.residentKey()))},
		{st.btn("btn_ask_more", data(flowAsk))},
		{st.btn("btn_menu", data(cbMenu))},
	})
}

// askTime is a time as staff read it in a list: "5/12 09.10" in WIB.
func (st *step) askTime(t time.Time) string {
	lt := t.In(staffZone)
	return strconv.Itoa(lt.Day()) + "/" + strconv.Itoa(int(lt.Month())) + " " + st.clock(lt)
}

func (answerFlow) Name() string       { return flowAnswer }
func (answerFlow) Commands() []string { return []string{"pertanyaan", "questions"} }

// Start lists the open questions of the member's area.
func (f answerFlow) Start(st *step, _ string) {
	if m, ok := staffFromCommand(st); ok {
		f.list(st, m, nil)
	}
}

func (f answerFlow) Routes() []Route {
	return []Route{
		{Op: "", Right: cadre.ActAnswer, Do: staffDo(f.list)},
		{Op: "v", Args: 1, Right: cadre.ActAnswer, Do: staffDo(f.view)},
		{Op: "a", Args: 1, Right: cadre.ActAnswer, Do: staffDo(f.write)},
		{Op: "x", Steps: []string{stepAnsW}, Right: cadre.ActAnswer, Do: staffDo(f.list)},
	}
}

// list shows the open questions of m's area, oldest first.
func (answerFlow) list(st *step, m cadre.Member, _ []string) {
	if !staffMay(st, m, cadre.ActAnswer) || st.e.svc.Tickets == nil {
		return
	}
	st.s.resetFlow()
	ts, err := st.e.svc.Tickets.Open(st.ctx, m.Area, askListed)
	if err != nil {
		st.storeFailed("list questions", err)
		return
	}
	if len(ts) == 0 {
		st.show(st.t("ask_none_open"), st.staffButtons())
		return
	}
	var rows [][]kbbot.Button
	for _, t := range ts {
		label := "❓ " + shortLabel(t.Area.Kelurahan+" "+t.Area.Kecamatan, 28) + " · " + st.askTime(t.Created)
		rows = append(rows, []kbbot.Button{{Label: label, Data: data(flowAnswer, "v", t.ID)}})
	}
	st.show(st.t("ask_list", len(ts)), append(rows, st.staffButtons()...))
}

// ticketFor reads ticket id for m: ok is false (and the member told) when
// there is none, or it is outside m's area.
func ticketFor(st *step, m cadre.Member, id string) (tickets.Ticket, bool) {
	if st.e.svc.Tickets == nil {
		st.expired()
		return tickets.Ticket{}, false
	}
	t, ok, err := st.e.svc.Tickets.Get(st.ctx, id)
	if err != nil {
		st.storeFailed("read a question", err)
		return t, false
	}
	if !ok || !cadre.Can(m, cadre.ActAnswer, t.Area) {
		st.show(st.t("ask_gone"), st.staffButtons())
		return t, false
	}
	return t, true
}

// view shows one question with its context.
func (answerFlow) view(st *step, m cadre.Member, args []string) {
	t, ok := ticketFor(st, m, args[0])
	if !ok {
		return
	}
	text := st.t("ask_view", st.areaName(t.Area), st.askTime(t.Created), t.Question)
	if t.Context != "" {
		text += "\n\n" + st.t("ask_view_ctx", t.Context)
	}
	for _, a := range t.Answers {
		text += "\n\n" + st.t("ask_view_answer", a.Name, st.askTime(a.At), clip(a.Text, 300))
	}
	rows := [][]kbbot.Button{}
	if t.Status != tickets.Closed {
		rows = append(rows, []kbbot.Button{st.btn("btn_ask_write", data(flowAnswer, "a", t.ID))})
	} else {
		text += "\n\n" + st.t("ask_view_closed")
	}
	st.show(text, append(rows, st.staffButtons()...))
}

// write asks the member for the answer.
func (answerFlow) write(st *step, m cadre.Member, args []string) {
	t, ok := ticketFor(st, m, args[0])
	if !ok {
		return
	}
	if t.Status == tickets.Closed {
		st.show(st.t("ask_view_closed"), st.staffButtons())
		return
	}
	st.enter(answerFlow{}, stepAnsW)
	saveState(st, askState{ID: t.ID})
	st.inPlace = false
	st.send(st.t("ask_write", clip(t.Question, 300)), [][]kbbot.Button{{st.flowButton(st.t("btn_cancel"), "x")}})
}

// Text takes the answer and sends it to the resident.
func (f answerFlow) Text(st *step, text string) bool {
	if st.s.Step != stepAnsW {
		return false
	}
	return staffTyping(st, func(m cadre.Member) {
		var s askState
		loadState(st, &s)
		text = strings.TrimSpace(text)
		if n := utf8.RuneCountInString(text); n < 2 || n > tickets.MaxAnswer {
			st.send(st.t("ask_answer_length", tickets.MaxAnswer), [][]kbbot.Button{{st.flowButton(st.t("btn_cancel"), "x")}})
			return
		}
		t, ok := ticketFor(st, m, s.ID)
		if !ok {
			st.s.resetFlow()
			return
		}
		name := m.Name
		if name == "" {
			name = st.roleName(m.Role)
		}
		t.Answers = append(t.Answers, tickets.Answer{By: st.ev.ChatID, Name: name, Role: m.Role, Text: text, At: st.now.UTC()})
		if t.Status == tickets.Open {
			t.Status = tickets.Answered
		}
		if err := st.e.svc.Tickets.Save(st.ctx, t); err != nil {
			st.mustRetry("save an answer", err)
			return
		}
		n := strconv.Itoa(len(t.Answers) - 1)
		if st.e.svc.Reminders != nil {
			if _, err := st.e.svc.Reminders.Schedule(st.ctx, reminders.Item{ID: reminders.KindTicketAnswer + ":" + t.ID + ":" + n,
				Chat: t.Chat, Kind: reminders.KindTicketAnswer, Ref: t.ID, Due: st.now.UTC(), NotAfter: st.now.Add(ticketNotify).UTC(),
				Zone: staffZone.String()}); err != nil {
				st.mustRetry("send an answer", err)
				return
			}
		}
		st.auditStaff(m, cadre.ActAnswer, t.Area, t.ID)
		st.s.resetFlow()
		st.show(st.t("ask_answer_sent"), st.staffButtons())
	})
}
