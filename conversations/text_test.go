package conversations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/conversations"
	"github.com/kbbot/kbbot/resident"
)

// TestTextArgumentsAreEscaped: what a resident types comes back inside a
// reply escaped for Telegram's HTML (the text helper escapes it; no call
// site has to), while the catalog's own markup stays markup.
func TestTextArgumentsAreEscaped(t *testing.T) {
	t.Parallel()
	e := engine(t)
	for _, ev := range []kbbot.Event{
		{Kind: kbbot.EventCommand, ChatID: 1, Command: "bahasa", Args: "<b>x</b> & y"},
		{Kind: kbbot.EventCommand, ChatID: 1, Command: "<i>zz&"},
	} {
		res := e.Step(context.Background(), conversations.NewSession(), resident.New("id"), ev, now)
		var all strings.Builder
		for _, r := range res.Replies {
			all.WriteString(r.Text + "\n")
		}
		got := all.String()
		if strings.Contains(got, "<b>x") || strings.Contains(got, "<i>zz") {
			t.Errorf("%s %s: the typed text reached the reply as markup:\n%s", ev.Command, ev.Args, got)
		}
		if strings.Contains(got, "&amp;amp;") || strings.Contains(got, "&amp;lt;") {
			t.Errorf("%s %s: escaped twice:\n%s", ev.Command, ev.Args, got)
		}
		want := "&lt;b&gt;x&lt;/b&gt; &amp; y"
		if ev.Command != "bahasa" {
			want = "/&lt;i&gt;zz&amp;"
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s %s: reply lacks %q:\n%s", ev.Command, ev.Args, want, got)
		}
	}
}
