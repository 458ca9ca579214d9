package booking_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsStayPure checks that package booking imports only the
// standard library, yaml.v3 and the domain package kbbot: never Redis,
// Telegram or the conversations.
func TestImportsStayPure(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/kbbot/kbbot/booking").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{"github.com/kbbot/kbbot": true, "github.com/kbbot/kbbot/booking": true, "gopkg.in/yaml.v3": true}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("booking depends on %s", p)
		}
	}
}
