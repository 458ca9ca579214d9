package conversations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

// Every flow and step of the dialog (the flow and step names of
// conversations/*.go), so that the plain words are tried everywhere.
var (
	allFlows = []string{"", "consent", "erase", "area", "report", "book", "course", "quiz", "offer", "role", "bc", "bcx", "why", "me"}
	allSteps = []string{"", "where", "kab", "kec", "fac", "event", "method", "session", "name", "phone", "screen", "perm", "confirm",
		"cadre", "show", "ci_code", "ci_show", "ci_ok", "rk_event", "qr_pick", "inv_role", "inv_kab", "inv_kec", "inv_kel", "inv_kkb",
		"inv_exp", "team", "rm", "ask", "when", "text"}
)

// TestPlainStopWordsInEveryStep: "stop", "berhenti" and "mulai", in any
// case and alone in a message, act like /berhenti and /mulai whatever flow
// and step the resident is in.
func TestPlainStopWordsInEveryStep(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	stopped := lib.UI.T(content.ID, "reminders_stopped")
	resumed := lib.UI.T(content.ID, "reminders_resumed")
	for _, flow := range allFlows {
		for _, st := range allSteps {
			for _, word := range []string{"STOP", "stop", "Berhenti", " berhenti "} {
				s := &conversations.Session{Version: conversations.SchemaVersion, Flow: flow, Step: st, Nonce: "n0"}
				r := resident.New("id")
				r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
				res := e.Step(context.Background(), s, r, kbbot.Event{Kind: kbbot.EventText, ChatID: 5, Text: word}, now)
				if res.Record == nil || !res.Record.RemindersOff || !said(res, stopped) {
					t.Fatalf("flow %q step %q: %q did not stop reminders: %+v", flow, st, word, res.Replies)
				}
				res = e.Step(context.Background(), res.Session, res.Record, kbbot.Event{Kind: kbbot.EventText, ChatID: 5, Text: "MULAI"}, now)
				if res.Record.RemindersOff || !said(res, resumed) {
					t.Fatalf("flow %q step %q: mulai did not resume reminders: %+v", flow, st, res.Replies)
				}
			}
		}
	}
	// A word inside a sentence is a question, not a command.
	r := resident.New("id")
	r.Consent = conversations.ConsentGiven
	res := e.Step(context.Background(), conversations.NewSession(), r, kbbot.Event{Kind: kbbot.EventText, ChatID: 5, Text: "kapan boleh berhenti pil"}, now)
	if res.Record.RemindersOff {
		t.Fatal("a sentence containing 'berhenti' stopped the reminders")
	}
}

func said(res conversations.Result, text string) bool {
	for _, r := range res.Replies {
		if strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

// TestStopReasonAskedOnce: a resident who already said why she stopped is
// not asked again when she says stop again; one who skipped is.
func TestStopReasonAskedOnce(t *testing.T) {
	t.Parallel()
	e := engine(t)
	ask := library(t).UI.T(content.ID, "why_ask")
	r := resident.New("id")
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	stop := kbbot.Event{Kind: kbbot.EventText, ChatID: 5, Text: "stop"}
	res := e.Step(context.Background(), conversations.NewSession(), r, stop, now)
	if !said(res, ask) {
		t.Fatal("the first stop must ask why")
	}
	res = e.Step(context.Background(), res.Session, res.Record, stop, now)
	if !said(res, ask) {
		t.Fatal("a resident who did not answer may be asked again")
	}
	res = e.Step(context.Background(), res.Session, res.Record, kbbot.Event{Kind: kbbot.EventCallback, ChatID: 5, CallbackID: "q",
		Data: "why:pick:" + resident.StopPregnant + ":" + res.Session.Nonce}, now)
	if res.Record.StopReason != resident.StopPregnant {
		t.Fatalf("the reason was not kept: %+v", res.Record)
	}
	res = e.Step(context.Background(), res.Session, res.Record, stop, now)
	if said(res, ask) || res.Record.StopReason != resident.StopPregnant {
		t.Fatalf("a reason given is not asked for again: %+v", res.Replies)
	}
}
