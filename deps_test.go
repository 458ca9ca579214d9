package kbbot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection enforces the layout of DESIGN.md: arrows point
// inward. conversations, dispatch, content and the domain packages
// (booking, reminders, broadcast, report) know nothing of Telegram, Redis
// or cron; the adapters bot, scheduler and redisstore never import each
// other or conversations; conversations imports neither its runtime
// (dispatch), nor the broadcast sender (broadcast/send), nor the drawing
// code (report/render); the root domain package imports only the standard
// library.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/kbbot/kbbot"
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"", []string{"telegram-bot-api", "go-redis", "robfig/cron", "yaml", mod + "/"}},
		{"/content", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler"}},
		// The dialog: no adapters, no runtime (dispatch imports it, not the
		// reverse), no broadcast sender, and no drawing code: the PNG and
		// XLSX files come through its Renderer interface.
		{"/conversations", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app",
			mod + "/dispatch", mod + "/broadcast/send", mod + "/report/render", "image/png", "golang.org/x/image", "excelize", "gozxing"}},
		// The runtime around the dialog knows no Telegram, Redis or cron.
		{"/dispatch", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app",
			mod + "/report/render", "excelize", "gozxing"}},
		{"/bot", []string{"go-redis", "robfig/cron", mod + "/conversations", mod + "/redisstore", mod + "/scheduler", mod + "/content", mod + "/app"}},
		{"/redisstore", []string{"telegram-bot-api", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/scheduler", mod + "/app"}},
		{"/scheduler", []string{"telegram-bot-api", "go-redis", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/app"}},
		{"/booking", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/content"}},
		// The spreadsheet form of the events file: excelize, never the
		// adapters or the dialog.
		{"/booking/sheet", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler",
			mod + "/content", mod + "/app", mod + "/dispatch", mod + "/report"}},
		{"/reminders", []string{"telegram-bot-api", "go-redis", "robfig/cron", "yaml", mod + "/"}},
		{"/cadre", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/"}},
		// Tanya bidan's domain: the staff vocabulary only.
		{"/tickets", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler",
			mod + "/app", mod + "/content", mod + "/dispatch"}},
		{"/broadcast", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app",
			mod + "/broadcast/send", mod + "/content"}},
		// The broadcast sender gets its texts injected: no dialog, no content.
		{"/broadcast/send", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/content", mod + "/dispatch",
			mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app"}},
		// The rekap's figures and CSV are pure; the drawing is report/render's.
		{"/report", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app",
			mod + "/report/render", "image/png", "golang.org/x/image", "excelize", "gozxing"}},
		{"/report/render", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app"}},
	}
	for _, r := range rules {
		for _, d := range deps(r.pkg) {
			if d == mod+r.pkg {
				continue
			}
			for _, f := range r.forbidden {
				if strings.Contains(d, f) && !(r.pkg == "/bot" && strings.HasPrefix(d, mod+"/bot")) {
					t.Errorf("%s imports %s, which DESIGN.md forbids", mod+r.pkg, d)
				}
			}
		}
	}
}
