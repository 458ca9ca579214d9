package conversations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

var now = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

func engine(t testing.TB) *conversations.Engine {
	return conversations.NewEngine(library(t), func() string { return "n1" }, conversations.Services{})
}

// tap taps a button as a resident who gave consent and reads lang.
func tap(e *conversations.Engine, s *conversations.Session, lang content.Lang, d string) conversations.Result {
	r := resident.New(string(lang))
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	return e.Step(context.Background(), s, r, kbbot.Event{Kind: kbbot.EventCallback, ChatID: 1, CallbackID: "q", Data: d, MessageID: 10}, now)
}

// TestEveryEducationButtonLeadsSomewhere taps every button reachable from the
// education menu, in both languages: none may be "expired", every callback
// is answered, and every page fits Telegram's limits.
func TestEveryEducationButtonLeadsSomewhere(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	for _, lang := range content.Langs {
		expired := lib.UI.T(lang, "button_expired")
		seen := map[string]bool{}
		queue := []string{"learn:menu"}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			if seen[d] {
				continue
			}
			seen[d] = true
			s := conversations.NewSession()
			res := tap(e, s, lang, d)
			answers := 0
			for _, r := range res.Replies {
				if r.Kind == kbbot.ReplyAnswer {
					answers++
					continue
				}
				if strings.Contains(r.Text, expired) {
					t.Errorf("%s: button %q says it has expired", lang, d)
				}
				if n := len([]rune(r.Text)); n == 0 || n > content.MaxMessageChars {
					t.Errorf("%s: button %q shows %d characters", lang, d, n)
				}
				for _, row := range r.Buttons {
					for _, b := range row {
						if len(b.Data) > content.MaxCallbackBytes || b.Label == "" {
							t.Errorf("%s: bad button %+v on page %q", lang, b, d)
						}
						if strings.HasPrefix(b.Data, "learn:") {
							queue = append(queue, b.Data)
						}
					}
				}
			}
			if answers != 1 {
				t.Errorf("%s: tap %q answered %d times, want once", lang, d, answers)
			}
		}
		// Every method, myth and topic must be reachable.
		for _, m := range lib.Methods() {
			if !seen["learn:m:"+m.Code] {
				t.Errorf("%s: method %s not reachable from the menu", lang, m.Code)
			}
			for _, sec := range content.Sections {
				if sec != content.SectionOverview && !seen["learn:s:"+m.Code+":"+sec] {
					t.Errorf("%s: section %s of %s not reachable", lang, sec, m.Code)
				}
			}
		}
		for _, m := range lib.Myths() {
			if !seen["learn:y:"+m.ID] {
				t.Errorf("%s: myth %s not reachable", lang, m.ID)
			}
		}
		for _, tp := range lib.Topics() {
			if !seen["learn:t:"+tp.ID] {
				t.Errorf("%s: topic %s not reachable", lang, tp.ID)
			}
		}
	}
}

// TestMethodPageOffersTheBidanNote: the note that the bot informs and the
// bidan decides is one tap away on every method page.
func TestMethodPageOffersTheBidanNote(t *testing.T) {
	t.Parallel()
	e := engine(t)
	for _, m := range library(t).Methods() {
		for _, sec := range content.Sections {
			s := conversations.NewSession()
			res := tap(e, s, content.ID, "learn:s:"+m.Code+":"+sec)
			found := false
			for _, r := range res.Replies {
				for _, row := range r.Buttons {
					for _, b := range row {
						found = found || b.Data == "learn:t:"+content.NoteTopicID
					}
				}
			}
			if !found {
				t.Errorf("%s/%s: no button to the bidan note", m.Code, sec)
			}
		}
	}
}

// TestQuizFlow answers every question with its first option and gets at
// least three methods, each with a booking button; a stale answer button
// from an earlier quiz is refused.
func TestQuizFlow(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	s := conversations.NewSession()
	res := tap(e, s, content.ID, "learn:quiz")
	s = res.Session
	for i, q := range lib.Quiz() {
		res = tap(e, s, content.ID, "quiz:a:"+q.Options[0].Code+":n1")
		s = res.Session
		if i < len(lib.Quiz())-1 && s.Flow != "quiz" {
			t.Fatalf("quiz ended after question %d", i+1)
		}
	}
	if s.Flow != "" {
		t.Fatalf("quiz still running after the last question: %+v", s)
	}
	books := 0
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Data, "learn:bk:") {
					books++
				}
			}
		}
	}
	if books < 3 {
		t.Fatalf("want at least 3 methods with a booking button, got %d", books)
	}
	// The answers do not outlive the quiz.
	if len(s.Data) != 0 {
		t.Fatalf("quiz answers kept after the quiz: %v", s.Data)
	}
	res = tap(e, s, content.ID, "quiz:a:"+lib.Quiz()[0].Options[0].Code+":n1")
	if !strings.Contains(res.Replies[len(res.Replies)-2].Text, lib.UI.T(content.ID, "button_expired")) {
		t.Fatalf("an answer button of a finished quiz must be expired: %+v", res.Replies)
	}
}

// TestFreeTextSearches: a question in the resident's own words gets the
// matching page; nonsense gets the no-match page and the topic menu.
func TestFreeTextSearches(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	ask := func(q string) conversations.Result {
		return e.Step(context.Background(), conversations.NewSession(), nil, kbbot.Event{Kind: kbbot.EventText, ChatID: 1, Text: q}, now)
	}
	res := ask("spiral bisa pindah ke jantung?")
	if len(res.Replies) == 0 || !strings.Contains(strings.ToLower(res.Replies[0].Text), "jantung") {
		t.Fatalf("IUD-to-heart question not answered by its myth: %+v", res.Replies)
	}
	res = ask("harga cabai hari ini")
	if res.Replies[0].Text != lib.NoMatchPage(content.ID) {
		t.Fatalf("off-topic question must get the no-match page, got %q", res.Replies[0].Text)
	}
}

// TestConsentAskedForWhatTheResidentWanted: a resident who declined and
// then opens the reminders is told why reminders need her data, not why
// booking does.
func TestConsentAskedForWhatTheResidentWanted(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	r := resident.New("id")
	r.Consent = conversations.ConsentDeclined
	res := e.Step(context.Background(), conversations.NewSession(), r, kbbot.Event{Kind: kbbot.EventCallback, ChatID: 1, CallbackID: "q", Data: "menu:course", MessageID: 10}, now)
	var all strings.Builder
	for _, rep := range res.Replies {
		all.WriteString(rep.Text + "\n")
	}
	if !strings.Contains(all.String(), lib.UI.T(content.ID, "consent_needed_course")) || strings.Contains(all.String(), lib.UI.T(content.ID, "consent_needed")) {
		t.Fatalf("want the reminders' reason for consent:\n%s", all.String())
	}
}
