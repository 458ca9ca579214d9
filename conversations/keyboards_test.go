package conversations_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kbbot/kbbot"
)

// TestSharedKeyboardsStayAsBuilt: the menus built once per engine and
// shared by every reply (step.keyboard) are the same for everyone who
// should see them: a member's staff row never reaches a resident's menu,
// and a caller appending to a reply's buttons changes no later reply.
func TestSharedKeyboardsStayAsBuilt(t *testing.T) {
	t.Parallel()
	w := newRoleWorld(t)
	resident := fmt.Sprint(labels(w.send(rResident, "/menu")))
	staff := w.ui("staff_menu_button")
	for range 3 {
		admin := w.send(rAdmin, "/menu")
		if !slices.Contains(labels(admin), staff) {
			t.Fatalf("the admin's menu lacks the staff menu: %s", dump(admin))
		}
		adminLabels := fmt.Sprint(labels(admin))
		r := w.send(rResident, "/menu")
		r[0].Buttons = append(r[0].Buttons, []kbbot.Button{{Label: "tambahan", Data: "menu"}})
		if got := fmt.Sprint(labels(admin)); got != adminLabels {
			t.Fatalf("the admin's menu changed under her:\n got %s\nwant %s", got, adminLabels)
		}
		admin[0].Buttons = append(admin[0].Buttons, []kbbot.Button{{Label: "tambahan", Data: "menu"}})
		if got := fmt.Sprint(labels(w.send(rResident, "/menu"))); got != resident {
			t.Fatalf("the resident's menu changed:\n got %s\nwant %s", got, resident)
		}
		help := w.tapData(rResident, "menu:help")
		help[len(help)-1].Buttons = append(help[len(help)-1].Buttons, []kbbot.Button{{Label: "tambahan", Data: "menu"}})
		if got := labels(w.tapData(rResident, "menu:help")); slices.Contains(got, "tambahan") || slices.Contains(got, staff) {
			t.Fatalf("help changed: %v", got)
		}
	}
}
