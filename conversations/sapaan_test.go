package conversations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/reminders"
	"github.com/kbbot/kbbot/resident"
)

// sapaanChat is one resident's chat driven step by step, keeping the
// session and the record between steps as the store would.
type sapaanChat struct {
	t *testing.T
	e *conversations.Engine
	s *conversations.Session
	r *resident.Record
}

func (c *sapaanChat) step(ev kbbot.Event) []kbbot.Reply {
	c.t.Helper()
	ev.ChatID = 1
	res := c.e.Step(context.Background(), c.s, c.r, ev, now)
	if res.Session != nil {
		c.s, c.r = res.Session, res.Record
	}
	return res.Replies
}

// say sends text; a "/command" goes as a command.
func (c *sapaanChat) say(text string) []kbbot.Reply {
	if cmd, ok := strings.CutPrefix(text, "/"); ok {
		return c.step(kbbot.Event{Kind: kbbot.EventCommand, Text: text, Command: cmd})
	}
	return c.step(kbbot.Event{Kind: kbbot.EventText, Text: text})
}

func (c *sapaanChat) press(d string) []kbbot.Reply {
	return c.step(kbbot.Event{Kind: kbbot.EventCallback, CallbackID: "q", Data: d, MessageID: 10})
}

// TestSapaanAskedOnceAndKept: after the privacy question the menu says the
// bot will say "Ibu" and offers "Bapak" once; a man who taps it is called
// Bapak from then on (buttons too), the group names of women are kept, and
// the menu does not ask again. A forged or stale button changes nothing.
func TestSapaanAskedOnceAndKept(t *testing.T) {
	t.Parallel()
	ui := library(t).UI
	bapak := ui.T(content.ID, "btn_sapaan_bapak")
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: resident.New("id")}
	out := c.press(buttonData(c.say("/start"), ui.T(content.ID, "btn_consent_yes")))
	if !strings.Contains(texts(out), "Saya memanggil <b>Ibu</b>") {
		t.Fatalf("after consent: no form of address offered in %q", texts(out))
	}
	d := buttonData(out, bapak)
	if d == "" {
		t.Fatalf("no %q button after consent", bapak)
	}
	c.press(d)
	if c.r.Sapaan != "bapak" {
		t.Fatalf("sapaan %q after tapping %q", c.r.Sapaan, bapak)
	}
	help := texts(c.say("/bantuan"))
	if strings.Contains(help, "Ibu") || !strings.Contains(help, "wilayah Bapak") {
		t.Errorf("/bantuan for a Bapak: %q", help)
	}
	menu := c.say("/menu")
	if strings.Contains(texts(menu), "Saya memanggil") || buttonData(menu, bapak) != "" {
		t.Errorf("the menu asks again: %q", texts(menu))
	}
	data := c.say("/dataku")
	if !strings.Contains(texts(data), "Sapaan: Bapak") || buttonData(data, ui.T(content.ID, "btn_sapaan_ibu")) == "" {
		t.Errorf("/dataku for a Bapak: %q %v", texts(data), labels(data))
	}
	toIbu := buttonData(data, ui.T(content.ID, "btn_sapaan_ibu"))
	for _, forged := range []string{strings.Replace(toIbu, "ibu", "ratu", 1), strings.TrimSuffix(toIbu, "n1") + "zz"} {
		if out := c.press(forged); !strings.Contains(texts(out), ui.T(content.ID, "button_expired")) || c.r.Sapaan != "bapak" {
			t.Errorf("a forged form of address %q: %q, sapaan %q", forged, texts(out), c.r.Sapaan)
		}
	}
	c.press(buttonData(c.say("/dataku"), ui.T(content.ID, "btn_sapaan_ibu")))
	if c.r.Sapaan != "ibu" || !strings.Contains(texts(c.say("/bantuan")), "wilayah Ibu") {
		t.Errorf("back to Ibu from /dataku: sapaan %q", c.r.Sapaan)
	}
}

// TestSapaanInferred: a man answering the quiz is called Bapak; a resident
// who tells the group "ibu hamil" or answers as a woman stays Ibu; an
// inference never overrides a form of address told before; English texts
// are never touched.
func TestSapaanInferred(t *testing.T) {
	t.Parallel()
	quizAs := func(who, told string) *sapaanChat {
		r := resident.New("id")
		r.Consent, r.NoticeVersion, r.Sapaan = conversations.ConsentGiven, conversations.NoticeVersion, told
		c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: r}
		out := c.press("learn:quiz")
		for _, row := range lastButtons(out) {
			for _, b := range row {
				if strings.HasPrefix(b.Data, "quiz:a:"+who+":") {
					c.press(b.Data)
					return c
				}
			}
		}
		t.Fatalf("no quiz answer %q in %v", who, labels(out))
		return nil
	}
	if c := quizAs("laki", ""); c.r.Sapaan != "bapak" {
		t.Errorf("a man answering the quiz: sapaan %q", c.r.Sapaan)
	}
	if c := quizAs("perempuan", ""); c.r.Sapaan != "ibu" {
		t.Errorf("a woman answering the quiz: sapaan %q", c.r.Sapaan)
	}
	if c := quizAs("laki", "ibu"); c.r.Sapaan != "ibu" {
		t.Errorf("the quiz overrode a told sapaan: %q", c.r.Sapaan)
	}
	r := resident.New("en")
	r.Sapaan = "bapak"
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: r}
	if out := texts(c.say("/bantuan")); strings.Contains(out, "Bapak") {
		t.Errorf("English help names Bapak: %q", out)
	}
}

// TestSapaanKeepsMotherTexts: the KB pasca persalinan pathway speaks to
// the woman herself, so its texts keep "Ibu" even for a resident called
// Bapak (he may read them for his wife).
func TestSapaanKeepsMotherTexts(t *testing.T) {
	t.Parallel()
	r := resident.New("id")
	r.Consent, r.NoticeVersion, r.Sapaan = conversations.ConsentGiven, conversations.NoticeVersion, "bapak"
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: r}
	out := texts(c.say("/hamil"))
	if !strings.Contains(out, "Ibu") || strings.Contains(out, "Bapak") {
		t.Errorf("KB-PP start for a resident called Bapak: %q", out)
	}
}

// TestSapaanBapakTextsMakeSense: a resident called Bapak never reads
// that he may get pregnant or has an implant: the KB-PP reminders and the
// reminders of a woman's method keep "Ibu" (his wife), and the privacy
// notice still names both forms of address ("Ibu atau Bapak").
func TestSapaanBapakTextsMakeSense(t *testing.T) {
	t.Parallel()
	r := resident.New("id")
	r.Consent, r.NoticeVersion, r.Sapaan = conversations.ConsentGiven, conversations.NoticeVersion, "bapak"
	r.Pregnancy = &resident.Pregnancy{Since: now.Add(-200 * 24 * time.Hour), Born: now.Add(-7 * 24 * time.Hour), Breastfeeding: "full"}
	given := now.AddDate(-3, 0, 0).Add(20 * 24 * time.Hour)
	r.Courses = []resident.Course{{Method: "implan", GivenAt: given, Zone: "Asia/Jakarta", Source: "bidan"}}
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: r}
	remind := func(kind, ref string) string {
		return texts(c.step(kbbot.Event{Kind: kbbot.EventReminder, Reminder: &kbbot.Reminder{ID: kind + ":x", Kind: kind, Ref: ref}}))
	}
	if out := remind(reminders.KindKBPPWeek1, ""); out == "" || strings.Contains(out, "Bapak bisa hamil") || !strings.Contains(out, "Ibu bisa hamil") {
		t.Errorf("KB-PP week-1 reminder to a Bapak: %q", out)
	}
	ref := reminders.CourseRef(1, "implan", given, time.FixedZone("WIB", 7*3600))
	if out := remind(reminders.KindImplanEnd, ref); out == "" || strings.Contains(out, "implan Bapak") {
		t.Errorf("implant-end reminder to a Bapak: %q", out)
	}
	if out := texts(c.say("/privasi")); strings.Contains(out, "Bapak atau Bapak") || !strings.Contains(out, "Ibu atau Bapak") {
		t.Errorf("privacy notice to a Bapak names the forms of address wrongly: %q", out)
	}
	// The texts about him still call him Bapak.
	if out := texts(c.say("/bantuan")); !strings.Contains(out, "Bapak") {
		t.Errorf("/bantuan for a Bapak: %q", out)
	}
}

func lastButtons(replies []kbbot.Reply) [][]kbbot.Button {
	for i := len(replies) - 1; i >= 0; i-- {
		if len(replies[i].Buttons) > 0 {
			return replies[i].Buttons
		}
	}
	return nil
}
