package conversations_test

import (
	"testing"

	"github.com/kbbot/kbbot/content"
	"github.com/kbbot/kbbot/internal/fakes"
)

var quiet = fakes.Quiet

// library loads the embedded content once for all tests.
func library(t testing.TB) *content.Library { return fakes.Library(t) }
