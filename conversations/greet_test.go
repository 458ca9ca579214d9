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

// TestSmallTalkGetsAWarmAnswer: greetings, thanks, an "ok", emoji and the
// word "menu" get a short answer and the main menu, never the search's
// "no match" page; a question that only starts with a greeting is still
// searched.
func TestSmallTalkGetsAWarmAnswer(t *testing.T) {
	t.Parallel()
	e := engine(t)
	ui := library(t).UI
	say := func(text string) conversations.Result {
		r := resident.New("id")
		r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
		return e.Step(context.Background(), conversations.NewSession(), r, kbbot.Event{Kind: kbbot.EventText, ChatID: 1, Text: text}, now)
	}
	menu := ui.T(content.ID, "menu_title")
	for text, want := range map[string]string{
		"halo":                     "talk_hello",
		"Haloo kak!":               "talk_hello",
		"Assalamualaikum bu bidan": "talk_hello",
		"selamat pagi":             "talk_hello",
		"makasih":                  "talk_thanks",
		"Terima kasih banyak ya":   "talk_thanks",
		"makasihhh 🙏":              "talk_thanks",
		"ok":                       "talk_ok",
		"🙏":                        "talk_ok",
		"👍👍":                       "talk_ok",
		"menu":                     "",
		"Menu utama":               "",
	} {
		res := say(text)
		var texts []string
		for _, r := range res.Replies {
			texts = append(texts, r.Text)
		}
		all := strings.Join(texts, "\n")
		if !strings.Contains(all, menu) {
			t.Errorf("%q: no main menu in %q", text, all)
		}
		if want != "" && !strings.Contains(all, ui.T(content.ID, want)) {
			t.Errorf("%q: %q, want %s", text, all, want)
		}
		if strings.Contains(all, "belum menemukan") || len(res.Replies) > 2 {
			t.Errorf("%q: %d replies %q, want one short answer and the menu", text, len(res.Replies), all)
		}
	}
	for _, q := range []string{"halo saya mau tanya pil kb", "pil kb darurat", "suntik"} {
		res := say(q)
		if len(res.Replies) > 0 && strings.Contains(res.Replies[0].Text, ui.T(content.ID, "talk_hello")) {
			t.Errorf("%q was taken for small talk", q)
		}
	}
}

// TestPregnancyTextIsUnderstood: "saya hamil" in her words offers the KB
// pasca persalinan pathway; a question about not getting pregnant does not.
func TestPregnancyTextIsUnderstood(t *testing.T) {
	t.Parallel()
	e := engine(t)
	ui := library(t).UI
	say := func(text string) string {
		r := resident.New("id")
		r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
		res := e.Step(context.Background(), conversations.NewSession(), r, kbbot.Event{Kind: kbbot.EventText, ChatID: 1, Text: text}, now)
		var all []string
		for _, rep := range res.Replies {
			all = append(all, rep.Text)
		}
		return strings.Join(all, "\n")
	}
	offer := ui.T(content.ID, "kbpp_offer")
	for _, q := range []string{"saya hamil 7 bulan", "Saya sedang hamil", "lagi hamil bu", "hamil 5 bulan", "istri saya hamil"} {
		if !strings.Contains(say(q), offer) {
			t.Errorf("%q: no KB-PP offer", q)
		}
	}
	for _, q := range []string{"bagaimana supaya tidak hamil", "saya takut hamil lagi", "cara cegah hamil", "saya tidak hamil kan?", "ingin hamil lagi"} {
		if strings.Contains(say(q), offer) {
			t.Errorf("%q: offered KB-PP", q)
		}
	}
}

// TestBirthTextOffersThePathwayFromTheBirth: a mother whose baby is born
// already ("saya sudah melahirkan") gets the search's answer and the way
// into KB pasca persalinan from the birth; /hamil offers it too, and a
// baby of 3 months can be told (not only "a month ago" or "longer"). A
// question about KB after birth, or a birth still to come, is not taken
// for one.
func TestBirthTextOffersThePathwayFromTheBirth(t *testing.T) {
	t.Parallel()
	ui := library(t).UI
	birth := ui.T(content.ID, "btn_kbpp_birth")
	for _, q := range []string{"saya sudah melahirkan", "baru lahiran 2 minggu lalu", "bayi saya sudah lahir", "udah melahirkan bu"} {
		c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: consented()}
		out := c.say(q)
		if buttonData(out, birth) == "" {
			t.Errorf("%q: no %q button in %v", q, birth, labels(out))
			continue
		}
		out = c.press(buttonData(out, birth))
		three := buttonData(out, ui.T(content.ID, "btn_kbpp_born_3months"))
		if three == "" {
			t.Fatalf("%q: no 3-month button in %v", q, labels(out))
		}
		c.press(three)
		if p := c.r.Pregnancy; p == nil || now.Sub(p.Born) < 85*24*time.Hour || now.Sub(p.Born) > 95*24*time.Hour {
			t.Errorf("%q: a baby of 3 months recorded as %+v", q, p)
		}
	}
	for _, q := range []string{"kb apa yang aman setelah melahirkan", "saya mau melahirkan bulan depan", "belum melahirkan", "saya hamil 7 bulan"} {
		c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: consented()}
		if out := c.say(q); buttonData(out, birth) != "" {
			t.Errorf("%q: offered the pathway from the birth", q)
		}
	}
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: consented()}
	if out := c.say("/hamil"); buttonData(out, birth) == "" {
		t.Errorf("/hamil offers no way for a baby born already: %v", labels(out))
	}
}

func consented() *resident.Record {
	r := resident.New("id")
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	return r
}
