package conversations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

func cloneSession(s *conversations.Session) *conversations.Session {
	c := *s
	return &c
}

// firstText is the text of the first message of a result (after the
// callback answer).
func firstText(res conversations.Result) string {
	for _, r := range res.Replies {
		if r.Text != "" && r.CallbackID == "" {
			return r.Text
		}
	}
	return ""
}

// TestCourseFlow walks /pengingat by its buttons (method, zone, when): the
// answers live in the flow's typed state, and a button of the finished
// flow, or one out of step, has expired.
func TestCourseFlow(t *testing.T) {
	t.Parallel()
	e := engine(t)
	lib := library(t)
	expired := lib.UI.T(content.ID, "button_expired")
	s := conversations.NewSession()
	// A zone before a method is out of step.
	res := tap(e, s, content.ID, "menu:course")
	s = res.Session
	if s.Flow != "course" || s.Step != "method" {
		t.Fatalf("menu:course: %+v", s)
	}
	if res = tap(e, cloneSession(s), content.ID, "course:z:0:n1"); !strings.Contains(firstText(res), expired) {
		t.Fatalf("a zone before the method must be expired: %q", firstText(res))
	}
	for _, d := range []string{"course:m:suntik3:n1", "course:z:0:n1", "course:w:0:n1"} {
		res = tap(e, s, content.ID, d)
		if strings.Contains(firstText(res), expired) {
			t.Fatalf("%s: expired", d)
		}
		s = res.Session
	}
	if s.Flow != "" || len(s.Data) != 0 {
		t.Fatalf("the flow must end with the course set: %+v", s)
	}
	if !strings.Contains(res.Replies[len(res.Replies)-1].Text, "Suntik KB 3 bulan") {
		t.Fatalf("course not confirmed: %+v", res.Replies)
	}
	if res = tap(e, s, content.ID, "course:w:0:n1"); !strings.Contains(firstText(res), expired) {
		t.Fatalf("a button of the finished flow must be expired: %q", firstText(res))
	}
}

// TestForgedOrderButtonsExpire: buttons of the orders, change and offer
// flows that do not fit (no running flow, a wrong nonce, a missing or
// forged argument) are refused as expired.
func TestForgedOrderButtonsExpire(t *testing.T) {
	t.Parallel()
	e := engine(t)
	expired := library(t).UI.T(content.ID, "button_expired")
	for _, d := range []string{"offer:acc:n1", "offer:dec", "chg:t:s1:n1", "chg:f:x:n1", "ord:v", "ord:v:NOPE", "ord:lv:0", "ord:zz:1", "course:off:nokind", "quiz:a:x:n1"} {
		if res := tap(e, conversations.NewSession(), content.ID, d); !strings.Contains(firstText(res), expired) {
			t.Errorf("%s: want expired, got %q", d, firstText(res))
		}
	}
}

// TestSettingsButtonsAreBound: the reminder's "stop this kind" button
// works only with the resident's own ButtonKey (not another's, not the
// old form without one, not after /hapusdata made a new record), and a
// language button only while the screen that showed it is current.
func TestSettingsButtonsAreBound(t *testing.T) {
	t.Parallel()
	e := engine(t)
	expired := library(t).UI.T(content.ID, "button_expired")
	step := func(r *resident.Record, s *conversations.Session, d string) conversations.Result {
		return e.Step(context.Background(), s, r, kbbot.Event{Kind: kbbot.EventCallback, ChatID: 1, CallbackID: "q", Data: d, MessageID: 10}, now)
	}
	newRecord := func(key string) *resident.Record {
		r := resident.New("id")
		r.Consent, r.NoticeVersion, r.ButtonKey = conversations.ConsentGiven, conversations.NoticeVersion, key
		return r
	}
	for _, c := range []struct {
		key, data string
		works     bool
	}{
		{"k7x2", "course:off:suntik3:k7x2", true},
		{"k7x2", "course:off:suntik3:zzzz", false}, // another resident's key
		{"k7x2", "course:off:suntik3", false},      // the old form, unbound
		{"", "course:off:suntik3:k7x2", false},     // a new record (after /hapusdata)
	} {
		r := newRecord(c.key)
		res := step(r, conversations.NewSession(), c.data)
		gotExpired := strings.Contains(firstText(res), expired)
		stopped := res.Record != nil && slices.Contains(res.Record.OffKinds, "suntik3")
		if gotExpired == c.works || stopped != c.works {
			t.Errorf("key %q, tap %q: expired %v, stopped %v; want it to work: %v", c.key, c.data, gotExpired, stopped, c.works)
		}
	}

	// The language screen's buttons carry the session's nonce.
	r := newRecord("")
	res := e.Step(context.Background(), conversations.NewSession(), r, kbbot.Event{Kind: kbbot.EventCommand, ChatID: 1, Command: "bahasa"}, now)
	var en string
	for _, rep := range res.Replies {
		for _, row := range rep.Buttons {
			for _, b := range row {
				if b.Label == "English" {
					en = b.Data
				}
			}
		}
	}
	if !strings.HasPrefix(en, "menu:lang:en:") {
		t.Fatalf("the English button's data is %q, want menu:lang:en:<nonce>", en)
	}
	for _, forged := range []string{"menu:lang:en", "menu:lang:en:zzzz"} {
		if res := step(newRecord(""), cloneSession(res.Session), forged); !strings.Contains(firstText(res), expired) || res.Record.Lang != "id" {
			t.Errorf("%q: %q, lang %q; want expired and Indonesian kept", forged, firstText(res), res.Record.Lang)
		}
	}
	if got := step(newRecord(""), cloneSession(res.Session), en); strings.Contains(firstText(got), expired) || got.Record.Lang != "en" {
		t.Errorf("the screen's own English button: %q, lang %q", firstText(got), got.Record.Lang)
	}
}

// TestCourseShowsWhatIsRecorded: /pengingat names the method the bidan
// recorded at check-in (or the resident herself) before asking, so she
// picks a method only when it changed; an ended course is not named.
func TestCourseShowsWhatIsRecorded(t *testing.T) {
	t.Parallel()
	r := resident.New("id")
	r.Consent, r.NoticeVersion = conversations.ConsentGiven, conversations.NoticeVersion
	r.Courses = []resident.Course{{Method: "implan", GivenAt: now.AddDate(0, 0, -10), Zone: "Asia/Jakarta", Source: "checkin"}}
	c := &sapaanChat{t: t, e: engine(t), s: conversations.NewSession(), r: r}
	if out := texts(c.say("/pengingat")); !strings.Contains(out, "Yang tercatat: <b>Implan (susuk KB)</b>, sejak") || !strings.Contains(out, "dicatat bidan") {
		t.Errorf("/pengingat with the bidan's record: %q", out)
	}
	r.Courses[0].Ended = now.AddDate(0, 0, -1)
	if out := texts(c.say("/pengingat")); strings.Contains(out, "Yang tercatat") {
		t.Errorf("/pengingat names an ended course: %q", out)
	}
}
