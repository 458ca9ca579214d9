package fakes

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/kbbot/kbbot/content"
)

// Quiet is a logger that discards everything, for tests.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var (
	libOnce sync.Once
	lib     *content.Library
	libErr  error
)

// Library returns the embedded content, loaded once for all the tests of
// a package; a content that does not load fails the test.
func Library(tb testing.TB) *content.Library {
	tb.Helper()
	libOnce.Do(func() { lib, libErr = content.Load() })
	if libErr != nil {
		tb.Fatal(libErr)
	}
	return lib
}
