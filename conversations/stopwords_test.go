package conversations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/internal/fakes"
	"github.com/kbbot/kbbot/reminders"
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

// TestStopWordReachesTheStores: with in-memory stores, the plain word stop
// cancels the resident's pending reminders and takes them out of cadre
// announcements; when a store fails the step is retried, and the retry
// completes it. mulai puts them back in the audiences.
func TestStopWordReachesTheStores(t *testing.T) {
	t.Parallel()
	rems, bcs := fakes.NewReminders(), fakes.NewBroadcasts()
	e := conversations.NewEngine(library(t), func() string { return "n1" }, conversations.Services{Reminders: rems, Broadcasts: bcs, Log: quiet})
	ctx := context.Background()
	const chat kbbot.ChatID = 5
	if _, err := rems.Schedule(ctx, reminders.Item{ID: "pil:c1:1", Chat: chat, Kind: reminders.KindPil, Ref: "c1",
		Due: now.Add(24 * time.Hour), NotAfter: now.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r := resident.New("id")
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	stop := kbbot.Event{Kind: kbbot.EventText, ChatID: chat, Text: "stop"}

	down := errors.New("store down")
	bcs.Fail(down)
	res := e.Step(ctx, conversations.NewSession(), r, stop, now)
	if !res.Retry {
		t.Fatal("a failed opt-out write must make the step retried")
	}
	if bcs.Fail(nil); bcs.Stopped(chat) {
		t.Fatal("opt-out recorded by a failing store")
	}
	res = e.Step(ctx, conversations.NewSession(), r, stop, now)
	if res.Retry || !res.Record.RemindersOff || !bcs.Stopped(chat) || len(rems.Pending(chat)) != 0 {
		t.Fatalf("after the retry: retry %v, off %v, opted out %v, pending %v", res.Retry, res.Record.RemindersOff, bcs.Stopped(chat), rems.Pending(chat))
	}
	res = e.Step(ctx, res.Session, res.Record, kbbot.Event{Kind: kbbot.EventText, ChatID: chat, Text: "mulai"}, now)
	if res.Retry || res.Record.RemindersOff || bcs.Stopped(chat) {
		t.Fatalf("mulai: retry %v, off %v, opted out %v", res.Retry, res.Record.RemindersOff, bcs.Stopped(chat))
	}
}
