package conversations_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/kbbot/kbbot/content"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var (
	libOnce sync.Once
	lib     *content.Library
	libErr  error
)

// library loads the embedded content once for all tests.
func library(t testing.TB) *content.Library {
	t.Helper()
	libOnce.Do(func() { lib, libErr = content.Load() })
	if libErr != nil {
		t.Fatal(libErr)
	}
	return lib
}
