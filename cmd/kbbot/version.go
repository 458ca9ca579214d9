package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are stamped at build time:
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/kbbot
//
// Without -X, commit falls back to the VCS revision Go records in the binary
// (a build inside a git checkout), and version to the module version (go
// install module@version).
var (
	version = "dev"
	commit  = "unknown"
)

// buildInfo is what `kbbot version` prints.
type buildInfo struct {
	Version, Commit, Go, Platform string
}

// currentBuild returns the stamped version and commit, completed from the
// build information the Go toolchain embeds.
func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return resolveBuild(version, commit, bi)
}

// resolveBuild fills what -ldflags left at its default from bi (nil: none).
func resolveBuild(ver, rev string, bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: ver, Commit: rev, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		return b
	}
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	if b.Commit == "unknown" {
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && b.Commit != "unknown" {
			b.Commit += "-dirty"
		}
	}
	return b
}

// printVersion writes one line: version, commit, Go version and platform.
func printVersion(w io.Writer, b buildInfo) {
	fmt.Fprintf(w, "kbbot %s (commit %s, %s %s)\n", b.Version, b.Commit, b.Go, b.Platform)
}
