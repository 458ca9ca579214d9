package kbbot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection enforces the layout of DESIGN.md: arrows point
// inward. conversations, content and the domain packages (booking,
// reminders) know nothing of Telegram, Redis or cron; the adapters bot,
// scheduler and redisstore never import each other or conversations; the
// root domain package imports only the standard library.
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
		{"/conversations", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app"}},
		{"/bot", []string{"go-redis", "robfig/cron", mod + "/conversations", mod + "/redisstore", mod + "/scheduler", mod + "/content", mod + "/app"}},
		{"/redisstore", []string{"telegram-bot-api", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/scheduler", mod + "/app"}},
		{"/scheduler", []string{"telegram-bot-api", "go-redis", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/app"}},
		{"/booking", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/content"}},
		{"/reminders", []string{"telegram-bot-api", "go-redis", "robfig/cron", "yaml", mod + "/"}},
		{"/cadre", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/"}},
		{"/broadcast", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app"}},
		{"/report", []string{"telegram-bot-api", "go-redis", "robfig/cron", mod + "/conversations", mod + "/bot", mod + "/redisstore", mod + "/scheduler", mod + "/app"}},
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
