package conversations_test

import (
	"strings"
	"testing"

	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/conversations"
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
