package content

import (
	"html"
	"sync"
	"testing"
)

var (
	loadOnce sync.Once
	loaded   *Library
	loadErr  error
)

// mustLoad loads the embedded content once for all tests.
func mustLoad(t *testing.T) *Library {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = Load() })
	if loadErr != nil {
		t.Fatalf("Load: %v", loadErr)
	}
	return loaded
}

// esc escapes s as the renderers do.
func esc(s string) string { return html.EscapeString(s) }
